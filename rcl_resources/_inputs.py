"""Input shapes shared by every resource (pydantic models used by `check`)."""

from __future__ import annotations

import dataclasses
import re
from typing import Annotated, Any

import pulumi
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_NAME = re.compile(r"^[a-zA-Z0-9_.\-]+$")
_TAG_KEY = re.compile(r"^[\w\s.:/=+\-@]+$", re.UNICODE)


def _name(value: str) -> str:
    if not 1 <= len(value) <= 255 or not _NAME.match(value):
        raise ValueError(
            f"{value!r} is not a valid name: use 1-255 letters, digits, '_', '.' or '-'"
        )
    return value


def _tags(value: dict[str, str]) -> dict[str, str]:
    if len(value) > 199:
        raise ValueError(f"has {len(value)} tags; AWS allows 200, one of which rcl-resources uses")
    for key, val in value.items():
        if not 1 <= len(key) <= 128 or not _TAG_KEY.match(key):
            raise ValueError(f"key {key!r} is invalid: 1-128 letters, digits, spaces and _.:/=+-@")
        if key.lower().startswith("aws:") or key.startswith("rcl-resources:"):
            raise ValueError(f"key {key!r} uses a reserved prefix (aws: or rcl-resources:)")
        if len(val) > 256:
            raise ValueError(f"value of {key!r} is longer than 256 characters")
    return value


ResourceName = Annotated[str, AfterValidator(_name)]
Tags = Annotated[dict[str, str], AfterValidator(_tags)]


@dataclasses.dataclass
class TimeoutsArgs:
    """Seconds to wait for each operation before failing with a clear message (Pulumi's
    `custom_timeouts` do not reach dynamic providers)."""

    create: pulumi.Input[float] | None = None
    update: pulumi.Input[float] | None = None
    delete: pulumi.Input[float] | None = None


class Timeouts(BaseModel):
    """Seconds to wait for each operation before failing with a clear message."""

    model_config = ConfigDict(extra="forbid")
    create: float | None = Field(default=None, gt=0)
    update: float | None = Field(default=None, gt=0)
    delete: float | None = Field(default=None, gt=0)


class CommonInputs(BaseModel):
    """Inputs every resource has: connection and ownership."""

    model_config = ConfigDict(extra="forbid")
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    s3_endpoint_url: str | None = None
    owner: str | None = None
    timeouts: Timeouts | None = None


def timeout_of(props: dict[str, Any], operation: str, default: float) -> float:
    """The `timeouts` input for `operation`, or `default`."""
    value = (props.get("timeouts") or {}).get(operation)
    return float(value) if value else default
