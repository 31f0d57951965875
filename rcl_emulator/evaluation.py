"""Fitting and evaluating each kind of model, with AWS's evaluation files: image-level
classifiers (:mod:`rcl_emulator.trainer`), object detectors (:mod:`rcl_emulator.detector`) and
Content Moderation adapters.

Each kind gives its model, the evaluation summary, its F1 and the lines of the training and
testing output manifests (:class:`Results`); :mod:`rcl_emulator.training` writes them.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np
from PIL import Image

from . import detector, s3io, trainer
from .inference import moderation_labels
from .manifests import DETECTION, MODERATION_ATTRIBUTE, Entry, detection_objects
from .models import BASE_MODEL_VERSION, Version

log = logging.getLogger("rcl_emulator")
MIN_LABELS = 2
# AWS's limits page: an object localization dataset needs at least one label.
MIN_DETECTION_LABELS = 1
# Adapters: AWS is silent on the threshold used when FeatureConfig gives none.
DEFAULT_ADAPTER_THRESHOLD = 50.0
# "Adapter and Base model predictions are returned at ConfidenceThreshold 5.0".
OUTPUT_MIN_CONFIDENCE = 5.0


@dataclass
class Results:
    """A trained model, its evaluation summary and F1, and the output manifests' lines."""

    model: trainer.TrainedModel | detector.Detector
    summary: dict[str, Any]
    f1: float
    training_lines: list[dict[str, Any]]
    testing_lines: list[dict[str, Any]]


def min_labels(adapter: bool) -> int:
    """The fewest labels an image-level model (classifier or adapter) trains with."""
    return 1 if adapter else MIN_LABELS


def fit_and_evaluate(
    v: Version, train: list[Entry], test: list[Entry], adapter: bool, detection: bool
) -> tuple[Results, list[Entry]]:
    """The model and its evaluation in the format of its kind (detector, adapter, classifier),
    and the testing entries the image-level models could read."""
    if detection:
        return _detection_results(v, train, test), test
    x_train, train = _load_features(train)
    x_test, test = _load_features(test)
    _check_readable(train, test, min_labels(adapter))
    fit = _adapter_results if adapter else _custom_labels_results
    return fit(v, x_train, x_test, train, test), test


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
            "Too many images could not be read from S3; check the source-ref keys.",
        )


def _evaluation_details(
    v: Version,
    model: trainer.TrainedModel | detector.Detector,
    train: list[Entry],
    test: list[Entry],
) -> dict[str, Any]:
    return {
        "ProjectVersionArn": v.arn,
        "EvaluationEndTimestamp": datetime.now(timezone.utc).replace(tzinfo=None).isoformat(),
        "Labels": model.labels,
        "NumberOfTrainingImages": len(train),
        "NumberOfTestingImages": len(test),
    }


def _custom_labels_results(
    v: Version, x_train: np.ndarray, x_test: np.ndarray, train: list[Entry], test: list[Entry]
) -> Results:
    model = trainer.fit(x_train, [e.labels for e in train])
    metrics = trainer.evaluate(model, x_test, [e.labels for e in test])
    summary = {
        "Version": 1,
        "AggregatedEvaluationResults": {
            "F1Score": metrics["F1Score"],
            "Precision": metrics["Precision"],
            "Recall": metrics["Recall"],
            "ConfusionMatrix": metrics["ConfusionMatrix"],
        },
        "EvaluationDetails": _evaluation_details(v, model, train, test),
        "LabelEvaluationResults": metrics["LabelEvaluationResults"],
    }
    return Results(
        model,
        summary,
        metrics["F1Score"],
        [e.line for e in train],
        _snapshot_lines(model, test, metrics),
    )


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
        images.append(
            detector.Annotated(
                data,
                tuple((lab, x0 * sx, y0 * sy, x1 * sx, y1 * sy) for lab, x0, y0, x1, y1 in objects),
                (width, height),
            )
        )
        kept.append(e)
    return images, kept


def _detection_results(v: Version, train: list[Entry], test: list[Entry]) -> Results:
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
    return Results(
        model,
        summary,
        result.aggregate["F1Score"],
        [e.line for e in train],
        _detection_snapshot(model, test_images, test, result),
    )


def _detection_snapshot(
    model: detector.Detector,
    images: list[detector.Annotated],
    test: list[Entry],
    result: detector.Evaluation,
) -> list[dict[str, Any]]:
    """Evaluation snapshot for detection: per test image, its true boxes and the predictions
    with their confidence and outcome (:func:`_detection_predictions`)."""
    created = _created()
    unseen = sorted({o[0] for image in images for o in image.objects} - set(model.labels))
    class_map = {str(i): lab for i, lab in enumerate([*model.labels, *unseen])}
    class_id = {lab: int(i) for i, lab in class_map.items()}
    lines = []
    for row, (image, e, found, matched) in enumerate(
        zip(images, test, result.found, result.matched, strict=True)
    ):
        assert image.size is not None
        size = [{"width": image.size[0], "height": image.size[1], "depth": 3}]
        predicted, objects = _detection_predictions(model, class_id, found, matched)
        lines.append(
            {
                "source-ref": e.source_ref,
                "rekognition-custom-labels-object-id": row,
                "rekognition-custom-labels-training-0": {
                    "annotations": [_annotation(class_id[o[0]], o[1:]) for o in image.objects],
                    "image_size": size,
                },
                "rekognition-custom-labels-training-0-metadata": _detection_metadata(
                    "training", class_map, [{"confidence": 1}] * len(image.objects), created
                ),
                "rekognition-custom-labels-evaluation": {
                    "annotations": predicted,
                    "image_size": size,
                },
                "rekognition-custom-labels-evaluation-metadata": {
                    "confidence": max((o["confidence"] for o in objects), default=0.0),
                    **_detection_metadata("evaluation", class_map, objects, created),
                },
            }
        )
    return lines


def _detection_predictions(
    model: detector.Detector,
    class_id: dict[str, int],
    found: list[detector.Detection],
    matched: list[int | None],
) -> tuple[list[dict[str, int]], list[dict[str, Any]]]:
    """One image's predictions as snapshot annotations, and each one's confidence and outcome.
    A prediction below its label's threshold is listed only when it matches a true box (a
    false negative)."""
    predicted: list[dict[str, int]] = []
    objects: list[dict[str, Any]] = []
    for d, m in zip(found, matched, strict=True):
        above = d.score >= model.thresholds[d.label]
        if not above and m is None:
            continue
        predicted.append(_annotation(class_id[d.label], d.box))
        objects.append(
            {
                "confidence": round(d.score, 5),
                "rekognition-custom-labels-evaluation-details": _outcome(above, m is not None),
            }
        )
    return predicted, objects


def _detection_metadata(
    job: str, class_map: dict[str, str], objects: list[dict[str, Any]], created: str
) -> dict[str, Any]:
    """A detection attribute's metadata, as AWS's training (ground truth) or evaluation
    (predictions) job writes it."""
    return {
        "job-name": f"rekognition-custom-labels-{job}-job",
        "class-map": class_map,
        "human-annotated": "yes" if job == "training" else "no",
        "objects": objects,
        "creation-date": created,
        "type": DETECTION,
    }


def _annotation(class_id: int, box: Any) -> dict[str, int]:
    x0, y0, x1, y1 = (round(float(v)) for v in box)
    return {"class_id": class_id, "left": x0, "top": y0, "width": x1 - x0, "height": y1 - y0}


def _outcome(predicted: bool, present: bool) -> dict[str, Any]:
    """AWS's ``rekognition-custom-labels-evaluation-details`` for one prediction."""
    return {
        "version": 1,
        "is-true-positive": predicted and present,
        "is-true-negative": not predicted and not present,
        "is-false-positive": predicted and not present,
        "is-false-negative": present and not predicted,
        "is-present-in-ground-truth": present,
        "ground-truth-labelling-jobs": ["rekognition-custom-labels-training-job"],
    }


def _created() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _adapter_results(
    v: Version, x_train: np.ndarray, x_test: np.ndarray, train: list[Entry], test: list[Entry]
) -> Results:
    """One-vs-rest over the adapter's labels (safe images are all-negative rows), evaluated at
    FeatureConfig.ContentModeration.ConfidenceThreshold."""
    always = sorted(set.intersection(*(set(e.labels) for e in train)))
    if always:
        raise trainer.TrainingError(
            "ERROR_INSUFFICIENT_NEGATIVE_EXAMPLES",
            f"Every training image has the label(s) {', '.join(always)}; add safe images "
            '("ModerationLabels": []) or images of other labels.',
        )
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
        testing_lines.append(
            {
                **_moderation_line(e),
                "detect-moderation-labels": {
                    "ModerationLabels": found,
                    "ModerationModelVersion": BASE_MODEL_VERSION,
                    "ProjectVersion": v.arn,
                },
                # The stand-in base model finds nothing (the emulator has no moderation model).
                "detect-moderation-labels-base-model": {
                    "ModerationLabels": [],
                    "ModerationModelVersion": BASE_MODEL_VERSION,
                },
            }
        )
    log.info("trained adapter %s with %d labels", v.arn, len(model.labels))
    return Results(
        model, summary, metrics["F1Score"], [_moderation_line(e) for e in train], testing_lines
    )


def _moderation_line(e: Entry) -> dict[str, Any]:
    return {"source-ref": e.source_ref, MODERATION_ATTRIBUTE: e.line[MODERATION_ATTRIBUTE]}


def _snapshot_lines(
    model: trainer.TrainedModel, test: list[Entry], metrics: dict[str, Any]
) -> list[dict[str, Any]]:
    """Evaluation snapshot: ground truth renamed, predictions with per-label outcome."""
    created = _created()
    lines = []
    for row, e in enumerate(test):
        line: dict[str, Any] = {
            "source-ref": e.source_ref,
            "rekognition-custom-labels-object-id": row,
        }
        for i, lab in enumerate(e.labels):
            line[f"rekognition-custom-labels-training-{i}"] = 1
            line[f"rekognition-custom-labels-training-{i}-metadata"] = {
                "class-name": lab,
                "confidence": 1,
                "human-annotated": "yes",
                "type": "groundtruth/image-classification",
                "creation-date": created,
            }
        j = 0
        for li, lab in enumerate(model.labels):
            pred = bool(metrics["predicted"][row, li])
            truth = bool(metrics["truth"][row, li])
            if not pred and not truth:
                continue
            line[f"rekognition-custom-labels-evaluation-{j}"] = 1
            line[f"rekognition-custom-labels-evaluation-{j}-metadata"] = {
                "class-name": lab,
                "confidence": float(metrics["scores"][row, li]),
                "human-annotated": "no",
                "job-name": "rekognition-custom-labels-evaluation-job",
                "type": "groundtruth/image-classification",
                "creation-date": created,
                "rekognition-custom-labels-evaluation-details": _outcome(pred, truth),
            }
            j += 1
        lines.append(line)
    return lines
