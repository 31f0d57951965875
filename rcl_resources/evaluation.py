"""A model's evaluation as AWS writes it (the EvaluationResultSummary JSON in the output
bucket), read into per-label metrics."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from . import progress
from ._inputs import STRICT


class LabelMetric(BaseModel):
    """One label's evaluation on the test dataset."""

    model_config = STRICT
    label: str | None
    """The label."""
    f1_score: float | None
    """F1 score at the assumed threshold."""
    precision: float | None
    """Precision at the assumed threshold."""
    recall: float | None
    """Recall at the assumed threshold."""
    threshold: float | None
    """The assumed threshold (0-1): the confidence DetectCustomLabels applies by default."""
    test_images: int | None
    """Test images with this label."""


def label_metrics(summary: Mapping[str, Any]) -> list[LabelMetric]:
    """Per-label metrics of an evaluation summary: a model's LabelEvaluationResults, or an
    adapter's counts."""
    if "ContentModeration" in summary:
        return _adapter_label_metrics(summary["ContentModeration"])
    return [
        LabelMetric(
            label=item.get("Label"),
            f1_score=(item.get("Metrics") or {}).get("F1Score"),
            precision=(item.get("Metrics") or {}).get("Precision"),
            recall=(item.get("Metrics") or {}).get("Recall"),
            threshold=(item.get("Metrics") or {}).get("Threshold"),
            test_images=item.get("NumberOfTestingImages"),
        )
        for item in summary.get("LabelEvaluationResults") or []
    ]


def _adapter_label_metrics(moderation: Mapping[str, Any]) -> list[LabelMetric]:
    """Per-label metrics of an adapter, from the true/false positive/negative counts AWS's
    adapter summary gives at the confidence threshold the adapter was trained for."""
    at_input = moderation.get("InputConfidenceThresholdEvalResults") or {}
    threshold = at_input.get("ConfidenceThreshold")
    metrics = []
    for item in at_input.get("LabelEvaluationResults") or []:
        counts = item.get("Adapter") or {}
        tp, fp, fn, tn = (
            int(counts.get(k) or 0)
            for k in ("TruePositive", "FalsePositive", "FalseNegative", "TrueNegative")
        )
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        metrics.append(
            LabelMetric(
                label=item.get("Label"),
                f1_score=f1,
                precision=precision,
                recall=recall,
                threshold=None if threshold is None else threshold / 100,
                test_images=tp + fp + fn + tn,
            )
        )
    return sorted(metrics, key=lambda m: -(m.f1_score or 0.0))


def read_label_metrics(conn: Any, found: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-label metrics of a described model version, from the evaluation summary file in
    its output bucket (`conn`: its Connection); none, with a warning, when it is unreadable."""
    s3obj = ((found.get("EvaluationResult") or {}).get("Summary") or {}).get("S3Object") or {}
    if not s3obj.get("Bucket"):
        return []
    try:
        body = conn.s3().get_object(Bucket=s3obj["Bucket"], Key=s3obj["Name"])["Body"].read()
        summary = json.loads(body)
    except Exception as err:
        progress.warn(
            f"could not read the evaluation summary s3://{s3obj['Bucket']}/"
            f"{s3obj.get('Name')}: {err}"
        )
        return []
    return [metric.model_dump() for metric in label_metrics(summary)]
