"""Real (small) object detection: where each object is, with a box.

Design (a classic sliding-window detector, sized to train in seconds on two cores):

- **Windows.** The image is scaled so its longer side is at most 320 px. Windows of three
  shapes (square, tall, wide) are laid out at sizes growing by 1.25x from 20 px, each split
  into 4x4 cells and moved one cell at a time.
- **Features.** Per window: a histogram of oriented gradients (9 unsigned bins in each of the
  16 cells, L2-normalised over the window), the colour contrast of the window and of its centre
  against the ring around it, the window's colour variance, and its size relative to the
  image. Cell sums come from summed-area tables, so every window at one size shares its cells.
- **Classifier.** Multinomial logistic regression over "background" plus one class per label.
  Positives are windows with IoU >= 0.5 with an object, and jittered copies of each true box.
  Negatives are random windows and windows overlapping an object only partly (IoU 0.1-0.4),
  so the model learns where an object ends; one round of hard-negative mining follows.
- **Box regression.** A ridge regression from the features to the offsets between a window and
  its object (centre shift, log width and height ratio), as in R-CNN.
- **Suppression.** Per label, boxes overlapping a stronger one with IoU >= 0.3 are dropped;
  then, across labels, boxes mostly inside a stronger box or overlapping it with IoU >= 0.5.
- **Thresholds.** Each label's assumed threshold is the score that maximises that label's F1
  on a fifth of the training images held back from fitting (every image when there are fewer
  than ten).

A prediction matches a true box when both have the same label and their IoU is at least 0.5
(``MATCH_IOU``); each true box matches at most one prediction, the most confident first.
"""

from __future__ import annotations

import io
import math
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .trainer import best_threshold

WORK_SIDE = 320
GRID = 4  # a window is GRID x GRID cells
BINS = 9
ASPECTS = (1.0, 0.6, 1.6)  # window width / height
SCALE_STEP = 1.25
MIN_SIDE = 20
MATCH_IOU = 0.5
NMS_IOU = 0.3
CONTAINED = 0.6
FLOOR = 0.05
"""Scores below this are never reported (nor kept for evaluation)."""
MAX_DETECTIONS = 50

Boxes = np.ndarray
"""Boxes as rows of (x0, y0, x1, y1) in pixels."""


@dataclass(frozen=True)
class Detection:
    """One found object: its label, score (0..1) and box (x0, y0, x1, y1) in image pixels."""

    label: str
    score: float
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class Annotated:
    """A training or test image: its encoded bytes, its true boxes (label, x0, y0, x1, y1) and,
    when the caller knows it, its size (width, height)."""

    data: bytes
    objects: Sequence[tuple[str, float, float, float, float]] = field(default_factory=tuple)
    size: tuple[int, int] | None = None


def iou(a: Boxes, b: Boxes) -> np.ndarray:
    """Intersection over union of every box in ``a`` with every box in ``b``."""
    inter = _intersection(a, b)
    return inter / (_area(a)[:, None] + _area(b)[None, :] - inter + 1e-9)


def _intersection(a: Boxes, b: Boxes) -> np.ndarray:
    w = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    h = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    return np.clip(w, 0, None) * np.clip(h, 0, None)


def _area(a: Boxes) -> np.ndarray:
    return (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])


class _Maps:
    """One image at working size: summed-area tables of gradient orientations and colours."""

    def __init__(self, image: Image.Image | bytes) -> None:
        if isinstance(image, bytes):
            with Image.open(io.BytesIO(image)) as img:
                rgb = img.convert("RGB")
        else:
            rgb = image.convert("RGB")
        w, h = rgb.size
        self.scale = min(1.0, WORK_SIDE / max(w, h))
        if self.scale < 1:
            rgb = rgb.resize((round(w * self.scale), round(h * self.scale)), Image.BILINEAR)
        a = np.asarray(rgb, dtype=np.float32) / 255.0
        self.h, self.w = a.shape[:2]
        gy, gx = np.gradient(a.mean(axis=2))
        magnitude = np.hypot(gx, gy)
        angle = np.mod(np.arctan2(gy, gx), np.pi)
        bins = np.minimum((angle / np.pi * BINS).astype(np.int64), BINS - 1)
        channels = np.zeros((self.h, self.w, BINS), np.float32)
        np.put_along_axis(channels, bins[..., None], magnitude[..., None], axis=2)
        self.gradients = _summed(channels)
        self.colours = _summed(np.concatenate([a, a * a], axis=2))

    def windows(self) -> tuple[Boxes, np.ndarray]:
        """Every window and its gradient histogram (n, GRID * GRID * BINS)."""
        boxes, feats = [], []
        short = min(self.w, self.h)
        for aspect in ASPECTS:
            side = float(MIN_SIDE)
            while side <= short * 0.95:
                cw, ch = side * math.sqrt(aspect) / GRID, side / math.sqrt(aspect) / GRID
                side *= SCALE_STEP
                nx, ny = int(self.w / cw), int(self.h / ch)
                if nx < GRID or ny < GRID:
                    continue
                xs, ys = np.arange(nx + 1) * cw, np.arange(ny + 1) * ch
                cells = _cells(self.gradients, ys, xs)  # (ny, nx, BINS)
                v = sliding_window_view(cells, (GRID, GRID), axis=(0, 1))
                wy, wx = v.shape[:2]
                feats.append(v.transpose(0, 1, 3, 4, 2).reshape(wy * wx, -1))
                gy, gx = np.mgrid[0:wy, 0:wx]
                x0, y0 = gx.ravel() * cw, gy.ravel() * ch
                boxes.append(np.stack([x0, y0, x0 + GRID * cw, y0 + GRID * ch], axis=1))
        if not boxes:  # a long, thin image: no window fits its short side
            return np.zeros((0, 4), np.float32), np.zeros((0, GRID * GRID * BINS), np.float32)
        return np.concatenate(boxes).astype(np.float32), _normalised(np.concatenate(feats))

    def box_gradients(self, boxes: Boxes) -> np.ndarray:
        """Gradient histograms of arbitrary boxes (same layout as ``windows``)."""
        steps = np.arange(GRID + 1) / GRID
        xs = boxes[:, :1] + (boxes[:, 2:3] - boxes[:, :1]) * steps
        ys = boxes[:, 1:2] + (boxes[:, 3:4] - boxes[:, 1:2]) * steps
        cells = _cells(self.gradients, ys, xs)  # (n, GRID, GRID, BINS)
        return _normalised(cells.reshape(len(boxes), -1))

    def features(self, boxes: Boxes, gradients: np.ndarray) -> np.ndarray:
        """Gradient histograms plus colour contrast, variance and relative size."""
        w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        grown = boxes + np.stack([-w, -h, w, h], axis=1) * 0.25
        centre = boxes + np.stack([w, h, -w, -h], axis=1) * 0.3
        inner, inner_area = self._colour_sums(boxes)
        outer, outer_area = self._colour_sums(grown)
        middle, middle_area = self._colour_sums(centre)
        inner_mean = inner / inner_area[:, None]
        ring = (outer - inner) / np.maximum(1, outer_area - inner_area)[:, None]
        middle_mean = middle / middle_area[:, None]
        variance = np.maximum(0, inner_mean[:, 3:] - inner_mean[:, :3] ** 2).sum(1, keepdims=True)
        size = np.log(np.maximum(w * h, 1) / (self.w * self.h))[:, None]
        return np.hstack([gradients, np.abs(inner_mean[:, :3] - ring[:, :3]),
                          np.abs(middle_mean[:, :3] - ring[:, :3]), variance, np.sqrt(variance),
                          size]).astype(np.float32)

    def _colour_sums(self, boxes: Boxes) -> tuple[np.ndarray, np.ndarray]:
        x0, x1 = (np.clip(np.round(boxes[:, i]), 0, self.w).astype(np.int64) for i in (0, 2))
        y0, y1 = (np.clip(np.round(boxes[:, i]), 0, self.h).astype(np.int64) for i in (1, 3))
        t = self.colours
        sums = t[y1, x1] - t[y0, x1] - t[y1, x0] + t[y0, x0]
        return sums, np.maximum(1, (x1 - x0) * (y1 - y0)).astype(np.float32)


def _summed(channels: np.ndarray) -> np.ndarray:
    """Summed-area tables (h + 1, w + 1, c) of (h, w, c) channels."""
    h, w, c = channels.shape
    out = np.zeros((h + 1, w + 1, c), np.float32)
    np.cumsum(channels, axis=0, out=out[1:, 1:])
    np.cumsum(out[1:, 1:], axis=1, out=out[1:, 1:])
    return out


def _cells(table: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Sums over the cells between consecutive edges ``ys`` x ``xs`` (1-D, or one row of edges
    per box), channels last."""
    yi = np.clip(np.round(ys), 0, table.shape[0] - 1).astype(np.int64)
    xi = np.clip(np.round(xs), 0, table.shape[1] - 1).astype(np.int64)
    corners = table[yi[..., :, None], xi[..., None, :]]
    return (corners[..., 1:, 1:, :] - corners[..., :-1, 1:, :]
            - corners[..., 1:, :-1, :] + corners[..., :-1, :-1, :])


def _normalised(x: np.ndarray) -> np.ndarray:
    return (x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-3)).astype(np.float32)


def _offsets(boxes: Boxes, truth: Boxes) -> np.ndarray:
    """Regression targets from ``boxes`` to ``truth``: centre shift and log size ratio."""
    bw, bh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    tw, th = truth[:, 2] - truth[:, 0], truth[:, 3] - truth[:, 1]
    return np.stack([(truth[:, 0] + tw / 2 - boxes[:, 0] - bw / 2) / bw,
                     (truth[:, 1] + th / 2 - boxes[:, 1] - bh / 2) / bh,
                     np.log(tw / bw), np.log(th / bh)], axis=1)


def _moved(boxes: Boxes, offsets: np.ndarray) -> Boxes:
    bw, bh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    cx = boxes[:, 0] + bw / 2 + offsets[:, 0] * bw
    cy = boxes[:, 1] + bh / 2 + offsets[:, 1] * bh
    w = bw * np.exp(np.clip(offsets[:, 2], -1, 1))
    h = bh * np.exp(np.clip(offsets[:, 3], -1, 1))
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)


def _suppressed(boxes: Boxes, scores: np.ndarray, classes: np.ndarray) -> list[int]:
    """Indices kept by per-label NMS, then by cross-label overlap and containment."""
    kept: list[int] = []
    for c in np.unique(classes):
        order = np.where(classes == c)[0]
        order = order[np.argsort(-scores[order])]
        while len(order):
            kept.append(int(order[0]))
            order = order[1:][iou(boxes[order[:1]], boxes[order[1:]])[0] < NMS_IOU]
    final: list[int] = []
    for i in sorted(kept, key=lambda k: -scores[k]):
        if final:
            others = boxes[final]
            inside = _intersection(boxes[i:i + 1], others)[0] / np.minimum(
                _area(boxes[i:i + 1]), _area(others))
            if (iou(boxes[i:i + 1], others)[0] >= MATCH_IOU).any() or (inside >= CONTAINED).any():
                continue
        final.append(i)
    return final


def match(found: Sequence[Detection], truth: Sequence[tuple[str, float, float, float, float]],
          min_iou: float = MATCH_IOU) -> list[int | None]:
    """For each detection, the index of the true box it matches (or None), matching the most
    confident detections first."""
    used: set[int] = set()
    out: list[int | None] = [None] * len(found)
    order = sorted(range(len(found)), key=lambda i: -found[i].score)
    truth_boxes = np.array([t[1:] for t in truth], np.float32).reshape(-1, 4)
    for i in order:
        if not len(truth_boxes):
            break
        overlaps = iou(np.array([found[i].box], np.float32), truth_boxes)[0]
        best, best_iou = None, min_iou
        for j, t in enumerate(truth):
            if j not in used and t[0] == found[i].label and overlaps[j] >= best_iou:
                best, best_iou = j, overlaps[j]
        if best is not None:
            used.add(best)
            out[i] = best
    return out


@dataclass
class Detector:
    """A fitted detector: labels, classifier, box regressor and per-label thresholds (0..1)."""

    labels: list[str]
    classifier: Any = None
    regressor: Any = None
    thresholds: dict[str, float] = field(default_factory=dict)

    def detect(self, image: Image.Image | bytes, floor: float = FLOOR) -> list[Detection]:
        """Objects found in an image (decoded or encoded), most confident first, scores >=
        ``floor``."""
        maps = _Maps(image)
        boxes, gradients = maps.windows()
        if not len(boxes):
            return []
        feats = maps.features(boxes, gradients)
        probs = self._probabilities(feats)
        # Columns follow the classifier's classes (0 is background), which may lack a label
        # that only the held-back tuning images show.
        names = [self.labels[int(c) - 1] for c in self.classifier[-1].classes_[1:]]
        classes, scores = probs[:, 1:].argmax(1), probs[:, 1:].max(1)
        keep = np.where(scores >= floor)[0]
        if not len(keep):
            return []
        moved = _moved(boxes[keep], self.regressor.predict(feats[keep]))
        moved[:, 0::2] = np.clip(moved[:, 0::2], 0, maps.w)
        moved[:, 1::2] = np.clip(moved[:, 1::2], 0, maps.h)
        chosen = _suppressed(moved, scores[keep], classes[keep])[:MAX_DETECTIONS]
        return [Detection(names[int(classes[keep][i])], float(scores[keep][i]),
                          tuple(float(v) / maps.scale for v in moved[i]))  # type: ignore[misc]
                for i in chosen]

    def _probabilities(self, feats: np.ndarray) -> np.ndarray:
        """The classifier's class probabilities, with its scaling folded into one float32
        product (the same numbers as ``predict_proba``, several times faster on 10k windows)."""
        scaler, model = self.classifier[0], self.classifier[-1]
        weights = (model.coef_ / scaler.scale_).T.astype(np.float32)
        bias = (model.intercept_ - (scaler.mean_ / scaler.scale_) @ model.coef_.T)
        logits = feats @ weights + bias.astype(np.float32)
        if logits.shape[1] == 1:  # one label: a binary model's single logit is the label's
            logits = np.hstack([np.zeros_like(logits), logits])
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        return logits / logits.sum(axis=1, keepdims=True)

    def to_bytes(self) -> bytes:
        return pickle.dumps(self)


def fit(images: Sequence[Annotated], seed: int = 0) -> Detector:
    """Fit a detector on annotated images and set each label's assumed threshold."""
    labels = sorted({o[0] for image in images for o in image.objects})
    detector = Detector(labels)
    tuning = list(images[4::5]) if len(images) >= 10 else list(images)
    fitting = [im for i, im in enumerate(images) if i % 5 != 4] if len(images) >= 10 \
        else list(images)
    rng = np.random.default_rng(seed)
    index = {lab: i + 1 for i, lab in enumerate(labels)}
    x, y, rx, ry = [], [], [], []
    pool = []
    for image in fitting:
        maps = _Maps(image.data)
        boxes, gradients = maps.windows()
        if not len(boxes):
            continue
        feats = maps.features(boxes, gradients)
        truth = np.array([o[1:] for o in image.objects], np.float32).reshape(-1, 4) * maps.scale
        classes = np.array([index[o[0]] for o in image.objects], np.int64)
        overlaps = iou(boxes, truth) if len(truth) else np.zeros((len(boxes), 1), np.float32)
        best, nearest = overlaps.max(1), overlaps.argmax(1)
        positive = np.where(best >= MATCH_IOU)[0]
        far, near = np.where(best < 0.1)[0], np.where((best >= 0.1) & (best < 0.4))[0]
        negative = np.unique(np.concatenate([
            rng.choice(far, min(len(far), 120), replace=False),
            rng.choice(near, min(len(near), 100), replace=False)]))
        x += [feats[positive], feats[negative]]
        y += [classes[nearest[positive]] if len(truth) else np.zeros(0, np.int64),
              np.zeros(len(negative), np.int64)]
        if len(positive):
            rx.append(feats[positive])
            ry.append(_offsets(boxes[positive], truth[nearest[positive]]))
        if len(truth):
            jittered, owner = _jitter(truth, rng)
            jf = maps.features(jittered, maps.box_gradients(jittered))
            x.append(jf)
            y.append(classes[owner])
            rx.append(jf)
            ry.append(_offsets(jittered, truth[owner]))
        pool.append((feats, best))
    features, targets = np.concatenate(x), np.concatenate(y)
    detector.classifier = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=400))
    detector.classifier.fit(features, targets)
    hard = []
    for feats, best in pool:
        score = 1 - detector.classifier.predict_proba(feats)[:, 0]
        candidates = np.where((score > 0.3) & (best < 0.4))[0]
        hard.append(feats[candidates[np.argsort(-score[candidates])][:40]])
    hard_negatives = np.concatenate(hard)
    detector.classifier.fit(np.concatenate([features, hard_negatives]),
                            np.concatenate([targets, np.zeros(len(hard_negatives), np.int64)]))
    detector.regressor = make_pipeline(StandardScaler(), Ridge(alpha=10.0))
    detector.regressor.fit(np.concatenate(rx), np.concatenate(ry))
    detector.thresholds = _thresholds(detector, tuning)
    return detector


def _jitter(truth: Boxes, rng: np.random.Generator, copies: int = 4) -> tuple[Boxes, np.ndarray]:
    """Copies of each true box, shifted by up to 10% and scaled by up to 12%."""
    owner = np.repeat(np.arange(len(truth)), copies)
    t = truth[owner]
    w, h = t[:, 2] - t[:, 0], t[:, 3] - t[:, 1]
    cx = (t[:, 0] + t[:, 2]) / 2 + rng.uniform(-0.1, 0.1, len(t)) * w
    cy = (t[:, 1] + t[:, 3]) / 2 + rng.uniform(-0.1, 0.1, len(t)) * h
    w = w * np.exp(rng.uniform(-0.12, 0.12, len(t)))
    h = h * np.exp(rng.uniform(-0.12, 0.12, len(t)))
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1).astype(np.float32), owner


def _thresholds(detector: Detector, images: Sequence[Annotated]) -> dict[str, float]:
    """Per label, the score that maximises F1 of matched detections on ``images``."""
    outcomes: dict[str, list[tuple[float, bool]]] = {lab: [] for lab in detector.labels}
    totals = dict.fromkeys(detector.labels, 0)
    for image in images:
        found = detector.detect(image.data)
        for d, m in zip(found, match(found, image.objects), strict=True):
            outcomes[d.label].append((d.score, m is not None))
        for o in image.objects:
            totals[o[0]] += 1
    return {lab: best_threshold(np.array([o[0] for o in outcomes[lab]]),
                                np.array([o[1] for o in outcomes[lab]]), totals[lab])
            for lab in detector.labels}


@dataclass
class Evaluation:
    """Test-set results: per image its detections and the true box each matches; per label the
    metrics; and the aggregates (micro-averaged over boxes; AP and AR averaged over labels)."""

    found: list[list[Detection]]
    matched: list[list[int | None]]
    labels: list[dict[str, Any]]
    aggregate: dict[str, float]


RECALL_IOUS = tuple(0.5 + 0.05 * i for i in range(10))
"""IoU thresholds over which AverageRecall is averaged (0.50 to 0.95, as COCO does)."""


def evaluate(detector: Detector, images: Sequence[Annotated]) -> Evaluation:
    """Detect on each test image and count, per bounding box, at each label's threshold."""
    found = [detector.detect(image.data) for image in images]
    matched = [match(f, image.objects) for f, image in zip(found, images, strict=True)]
    per_label, precisions, recalls = [], [], []
    totals = {"tp": 0, "fp": 0, "fn": 0}
    for lab in detector.labels:
        threshold = detector.thresholds[lab]
        truth = sum(1 for image in images for o in image.objects if o[0] == lab)
        ranked = sorted(((d.score, m is not None) for f, ms in zip(found, matched, strict=True)
                         for d, m in zip(f, ms, strict=True) if d.label == lab), reverse=True)
        tp = sum(1 for score, hit in ranked if hit and score >= threshold)
        fp = sum(1 for score, hit in ranked if not hit and score >= threshold)
        totals["tp"] += tp
        totals["fp"] += fp
        totals["fn"] += truth - tp
        if truth:
            precisions.append(_average_precision([hit for _, hit in ranked], truth))
            recalls.append(float(np.mean([_recall_at(lab, found, images, t)
                                          for t in RECALL_IOUS])))
        per_label.append({"Label": lab, "NumberOfTestingImages": sum(
            1 for image in images if any(o[0] == lab for o in image.objects)),
            "Metrics": {"F1Score": _f1(tp, fp, truth - tp), "Precision": _ratio(tp, tp + fp),
                        "Recall": _ratio(tp, truth), "Threshold": threshold}})
    per_label.sort(key=lambda x: -x["Metrics"]["F1Score"])
    # Boxes of labels the model never learned are objects it cannot find.
    known = set(detector.labels)
    totals["fn"] += sum(1 for image in images for o in image.objects if o[0] not in known)
    tp, fp, fn = totals["tp"], totals["fp"], totals["fn"]
    aggregate = {"F1Score": _f1(tp, fp, fn), "Precision": _ratio(tp, tp + fp),
                 "Recall": _ratio(tp, tp + fn),
                 "AveragePrecision": float(np.mean(precisions)) if precisions else 0.0,
                 "AverageRecall": float(np.mean(recalls)) if recalls else 0.0}
    return Evaluation(found, matched, per_label, aggregate)


def _average_precision(hits: Sequence[bool], truth: int) -> float:
    """Area under the interpolated precision-recall curve of detections ranked by score."""
    if not hits:
        return 0.0
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(hits) + 1)
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    return float(np.sum(envelope * np.asarray(hits)) / truth)


def _recall_at(label: str, found: Sequence[Sequence[Detection]], images: Sequence[Annotated],
               min_iou: float) -> float:
    """Share of ``label``'s true boxes that some detection of any score matches at ``min_iou``."""
    hit = total = 0
    for f, image in zip(found, images, strict=True):
        mine = [d for d in f if d.label == label]
        hit += sum(m is not None for m in match(mine, image.objects, min_iou))
        total += sum(1 for o in image.objects if o[0] == label)
    return hit / total if total else 0.0


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
