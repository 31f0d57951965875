"""Real (small) image classification: features, classifier, evaluation and AWS summary files.

Features: the image as 32x32 RGB, giving a 16x16 grayscale thumbnail, a 4x4-cell histogram of
oriented gradients (8 bins) and 4x4-cell mean colours. Classifier: standardisation followed by
multinomial logistic regression (single-label) or one-vs-rest logistic regression
(multi-label, and Content Moderation adapters). Per-label thresholds (Custom Labels' "assumed
threshold") are the score that maximises that label's F1 on out-of-fold predictions over the
training images (3-fold cross-validation), so the reported test metrics are not tuned on the
test set. When a label has fewer than 3 training images, thresholds are tuned on the test set
instead. Adapters use the caller's confidence threshold instead.
"""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

THUMB = 32
# Adapter evaluation thresholds: "from 5 to 100 in steps of 5".
MODERATION_THRESHOLDS = tuple(float(t) for t in range(5, 101, 5))


class TrainingError(Exception):
    """Training cannot proceed; ``code`` is the Custom Labels error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def image_features(data: bytes) -> np.ndarray:
    """Feature vector for one encoded image."""
    with Image.open(io.BytesIO(data)) as img:
        rgb = img.convert("RGB").resize((THUMB, THUMB), Image.Resampling.BILINEAR)
    a = np.asarray(rgb, dtype=np.float32) / 255.0
    gray = a.mean(axis=2)
    thumb = gray.reshape(16, 2, 16, 2).mean(axis=(1, 3)).ravel()
    gy, gx = np.gradient(gray)
    mag = np.hypot(gx, gy)
    ang = np.mod(np.arctan2(gy, gx), np.pi)
    bins = np.minimum((ang / np.pi * 8).astype(np.int64), 7)
    cells = np.arange(THUMB) // 8
    cell_idx = (cells[:, None] * 4 + cells[None, :]) * 8 + bins
    hog = np.bincount(cell_idx.ravel(), weights=mag.ravel(), minlength=128)
    hog = hog / (np.linalg.norm(hog) + 1e-6)
    colour = a.reshape(4, 8, 4, 8, 3).mean(axis=(1, 3)).ravel()
    return np.concatenate([thumb, hog, colour]).astype(np.float32)


@dataclass
class TrainedModel:
    """A fitted classifier plus its labels and per-label thresholds (0..1)."""

    labels: list[str]
    multilabel: bool
    pipeline: Any
    thresholds: dict[str, float]

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Per-label scores in 0..1, shape (n, len(labels))."""
        out = np.asarray(self.pipeline.predict_proba(features))
        if self.multilabel and len(self.labels) == 1:
            # One label is fitted as a binary problem: the columns are P(absent), P(present).
            return out[:, 1:]
        return out

    def to_bytes(self) -> bytes:
        return pickle.dumps(self)

    @staticmethod
    def from_bytes(blob: bytes) -> TrainedModel:
        return pickle.loads(blob)


def fit(
    features: np.ndarray, label_sets: list[list[str]], one_vs_rest: bool = False
) -> TrainedModel:
    """Fit on features and each image's label list.

    ``one_vs_rest`` (adapters) fits one binary classifier per label, so an image may have no
    label at all; no per-label thresholds are tuned then.
    """
    labels = sorted({lab for labs in label_sets for lab in labs})
    multilabel = one_vs_rest or any(len(labs) > 1 for labs in label_sets)
    index = {lab: i for i, lab in enumerate(labels)}
    if multilabel:
        y = np.zeros((len(label_sets), len(labels)), dtype=np.int64)
        for row, labs in enumerate(label_sets):
            for lab in labs:
                y[row, index[lab]] = 1
        clf: Any = OneVsRestClassifier(LogisticRegression(C=0.5, max_iter=300))
    else:
        y = np.array([index[labs[0]] for labs in label_sets])
        clf = LogisticRegression(C=0.5, max_iter=300)
    pipeline = make_pipeline(StandardScaler(), clf)
    thresholds: dict[str, float] = {}
    counts = y.sum(axis=0) if multilabel else np.bincount(y, minlength=len(labels))
    if not one_vs_rest and counts.min() >= 3 and len(label_sets) >= 6:
        folds = (
            KFold(3, shuffle=True, random_state=0)
            if multilabel
            else StratifiedKFold(3, shuffle=True, random_state=0)
        )
        oof = cross_val_predict(pipeline, features, y, cv=folds, method="predict_proba")
        truth = y if multilabel else np.eye(len(labels), dtype=np.int64)[y]
        thresholds = {lab: best_threshold(oof[:, i], truth[:, i]) for i, lab in enumerate(labels)}
    pipeline.fit(features, y)
    return TrainedModel(labels, multilabel, pipeline, thresholds)


def best_threshold(scores: np.ndarray, hits: np.ndarray, total: int | None = None) -> float:
    """The score that maximises F1 when predictions scoring at least it are kept, given each
    prediction's score and whether it is right, and how many positives exist (default: the
    right ones among the predictions)."""
    total = int(hits.sum()) if total is None else total
    if not len(scores) or total == 0:
        return 0.5
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], hits[order]
    tp = np.cumsum(t)
    f1 = 2 * tp / (np.arange(1, len(s) + 1) + total)
    # Only positions where the next score differs are realisable thresholds.
    valid = np.r_[s[1:] < s[:-1], True]
    best = int(np.argmax(np.where(valid, f1, -1)))
    return float(s[best])


def evaluate(
    model: TrainedModel, features: np.ndarray, label_sets: list[list[str]]
) -> dict[str, Any]:
    """Set per-label thresholds and return metrics (per label and aggregated)."""
    scores = model.scores(features)
    truth = _truth(model.labels, label_sets)
    per_label: list[dict[str, Any]] = []
    predicted = np.zeros_like(truth)
    for i, lab in enumerate(model.labels):
        if lab not in model.thresholds:
            model.thresholds[lab] = best_threshold(scores[:, i], truth[:, i])
        th = model.thresholds[lab]
        pred = scores[:, i] >= th
        predicted[:, i] = pred
        counts = _counts(pred, truth[:, i])
        tp, fp, fn = counts["TruePositive"], counts["FalsePositive"], counts["FalseNegative"]
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label.append(
            {
                "Label": lab,
                "NumberOfTestingImages": int(truth[:, i].sum()),
                "Metrics": {
                    "F1Score": f1,
                    "Precision": precision,
                    "Recall": recall,
                    "Threshold": th,
                },
            }
        )
    present = [p for p in per_label if p["NumberOfTestingImages"] > 0] or per_label
    confusion = []
    top = scores.argmax(axis=1)
    for i, lab in enumerate(model.labels):
        rows = truth[:, i] == 1
        if not rows.any():
            continue
        for j, other in enumerate(model.labels):
            value = float((top[rows] == j).mean())
            if value:
                confusion.append({"GroundTruthLabel": lab, "PredictedLabel": other, "Value": value})
    return {
        "F1Score": float(np.mean([p["Metrics"]["F1Score"] for p in present])),
        "Precision": float(np.mean([p["Metrics"]["Precision"] for p in present])),
        "Recall": float(np.mean([p["Metrics"]["Recall"] for p in present])),
        "ConfusionMatrix": confusion,
        "LabelEvaluationResults": sorted(per_label, key=lambda p: -p["Metrics"]["F1Score"]),
        "scores": scores,
        "predicted": predicted,
        "truth": truth,
    }


def _truth(labels: list[str], label_sets: list[list[str]]) -> np.ndarray:
    """0/1 matrix (image, label); labels the model does not know are left out."""
    truth = np.zeros((len(label_sets), len(labels)), dtype=np.int64)
    index = {lab: i for i, lab in enumerate(labels)}
    for row, labs in enumerate(label_sets):
        for lab in labs:
            if lab in index:
                truth[row, index[lab]] = 1
    return truth


def _counts(pred: np.ndarray, truth: np.ndarray) -> dict[str, int]:
    """Confusion counts of boolean predictions against a 0/1 truth column."""
    positive = truth == 1
    return {
        "TruePositive": int((pred & positive).sum()),
        "TrueNegative": int((~pred & ~positive).sum()),
        "FalsePositive": int((pred & ~positive).sum()),
        "FalseNegative": int((~pred & positive).sum()),
    }


def _sum_counts(counts: list[dict[str, int]]) -> dict[str, int]:
    keys = ("TruePositive", "TrueNegative", "FalsePositive", "FalseNegative")
    return {k: sum(c[k] for c in counts) for k in keys}


def evaluate_adapter(
    model: TrainedModel, features: np.ndarray, label_sets: list[list[str]], threshold: float
) -> dict[str, Any]:
    """Adapter metrics in AWS's ``ContentModeration`` shape, and the micro-averaged F1 of the
    adapter at ``threshold`` (0..100).

    Counts are per (image, label) pair. The emulator has no base moderation model: its
    stand-in predicts no label for any image, so its counts are only false negatives and true
    negatives.
    """
    scores = model.scores(features)
    truth = _truth(model.labels, label_sets)
    base = np.zeros(len(label_sets), dtype=bool)

    def at(th: float) -> dict[str, Any]:
        pred = scores * 100 >= th
        per_label: list[dict[str, Any]] = [
            {
                "Label": lab,
                "BaseModel": _counts(base, truth[:, i]),
                "Adapter": _counts(pred[:, i], truth[:, i]),
            }
            for i, lab in enumerate(model.labels)
        ]
        return {
            "ConfidenceThreshold": th,
            "AggregatedEvaluationResults": {
                side: _sum_counts([x[side] for x in per_label]) for side in ("BaseModel", "Adapter")
            },
            "LabelEvaluationResults": per_label,
        }

    current = at(float(threshold))
    adapter = current["AggregatedEvaluationResults"]["Adapter"]
    tp = adapter["TruePositive"]
    errors = adapter["FalsePositive"] + adapter["FalseNegative"]
    return {
        "F1Score": 2 * tp / (2 * tp + errors) if tp else 0.0,
        "ContentModeration": {
            "InputConfidenceThresholdEvalResults": current,
            "AllConfidenceThresholdsEvalResults": [at(th) for th in MODERATION_THRESHOLDS],
        },
        "scores": scores,
    }
