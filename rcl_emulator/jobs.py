"""Asynchronous work: each job does its work outside the lock, then commits under it.

A job never holds the world lock while reading S3 or training, so serving continues. Jobs
honour the minimum durations in :class:`~rcl_emulator.models.Timing` before committing, and
drop their result if the resource was deleted or the emulator reset meanwhile.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from . import s3io, trainer, training
from .backend import RekognitionBackend
from .manifests import (
    MAX_INVALID_FRACTION,
    Entry,
    ImageChecker,
    apply_changes,
    parse_manifest,
    split_80_20,
)
from .models import (
    TRANSITIONS,
    Commit,
    Dataset,
    Project,
    Version,
    ended,
    now,
    touch,
)
from .training import manifest_asset, output_key
from .world import World

log = logging.getLogger("rcl_emulator")
MAX_MANIFEST_LINES = 250_000
MAX_LABELS = 250


class DatasetFailure(Exception):
    """A terminal dataset error: ``code`` is the Custom Labels code."""

    def __init__(self, code: str, message: str, message_code: str = "CLIENT_ERROR") -> None:
        super().__init__(message)
        self.code, self.message, self.message_code = code, message, message_code


def run_job(
    world: World, backend: RekognitionBackend, kind: str, target: Any, generation: int
) -> None:
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
        if world.generation != generation or world.closing.is_set() or not _alive(backend, target):
            return
        target.pending = None
        commit()
        world.transitions.append(_transition(backend, kind, target, started))
        world.mutated()


def _transition(
    backend: RekognitionBackend, kind: str, target: Any, started: float
) -> dict[str, Any]:
    """The transitions-log entry of a job that has just committed (epoch seconds)."""
    # A resource its delete job removed has no status any more.
    status = target.status if _alive(backend, target) else None
    return {
        "arn": target.arn,
        "kind": kind,
        "status": status,
        "started": started,
        "time": time.time(),
    }


def _alive(backend: RekognitionBackend, target: Any) -> bool:
    if isinstance(target, Project):
        return backend.projects.get(target.name) is target
    project = backend.projects.get(target.project)
    if project is None:
        return False
    if isinstance(target, Dataset):
        return project.datasets.get(target.type) is target
    return project.versions.get(target.name) is target


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


def image_buckets(entries: list[Entry]) -> set[str]:
    """The S3 buckets the entries' images are in."""
    found = (s3io.parse_s3_uri(e.source_ref) for e in entries if e.source_ref)
    return {parsed[0] for parsed in found if parsed}


# ---- datasets ----------------------------------------------------------------------------
def _validated_entries(data: bytes) -> list[Entry]:
    lines_total = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    if lines_total > MAX_MANIFEST_LINES:
        raise DatasetFailure(
            "ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM",
            f"The manifest file has more than {MAX_MANIFEST_LINES} lines.",
        )
    try:
        entries, invalid = parse_manifest(data, ImageChecker())
    except UnicodeDecodeError:
        raise DatasetFailure(
            "ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT",
            "The manifest file is not UTF-8 JSON Lines.",
        ) from None
    total = invalid + sum(1 for e in entries if not e.has_errors)
    if total and invalid / total > MAX_INVALID_FRACTION:
        raise DatasetFailure(
            "ERROR_TOO_MANY_RECORDS_IN_ERROR",
            f"The manifest file has too many invalid rows: {invalid} of {total} JSON lines "
            "have errors (more than 20%). List them with ListDatasetEntries after fixing, or "
            "check each line's source-ref, image and label attributes.",
        )
    buckets = image_buckets(entries)
    if len(buckets) > 1:
        raise DatasetFailure(
            "ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS",
            "The manifest file contains images from multiple S3 buckets.",
        )
    labels = {lab for e in entries for lab in e.labels}
    if len(labels) > MAX_LABELS:
        raise DatasetFailure(
            "ERROR_MANIFEST_TOO_MANY_LABELS",
            f"The manifest file has more than {MAX_LABELS} labels.",
        )
    return entries


def _dataset_commit(
    ds: Dataset, kind: str, entries: list[Entry] | None, message: str, error: DatasetFailure | None
) -> Commit:
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
                    f"({e.reason}).",
                ) from None
            entries = _validated_entries(data)
            message = "The dataset was successfully created from the manifest file."
        elif "DatasetArn" in source:
            with world.lock:
                try:
                    src = backend._dataset(source["DatasetArn"])
                    entries = copy.deepcopy(src.entries)
                except Exception:
                    raise DatasetFailure(
                        "ERROR_SOURCE_DATASET_NOT_FOUND", "The source dataset no longer exists."
                    ) from None
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
        buckets = image_buckets(merged)
        if len(buckets) > 1:
            raise DatasetFailure(
                "ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS",
                "The manifest file contains images from multiple S3 buckets.",
            )
    except DatasetFailure as e:
        return _dataset_commit(ds, "update_dataset", None, "", e)
    return _dataset_commit(
        ds, "update_dataset", merged, "The dataset was successfully updated.", None
    )


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
        targets = [train_ds] + (
            [test_ds] if test_ds is not None and _alive(backend, test_ds) else []
        )
        if too_few or not labeled:
            for d in targets:
                d.status, d.message_code = ended("distribute", ok=False), "CLIENT_ERROR"
                touch(d)
                d.message = (
                    "The manifest file doesn't have enough labeled images to "
                    "distribute the dataset. (ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_"
                    f"DISTRIBUTE: labels with fewer than 2 images: "
                    f"{', '.join(too_few) or 'all'})"
                )
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


def _train(world: World, backend: RekognitionBackend, v: Version) -> Commit:
    started = v.job_started or now()
    with world.lock:
        injected = v.injected_failure
        project = backend.projects[v.project]
        datasets = {k: copy.copy(d.entries) for k, d in project.datasets.items()}
        feature = project.feature
    try:
        if injected:
            raise trainer.TrainingError(
                "ERROR_INJECTED_FAULT",
                "Training failed because a fault was injected (fail_next_training).",
            )
        return training.train(v, datasets, feature, started)
    except trainer.TrainingError as e:
        message = f"{e.code}: {e}".replace(f"{e.code}: {e.code}: ", f"{e.code}: ")

        def fail() -> None:
            v.status, v.message = ended("train", ok=False), message

        return fail


def _copy(world: World, backend: RekognitionBackend, v: Version) -> Commit:
    with world.lock:
        try:
            _, src = backend._version(v.source_arn or "")
            blob, evaluation = src.model_blob, copy.deepcopy(src.evaluation)
            src_fields = (src.billable_seconds, src.training_end)
            src_results = copy.deepcopy(
                (src.training_result, src.testing_result, src.manifest_summary)
            )
        except Exception:
            blob = None
    bucket = v.output_config.get("S3Bucket", "")
    if blob is None or not s3io.bucket_exists(bucket):
        reason = (
            "the source model no longer exists"
            if blob is None
            else f"the output bucket {bucket} does not exist"
        )

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
            new_eval = {
                "F1Score": evaluation["F1Score"],
                "Summary": {"S3Object": {"Bucket": bucket, "Name": key}},
            }
        except (s3io.S3ReadError, ValueError, KeyError):
            new_eval = {"F1Score": evaluation["F1Score"]}
    training_result, testing_result, manifest_summary = _copy_results(
        v, bucket, prefix, *src_results
    )

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


def _copy_results(
    v: Version,
    bucket: str,
    prefix: str,
    training: dict[str, Any] | None,
    testing: dict[str, Any] | None,
    summary: dict[str, Any] | None,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None]:
    """The source's training results, with their files re-written under the new OutputConfig.

    Files that can no longer be read are left out (the Input part is always kept).
    """

    def side(
        result: dict[str, Any] | None, output_kind: str, validation_kind: str
    ) -> dict[str, Any] | None:
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
                    assets.append(manifest_asset(new["Bucket"], new["Name"]))
            if assets:
                out[part] = {**result[part], "Assets": assets}
        return out

    new_summary = None
    if summary is not None:
        obj = _copy_s3_file(
            summary.get("S3Object"),
            bucket,
            output_key(prefix, "ManifestSummary", v.project, v.name),
        )
        new_summary = {"S3Object": obj} if obj is not None else None
    return (
        side(training, "TrainingGroundTruth", "TrainingManifestWithValidation"),
        side(testing, "TestingGroundTruth", "TestingManifestWithValidation"),
        new_summary,
    )


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
