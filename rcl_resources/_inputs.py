"""Input shapes shared by every resource (pydantic models used by `check`)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import pulumi
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .api_model import Api, s3_bucket_name

# rcl_resources keeps these tags for itself (see _provider), out of AWS's 200.
RESERVED_TAGS = 2


def api(address: str) -> AfterValidator:
    """The service model's rules for the API member at `address` (`Shape.Member`)."""
    return AfterValidator(Api(address))


def _our_tags(value: dict[str, str]) -> dict[str, str]:
    if len(value) > 200 - RESERVED_TAGS:
        raise ValueError(
            f"has {len(value)} tags; AWS allows 200, {RESERVED_TAGS} of which rcl-resources uses"
        )
    for key in value:
        if key.lower().startswith(("rcl-resources:", "aws:")):
            raise ValueError(f"key {key!r} uses a reserved prefix (aws: or rcl-resources:)")
    return value


Tags = Annotated[dict[str, str], api("CreateProjectRequest.Tags"), AfterValidator(_our_tags)]
S3Bucket = Annotated[str, api("S3Object.Bucket"), AfterValidator(s3_bucket_name)]


class S3Object(BaseModel):
    """An S3 object as the API takes it: bucket, key (`name`) and optional version."""

    model_config = ConfigDict(extra="forbid")
    bucket: S3Bucket
    name: Annotated[str, api("S3Object.Name")]
    version: Annotated[str | None, api("S3Object.Version")] = None


class GroundTruthManifest(BaseModel):
    """A Ground Truth manifest in S3."""

    model_config = ConfigDict(extra="forbid")
    s3_object: S3Object


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
