"""Manifest lines: validation with Custom Labels error codes.

Custom Labels lines are SageMaker Ground Truth lines; Content Moderation adapter lines are
``{"source-ref": ..., "content-moderation-groundtruth": {"ModerationLabels": [{"Name": ...}]}}``.
Each line becomes an *entry*: the stored JSON object (possibly with ``cl-errors`` added at the
top level and inside ``<attr>-metadata``), plus derived facts used by the backend: its labels,
bounding-box counts, whether it is labeled and whether it has errors.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from . import s3io

MAX_LINE_CHARS = 100_000
MAX_LABEL_NAME = 256
MAX_BOXES = 50
MIN_PIXELS, MAX_PIXELS = 64, 4096
TRAINING_SIDE = 1280
CLASSIFICATION = "groundtruth/image-classification"
MULTILABEL = "groundtruth/image-classification-multilabel"
DETECTION = "groundtruth/object-detection"
MODERATION_ATTRIBUTE = "content-moderation-groundtruth"
# More invalid lines than this fails a dataset or a training (the 20% rule).
MAX_INVALID_FRACTION = 0.2


@dataclass
class Entry:
    """One dataset entry (one manifest line)."""

    line: dict[str, Any]
    labels: list[str] = field(default_factory=list)
    boxes: dict[str, int] = field(default_factory=dict)
    labeled: bool = False
    has_errors: bool = False
    """Any error, of the line or of one of its annotations (a box): such an entry counts in
    ErrorEntries, in ListDatasetEntries(HasErrors=True) and against the 20% rule."""
    bad_boxes: int = 0
    """Boxes dropped with their error recorded on them; the line trains with the others."""
    use_case: str = "NOT_DETERMINED"

    @property
    def source_ref(self) -> str | None:
        ref = self.line.get("source-ref")
        return ref if isinstance(ref, str) else None

    def listing_line(self) -> str:
        """The JSON line ListDatasetEntries returns."""
        out = dict(self.line)
        out["cl-metadata"] = {"is_labeled": self.labeled}
        return json.dumps(out, separators=(",", ":"))


def _err(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


class ImageChecker:
    """Checks that images exist and are PNG/JPEG of allowed size; caches results per URI."""

    def __init__(self) -> None:
        self._cache: dict[str, dict[str, str] | None] = {}

    def check(self, uri: str) -> dict[str, str] | None:
        if uri not in self._cache:
            self._cache[uri] = self._check(uri)
        return self._cache[uri]

    @staticmethod
    def _check(uri: str) -> dict[str, str] | None:
        parsed = s3io.parse_s3_uri(uri)
        assert parsed is not None
        try:
            data = s3io.get_object(*parsed)
        except s3io.S3ReadError as exc:
            return _err("ERROR_INVALID_IMAGE", f"The image {uri} can't be read ({exc.reason}).")
        try:
            with Image.open(io.BytesIO(data)) as img:
                fmt, (w, h) = img.format, img.size
                img.load()  # a truncated or corrupt image fails to decode
        except Exception:
            return _err("ERROR_INVALID_IMAGE", f"The image {uri} is not a valid image.")
        if fmt not in ("PNG", "JPEG"):
            return _err("ERROR_INVALID_IMAGE", f"The image {uri} is {fmt}; use PNG or JPEG.")
        if not (MIN_PIXELS <= w <= MAX_PIXELS and MIN_PIXELS <= h <= MAX_PIXELS):
            return _err(
                "ERROR_INVALID_IMAGE_DIMENSION",
                f"The image {uri} is {w}x{h}; images must be 64 to 4096 pixels on each side.",
            )
        if max(w, h) / min(w, h) > 20:
            return _err("ERROR_INVALID_IMAGE_DIMENSION", f"The image {uri} exceeds 20:1.")
        return None


def parse_line(text: str, images: ImageChecker | None, adapter: bool = False) -> Entry:
    """Validate one manifest line; ``images`` (if given) checks the referenced image.

    ``adapter`` selects the Content Moderation adapter format instead of Ground Truth's.
    """
    if len(text) > MAX_LINE_CHARS:
        return _unreadable("The JSON line is too long.")
    line = _json_object(text)
    if line is None:
        return _unreadable("The JSON line is invalid.")
    line.pop("cl-metadata", None)
    line.pop("cl-errors", None)
    entry = Entry(line)
    ref = line.get("source-ref")
    top = _source_ref_errors(ref)
    attrs = _label_attributes(line)
    if adapter:
        top.extend(_check_moderation(entry, attrs))
        attrs = []
    valid_attrs = _check_attributes(entry, attrs)
    if attrs and not valid_attrs:
        top.append(
            _err("ERROR_NO_VALID_LABEL_ATTRIBUTES", "The JSON line has no valid label attributes.")
        )
    if not top and ref is not None and images is not None:
        image_error = images.check(ref)
        if image_error:
            top.append(image_error)
    if top:
        line["cl-errors"] = top
    # Every valid adapter line is labeled: no unsafe label means a safe image.
    _settle(entry, bool(top) or valid_attrs < len(attrs), adapter or valid_attrs > 0)
    return entry


def _unreadable(message: str) -> Entry:
    return Entry({"cl-errors": [_err("ERROR_INVALID_JSON_LINE", message)]}, has_errors=True)


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        line = json.loads(text)
    except ValueError:
        return None
    return line if isinstance(line, dict) else None


def _source_ref_errors(ref: Any) -> list[dict[str, str]]:
    if ref is None:
        return [_err("ERROR_MISSING_SOURCE_REF", "The JSON line has no source-ref key.")]
    if s3io.parse_s3_uri(ref) is None:
        return [
            _err(
                "ERROR_INVALID_SOURCE_REF_FORMAT",
                f"The source-ref {ref!r} is not an s3://bucket/key URI.",
            )
        ]
    return []


def _label_attributes(line: dict[str, Any]) -> list[str]:
    """The keys of a line's label attributes: those with a ``<key>-metadata`` object."""
    return [
        k
        for k in line
        if k != "source-ref"
        and not k.endswith("-metadata")
        and isinstance(line.get(f"{k}-metadata"), dict)
    ]


def _check_attributes(entry: Entry, attrs: list[str]) -> int:
    """Check each label attribute, recording its errors in its metadata; how many are valid."""
    valid = 0
    for attr in attrs:
        meta = entry.line[f"{attr}-metadata"]
        meta.pop("cl-errors", None)
        errors = _check_attribute(entry, entry.line[attr], meta)
        if errors:
            meta["cl-errors"] = errors
        else:
            valid += 1
    return valid


def _settle(entry: Entry, line_errors: bool, has_labels: bool) -> None:
    """An entry's derived facts once its line is checked: a line with errors keeps no labels."""
    entry.has_errors = line_errors or entry.bad_boxes > 0
    entry.labeled = has_labels and not line_errors
    if line_errors:
        entry.labels, entry.boxes = [], {}
    entry.labels = sorted(set(entry.labels))


def _check_moderation(entry: Entry, attrs: list[str]) -> list[dict[str, str]]:
    """Adapter ground truth; any non-empty label name is accepted (AWS's examples use names
    outside the moderation taxonomy)."""
    if attrs:
        return [
            _err(
                "ERROR_UNSUPPORTED_USE_CASE_TYPE",
                f"Ground Truth label attributes ({', '.join(attrs)}) can't train an "
                f"adapter; label the image with {MODERATION_ATTRIBUTE}.",
            )
        ]
    value = entry.line.get(MODERATION_ATTRIBUTE)
    if value is None:
        return [
            _err(
                "ERROR_NO_VALID_LABEL_ATTRIBUTES",
                f"The JSON line has no {MODERATION_ATTRIBUTE} key; a safe image has "
                '{"ModerationLabels": []}.',
            )
        ]
    labels = value.get("ModerationLabels") if isinstance(value, dict) else None
    if not isinstance(labels, list) or not all(
        isinstance(x, dict) and isinstance(x.get("Name"), str) and x["Name"] for x in labels
    ):
        return [
            _err(
                "ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT",
                f'{MODERATION_ATTRIBUTE} must be {{"ModerationLabels": [{{"Name": '
                '"<label>"}, ...]}.',
            )
        ]
    names = [x["Name"] for x in labels]
    if any(len(n) > MAX_LABEL_NAME for n in names):
        return [_err("ERROR_INVALID_LABEL_NAME_LENGTH", "A label name is too long.")]
    entry.labels.extend(names)
    entry.use_case = "IMAGE_LEVEL_LABELS"
    return []


def _check_attribute(entry: Entry, value: Any, meta: dict[str, Any]) -> list[dict[str, str]]:
    kind = meta.get("type")
    required = ("human-annotated", "creation-date")
    if kind not in (CLASSIFICATION, MULTILABEL, DETECTION):
        return [_err("ERROR_UNSUPPORTED_USE_CASE_TYPE", f"Unsupported type {kind!r}.")]
    if any(k not in meta for k in required):
        return [
            _err(
                "ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT",
                "The label attribute metadata needs human-annotated and creation-date.",
            )
        ]
    if kind == CLASSIFICATION:
        return _check_classification(entry, meta)
    class_map = meta.get("class-map")
    if not isinstance(class_map, dict):
        return [_err("ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT", "class-map is missing.")]
    if kind == MULTILABEL:
        return _check_multilabel(entry, value, class_map)
    return _check_detection(entry, value, meta, class_map)


def _check_classification(entry: Entry, meta: dict[str, Any]) -> list[dict[str, str]]:
    name = meta.get("class-name")
    if not isinstance(name, str) or not name or "confidence" not in meta:
        return [
            _err(
                "ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT",
                "The label attribute metadata needs class-name and confidence.",
            )
        ]
    if len(name) > MAX_LABEL_NAME:
        return [_err("ERROR_INVALID_LABEL_NAME_LENGTH", "The label name is too long.")]
    entry.labels.append(name)
    entry.use_case = "IMAGE_LEVEL_LABELS"
    return []


def _check_multilabel(entry: Entry, value: Any, class_map: dict[str, Any]) -> list[dict[str, str]]:
    if not isinstance(value, list):
        return [_err("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "Expected a list of class ids.")]
    names = []
    for cid in value:
        if str(cid) not in class_map:
            return [_err("ERROR_MISSING_CLASS_MAP_ID", f"class id {cid} is not in class-map.")]
        names.append(str(class_map[str(cid)]))
    if any(len(n) > MAX_LABEL_NAME or not n for n in names):
        return [_err("ERROR_INVALID_LABEL_NAME_LENGTH", "A label name is too long.")]
    entry.labels.extend(names)
    entry.use_case = "IMAGE_LEVEL_LABELS"
    return []


def _check_detection(
    entry: Entry, value: Any, meta: dict[str, Any], class_map: dict[str, Any]
) -> list[dict[str, str]]:
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("annotations"), list)
        or not isinstance(value.get("image_size"), list)
        or not value["image_size"]
    ):
        return [
            _err("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "Expected image_size and annotations.")
        ]
    size = value["image_size"][0]
    try:
        width, height = float(size["width"]), float(size["height"])
    except (KeyError, TypeError, ValueError):
        return [_err("ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT", "image_size needs width/height.")]
    annotations = value["annotations"]
    objects = meta.get("objects")
    if (
        not isinstance(objects, list)
        or len(objects) < len(annotations)
        or any(
            not isinstance(o, dict) or "confidence" not in o for o in objects[: len(annotations)]
        )
    ):
        return [
            _err(
                "ERROR_MISSING_BOUNDING_BOX_CONFIDENCE",
                "Every annotation needs an objects[] entry with a confidence.",
            )
        ]
    if len(annotations) > MAX_BOXES:
        return [
            _err(
                "ERROR_TOO_MANY_BOUNDING_BOXES",
                f"There are {len(annotations)} bounding boxes; the limit is {MAX_BOXES}.",
            )
        ]
    entry.use_case = "OBJECT_LOCALIZATION"
    if annotations and not _add_boxes(entry, annotations, class_map, width, height):
        return [_err("ERROR_NO_VALID_ANNOTATIONS", "No valid annotations found.")]
    return []


def _add_boxes(
    entry: Entry, annotations: list[Any], class_map: dict[str, Any], width: float, height: float
) -> int:
    """Count each valid box against its label; how many are valid. A bad box is dropped with
    its error recorded on it; the line keeps its other boxes."""
    valid = 0
    for box in annotations:
        if isinstance(box, dict):
            box.pop("cl-errors", None)
        found = _box(box, class_map, width, height)
        if isinstance(found, dict):
            if isinstance(box, dict):
                box["cl-errors"] = [found]
            entry.bad_boxes += 1
            continue
        valid += 1
        entry.labels.append(found[0])
        entry.boxes[found[0]] = entry.boxes.get(found[0], 0) + 1
    return valid


def _box(
    box: Any, class_map: dict[str, Any], width: float, height: float
) -> tuple[str, float, float, float, float] | dict[str, str]:
    """A bounding box as (label, x0, y0, x1, y1) in pixels, or its error."""
    try:
        cid = str(box["class_id"])
        left, top = float(box["left"]), float(box["top"])
        w, h = float(box["width"]), float(box["height"])
    except (KeyError, TypeError, ValueError):
        return _err("ERROR_INVALID_BOUNDING_BOX", "The bounding box is malformed.")
    if cid not in class_map:
        return _err("ERROR_MISSING_CLASS_MAP_ID", f"class id {cid} is not in class-map.")
    if left < 0 or top < 0 or w <= 0 or h <= 0 or left + w > width or top + h > height:
        return _err("ERROR_INVALID_BOUNDING_BOX", "The bounding box has off frame values.")
    # Training scales an image whose longer side exceeds 1280 px down to 1280 px first.
    shrink = min(1.0, TRAINING_SIDE / max(width, height))
    if w * shrink <= 1 or h * shrink <= 1:
        return _err(
            "ERROR_BOUNDING_BOX_TOO_SMALL",
            "The bounding box must be larger than 1x1 pixels after resizing to "
            f"{TRAINING_SIDE} pixels.",
        )
    name = str(class_map[cid])
    if not name or len(name) > MAX_LABEL_NAME:
        return _err("ERROR_INVALID_LABEL_NAME_LENGTH", "The label name is empty or too long.")
    return name, left, top, left + w, top + h


def detection_objects(
    entry: Entry,
) -> tuple[tuple[float, float], list[tuple[str, float, float, float, float]]]:
    """A valid detection entry's declared image size and its valid boxes (label, x0, y0, x1,
    y1), from its first object-detection attribute."""
    line = entry.line
    for attr, value in line.items():
        meta = line.get(f"{attr}-metadata")
        if not isinstance(meta, dict) or meta.get("type") != DETECTION or meta.get("cl-errors"):
            continue
        size = value["image_size"][0]
        width, height = float(size["width"]), float(size["height"])
        boxes = [_box(b, meta["class-map"], width, height) for b in value["annotations"]]
        return (width, height), [b for b in boxes if isinstance(b, tuple)]
    return (0.0, 0.0), []


def split_lines(data: bytes) -> list[str]:
    """Manifest lines; a trailing newline does not make an extra (blank) line."""
    text = data.decode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1].strip() == "":
        lines.pop()
    return [ln.rstrip("\r") for ln in lines]


def split_80_20(
    entries: list[Entry], split_safe: bool = False
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


def apply_changes(entries: list[Entry], new: list[Entry]) -> list[Entry]:
    """UpdateDatasetEntries semantics: replace by source-ref, append otherwise."""
    out = list(entries)
    index = {e.source_ref: i for i, e in enumerate(out) if e.source_ref}
    for e in new:
        ref = e.source_ref
        if ref and ref in index:
            out[index[ref]] = e
        else:
            if ref:
                index[ref] = len(out)
            out.append(e)
    return out


def parse_manifest(
    data: bytes, images: ImageChecker | None = None, adapter: bool = False
) -> tuple[list[Entry], int]:
    """Entries of a manifest (duplicates of a source-ref dropped) and the invalid-line count.

    ``adapter`` reads Content Moderation adapter lines instead of Ground Truth lines.
    """
    entries: list[Entry] = []
    seen: set[str] = set()
    invalid = 0
    images = images or ImageChecker()
    for text in split_lines(data):
        entry = parse_line(text, images, adapter)
        if entry.has_errors:
            invalid += 1
        ref = entry.source_ref
        if ref and ref in seen:
            continue
        if ref:
            seen.add(ref)
        entries.append(entry)
    return entries, invalid
