"""Request validation against botocore's Rekognition service model.

botocore checks only ``required`` and ``min`` on the client; the real service also enforces
``max``, enums, ranges and patterns. This module does all of them server-side so clients that
skip botocore (or disable parameter validation) see the same errors as against AWS.
"""

from __future__ import annotations

import base64
import binascii
import functools
from typing import Any

import botocore.session
from botocore.model import ServiceModel, Shape

from rcl_resources.api_model import SERVICE, matches

from .exceptions import ImageTooLargeException, InvalidParameterException, ValidationException

__all__ = ["service_model", "validate_input"]


@functools.cache
def service_model() -> ServiceModel:
    """botocore's Rekognition service model, the emulator's source of truth for shapes."""
    return botocore.session.get_session().get_service_model(SERVICE)


def validate_input(operation: str, params: Any) -> dict[str, Any]:
    """Validate ``params`` for ``operation``; return them with blobs base64-decoded."""
    op = service_model().operation_model(operation)
    if op.input_shape is None:
        return {}
    if not isinstance(params, dict):
        raise InvalidParameterException("Request body must be a JSON object.")
    return _check(op.input_shape, params, "")


def _fail(path: str, detail: str, shape_name: str = "") -> None:
    if path.endswith("MaxResults") and "less than" in detail:
        # The model's doc strings name ValidationException for an over-size MaxResults.
        raise ValidationException(f"1 validation error detected: Value at '{path}' {detail}")
    raise InvalidParameterException(f"1 validation error detected: Value at '{path}' {detail}")


def _check(shape: Shape, value: Any, path: str) -> Any:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        return _check_structure(shape, value, path)
    if kind == "list":
        if not isinstance(value, list):
            _fail(path, "must be a list")
        _length(meta, len(value), path, "length")
        return [_check(shape.member, item, f"{path}.{i + 1}") for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            _fail(path, "must be a map")
        _length(meta, len(value), path, "length")
        return {
            _check(shape.key, k, f"{path}.key"): _check(shape.value, v, f"{path}.{k}")
            for k, v in value.items()
        }
    if kind == "string":
        return _check_string(shape, value, path)
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(path, "must be an integer")
        _range(meta, value, path)
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _fail(path, "must be a number")
        _range(meta, value, path)
        return float(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            _fail(path, "must be a boolean")
        return value
    if kind == "blob":
        return _check_blob(shape, value, path)
    return value


def _check_structure(shape: Shape, value: Any, path: str) -> Any:
    if not isinstance(value, dict):
        _fail(path, "must be a structure")
    out = {}
    for req in shape.required_members:
        if value.get(req) is None:
            raise InvalidParameterException(
                f"1 validation error detected: Value null at '{_sub(path, req)}' failed to "
                "satisfy constraint: Member must not be null"
            )
    for name, member in shape.members.items():
        if name in value and value[name] is not None:
            out[name] = _check(member, value[name], _sub(path, name))
    if shape.is_document_type:
        return value
    return out


def _check_string(shape: Shape, value: Any, path: str) -> Any:
    meta = shape.metadata
    if not isinstance(value, str):
        _fail(path, "must be a string")
    _length(meta, len(value), path, "length")
    if shape.enum and value not in shape.enum:
        _fail(
            path,
            f"'{value}' failed to satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(shape.enum)}]",
        )
    pattern = meta.get("pattern")
    if pattern and not matches(pattern, value):
        _fail(
            path,
            f"'{value[:100]}' failed to satisfy constraint: Member must satisfy regular "
            f"expression pattern: {pattern}",
        )
    return value


def _check_blob(shape: Shape, value: Any, path: str) -> bytes:
    meta = shape.metadata
    if not isinstance(value, str):
        _fail(path, "must be a base64-encoded string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParameterException(f"Value at '{path}' is not valid base64.") from None
    if path.endswith("Image.Bytes") and len(raw) > meta.get("max", len(raw)):
        raise ImageTooLargeException("The image is larger than the allowed size.")
    _length(meta, len(raw), path, "length")
    return raw


def _sub(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _length(meta: dict[str, Any], n: int, path: str, what: str) -> None:
    if "min" in meta and n < meta["min"]:
        _fail(
            path,
            f"failed to satisfy constraint: Member must have {what} greater than or "
            f"equal to {meta['min']}",
        )
    if "max" in meta and n > meta["max"]:
        _fail(
            path,
            f"failed to satisfy constraint: Member must have {what} less than or "
            f"equal to {meta['max']}",
        )


def _range(meta: dict[str, Any], v: float, path: str) -> None:
    if "min" in meta and v < meta["min"]:
        _fail(
            path,
            f"failed to satisfy constraint: Member must have value greater than or "
            f"equal to {meta['min']}",
        )
    if "max" in meta and v > meta["max"]:
        _fail(
            path,
            f"failed to satisfy constraint: Member must have value less than or "
            f"equal to {meta['max']}",
        )
