"""Training a model version, in four steps: select the data, validate it, fit and evaluate
the model (:mod:`rcl_emulator.evaluation`), write the outputs.

Runs on a job thread without the world lock (:mod:`rcl_emulator.jobs` starts it and applies
its commit). A failure is a :class:`~rcl_emulator.trainer.TrainingError` carrying AWS's code.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from . import s3io, trainer
from .evaluation import MIN_DETECTION_LABELS, Results, fit_and_evaluate, min_labels
from .manifests import MAX_INVALID_FRACTION, Entry, ImageChecker, parse_manifest, split_80_20
from .models import (
    CONTENT_MODERATION,
    Commit,
    Version,
    ended,
    now,
)

OUTPUT_KINDS = (
    "EvaluationResultSummary",
    "ManifestSummary",
    "TrainingGroundTruth",
    "TestingGroundTruth",
    "TrainingManifestWithValidation",
    "TestingManifestWithValidation",
)


def train(v: Version, datasets: dict[str, list[Entry]], feature: str, started: float) -> Commit:
    """Train ``v`` (outside the world lock) and write its outputs; commit records the result.

    ``datasets`` holds the project's dataset entries by type. Raises
    :class:`~rcl_emulator.trainer.TrainingError`, with AWS's code, when training fails.
    """
    adapter = feature == CONTENT_MODERATION
    out_bucket = v.output_config.get("S3Bucket", "")
    if not s3io.bucket_exists(out_bucket):
        raise trainer.TrainingError(
            "ERROR_CANNOT_WRITE_OUTPUT_S3_BUCKET",
            f"The output bucket {out_bucket} does not exist. Create it or fix "
            "OutputConfig.S3Bucket, then train a new version.",
        )
    selection = _select(v, datasets, adapter)
    train_set, test_set, detection = _validate(selection, adapter)
    results, test_set = fit_and_evaluate(v, train_set, test_set, adapter, detection)
    keys = _write_outputs(v, out_bucket, selection, test_set, results, detection)
    return _trained_commit(v, results, out_bucket, keys, started)


@dataclass
class _Selection:
    """Every line of the training and testing data as read, and whether the testing data is
    split off the training data (``AutoCreate``, or no testing data anywhere)."""

    train_all: list[Entry]
    test_all: list[Entry]
    autosplit: bool


def _select(v: Version, datasets: dict[str, list[Entry]], adapter: bool) -> _Selection:
    """The version's manifests when it names any, else the project's datasets."""
    if v.training_input.get("Assets"):
        train_all, train_invalid, total = _read_manifest_assets(v.training_input, adapter)
        if total and train_invalid / total > MAX_INVALID_FRACTION:
            raise trainer.TrainingError(
                "ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST",
                f"{train_invalid} of {total} lines of the training manifest are invalid (more "
                "than 20%). Fix the manifest and train a new version.",
            )
    else:
        train_all = datasets.get("TRAIN", [])
    autosplit = bool(v.testing_input.get("AutoCreate")) or (
        not v.testing_input.get("Assets")
        and not v.training_input.get("Assets")
        and not datasets.get("TEST")
    )
    if v.testing_input.get("Assets"):
        test_all, test_invalid, total = _read_manifest_assets(v.testing_input, adapter)
        if total and test_invalid / total > MAX_INVALID_FRACTION:
            raise trainer.TrainingError(
                "ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST",
                f"{test_invalid} of {total} lines of the testing manifest are invalid.",
            )
    elif autosplit:
        test_all = []
    else:
        test_all = datasets.get("TEST", [])
    return _Selection(train_all, test_all, autosplit)


def _validate(selection: _Selection, adapter: bool) -> tuple[list[Entry], list[Entry], bool]:
    """The entries to train and test on (split 80/20 when asked), and whether they hold
    bounding boxes; refuses data no model can be trained from."""
    train = _usable(selection.train_all, adapter)
    test = _usable(selection.test_all, adapter)
    detection = not adapter and _detection(train + test)
    fewest = MIN_DETECTION_LABELS if detection else min_labels(adapter)
    if not train:
        raise trainer.TrainingError(
            "ERROR_EMPTY_MANIFEST", "The training data has no labeled images."
        )
    labels = {lab for e in train for lab in e.labels}
    if len(labels) < fewest:
        model = "an adapter" if adapter else "a classification model"
        raise trainer.TrainingError(
            "ERROR_MANIFEST_TOO_FEW_LABELS",
            f"The training data has {len(labels)} label(s); {model} needs at least {fewest}.",
        )
    if selection.autosplit:
        train, test, too_few = split_80_20(train, split_safe=adapter)
        if too_few:
            raise trainer.TrainingError(
                "ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_AUTOSPLIT",
                f"Labels with fewer than 2 images can't be split: {', '.join(too_few)}.",
            )
    if not test:
        raise trainer.TrainingError(
            "ERROR_EMPTY_MANIFEST", "The testing data has no labeled images."
        )
    test_labels = {lab for e in test for lab in e.labels}
    if len(labels & test_labels) / len(labels) < 0.5:
        raise trainer.TrainingError(
            "ERROR_INSUFFICIENT_LABEL_OVERLAP",
            "Less than 50% label overlap between the training and testing data.",
        )
    return train, test, detection


def _write_outputs(
    v: Version,
    out_bucket: str,
    selection: _Selection,
    test: list[Entry],
    results: Results,
    detection: bool,
) -> dict[str, str]:
    """Write the evaluation summary, manifest summary and output manifests; their keys by
    kind."""
    prefix = v.output_config.get("S3KeyPrefix", "")
    use_case = "OBJECT_LOCALIZATION" if detection else "IMAGE_LEVEL_LABELS"
    keys = {kind: output_key(prefix, kind, v.project, v.name) for kind in OUTPUT_KINDS}
    train_all, test_all = selection.train_all, selection.test_all
    manifest_summary = {
        "version": 1,
        "statistics": {
            "training": _side_stats(train_all, use_case),
            "testing": _side_stats(test_all if not selection.autosplit else test, use_case),
        },
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
        raise trainer.TrainingError(
            "ERROR_CANNOT_WRITE_OUTPUT_S3_BUCKET", f"Can't write to the output bucket {out_bucket}."
        ) from None
    return keys


def _trained_commit(
    v: Version, results: Results, out_bucket: str, keys: dict[str, str], started: float
) -> Commit:
    """Record the trained model, its F1 and where its outputs are on the version."""
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
        v.evaluation = {
            "F1Score": f1,
            "Summary": {
                "S3Object": {"Bucket": out_bucket, "Name": keys["EvaluationResultSummary"]}
            },
        }
        v.manifest_summary = {"S3Object": {"Bucket": out_bucket, "Name": keys["ManifestSummary"]}}
        v.training_result = {
            "Input": v.training_input,
            "Output": {"Assets": [manifest_asset(out_bucket, keys["TrainingGroundTruth"])]},
            "Validation": {
                "Assets": [manifest_asset(out_bucket, keys["TrainingManifestWithValidation"])]
            },
        }
        auto = bool(v.testing_input.get("AutoCreate", False))
        v.testing_result = {
            "Input": v.testing_input,
            "Output": {
                "Assets": [manifest_asset(out_bucket, keys["TestingGroundTruth"])],
                "AutoCreate": auto,
            },
            "Validation": {
                "Assets": [manifest_asset(out_bucket, keys["TestingManifestWithValidation"])]
            },
        }

    return commit


def billable_seconds(started: float, finished: float) -> int:
    """Billable training time: whole seconds, at least one."""
    return max(1, math.ceil(finished - started))


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
                "not JSON Lines.",
            ) from None
        entries.extend(part)
        invalid += bad
        total += len(part)
    return entries, invalid, total


def _usable(entries: list[Entry], adapter: bool) -> list[Entry]:
    """Entries to train or test on; an adapter's safe images (no label) count."""
    return [e for e in entries if e.labeled and (e.labels or adapter)]


def _detection(entries: list[Entry]) -> bool:
    """Whether the data holds bounding boxes; refuses data that mixes them with image-level
    labels, which no one model can learn."""
    kinds = {e.use_case for e in entries}
    if kinds == {"OBJECT_LOCALIZATION", "IMAGE_LEVEL_LABELS"}:
        raise trainer.TrainingError(
            "ERROR_UNSUPPORTED_USE_CASE_TYPE",
            "The training and testing data mix image-level labels and bounding boxes; a model "
            "either classifies images or detects objects. Label every image the same way.",
        )
    return "OBJECT_LOCALIZATION" in kinds


def output_key(prefix: str, kind: str, project: str, version: str, ext: str = "json") -> str:
    """Key of an output file: ``{S3KeyPrefix}/{Kind}-{project}-{version}.{ext}``.

    The observed files sit directly under the caller's prefix; a "/" is added between the
    prefix and the file name unless the prefix is empty or already ends with one.
    """
    name = f"{kind}-{project}-{version}.{ext}"
    if not prefix:
        return name
    return prefix + name if prefix.endswith("/") else f"{prefix}/{name}"


def manifest_asset(bucket: str, key: str) -> dict[str, Any]:
    """An ``Assets`` entry naming one manifest in S3."""
    return {"GroundTruthManifest": {"S3Object": {"Bucket": bucket, "Name": key}}}


def _side_stats(entries: list[Entry], use_case: str) -> dict[str, Any]:
    """One side of the manifest summary; the counts agree with ``error_json_line_indices``."""
    errors = [i for i, e in enumerate(entries) if e.has_errors]
    return {
        "use_case": use_case,
        "total_json_lines": len(entries),
        "valid_json_lines": len(entries) - len(errors),
        "invalid_json_lines": len(errors),
        "ignored_json_lines": sum(1 for e in entries if not e.labeled and not e.has_errors),
        "error_json_line_indices": errors,
        "errors": [],
    }


def _jsonl(lines: Any) -> bytes:
    return ("\n".join(json.dumps(line, separators=(",", ":")) for line in lines) + "\n").encode()
