"""Asynchronous work: each job does its work outside the lock, then commits under it.

A job never holds the world lock while reading S3 or training, so serving continues. Jobs
honour the minimum durations in :class:`~rcl_emulator.models.Timing` before committing, and
drop their result if the resource was deleted or the emulator reset meanwhile.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np
from PIL import Image

from . import detector, s3io, trainer
from .inference import moderation_labels
from .manifests import DETECTION, MODERATION_ATTRIBUTE, Entry, ImageChecker, detection_objects
from .models import (
    BASE_MODEL_VERSION,
    CONTENT_MODERATION,
    MAX_INVALID_FRACTION,
    TRANSITIONS,
    Dataset,
    Project,
    RekognitionBackend,
    Version,
    World,
    apply_changes,
    billable_seconds,
    now,
    parse_manifest,
    touch,
)

log = logging.getLogger("rcl_emulator")
Commit = Callable[[], None]
MAX_MANIFEST_LINES = 250_000
MAX_LABELS = 250
MIN_LABELS = 2
# AWS's limits page: an object localization dataset needs at least one label.
MIN_DETECTION_LABELS = 1
# Adapters: AWS is silent on the threshold used when FeatureConfig gives none.
DEFAULT_ADAPTER_THRESHOLD = 50.0
# "Adapter and Base model predictions are returned at ConfidenceThreshold 5.0".
OUTPUT_MIN_CONFIDENCE = 5.0


class DatasetFailure(Exception):
    """A terminal dataset error: ``code`` is the Custom Labels code."""

    def __init__(self, code: str, message: str, message_code: str = "CLIENT_ERROR") -> None:
        super().__init__(message)
        self.code, self.message, self.message_code = code, message, message_code


def run_job(world: World, backend: RekognitionBackend, kind: str, target: Any,
            generation: int) -> None:
    """Run one job to completion (called on the pool)."""
    started = target.job_started or now()
    try:
        commit = JOBS[kind](world, backend, target)
    except Exception as e:  # the job must always land in a terminal state
        log.exception("job %s failed", kind)
        commit = _failure_commit(kind, target, e)
    while True:
        with world.lock:
            if world.generation != generation or world.closing.is_set():
                return
            remaining = started + world.timing.minimum(kind) - now()
        if remaining <= 0:
            break
        time.sleep(min(remaining, 0.2))
    with world.lock:
        if world.generation != generation or world.closing.is_set() \
                or not _alive(backend, target):
            return
        target.pending = None
        commit()
        world.transitions.append(_transition(backend, kind, target, started))
        world.mutated()


def _transition(backend: RekognitionBackend, kind: str, target: Any,
                started: float) -> dict[str, Any]:
    """The transitions-log entry of a job that has just committed (epoch seconds)."""
    # A resource its delete job removed has no status any more.
    status = target.status if _alive(backend, target) else None
    return {"arn": target.arn, "kind": kind, "status": status, "started": started,
            "time": time.time()}


def _alive(backend: RekognitionBackend, target: Any) -> bool:
    if isinstance(target, Project):
        return backend.projects.get(target.name) is target
    project = backend.projects.get(target.project)
    if project is None:
        return False
    if isinstance(target, Dataset):
        return project.datasets.get(target.type) is target
    return project.versions.get(target.name) is target


def ended(kind: str, ok: bool = True) -> str:
    """The status a finished job of `kind` leaves its resource in (from TRANSITIONS)."""
    status = TRANSITIONS[kind][1 if ok else 2]
    assert status is not None, f"a {kind} job has no {'success' if ok else 'failure'} status"
    return status


def _failure_commit(kind: str, target: Any, error: Exception) -> Commit:
    failed = TRANSITIONS[kind][2]

    def commit() -> None:
        if failed is None:
            return
        target.status = failed
        if isinstance(target, Dataset):
            target.message = f"An internal error occurred: {error}"
            target.message_code = "SERVICE_ERROR"
            touch(target)
        else:
            target.message = f"An internal error occurred in the emulator: {error}"

    return commit


# ---- projects ----------------------------------------------------------------------------
def _create_project(world: World, backend: RekognitionBackend, project: Project) -> Commit:
    def commit() -> None:
        project.status = ended("create_project")

    return commit


def _delete_project(world: World, backend: RekognitionBackend, project: Project) -> Commit:
    def commit() -> None:
        backend.projects.pop(project.name, None)
        backend.forget(project.arn)

    return commit


# ---- datasets ----------------------------------------------------------------------------
def _validated_entries(data: bytes) -> list[Entry]:
    lines_total = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    if lines_total > MAX_MANIFEST_LINES:
        raise DatasetFailure("ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM",
                             f"The manifest file has more than {MAX_MANIFEST_LINES} lines.")
    try:
        entries, invalid = parse_manifest(data, ImageChecker())
    except UnicodeDecodeError:
        raise DatasetFailure("ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT",
                             "The manifest file is not UTF-8 JSON Lines.") from None
    total = invalid + sum(1 for e in entries if not e.has_errors)
    if total and invalid / total > MAX_INVALID_FRACTION:
        raise DatasetFailure(
            "ERROR_TOO_MANY_RECORDS_IN_ERROR",
            f"The manifest file has too many invalid rows: {invalid} of {total} JSON lines "
            "have errors (more than 20%). List them with ListDatasetEntries after fixing, or "
            "check each line's source-ref, image and label attributes.")
    buckets = {s3io.parse_s3_uri(e.source_ref)[0] for e in entries  # type: ignore[index]
               if e.source_ref and s3io.parse_s3_uri(e.source_ref)}
    if len(buckets) > 1:
        raise DatasetFailure("ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS",
                             "The manifest file contains images from multiple S3 buckets.")
    labels = {lab for e in entries for lab in e.labels}
    if len(labels) > MAX_LABELS:
        raise DatasetFailure("ERROR_MANIFEST_TOO_MANY_LABELS",
                             f"The manifest file has more than {MAX_LABELS} labels.")
    return entries


def _dataset_commit(ds: Dataset, kind: str, entries: list[Entry] | None,
                    message: str, error: DatasetFailure | None) -> Commit:
    def commit() -> None:
        touch(ds)
        if error is not None:
            ds.status = ended(kind, ok=False)
            ds.message = f"{error.message} ({error.code})"
            ds.message_code = error.message_code
        else:
            ds.status = ended(kind)
            ds.entries = entries or []
            ds.message = message
            ds.message_code = "SUCCESS"
        ds.pending_changes = b""

    return commit


def _create_dataset(world: World, backend: RekognitionBackend, ds: Dataset) -> Commit:
    source = ds.source or {}
    try:
        if "GroundTruthManifest" in source:
            obj = source["GroundTruthManifest"]["S3Object"]
            try:
                data = s3io.get_object(obj["Bucket"], obj["Name"])
            except s3io.S3ReadError as e:
                raise DatasetFailure(
                    "ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT",
                    f"The manifest file s3://{obj['Bucket']}/{obj['Name']} can't be read "
                    f"({e.reason}).") from None
            entries = _validated_entries(data)
            message = "The dataset was successfully created from the manifest file."
        elif "DatasetArn" in source:
            with world.lock:
                try:
                    src = backend._dataset(source["DatasetArn"])
                    entries = copy.deepcopy(src.entries)
                except Exception:
                    raise DatasetFailure("ERROR_SOURCE_DATASET_NOT_FOUND",
                                         "The source dataset no longer exists.") from None
            message = "The dataset was successfully created from the source dataset."
        else:
            entries = []
            message = "The dataset was successfully created."
    except DatasetFailure as e:
        return _dataset_commit(ds, "create_dataset", None, "", e)
    return _dataset_commit(ds, "create_dataset", entries, message, None)


def _update_dataset(world: World, backend: RekognitionBackend, ds: Dataset) -> Commit:
    try:
        new = _validated_entries(ds.pending_changes)
        with world.lock:
            merged = apply_changes(ds.entries, new)
        buckets = {s3io.parse_s3_uri(e.source_ref)[0] for e in merged  # type: ignore[index]
                   if e.source_ref and s3io.parse_s3_uri(e.source_ref)}
        if len(buckets) > 1:
            raise DatasetFailure("ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS",
                                 "The manifest file contains images from multiple S3 buckets.")
    except DatasetFailure as e:
        return _dataset_commit(ds, "update_dataset", None, "", e)
    return _dataset_commit(ds, "update_dataset", merged,
                           "The dataset was successfully updated.", None)


def split_80_20(entries: list[Entry], split_safe: bool = False
                ) -> tuple[list[Entry], list[Entry], list[str]]:
    """Deterministic stratified split of labeled entries.

    Entries are grouped by their first label, ordered by a hash of the source-ref, and the
    last 20% (at least one) of each group goes to test. Returns (train, test, labels that have
    fewer than 2 images). Unlabeled or erroneous entries stay in train. With ``split_safe``
    (adapters) labeled entries without labels (safe images) are a group of their own, kept in
    train when it has a single image.
    """
    groups: dict[str, list[Entry]] = {}
    train: list[Entry] = []
    for e in entries:
        if e.labeled and (e.labels or split_safe):
            groups.setdefault(e.labels[0] if e.labels else "", []).append(e)
        else:
            train.append(e)
    test: list[Entry] = []
    too_few = []
    for label, group in sorted(groups.items()):
        if len(group) < 2:
            if split_safe and not label:
                train.extend(group)
            else:
                too_few.append(label)
            continue
        group.sort(key=lambda e: hashlib.sha256((e.source_ref or "").encode()).hexdigest())
        k = max(1, round(len(group) * 0.2))
        train.extend(group[:-k])
        test.extend(group[-k:])
    return train, test, too_few


def _distribute(world: World, backend: RekognitionBackend, train_ds: Dataset) -> Commit:
    with world.lock:
        entries = list(train_ds.entries)
        try:
            test_ds: Dataset | None = backend._dataset(train_ds.pending_peer or "")
        except Exception:
            test_ds = None
    train, test, too_few = split_80_20(entries)
    labeled = [e for e in entries if e.labeled]

    def commit() -> None:
        targets = [train_ds] + ([test_ds] if test_ds is not None and _alive(backend, test_ds)
                                else [])
        if too_few or not labeled:
            for d in targets:
                d.status, d.message_code = ended("distribute", ok=False), "CLIENT_ERROR"
                touch(d)
                d.message = ("The manifest file doesn't have enough labeled images to "
                             "distribute the dataset. (ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_"
                             f"DISTRIBUTE: labels with fewer than 2 images: "
                             f"{', '.join(too_few) or 'all'})")
            return
        order = {id(e): i for i, e in enumerate(entries)}
        train_ds.entries = sorted(train, key=lambda e: order[id(e)])
        if test_ds is not None:
            test_ds.entries = sorted(test, key=lambda e: order[id(e)])
        for d in targets:
            d.status, d.message_code = ended("distribute"), "SUCCESS"
            touch(d)
            d.message = "The dataset was successfully updated."
            d.pending = None
        train_ds.pending_peer = None

    return commit


def _delete_dataset(world: World, backend: RekognitionBackend, ds: Dataset) -> Commit:
    def commit() -> None:
        project = backend.projects.get(ds.project)
        if project is not None:
            project.datasets.pop(ds.type, None)
        backend.forget(ds.arn)

    return commit


# ---- versions ----------------------------------------------------------------------------
def _start(world: World, backend: RekognitionBackend, v: Version) -> Commit:
    def commit() -> None:
        v.status, v.message = ended("start"), "The model is running."

    return commit


def _stop(world: World, backend: RekognitionBackend, v: Version) -> Commit:
    def commit() -> None:
        v.status, v.message = ended("stop"), "The model is stopped."

    return commit


def _delete_version(world: World, backend: RekognitionBackend, v: Version) -> Commit:
    def commit() -> None:
        project = backend.projects.get(v.project)
        if project is not None:
            project.versions.pop(v.name, None)
        backend.forget(v.arn)

    return commit


def output_key(prefix: str, kind: str, project: str, version: str, ext: str = "json") -> str:
    """Key of an output file: ``{S3KeyPrefix}/{Kind}-{project}-{version}.{ext}``.

    The observed files sit directly under the caller's prefix; a "/" is added between the
    prefix and the file name unless the prefix is empty or already ends with one.
    """
    name = f"{kind}-{project}-{version}.{ext}"
    if not prefix:
        return name
    return prefix + name if prefix.endswith("/") else f"{prefix}/{name}"


def _s3_asset(bucket: str, key: str) -> dict[str, Any]:
    return {"GroundTruthManifest": {"S3Object": {"Bucket": bucket, "Name": key}}}


def _read_manifest_assets(data: dict[str, Any], adapter: bool) -> tuple[list[Entry], int, int]:
    entries: list[Entry] = []
    invalid = total = 0
    checker = ImageChecker()
    for asset in data.get("Assets", []):
        obj = asset["GroundTruthManifest"]["S3Object"]
        try:
            raw = s3io.get_object(obj["Bucket"], obj["Name"])
            part, bad = parse_manifest(raw, checker, adapter)
        except (s3io.S3ReadError, UnicodeDecodeError):
            raise trainer.TrainingError(
                "ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT",
                f"The manifest file s3://{obj['Bucket']}/{obj['Name']} can't be read or is "
                "not JSON Lines.") from None
        entries.extend(part)
        invalid += bad
        total += len(part)
    return entries, invalid, total


def _usable(entries: list[Entry], adapter: bool) -> list[Entry]:
    """Entries to train or test on; an adapter's safe images (no label) count."""
    return [e for e in entries if e.labeled and not e.has_errors and (e.labels or adapter)]


def _side_stats(entries: list[Entry], use_case: str) -> dict[str, Any]:
    """One side of the manifest summary; the counts agree with ``error_json_line_indices``."""
    errors = [i for i, e in enumerate(entries) if e.has_errors]
    return {"use_case": use_case, "total_json_lines": len(entries),
            "valid_json_lines": len(entries) - len(errors), "invalid_json_lines": len(errors),
            "ignored_json_lines": sum(1 for e in entries if not e.labeled and not e.has_errors),
            "error_json_line_indices": errors, "errors": []}


def _load_features(entries: list[Entry]) -> tuple[np.ndarray, list[Entry]]:
    feats, kept = [], []
    for e in entries:
        parsed = s3io.parse_s3_uri(e.source_ref or "")
        if parsed is None:
            continue
        try:
            feats.append(trainer.image_features(s3io.get_object(*parsed)))
            kept.append(e)
        except Exception:
            continue
    return (np.stack(feats) if feats else np.zeros((0, 1))), kept


def _check_readable(train: list[Entry], test: list[Entry], min_labels: int) -> None:
    if len({lab for e in train for lab in e.labels}) < min_labels or not test:
        raise trainer.TrainingError(
            "ERROR_FAILED_IMAGES_S3_COPY",
            "Too many images could not be read from S3; check the source-ref keys.")


def _detection(entries: list[Entry]) -> bool:
    """Whether the data holds bounding boxes; refuses data that mixes them with image-level
    labels, which no one model can learn."""
    kinds = {e.use_case for e in entries}
    if kinds == {"OBJECT_LOCALIZATION", "IMAGE_LEVEL_LABELS"}:
        raise trainer.TrainingError(
            "ERROR_UNSUPPORTED_USE_CASE_TYPE",
            "The training and testing data mix image-level labels and bounding boxes; a model "
            "either classifies images or detects objects. Label every image the same way.")
    return "OBJECT_LOCALIZATION" in kinds


def _train(world: World, backend: RekognitionBackend, v: Version) -> Commit:
    started = v.job_started or now()
    with world.lock:
        injected = world.faults.fail_next_training
        world.faults.fail_next_training = False
        project = backend.projects[v.project]
        datasets = {k: copy.copy(d.entries) for k, d in project.datasets.items()}
        feature = project.feature
    try:
        if injected:
            raise trainer.TrainingError(
                "ERROR_INJECTED_FAULT",
                "Training failed because a fault was injected (fail_next_training).")
        return _train_work(v, datasets, feature, started)
    except trainer.TrainingError as e:
        message = f"{e.code}: {e}".replace(f"{e.code}: {e.code}: ", f"{e.code}: ")

        def fail() -> None:
            v.status, v.message = ended("train", ok=False), message

        return fail


def _train_work(v: Version, datasets: dict[str, list[Entry]], feature: str,
                started: float) -> Commit:
    adapter = feature == CONTENT_MODERATION
    min_labels = 1 if adapter else MIN_LABELS
    out_bucket = v.output_config.get("S3Bucket", "")
    prefix = v.output_config.get("S3KeyPrefix", "")
    if not s3io.bucket_exists(out_bucket):
        raise trainer.TrainingError(
            "ERROR_CANNOT_WRITE_OUTPUT_S3_BUCKET",
            f"The output bucket {out_bucket} does not exist. Create it or fix "
            "OutputConfig.S3Bucket, then train a new version.")
    if v.training_input.get("Assets"):
        train_all, train_invalid, total = _read_manifest_assets(v.training_input, adapter)
        if total and train_invalid / total > MAX_INVALID_FRACTION:
            raise trainer.TrainingError(
                "ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST",
                f"{train_invalid} of {total} lines of the training manifest are invalid (more "
                "than 20%). Fix the manifest and train a new version.")
    else:
        train_all = datasets.get("TRAIN", [])
    autosplit = bool(v.testing_input.get("AutoCreate")) or (
        not v.testing_input.get("Assets") and not v.training_input.get("Assets")
        and not datasets.get("TEST"))
    if v.testing_input.get("Assets"):
        test_all, test_invalid, total = _read_manifest_assets(v.testing_input, adapter)
        if total and test_invalid / total > MAX_INVALID_FRACTION:
            raise trainer.TrainingError(
                "ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST",
                f"{test_invalid} of {total} lines of the testing manifest are invalid.")
    elif autosplit:
        test_all = []
    else:
        test_all = datasets.get("TEST", [])
    train, test = _usable(train_all, adapter), _usable(test_all, adapter)
    detection = not adapter and _detection(train + test)
    if detection:
        min_labels = MIN_DETECTION_LABELS
    if not train:
        raise trainer.TrainingError("ERROR_EMPTY_MANIFEST",
                                    "The training data has no labeled images.")
    labels = {lab for e in train for lab in e.labels}
    if len(labels) < min_labels:
        model = "an adapter" if adapter else "a classification model"
        raise trainer.TrainingError(
            "ERROR_MANIFEST_TOO_FEW_LABELS",
            f"The training data has {len(labels)} label(s); {model} needs at least "
            f"{min_labels}.")
    if autosplit:
        train, test, too_few = split_80_20(train, split_safe=adapter)
        if too_few:
            raise trainer.TrainingError(
                "ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_AUTOSPLIT",
                f"Labels with fewer than 2 images can't be split: {', '.join(too_few)}.")
    if not test:
        raise trainer.TrainingError("ERROR_EMPTY_MANIFEST",
                                    "The testing data has no labeled images.")
    test_labels = {lab for e in test for lab in e.labels}
    if len(labels & test_labels) / len(labels) < 0.5:
        raise trainer.TrainingError(
            "ERROR_INSUFFICIENT_LABEL_OVERLAP",
            "Less than 50% label overlap between the training and testing data.")
    if detection:
        results = _detection_results(v, train, test)
    else:
        x_train, train = _load_features(train)
        x_test, test = _load_features(test)
        _check_readable(train, test, min_labels)
        results = (_adapter_results if adapter else _custom_labels_results)(
            v, x_train, x_test, train, test)
    use_case = "OBJECT_LOCALIZATION" if detection else "IMAGE_LEVEL_LABELS"
    names = (v.project, v.name)
    keys = {kind: output_key(prefix, kind, *names) for kind in (
        "EvaluationResultSummary", "ManifestSummary", "TrainingGroundTruth",
        "TestingGroundTruth", "TrainingManifestWithValidation",
        "TestingManifestWithValidation")}
    manifest_summary = {
        "version": 1,
        "statistics": {"training": _side_stats(train_all, use_case),
                       "testing": _side_stats(test_all if not autosplit else test, use_case)},
        "errors": [],
    }
    files = {
        keys["EvaluationResultSummary"]: json.dumps(results.summary).encode(),
        keys["ManifestSummary"]: json.dumps(manifest_summary).encode(),
        keys["TrainingGroundTruth"]: _jsonl(results.training_lines),
        keys["TestingGroundTruth"]: _jsonl(results.testing_lines),
        keys["TrainingManifestWithValidation"]: _jsonl(e.line for e in train_all),
        keys["TestingManifestWithValidation"]: _jsonl(e.line for e in (test_all or test)),
    }
    try:
        for key, body in files.items():
            s3io.put_object(out_bucket, key, body)
    except s3io.S3ReadError:
        raise trainer.TrainingError("ERROR_CANNOT_WRITE_OUTPUT_S3_BUCKET",
                                    f"Can't write to the output bucket {out_bucket}.") from None
    blob = results.model.to_bytes()
    f1 = round(float(results.f1), 6)

    def commit() -> None:
        # Training ends when the status says so (after any minimum duration), which is also
        # when its concurrent-training slot frees.
        finished = now()
        v.status, v.message = ended("train"), "The model is ready to run."
        v.model_blob = blob
        v.billable_seconds = billable_seconds(started, finished)
        v.training_end = finished
        v.evaluation = {"F1Score": f1, "Summary": {"S3Object": {
            "Bucket": out_bucket, "Name": keys["EvaluationResultSummary"]}}}
        v.manifest_summary = {"S3Object": {"Bucket": out_bucket,
                                           "Name": keys["ManifestSummary"]}}
        v.training_result = {
            "Input": v.training_input,
            "Output": {"Assets": [_s3_asset(out_bucket, keys["TrainingGroundTruth"])]},
            "Validation": {"Assets": [_s3_asset(out_bucket,
                                                keys["TrainingManifestWithValidation"])]}}
        auto = bool(v.testing_input.get("AutoCreate", False))
        v.testing_result = {
            "Input": v.testing_input,
            "Output": {"Assets": [_s3_asset(out_bucket, keys["TestingGroundTruth"])],
                       "AutoCreate": auto},
            "Validation": {"Assets": [_s3_asset(out_bucket,
                                                keys["TestingManifestWithValidation"])]}}

    return commit


@dataclass
class _Results:
    """A trained model, its evaluation summary and F1, and the output manifests' lines."""

    model: trainer.TrainedModel | detector.Detector
    summary: dict[str, Any]
    f1: float
    training_lines: list[dict[str, Any]]
    testing_lines: list[dict[str, Any]]


def _evaluation_details(v: Version, model: trainer.TrainedModel | detector.Detector,
                        train: list[Entry], test: list[Entry]) -> dict[str, Any]:
    return {"ProjectVersionArn": v.arn,
            "EvaluationEndTimestamp": datetime.now(timezone.utc).replace(tzinfo=None)
            .isoformat(),
            "Labels": model.labels, "NumberOfTrainingImages": len(train),
            "NumberOfTestingImages": len(test)}


def _custom_labels_results(v: Version, x_train: np.ndarray, x_test: np.ndarray,
                           train: list[Entry], test: list[Entry]) -> _Results:
    model = trainer.fit(x_train, [e.labels for e in train])
    metrics = trainer.evaluate(model, x_test, [e.labels for e in test])
    summary = {
        "Version": 1,
        "AggregatedEvaluationResults": {
            "F1Score": metrics["F1Score"], "Precision": metrics["Precision"],
            "Recall": metrics["Recall"], "ConfusionMatrix": metrics["ConfusionMatrix"]},
        "EvaluationDetails": _evaluation_details(v, model, train, test),
        "LabelEvaluationResults": metrics["LabelEvaluationResults"],
    }
    return _Results(model, summary, metrics["F1Score"], [e.line for e in train],
                    _snapshot_lines(model, test, metrics))


def _annotated(entries: list[Entry]) -> tuple[list[detector.Annotated], list[Entry]]:
    """Images and their true boxes, scaled from the manifest's image_size to the image's own."""
    images, kept = [], []
    for e in entries:
        parsed = s3io.parse_s3_uri(e.source_ref or "")
        if parsed is None:
            continue
        try:
            data = s3io.get_object(*parsed)
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
        except Exception:
            continue
        (declared_w, declared_h), objects = detection_objects(e)
        sx, sy = width / (declared_w or width), height / (declared_h or height)
        images.append(detector.Annotated(data, tuple(
            (lab, x0 * sx, y0 * sy, x1 * sx, y1 * sy) for lab, x0, y0, x1, y1 in objects),
            (width, height)))
        kept.append(e)
    return images, kept


def _detection_results(v: Version, train: list[Entry], test: list[Entry]) -> _Results:
    """A detector, evaluated per bounding box (see ``detector``'s matching rule)."""
    train_images, train = _annotated(train)
    test_images, test = _annotated(test)
    _check_readable(train, test, MIN_DETECTION_LABELS)
    model = detector.fit(train_images)
    result = detector.evaluate(model, test_images)
    summary = {
        "Version": 1,
        "AggregatedEvaluationResults": result.aggregate,
        "EvaluationDetails": _evaluation_details(v, model, train, test),
        "LabelEvaluationResults": result.labels,
    }
    log.info("trained detector %s with %d labels", v.arn, len(model.labels))
    return _Results(model, summary, result.aggregate["F1Score"], [e.line for e in train],
                    _detection_snapshot(model, test_images, test, result))


def _detection_snapshot(model: detector.Detector, images: list[detector.Annotated],
                        test: list[Entry], result: detector.Evaluation) -> list[dict[str, Any]]:
    """Evaluation snapshot for detection: the true boxes, and the predictions with their
    confidence and outcome. A prediction below its label's threshold is listed only when it
    matches a true box (a false negative)."""
    created = _created()
    unseen = sorted({o[0] for image in images for o in image.objects} - set(model.labels))
    class_map = {str(i): lab for i, lab in enumerate([*model.labels, *unseen])}
    class_id = {lab: int(i) for i, lab in class_map.items()}
    lines = []
    for row, (image, e, found, matched) in enumerate(
            zip(images, test, result.found, result.matched, strict=True)):
        assert image.size is not None
        size = [{"width": image.size[0], "height": image.size[1], "depth": 3}]
        predicted, objects = [], []
        for d, m in zip(found, matched, strict=True):
            above = d.score >= model.thresholds[d.label]
            if not above and m is None:
                continue
            predicted.append(_annotation(class_id[d.label], d.box))
            objects.append({"confidence": round(d.score, 5),
                            "rekognition-custom-labels-evaluation-details": _outcome(
                                above, m is not None)})
        lines.append({
            "source-ref": e.source_ref, "rekognition-custom-labels-object-id": row,
            "rekognition-custom-labels-training-0": {
                "annotations": [_annotation(class_id[o[0]], o[1:])
                                for o in image.objects], "image_size": size},
            "rekognition-custom-labels-training-0-metadata": {
                "job-name": "rekognition-custom-labels-training-job", "class-map": class_map,
                "human-annotated": "yes", "objects": [{"confidence": 1}] * len(image.objects),
                "creation-date": created, "type": DETECTION},
            "rekognition-custom-labels-evaluation": {"annotations": predicted,
                                                     "image_size": size},
            "rekognition-custom-labels-evaluation-metadata": {
                "confidence": max((o["confidence"] for o in objects), default=0.0),
                "job-name": "rekognition-custom-labels-evaluation-job", "class-map": class_map,
                "human-annotated": "no", "objects": objects, "creation-date": created,
                "type": DETECTION},
        })
    return lines


def _annotation(class_id: int, box: Any) -> dict[str, int]:
    x0, y0, x1, y1 = (round(float(v)) for v in box)
    return {"class_id": class_id, "left": x0, "top": y0, "width": x1 - x0, "height": y1 - y0}


def _outcome(predicted: bool, present: bool) -> dict[str, Any]:
    """AWS's ``rekognition-custom-labels-evaluation-details`` for one prediction."""
    return {"version": 1, "is-true-positive": predicted and present,
            "is-true-negative": not predicted and not present,
            "is-false-positive": predicted and not present,
            "is-false-negative": present and not predicted, "is-present-in-ground-truth": present,
            "ground-truth-labelling-jobs": ["rekognition-custom-labels-training-job"]}


def _created() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _adapter_results(v: Version, x_train: np.ndarray, x_test: np.ndarray,
                     train: list[Entry], test: list[Entry]) -> _Results:
    """One-vs-rest over the adapter's labels (safe images are all-negative rows), evaluated at
    FeatureConfig.ContentModeration.ConfidenceThreshold."""
    always = sorted(set.intersection(*(set(e.labels) for e in train)))
    if always:
        raise trainer.TrainingError(
            "ERROR_INSUFFICIENT_NEGATIVE_EXAMPLES",
            f"Every training image has the label(s) {', '.join(always)}; add safe images "
            '("ModerationLabels": []) or images of other labels.')
    model = trainer.fit(x_train, [e.labels for e in train], one_vs_rest=True)
    config = (v.feature_config or {}).get("ContentModeration") or {}
    threshold = float(config.get("ConfidenceThreshold", DEFAULT_ADAPTER_THRESHOLD))
    metrics = trainer.evaluate_adapter(model, x_test, [e.labels for e in test], threshold)
    summary = {
        "AggregatedEvaluationResults": {"F1Score": metrics["F1Score"]},
        "EvaluationDetails": _evaluation_details(v, model, train, test),
        "ContentModeration": metrics["ContentModeration"],
    }
    testing_lines = []
    for e, scores in zip(test, metrics["scores"], strict=True):
        found = moderation_labels(model.labels, scores, OUTPUT_MIN_CONFIDENCE)
        testing_lines.append({
            **_moderation_line(e),
            "detect-moderation-labels": {"ModerationLabels": found,
                                         "ModerationModelVersion": BASE_MODEL_VERSION,
                                         "ProjectVersion": v.arn},
            # The stand-in base model finds nothing (the emulator has no moderation model).
            "detect-moderation-labels-base-model": {"ModerationLabels": [],
                                                    "ModerationModelVersion": BASE_MODEL_VERSION},
        })
    log.info("trained adapter %s with %d labels", v.arn, len(model.labels))
    return _Results(model, summary, metrics["F1Score"],
                    [_moderation_line(e) for e in train], testing_lines)


def _moderation_line(e: Entry) -> dict[str, Any]:
    return {"source-ref": e.source_ref, MODERATION_ATTRIBUTE: e.line[MODERATION_ATTRIBUTE]}


def _jsonl(lines: Any) -> bytes:
    return ("\n".join(json.dumps(line, separators=(",", ":")) for line in lines) + "\n").encode()


def _snapshot_lines(model: trainer.TrainedModel, test: list[Entry],
                    metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """Evaluation snapshot: ground truth renamed, predictions with per-label outcome."""
    created = _created()
    lines = []
    for row, e in enumerate(test):
        line: dict[str, Any] = {"source-ref": e.source_ref,
                                "rekognition-custom-labels-object-id": row}
        for i, lab in enumerate(e.labels):
            line[f"rekognition-custom-labels-training-{i}"] = 1
            line[f"rekognition-custom-labels-training-{i}-metadata"] = {
                "class-name": lab, "confidence": 1, "human-annotated": "yes",
                "type": "groundtruth/image-classification", "creation-date": created}
        j = 0
        for li, lab in enumerate(model.labels):
            pred = bool(metrics["predicted"][row, li])
            truth = bool(metrics["truth"][row, li])
            if not pred and not truth:
                continue
            line[f"rekognition-custom-labels-evaluation-{j}"] = 1
            line[f"rekognition-custom-labels-evaluation-{j}-metadata"] = {
                "class-name": lab, "confidence": float(metrics["scores"][row, li]),
                "human-annotated": "no", "job-name": "rekognition-custom-labels-evaluation-job",
                "type": "groundtruth/image-classification", "creation-date": created,
                "rekognition-custom-labels-evaluation-details": _outcome(pred, truth)}
            j += 1
        lines.append(line)
    return lines


def _copy(world: World, backend: RekognitionBackend, v: Version) -> Commit:
    with world.lock:
        try:
            _, src = backend._version(v.source_arn or "")
            blob, evaluation = src.model_blob, copy.deepcopy(src.evaluation)
            src_fields = (src.billable_seconds, src.training_end)
            src_results = copy.deepcopy(
                (src.training_result, src.testing_result, src.manifest_summary))
        except Exception:
            blob = None
    bucket = v.output_config.get("S3Bucket", "")
    if blob is None or not s3io.bucket_exists(bucket):
        reason = ("the source model no longer exists" if blob is None
                  else f"the output bucket {bucket} does not exist")

        def fail() -> None:
            v.status, v.message = ended("copy", ok=False), f"The model copy failed: {reason}."

        return fail
    prefix = v.output_config.get("S3KeyPrefix", "")
    key = output_key(prefix, "EvaluationResultSummary", v.project, v.name)
    new_eval = None
    if evaluation:
        old = evaluation["Summary"]["S3Object"]
        try:
            summary = json.loads(s3io.get_object(old["Bucket"], old["Name"]))
            summary["EvaluationDetails"]["ProjectVersionArn"] = v.arn
            s3io.put_object(bucket, key, json.dumps(summary).encode())
            new_eval = {"F1Score": evaluation["F1Score"],
                        "Summary": {"S3Object": {"Bucket": bucket, "Name": key}}}
        except (s3io.S3ReadError, ValueError, KeyError):
            new_eval = {"F1Score": evaluation["F1Score"]}
    training_result, testing_result, manifest_summary = _copy_results(
        v, bucket, prefix, *src_results)

    def commit() -> None:
        v.status, v.message = ended("copy"), "The model was copied."
        v.model_blob = blob
        v.evaluation = new_eval
        v.billable_seconds, v.training_end = src_fields
        v.training_result, v.testing_result = training_result, testing_result
        v.manifest_summary = manifest_summary

    return commit


def _copy_s3_file(src: dict[str, Any] | None, bucket: str, key: str) -> dict[str, Any] | None:
    """Copy one output file (an ``S3Object`` dict) to ``bucket``/``key``; None if unreadable."""
    if not src or not src.get("Bucket") or not src.get("Name"):
        return None
    try:
        s3io.put_object(bucket, key, s3io.get_object(src["Bucket"], src["Name"]))
    except s3io.S3ReadError:
        return None
    return {"Bucket": bucket, "Name": key}


def _copy_results(v: Version, bucket: str, prefix: str, training: dict[str, Any] | None,
                  testing: dict[str, Any] | None, summary: dict[str, Any] | None
                  ) -> tuple[dict[str, Any] | None, dict[str, Any] | None,
                             dict[str, Any] | None]:
    """The source's training results, with their files re-written under the new OutputConfig.

    Files that can no longer be read are left out (the Input part is always kept).
    """
    def side(result: dict[str, Any] | None, output_kind: str,
             validation_kind: str) -> dict[str, Any] | None:
        if result is None:
            return None
        out: dict[str, Any] = {"Input": result.get("Input", {})}
        for part, kind in (("Output", output_kind), ("Validation", validation_kind)):
            if part not in result:
                continue
            assets = []
            for asset in result[part].get("Assets", []):
                obj = asset.get("GroundTruthManifest", {}).get("S3Object")
                new = _copy_s3_file(obj, bucket, output_key(prefix, kind, v.project, v.name))
                if new is not None:
                    assets.append(_s3_asset(new["Bucket"], new["Name"]))
            if assets:
                out[part] = {**result[part], "Assets": assets}
        return out

    new_summary = None
    if summary is not None:
        obj = _copy_s3_file(summary.get("S3Object"), bucket,
                            output_key(prefix, "ManifestSummary", v.project, v.name))
        new_summary = {"S3Object": obj} if obj is not None else None
    return (side(training, "TrainingGroundTruth", "TrainingManifestWithValidation"),
            side(testing, "TestingGroundTruth", "TestingManifestWithValidation"),
            new_summary)


JOBS: dict[str, Callable[[World, RekognitionBackend, Any], Commit]] = {
    "create_project": _create_project,
    "delete_project": _delete_project,
    "create_dataset": _create_dataset,
    "update_dataset": _update_dataset,
    "distribute": _distribute,
    "delete_dataset": _delete_dataset,
    "train": _train,
    "copy": _copy,
    "start": _start,
    "stop": _stop,
    "delete_version": _delete_version,
}
