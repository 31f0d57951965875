"""Object-detection lines of a manifest: the checks of a bounding-box attribute and its
metadata, which `manifest.validate_line` runs (`manifest.detection_line` builds such lines)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .manifest_values import is_confidence, is_number, is_positive_int, label_name_problem

MAX_BOUNDING_BOXES = 50

_SHAPE_HINT = (
    '{"image_size": [{"width", "height", "depth"}], '
    '"annotations": [{"class_id", "top", "left", "width", "height"}]}'
)


def detection_problems(
    value: object, metadata: Mapping[str, Any], attribute: str, metadata_key: str, where: str
) -> list[str]:
    """Problems of the object-detection attribute ``value`` and its ``metadata``."""
    if not isinstance(value, Mapping):
        return [
            f'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT: {where}: "{attribute}" must be {_SHAPE_HINT}'
        ]
    problems: list[str] = []
    size = _image_size(value)
    if size is None:
        problems.append(
            f'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT: {where}: "{attribute}".image_size must be '
            '[{"width": W, "height": H, "depth": D}] with positive integers'
        )
    annotations = value.get("annotations")
    if not isinstance(annotations, list):
        return [
            *problems,
            f'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT: {where}: "{attribute}".annotations must be '
            "a list (empty for an image with no objects)",
        ]
    if len(annotations) > MAX_BOUNDING_BOXES:
        problems.append(
            f"ERROR_TOO_MANY_BOUNDING_BOXES: {where}: {len(annotations)} boxes; "
            f"an image may have at most {MAX_BOUNDING_BOXES}"
        )
    objects = metadata.get("objects")
    problems.extend(_objects_problems(objects, len(annotations), metadata_key, where))
    class_map = metadata.get("class-map")
    problems.extend(_class_map_problems(class_map, metadata_key, where))
    if not isinstance(class_map, Mapping):
        class_map = {}
    for index, box in enumerate(annotations):
        problems.extend(_box_problems(box, index, size, class_map, attribute, where))
    return problems


def _image_size(value: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The first ``image_size`` entry, when it has positive integer width, height and depth."""
    sizes = value.get("image_size")
    size = sizes[0] if isinstance(sizes, list) and sizes else None
    if not isinstance(size, Mapping) or not all(
        is_positive_int(size.get(k)) for k in ("width", "height", "depth")
    ):
        return None
    return size


def _objects_problems(objects: object, boxes: int, metadata_key: str, where: str) -> list[str]:
    if not isinstance(objects, list) or len(objects) != boxes:
        return [
            f"ERROR_MISSING_BOUNDING_BOX_CONFIDENCE: {where}: {metadata_key}.objects must hold "
            f'one {{"confidence": c}} per annotation ({boxes})'
        ]
    if not all(isinstance(o, Mapping) and is_confidence(o.get("confidence")) for o in objects):
        return [
            f"ERROR_MISSING_BOUNDING_BOX_CONFIDENCE: {where}: every {metadata_key}.objects "
            "entry needs a confidence from 0 to 1"
        ]
    return []


def _class_map_problems(class_map: object, metadata_key: str, where: str) -> list[str]:
    if not isinstance(class_map, Mapping):
        return [
            f"ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT: {where}: {metadata_key} needs a "
            '"class-map" object like {"0": "cat"}'
        ]
    problems: list[str] = []
    for class_id, label in class_map.items():
        problem = label_name_problem(label)
        if problem:
            problems.append(f"{problem} ({where}, class-map id {class_id})")
    return problems


def _box_problems(
    box: object,
    index: int,
    size: Mapping[str, Any] | None,
    class_map: Mapping[str, Any],
    attribute: str,
    where: str,
) -> list[str]:
    name = f'"{attribute}".annotations[{index}]'
    edges = ("top", "left", "width", "height")
    if not isinstance(box, Mapping) or not all(is_number(box.get(k)) for k in edges):
        return [
            f"ERROR_INVALID_BOUNDING_BOX: {where}: {name} needs numeric top, left, width "
            "and height in pixels"
        ]
    problems: list[str] = []
    if str(box.get("class_id")) not in class_map:
        problems.append(
            f"ERROR_MISSING_CLASS_MAP_ID: {where}: {name}.class_id {box.get('class_id')!r} "
            f'is not in {attribute}-metadata."class-map"; add it there'
        )
    top, left, width, height = (box[k] for k in edges)
    off_frame = size is not None and (left + width > size["width"] or top + height > size["height"])
    if min(top, left) < 0 or width <= 0 or height <= 0 or off_frame:
        problems.append(
            f"ERROR_INVALID_BOUNDING_BOX: {where}: {name} is empty, negative or outside the "
            "image; keep every box within image_size"
        )
    return problems
