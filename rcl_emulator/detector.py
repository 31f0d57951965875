"""Real (small) object detection: where each object is, with a box.

Design (proposals from colour, then a ranker and a boosted classifier; it trains on 200 images
in under a minute on two cores and knows nothing about any object kind in advance):

- **Proposals.** ``regions.colour_regions``: the pixels are split into ten colour clusters
  (k-means from farthest-point seeds, so a small object's colour keeps a centre of its own),
  and every object-sized connected region of one cluster, once closed, proposes its bounding
  box. An object of any shape or aspect (a glyph with holes, an outline, a thin bar) is one
  region; a region spanning most of the image is background. The same runs on the image
  averaged over 9 px, where a striped, checked or dotted surface is one colour and so one
  region rather than many pieces; and what strong edges enclose proposes a box too, so an
  object shaded from light to dark (many colour bands) is still one proposal.
- **Description.** Per box, what :mod:`rcl_emulator.box_features` measures at working size
  (at most 400 px): its silhouette, gradient histograms, colour spread and shape.
- **Ranker.** A logistic regression of "object or not" over every proposal's description
  orders an image's proposals; only the first 40 go on, so the classifier's cost does not grow
  with a busy background.
- **Classifier.** Gradient-boosted trees (``HistGradientBoostingClassifier``) over
  "background" plus one class per label. A proposal's class is the label of the true box it
  overlaps with IoU >= 0.5, else background; jittered copies of each true box and the whole
  image are added. It learns from what it will be shown: every object example and, per image,
  the background proposals the ranker puts first (unlabelled objects among them) plus a few
  random others.
- **Suppression.** Per label, boxes overlapping a stronger one with IoU >= 0.3 are dropped;
  then, across labels, boxes mostly inside a stronger box (a hollow object's inside) or
  overlapping it with IoU >= 0.5.
- **Turned copies.** With ten or more images, a second detector also learns from every true
  box in its image turned by 90, 180 and 270 degrees and mirrored, and the one with the better
  F1 on the held-back images (see Thresholds) is kept, the first on a tie: turned copies help
  where objects lie any way up, and are left out where they do not help, as when a label
  means a direction.
- **Thresholds.** Each label's assumed threshold is the score that maximises that label's F1
  on a fifth of the training images held back from fitting (every image when there are fewer
  than ten).

A prediction matches a true box when both have the same label and their IoU is at least 0.5
(``MATCH_IOU``); each true box matches at most one prediction, the most confident first.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .box_features import Boxes, ImageMaps, decoded
from .trainer import best_threshold

BOOSTING_ROUNDS = 80
RANKED = 40
"""Proposals per image the ranker passes on to the classifier."""
MATCH_IOU = 0.5
NMS_IOU = 0.3
CONTAINED = 0.6
FLOOR = 0.05
"""Scores below this are never reported (nor kept for evaluation)."""
MAX_DETECTIONS = 50


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
            inside = _intersection(boxes[i : i + 1], others)[0] / np.minimum(
                _area(boxes[i : i + 1]), _area(others)
            )
            if (iou(boxes[i : i + 1], others)[0] >= MATCH_IOU).any() or (inside >= CONTAINED).any():
                continue
        final.append(i)
    return final


def match(
    found: Sequence[Detection],
    truth: Sequence[tuple[str, float, float, float, float]],
    min_iou: float = MATCH_IOU,
) -> list[int | None]:
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
    """A fitted detector: labels, the ranker and classifier of proposals, and per-label
    thresholds (0..1)."""

    labels: list[str]
    ranker: Any = None
    classifier: Any = None
    thresholds: dict[str, float] = field(default_factory=dict)
    learned_from_turned: bool = False
    """Whether turned and mirrored copies of the training objects were learned from too."""

    def detect(self, image: Image.Image | bytes, floor: float = FLOOR) -> list[Detection]:
        """Objects found in an image (decoded or encoded), most confident first, scores >=
        ``floor``."""
        maps = ImageMaps(image)
        boxes = maps.proposals()
        if not len(boxes):
            return []
        described = maps.describe(boxes)
        first = np.argsort(-self.ranker.decision_function(described))[:RANKED]
        boxes, probs = boxes[first], self.classifier.predict_proba(described[first])
        # Columns follow the classifier's classes (0 is background), which may lack a label
        # that only the held-back tuning images show.
        names = [self.labels[int(c) - 1] for c in self.classifier.classes_[1:]]
        classes, scores = probs[:, 1:].argmax(1), probs[:, 1:].max(1)
        keep = np.where(scores >= floor)[0]
        if not len(keep):
            return []
        chosen = _suppressed(boxes[keep], scores[keep], classes[keep])[:MAX_DETECTIONS]
        found = []
        for i in chosen:
            x0, y0, x1, y1 = (float(v) / maps.scale for v in boxes[keep][i])
            found.append(
                Detection(names[int(classes[keep][i])], float(scores[keep][i]), (x0, y0, x1, y1))
            )
        return found

    def to_bytes(self) -> bytes:
        return pickle.dumps(self)


def fit(images: Sequence[Annotated], seed: int = 0) -> Detector:
    """Fit a detector on annotated images and set each label's assumed threshold. With enough
    images to hold some back, a second detector also learns from turned and mirrored copies of
    every object, and the one with the better F1 on the held-back images is kept."""
    labels = sorted({o[0] for image in images for o in image.objects})
    index = {lab: i + 1 for i, lab in enumerate(labels)}
    rng = np.random.default_rng(seed)
    if len(images) < 10:
        return _fitted(labels, _examples(images, index, rng), images, seed, rng)[0]
    tuning = list(images[4::5])
    fitting = [im for i, im in enumerate(images) if i % 5 != 4]
    examples = _examples(fitting, index, rng)
    plain, plain_f1 = _fitted(labels, examples, tuning, seed, rng)
    turned, turned_f1 = _fitted(
        labels, examples + _turned_examples(fitting, index, rng), tuning, seed, rng, turned=True
    )
    # Ties keep the detector that learned from the images as they are.
    return turned if turned_f1 > plain_f1 else plain


def _fitted(
    labels: list[str],
    examples: list[tuple[np.ndarray, np.ndarray]],
    tuning: Sequence[Annotated],
    seed: int,
    rng: np.random.Generator,
    turned: bool = False,
) -> tuple[Detector, float]:
    """A detector fitted on described examples, its thresholds set on ``tuning``, and its F1
    there."""
    x = np.concatenate([described for described, _ in examples])
    y = np.concatenate([target for _, target in examples])
    ranker = make_pipeline(
        StandardScaler(), LogisticRegression(C=0.5, max_iter=500, class_weight="balanced")
    )
    ranker.fit(x, y > 0)
    detector = Detector(
        labels,
        ranker,
        HistGradientBoostingClassifier(
            max_iter=BOOSTING_ROUNDS,
            learning_rate=0.15,
            max_leaf_nodes=15,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=seed,
        ),
        learned_from_turned=turned,
    )
    # The classifier learns from what it will be shown: every object, and the background
    # proposals the ranker puts first.
    shown = [(d[k], t[k]) for d, t in examples for k in [_ranked_first(ranker, d, t, rng)]]
    detector.classifier.fit(
        np.concatenate([d for d, _ in shown]), np.concatenate([t for _, t in shown])
    )
    detector.thresholds, f1 = _tuned(detector, tuning)
    return detector, f1


def _truth(image: Annotated, index: dict[str, int]) -> tuple[Boxes, np.ndarray]:
    """An image's true boxes (in its own pixels) and their classes."""
    boxes = np.array([o[1:] for o in image.objects], np.float32).reshape(-1, 4)
    return boxes, np.array([index[o[0]] for o in image.objects], np.int64)


def _examples(
    images: Sequence[Annotated], index: dict[str, int], rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per image, its described proposals and jittered true boxes, each with its class: the
    label of the true box it overlaps with IoU >= 0.5, else 0 (background)."""
    out = []
    for image in images:
        maps = ImageMaps(image.data)
        truth, classes = _truth(image, index)
        truth = truth * maps.scale
        # The whole image is one background example more, so there is always one.
        boxes = np.concatenate([maps.proposals(), [[0, 0, maps.w, maps.h]]]).astype(np.float32)
        if len(truth):
            boxes = np.concatenate([boxes, _jitter(truth, rng)[0]])
        target = np.zeros(len(boxes), np.int64)
        if len(truth):
            overlaps = iou(boxes, truth)
            hit = overlaps.max(1) >= MATCH_IOU
            target[hit] = classes[overlaps.argmax(1)[hit]]
        out.append((maps.describe(boxes), target))
    return out


TURNS: tuple[tuple[Image.Transpose, Callable[[Boxes, int, int], Boxes]], ...] = (
    (
        Image.Transpose.ROTATE_90,
        lambda b, w, h: np.stack([b[:, 1], w - b[:, 2], b[:, 3], w - b[:, 0]], 1),
    ),
    (
        Image.Transpose.ROTATE_180,
        lambda b, w, h: np.stack([w - b[:, 2], h - b[:, 3], w - b[:, 0], h - b[:, 1]], 1),
    ),
    (
        Image.Transpose.ROTATE_270,
        lambda b, w, h: np.stack([h - b[:, 3], b[:, 0], h - b[:, 1], b[:, 2]], 1),
    ),
    (
        Image.Transpose.FLIP_LEFT_RIGHT,
        lambda b, w, h: np.stack([w - b[:, 2], b[:, 1], w - b[:, 0], b[:, 3]], 1),
    ),
)
"""How an image is turned or mirrored, and where a box (x0, y0, x1, y1) of an image w x h
lands then."""


def _turned_examples(
    images: Sequence[Annotated], index: dict[str, int], rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per image and turn, its true boxes and a jittered copy of each, described in the image
    turned (or mirrored) that way."""
    out = []
    for image in images:
        if not image.objects:
            continue
        rgb = decoded(image.data)
        truth, classes = _truth(image, index)
        for how, move in TURNS:
            maps = ImageMaps(rgb.transpose(how))
            boxes = move(truth, *rgb.size).astype(np.float32) * maps.scale
            jittered, owner = _jitter(boxes, rng, copies=1)
            out.append(
                (
                    maps.describe(np.concatenate([boxes, jittered])),
                    np.concatenate([classes, classes[owner]]),
                )
            )
    return out


def _ranked_first(
    ranker: Any, described: np.ndarray, target: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Every object example of one image, the background ones among its RANKED best ranked,
    and a few random others."""
    order = np.argsort(-ranker.decision_function(described))
    background = order[target[order] == 0]
    rest = background[RANKED:]
    extra = rng.choice(rest, min(len(rest), RANKED // 4), replace=False)
    return np.concatenate([np.where(target > 0)[0], background[:RANKED], extra])


def _jitter(truth: Boxes, rng: np.random.Generator, copies: int = 2) -> tuple[Boxes, np.ndarray]:
    """Copies of each true box, shifted by up to 8% and scaled by up to 10%."""
    owner = np.repeat(np.arange(len(truth)), copies)
    t = truth[owner]
    w, h = t[:, 2] - t[:, 0], t[:, 3] - t[:, 1]
    cx = (t[:, 0] + t[:, 2]) / 2 + rng.uniform(-0.08, 0.08, len(t)) * w
    cy = (t[:, 1] + t[:, 3]) / 2 + rng.uniform(-0.08, 0.08, len(t)) * h
    w = w * np.exp(rng.uniform(-0.1, 0.1, len(t)))
    h = h * np.exp(rng.uniform(-0.1, 0.1, len(t)))
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1).astype(np.float32), owner


def _tuned(detector: Detector, images: Sequence[Annotated]) -> tuple[dict[str, float], float]:
    """Per label, the score that maximises F1 of matched detections on ``images``; and the F1
    over all labels at those scores."""
    outcomes: dict[str, list[tuple[float, bool]]] = {lab: [] for lab in detector.labels}
    totals = dict.fromkeys(detector.labels, 0)
    for image in images:
        found = detector.detect(image.data)
        for d, m in zip(found, match(found, image.objects), strict=True):
            outcomes[d.label].append((d.score, m is not None))
        for o in image.objects:
            totals[o[0]] += 1
    thresholds = {
        lab: best_threshold(
            np.array([o[0] for o in outcomes[lab]]),
            np.array([o[1] for o in outcomes[lab]]),
            totals[lab],
        )
        for lab in detector.labels
    }
    kept = [
        hit for lab, seen in outcomes.items() for score, hit in seen if score >= thresholds[lab]
    ]
    tp = sum(kept)
    return thresholds, _f1(tp, len(kept) - tp, sum(totals.values()) - tp)


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
    per_label: list[dict[str, Any]] = []
    precisions: list[float] = []
    recalls: list[float] = []
    totals = {"tp": 0, "fp": 0, "fn": 0}
    for lab in detector.labels:
        threshold = detector.thresholds[lab]
        truth = sum(1 for image in images for o in image.objects if o[0] == lab)
        ranked = sorted(
            (
                (d.score, m is not None)
                for f, ms in zip(found, matched, strict=True)
                for d, m in zip(f, ms, strict=True)
                if d.label == lab
            ),
            reverse=True,
        )
        tp = sum(1 for score, hit in ranked if hit and score >= threshold)
        fp = sum(1 for score, hit in ranked if not hit and score >= threshold)
        totals["tp"] += tp
        totals["fp"] += fp
        totals["fn"] += truth - tp
        if truth:
            precisions.append(_average_precision([hit for _, hit in ranked], truth))
            recalls.append(float(np.mean([_recall_at(lab, found, images, t) for t in RECALL_IOUS])))
        per_label.append(
            {
                "Label": lab,
                "NumberOfTestingImages": sum(
                    1 for image in images if any(o[0] == lab for o in image.objects)
                ),
                "Metrics": {
                    "F1Score": _f1(tp, fp, truth - tp),
                    "Precision": _ratio(tp, tp + fp),
                    "Recall": _ratio(tp, truth),
                    "Threshold": threshold,
                },
            }
        )
    per_label.sort(key=lambda x: -x["Metrics"]["F1Score"])
    # Boxes of labels the model never learned are objects it cannot find.
    known = set(detector.labels)
    totals["fn"] += sum(1 for image in images for o in image.objects if o[0] not in known)
    tp, fp, fn = totals["tp"], totals["fp"], totals["fn"]
    aggregate = {
        "F1Score": _f1(tp, fp, fn),
        "Precision": _ratio(tp, tp + fp),
        "Recall": _ratio(tp, tp + fn),
        "AveragePrecision": float(np.mean(precisions)) if precisions else 0.0,
        "AverageRecall": float(np.mean(recalls)) if recalls else 0.0,
    }
    return Evaluation(found, matched, per_label, aggregate)


def _average_precision(hits: Sequence[bool], truth: int) -> float:
    """Area under the interpolated precision-recall curve of detections ranked by score."""
    if not hits:
        return 0.0
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(hits) + 1)
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    return float(np.sum(envelope * np.asarray(hits)) / truth)


def _recall_at(
    label: str, found: Sequence[Sequence[Detection]], images: Sequence[Annotated], min_iou: float
) -> float:
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
