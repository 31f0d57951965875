"""Input shapes shared by every resource (pydantic models used by `check`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ._aws import ENDPOINTS
from .api_model import Api, s3_bucket_name

STRICT = ConfigDict(extra="forbid", defer_build=True)
"""Input models refuse unknown fields. A field's docstring is its description, read by the
plugin's schema; validators are built on first use, so importing the package stays cheap."""

# rcl_resources keeps these tags for itself (see _provider), out of AWS's 200.
RESERVED_TAGS = 2


CONNECTION = frozenset({"profile", *ENDPOINTS})
"""Inputs that say where and as whom to call AWS (besides `region`): set by the provider
configuration, never shown as inputs of a resource, never a change of one."""

# Maps whose keys are the user's, never renamed.
OPAQUE_MAPS = frozenset({"tags"})


def renamed(value: Any, rename: Any) -> Any:
    """`value` with every property name renamed by `rename` (snake_case to the API's
    PascalCase, to the plugin's camelCase, and back), except the keys of user maps (tags)."""
    if isinstance(value, dict):
        return {
            rename(k): (v if k in OPAQUE_MAPS or rename(k) in OPAQUE_MAPS else renamed(v, rename))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [renamed(v, rename) for v in value]
    return value


class AlsoAccepts:
    """Field metadata: a type the Python surface also takes for this input, turned into the
    input's own type by a validator that runs before the checks (a dict for a JSON string)."""

    def __init__(self, annotation: Any) -> None:
        self.annotation = annotation


def api(address: str) -> AfterValidator:
    """The service model's rules for the API member at `address` (`Shape.Member`)."""
    return AfterValidator(Api(address))


def our_tags(allowed: int, reserved: int) -> AfterValidator:
    """The user's tags on something AWS allows `allowed` tags on, `reserved` of them ours."""

    def check(value: dict[str, str]) -> dict[str, str]:
        if len(value) > allowed - reserved:
            raise ValueError(
                f"has {len(value)} tags; AWS allows {allowed}, {reserved} of which "
                "rcl-resources uses"
            )
        for key in value:
            if key.lower().startswith(("rcl-resources:", "aws:")):
                raise ValueError(f"key {key!r} uses a reserved prefix (aws: or rcl-resources:)")
        return value

    return AfterValidator(check)


Tags = Annotated[dict[str, str], api("CreateProjectRequest.Tags"), our_tags(200, RESERVED_TAGS)]
GroupTags = Annotated[dict[str, str], our_tags(50, 1)]
"""Tags of a schedule group: the owner tag is the one rcl-resources uses."""
S3Bucket = Annotated[str, api("S3Object.Bucket"), AfterValidator(s3_bucket_name)]


class S3Object(BaseModel):
    """An S3 object as the API takes it: bucket, key (`name`) and optional version."""

    model_config = STRICT
    bucket: S3Bucket
    """The S3 bucket."""
    name: Annotated[str, api("S3Object.Name")]
    """The object's key."""
    version: Annotated[str | None, api("S3Object.Version")] = None
    """The object's version, in a versioned bucket."""


class GroundTruthManifest(BaseModel):
    """A Ground Truth manifest in S3."""

    model_config = STRICT
    s3_object: S3Object
    """Where the manifest (JSON Lines) is in S3."""


class Timeouts(BaseModel):
    """Seconds to wait for each operation before failing with a clear message."""

    model_config = STRICT
    create: float | None = Field(default=None, gt=0)
    """Seconds a create may wait (for a model: training, then starting)."""
    update: float | None = Field(default=None, gt=0)
    """Seconds an update may wait."""
    delete: float | None = Field(default=None, gt=0)
    """Seconds a delete may wait."""


class CommonInputs(BaseModel):
    """Inputs every resource has: connection and ownership."""

    model_config = STRICT
    region: str | None = None
    """AWS region; by default the provider's `rcl:region`, then `aws:region`, then the AWS
    default chain. A new region replaces the resource."""
    profile: str | None = None
    """AWS profile (set by the provider configuration)."""
    endpoint_url: str | None = None
    """Rekognition endpoint override (set by the provider configuration)."""
    s3_endpoint_url: str | None = None
    """S3 endpoint override (set by the provider configuration)."""
    scheduler_endpoint_url: str | None = None
    """EventBridge Scheduler endpoint override (set by the provider configuration)."""
    owner: str | None = None
    """`<pulumi project>/<stack>/<resource name>`, tagged on what this resource creates so a
    retry adopts only its own (set by the host)."""
    timeouts: Timeouts | None = None
    """Seconds to wait for each operation (`create`, `update`, `delete`) before failing with a
    clear message."""


def check_units(low: int, high: int | None) -> None:
    """Refuse an autoscaling bound below the minimum inference units."""
    if high is not None and high < low:
        raise ValueError(f"max_inference_units ({high}) is below min_inference_units ({low})")


def timeout_of(props: dict[str, Any], operation: str, default: float) -> float:
    """The `timeouts` input for `operation`, or `default`."""
    value = (props.get("timeouts") or {}).get(operation)
    return float(value) if value else default
