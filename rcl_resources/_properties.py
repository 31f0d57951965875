"""Property values between the plugin's wire form and the core's props: camelCase names and
PropertyValues on one side, the snake_case plain Python the providers take on the other."""

from __future__ import annotations

import re
import typing
from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime.rpc import UNKNOWN

from ._inputs import CONNECTION, renamed

# Inputs the dynamic host carries for itself; the plugin takes them from its configuration.
HIDDEN = frozenset({"owner", "digest", *CONNECTION})


def camel(name: str) -> str:
    """`min_f1_score` → `minF1Score`."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    """`minF1Score` → `min_f1_score`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def plain(value: PropertyValue) -> Any:
    """A PropertyValue as plain Python; unknowns as the UNKNOWN sentinel the providers know."""
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, typing.Mapping):
        return {k: plain(v) for k, v in inner.items()}
    if isinstance(inner, tuple):
        return [plain(v) for v in inner]
    if isinstance(inner, float) and inner.is_integer():
        return int(inner)
    return inner


def wrapped(value: Any) -> PropertyValue:
    """Plain Python as a PropertyValue."""
    if isinstance(value, str) and value == UNKNOWN:
        # The engine reads this sentinel as unknown; the SDK cannot marshal its own Computed.
        return PropertyValue(UNKNOWN)
    if isinstance(value, dict):
        return PropertyValue({k: wrapped(v) for k, v in value.items() if v is not None})
    if isinstance(value, (list, tuple)):
        return PropertyValue([wrapped(v) for v in value])
    if isinstance(value, int) and not isinstance(value, bool):
        return PropertyValue(float(value))
    return PropertyValue(value)


def props_in(values: dict[str, PropertyValue]) -> dict[str, Any]:
    return renamed({k: plain(v) for k, v in values.items()}, snake)


def props_out(
    props: dict[str, Any], *sources: dict[str, PropertyValue]
) -> dict[str, PropertyValue]:
    """Props as properties; a property stays secret when it was secret in any of `sources`
    (the request's inputs or state)."""
    secret = {k for source in sources for k, v in source.items() if v.contains_secret()}
    visible = {k: v for k, v in props.items() if k not in HIDDEN and v is not None}
    return {
        k: wrapped(v).with_secret(True) if k in secret else wrapped(v)
        for k, v in renamed(visible, camel).items()
    }
