"""Single values of a manifest line: what a label name, a confidence, a pixel count or a
creation date may be. `manifest` and `detection_lines` check lines with these."""

from __future__ import annotations

from datetime import datetime

# The manifest rules allow 256 characters, but the API's DatasetLabel shape stops at 255, and a
# label the API cannot name is a label ListDatasetLabels cannot report.
MAX_LABEL_NAME_LENGTH = 255


def label_name_problem(label: object) -> str | None:
    if not isinstance(label, str) or not label.strip():
        return (
            f"ERROR_INVALID_LABEL_NAME_LENGTH: label {label!r} is empty or not a string; "
            "give every label a non-empty name"
        )
    if len(label) > MAX_LABEL_NAME_LENGTH:
        return (
            f"ERROR_INVALID_LABEL_NAME_LENGTH: label {label[:40]!r}... is {len(label)} "
            f"characters; shorten it to at most {MAX_LABEL_NAME_LENGTH}"
        )
    return None


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def is_confidence(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1


def is_iso_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
