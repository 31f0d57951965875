"""SageMaker Ground Truth manifests for Rekognition Custom Labels datasets.

Pure functions build, serialise, parse and validate manifest lines; `image_folders` turns a
folder into S3 objects and such a manifest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from .detection_lines import detection_problems
from .manifest_values import is_confidence, is_iso_datetime, label_name_problem

DEFAULT_JOB_NAME = "rcl-resources"
# Ground Truth requires a creation-date, but a real timestamp would change the manifest bytes
# on every run; a fixed one keeps "unchanged folder -> unchanged manifest" true.
MANIFEST_EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)

CLASSIFICATION_TYPE = "groundtruth/image-classification"
DETECTION_TYPE = "groundtruth/object-detection"
MODERATION_ATTRIBUTE = "content-moderation-groundtruth"
"""The one label attribute of a content-moderation adapter's lines (AWS's adapter format)."""
CLASSIFICATION = "classification"
CONTENT_MODERATION = "content_moderation"
OBJECT_DETECTION = "object_detection"
FOLDER_KINDS = (CLASSIFICATION, CONTENT_MODERATION)
SAFE_FOLDER = "safe"
"""In a content-moderation image folder: images with no unsafe content."""
IMAGE_CONTENT_TYPES: Mapping[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
MAX_LABELS_PER_IMAGE = 50
MANIFEST_CONTENT_TYPE = "application/x-ndjson"

SOURCE_REF = "source-ref"
METADATA_SUFFIX = "-metadata"
# Keys Rekognition adds to entries it returns (ListDatasetEntries); they are not labels.
SERVICE_KEYS = frozenset({"cl-metadata", "cl-errors"})

_S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]/.+$")
_UNSAFE_ATTRIBUTE_CHARS = re.compile(r"[^A-Za-z0-9_]+")


# --- building lines ---------------------------------------------------------------------------


def label_attribute(label: str) -> str:
    """The manifest attribute name used for ``label``.

    Labels made only of ASCII letters, digits and ``_`` are used as they are; anything else is
    reduced to those characters and suffixed with a short hash of the label, so distinct labels
    never share an attribute and no attribute can collide with ``source-ref`` or end in
    ``-metadata``.
    """
    slug = _UNSAFE_ATTRIBUTE_CHARS.sub("_", label).strip("_")[:64]
    if slug == label:
        return slug
    digest = hashlib.sha256(label.encode("utf-8")).hexdigest()[:8]
    return f"{slug or 'label'}_{digest}"


def classification_line(
    source_ref: str,
    labels: str | Sequence[str],
    *,
    job_name: str = DEFAULT_JOB_NAME,
    creation_date: datetime | None = None,
) -> dict[str, Any]:
    """A Ground Truth image-classification line for ``source_ref`` with one or more labels.

    Each label gets its own attribute / ``<attribute>-metadata`` pair, so a sequence of labels
    makes a multi-label line. ``creation_date`` defaults to ``MANIFEST_EPOCH``; naive datetimes
    are taken as UTC. Raises ValueError for an invalid source-ref or label.
    """
    label_list = [labels] if isinstance(labels, str) else list(dict.fromkeys(labels))
    if not _S3_URI.match(source_ref):
        raise ValueError(f"source-ref {source_ref!r} is not an S3 URI; use s3://<bucket>/<key>")
    if not label_list:
        raise ValueError(f"{source_ref}: at least one label is required")
    if len(label_list) > MAX_LABELS_PER_IMAGE:
        raise ValueError(
            f"{source_ref}: {len(label_list)} labels, but an image may have at most "
            f"{MAX_LABELS_PER_IMAGE}"
        )
    for label in label_list:
        problem = label_name_problem(label)
        if problem:
            raise ValueError(f"{source_ref}: {problem}")

    created = _iso_utc(creation_date or MANIFEST_EPOCH)
    line: dict[str, Any] = {SOURCE_REF: source_ref}
    for label in label_list:
        attribute = label_attribute(label)
        line[attribute] = 1
        line[attribute + METADATA_SUFFIX] = {
            "confidence": 1,
            "class-name": label,
            "human-annotated": "yes",
            "creation-date": created,
            "type": CLASSIFICATION_TYPE,
            "job-name": job_name,
        }
    return line


def moderation_line(source_ref: str, labels: str | Sequence[str] = ()) -> dict[str, Any]:
    """A content-moderation adapter line: ``source-ref`` plus the moderation labels the image
    shows, e.g. ``["Alcohol"]``; no labels marks a safe image. Raises ValueError for an
    invalid source-ref or label."""
    label_list = [labels] if isinstance(labels, str) else list(dict.fromkeys(labels))
    if not _S3_URI.match(source_ref):
        raise ValueError(f"source-ref {source_ref!r} is not an S3 URI; use s3://<bucket>/<key>")
    for label in label_list:
        problem = label_name_problem(label)
        if problem:
            raise ValueError(f"{source_ref}: {problem}")
    return {
        SOURCE_REF: source_ref,
        MODERATION_ATTRIBUTE: {"ModerationLabels": [{"Name": label} for label in label_list]},
    }


def detection_line(
    source_ref: str,
    size: tuple[int, int],
    boxes: Sequence[tuple[str, int, int, int, int]],
    class_ids: Mapping[str, int],
    *,
    attribute: str = "bounding-box",
    job_name: str = DEFAULT_JOB_NAME,
    creation_date: datetime | None = None,
) -> dict[str, Any]:
    """A Ground Truth object-detection line: ``boxes`` are (label, left, top, width, height) in
    pixels of an image of ``size`` (width, height); ``class_ids`` numbers the labels."""
    if not _S3_URI.match(source_ref):
        raise ValueError(f"source-ref {source_ref!r} is not an S3 URI; use s3://<bucket>/<key>")
    used = sorted({label for label, *_ in boxes}, key=lambda label: class_ids[label])
    return {
        SOURCE_REF: source_ref,
        attribute: {
            "image_size": [{"width": size[0], "height": size[1], "depth": 3}],
            "annotations": [
                {
                    "class_id": class_ids[label],
                    "left": left,
                    "top": top,
                    "width": width,
                    "height": height,
                }
                for label, left, top, width, height in boxes
            ],
        },
        attribute + METADATA_SUFFIX: {
            "objects": [{"confidence": 1} for _ in boxes],
            "class-map": {str(class_ids[label]): label for label in used},
            "type": DETECTION_TYPE,
            "human-annotated": "yes",
            "creation-date": _iso_utc(creation_date or MANIFEST_EPOCH),
            "job-name": job_name,
        },
    }


def _iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


# --- serialising ------------------------------------------------------------------------------


def dumps_line(line: Mapping[str, Any]) -> str:
    """One manifest line as compact JSON with sorted keys (no newline)."""
    return json.dumps(line, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def dumps_manifest(lines: Iterable[Mapping[str, Any]]) -> str:
    """Manifest lines as JSON Lines text, each line newline-terminated."""
    return "".join(dumps_line(line) + "\n" for line in lines)


def parse_manifest(text: str) -> list[dict[str, Any]]:
    """Parse JSON Lines manifest text; blank lines are skipped.

    Raises ValueError naming the 1-based line number of invalid JSON or a non-object line.
    """
    lines: list[dict[str, Any]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"ERROR_INVALID_JSON_LINE: manifest line {number} is not valid JSON ({error.msg} "
                f"at column {error.colno}); each line must be one JSON object"
            ) from error
        if not isinstance(value, dict):
            raise ValueError(
                f"ERROR_INVALID_JSON_LINE: manifest line {number} is a JSON "
                f"{type(value).__name__}, not an object"
            )
        lines.append(value)
    return lines


# --- validating -------------------------------------------------------------------------------


def _label_attributes(line: Mapping[str, Any]) -> list[str]:
    """Attribute names of a line: keys with a ``-metadata`` partner or that have a partner key."""
    names: set[str] = set()
    for key in line:
        if key in (SOURCE_REF, MODERATION_ATTRIBUTE) or key in SERVICE_KEYS:
            continue
        names.add(key[: -len(METADATA_SUFFIX)] if key.endswith(METADATA_SUFFIX) else key)
    return sorted(names)


def validate_line(line: Mapping[str, Any]) -> list[str]:
    """Problems that would make Rekognition reject ``line``, as ``CODE: what; how to fix``.

    An empty list means the line is a valid image-classification, object-detection or
    content-moderation adapter entry, or an unlabeled one (only a ``source-ref``).
    """
    if not isinstance(line, Mapping):
        return [f"ERROR_INVALID_JSON_LINE: entry is a {type(line).__name__}, not a JSON object"]
    problems: list[str] = []
    source_ref = line.get(SOURCE_REF)
    if source_ref is None:
        problems.append(
            'ERROR_MISSING_SOURCE_REF: the line has no "source-ref"; '
            'add "source-ref": "s3://<bucket>/<key>" pointing at the image'
        )
    elif not isinstance(source_ref, str) or not _S3_URI.match(source_ref):
        problems.append(
            f'ERROR_INVALID_SOURCE_REF_FORMAT: "source-ref" is {source_ref!r}; '
            "it must be an S3 URI like s3://<bucket>/<key>"
        )
    where = source_ref if isinstance(source_ref, str) else "line"

    if MODERATION_ATTRIBUTE in line:
        problems.extend(_moderation_problems(line, where))
    # A line without label attributes is a valid, unlabeled entry (label it later).
    for attribute in _label_attributes(line):
        problems.extend(_attribute_problems(line, attribute, where))
    return problems


def _moderation_problems(line: Mapping[str, Any], where: str) -> list[str]:
    value = line[MODERATION_ATTRIBUTE]
    labels = value.get("ModerationLabels") if isinstance(value, Mapping) else None
    if not isinstance(labels, list):
        return [
            f'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT: {where}: "{MODERATION_ATTRIBUTE}" must be '
            '{"ModerationLabels": [{"Name": "Alcohol"}]} ([] for a safe image)'
        ]
    problems: list[str] = []
    if _label_attributes(line):
        problems.append(
            f"ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT: {where}: an adapter line has only "
            f'"source-ref" and "{MODERATION_ATTRIBUTE}"; remove the other label attributes'
        )
    for index, label in enumerate(labels):
        name = label.get("Name") if isinstance(label, Mapping) else None
        problem = label_name_problem(name)
        if problem:
            problems.append(f"{problem} ({where}, ModerationLabels[{index}].Name)")
    return problems


def _attribute_problems(line: Mapping[str, Any], attribute: str, where: str) -> list[str]:
    metadata_key = attribute + METADATA_SUFFIX
    if metadata_key not in line:
        return [
            f'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT: {where}: attribute "{attribute}" '
            f'has no "{metadata_key}"; add it or remove the attribute'
        ]
    metadata = line[metadata_key]
    if not isinstance(metadata, Mapping):
        return [
            f'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT: {where}: "{metadata_key}" must be '
            f"a JSON object, not {type(metadata).__name__}"
        ]
    if attribute not in line:
        return [
            f'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT: {where}: "{metadata_key}" has no attribute '
            f'"{attribute}"; add "{attribute}": 1 (classification) or the bounding boxes '
            "(object detection)"
        ]
    kind = metadata.get("type")
    problems = _common_metadata_problems(metadata, metadata_key, where)
    if kind == CLASSIFICATION_TYPE:
        problems.extend(_classification_problems(line[attribute], metadata, attribute, where))
    elif kind == DETECTION_TYPE:
        problems.extend(
            detection_problems(line[attribute], metadata, attribute, metadata_key, where)
        )
    elif kind is None:
        problems.append(
            f'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT: {where}: "{metadata_key}" has no '
            f'"type"; set it to "{CLASSIFICATION_TYPE}" or "{DETECTION_TYPE}"'
        )
    else:
        problems.append(
            f'ERROR_UNSUPPORTED_USE_CASE_TYPE: {where}: "{metadata_key}" has type {kind!r}; '
            f'only "{CLASSIFICATION_TYPE}" and "{DETECTION_TYPE}" are supported'
        )
    return problems


def _common_metadata_problems(
    metadata: Mapping[str, Any], metadata_key: str, where: str
) -> list[str]:
    problems: list[str] = []
    prefix = f"ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT: {where}: {metadata_key}"
    if metadata.get("human-annotated") not in ("yes", "no"):
        problems.append(f'{prefix}."human-annotated" must be "yes" or "no"')
    created = metadata.get("creation-date")
    if not isinstance(created, str) or not is_iso_datetime(created):
        problems.append(
            f'{prefix}."creation-date" must be an ISO 8601 UTC time such as '
            f'"{_iso_utc(MANIFEST_EPOCH)}"'
        )
    job_name = metadata.get("job-name")
    if job_name is not None and not isinstance(job_name, str):
        problems.append(f'{prefix}."job-name" must be a string when present')
    return problems


def _classification_problems(
    value: object, metadata: Mapping[str, Any], attribute: str, where: str
) -> list[str]:
    problems: list[str] = []
    metadata_key = attribute + METADATA_SUFFIX
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(
            f'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT: {where}: "{attribute}" must be an integer '
            f"for image classification, not {value!r}"
        )
    if not is_confidence(metadata.get("confidence")):
        problems.append(
            f"ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT: {where}: "
            f'{metadata_key}."confidence" must be a number from 0 to 1'
        )
    class_name = metadata.get("class-name")
    if class_name is None:
        problems.append(
            f"ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT: {where}: "
            f'{metadata_key} has no "class-name"; set it to the label'
        )
    else:
        problem = label_name_problem(class_name)
        if problem:
            problems.append(f"{problem} ({where})")
    return problems


def labels_of(line: Mapping[str, Any]) -> list[str]:
    """The sorted, distinct label names of a line (class-names and used class-map entries).

    Malformed attributes are skipped; use ``validate_line`` to find them.
    """
    labels: set[str] = set()
    moderation = line.get(MODERATION_ATTRIBUTE)
    if isinstance(moderation, Mapping) and isinstance(moderation.get("ModerationLabels"), list):
        labels.update(
            label["Name"]
            for label in moderation["ModerationLabels"]
            if isinstance(label, Mapping) and isinstance(label.get("Name"), str)
        )
    for attribute in _label_attributes(line):
        metadata = line.get(attribute + METADATA_SUFFIX)
        if not isinstance(metadata, Mapping):
            continue
        if metadata.get("type") == DETECTION_TYPE:
            class_map = metadata.get("class-map")
            value = line.get(attribute)
            annotations = value.get("annotations") if isinstance(value, Mapping) else None
            if isinstance(class_map, Mapping) and isinstance(annotations, list):
                for box in annotations:
                    if isinstance(box, Mapping):
                        label = class_map.get(str(box.get("class_id")))
                        if isinstance(label, str):
                            labels.add(label)
        elif isinstance(metadata.get("class-name"), str):
            labels.add(metadata["class-name"])
    return sorted(labels)
