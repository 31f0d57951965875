"""The core every resource provider shares, whichever host runs it: results, input validation,
field-by-field diff, naming and ownership tags. Plain values in, plain values out."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, ClassVar

import pydantic
from pulumi import Output
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from . import progress
from ._aws import ENDPOINTS, Connection, default_endpoint, default_region
from ._inputs import CONNECTION
from .errors import S3_MISSING, RclError, error_code, explain

# Inputs that steer the provider but never change the AWS resource.
NEVER_DIFF = frozenset({"owner", "timeouts", *CONNECTION})


# -- results -------------------------------------------------------------------------------
# Both hosts read these attributes: the plugin translates them, and the dynamic provider host
# reads the same names from pulumi.dynamic's own result classes.


@dataclass
class CheckFailure:
    property: str
    """The input's path, e.g. `output_config.s3_bucket`."""
    reason: str


@dataclass
class CheckResult:
    inputs: dict[str, Any]
    failures: list[CheckFailure]


@dataclass
class DiffResult:
    changes: bool | None = None
    replaces: list[str] | None = None
    stables: list[str] | None = None
    delete_before_replace: bool | None = None


@dataclass
class CreateResult:
    id: str
    outs: dict[str, Any] | None = None


@dataclass
class ReadResult:
    """`id` None: the resource is gone."""

    id: str | None = None
    outs: dict[str, Any] | None = None
    inputs: dict[str, Any] | None = None


@dataclass
class UpdateResult:
    outs: dict[str, Any] | None = None


def is_unknown(value: Any) -> bool:
    """True when `value` is, or contains, a value not known until apply (preview).

    Depending on the path through the SDK, unknowns arrive as the UNKNOWN string, as
    `Unknown` objects, or as `Output`s (output values from other resources).
    """
    if isinstance(value, (Output, Unknown)):
        return True
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, dict):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(is_unknown(v) for v in value)
    return False


def as_sentinel(value: Any) -> Any:
    """Unknowns (at any depth) as the UNKNOWN string, which serializes back as unknown."""
    if isinstance(value, (Output, Unknown)):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: as_sentinel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_sentinel(v) for v in value]
    return value


def short_hash(*parts: Any) -> str:
    """7 hex characters of sha256 over a canonical JSON of `parts`."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:7]


def physical_name(logical: str, *identity: Any) -> str:
    """`<logical>-<7 hex>`: a pure function of what identifies the resource, so a retry computes
    the same name and a replacement gets a new one."""
    base = re.sub(r"[^a-zA-Z0-9_.\-]", "-", logical)[:247] or "rcl"
    return f"{base}-{short_hash(*identity)}"


def format_error(error: Any) -> tuple[str, str]:
    """A pydantic error as (property path, reason)."""
    path = ".".join(str(p) for p in error["loc"])
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if error["type"] == "missing":
        message = "is required"
    elif error["type"] == "extra_forbidden":
        message = "is not an input of this resource; check the spelling"
    return path, message


class Provider:
    """Base class of the rcl providers. Subclasses set the class attributes and CRUD methods.

    The plugin calls them directly; the dynamic provider host unpickles a subclass from the
    state (by import path) and calls the same methods, plus the two members below."""

    serialize_as_secret_always = True
    """Dynamic host: the pickled provider is stored as a secret."""

    def configure(self, request: Any) -> None:
        """Dynamic host: the stack's config arrives as inputs instead (see program_props)."""

    # -- what each resource implements -------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        raise NotImplementedError

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        raise NotImplementedError

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        raise NotImplementedError

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        raise NotImplementedError

    kind: ClassVar[str]
    summary: ClassVar[str]
    """What the resource is, in a phrase (its module's first line)."""
    id_form: ClassVar[str]
    """What the resource's id is, for `get` and `pulumi import`."""
    inputs_model: ClassVar[type[pydantic.BaseModel]]
    outputs: ClassVar[type]
    """The outputs: annotations with a docstring each (the class docstring describes the
    resource itself)."""
    replace_on: ClassVar[frozenset[str]]
    write_only: ClassVar[frozenset[str]] = frozenset()
    """Inputs AWS cannot report back, so an import cannot record them: where the state has
    none, the program's value is taken as it is instead of as a change."""

    # -- check -------------------------------------------------------------------------------
    def local_inputs(self, news: dict[str, Any]) -> list[CheckFailure]:
        """Complete `news` with what only the machine running the deployment can read (a
        folder's files), before `check`. The plugin calls this; a Python program does the same
        where it declares the resource. Failures returned here stop the check."""
        return []

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = {k: as_sentinel(v) for k, v in news.items() if k != "__provider" and v is not None}
        failures: list[CheckFailure] = []
        self._resolve_connection(inputs, failures)
        known = {k: v for k, v in inputs.items() if not is_unknown(v)}
        unknown_keys = set(inputs) - set(known)
        try:
            validated = self.inputs_model.model_validate(known)
        except pydantic.ValidationError as exc:
            for err in exc.errors():
                path, reason = format_error(err)
                if path.split(".")[0] in unknown_keys:
                    continue  # the value is not known until apply
                failures.append(CheckFailure(path, f"{self.kind} {path} {reason}"))
        else:
            # Normalised values (defaults, canonical JSON) replace what the program gave.
            for key, value in validated.model_dump(exclude_none=True, mode="json").items():
                if key in known or (
                    key not in unknown_keys and key in self.inputs_model.model_fields
                ):
                    inputs[key] = value
            if not failures:
                self.finish_inputs(olds, inputs, unknown_keys, failures)
        return CheckResult(inputs, failures)

    def _resolve_connection(self, inputs: dict[str, Any], failures: list[CheckFailure]) -> None:
        if is_unknown(inputs.get("region")):
            return
        if not inputs.get("region"):
            region = default_region(inputs.get("profile"))
            if region:
                inputs["region"] = region
            else:
                failures.append(
                    CheckFailure(
                        "region",
                        f"{self.kind} has no AWS region: set the `region` input, "
                        "`pulumi config set rcl:region <region>`, or AWS_REGION",
                    )
                )
        for key, service in ENDPOINTS.items():
            if not inputs.get(key):
                # "" records "no override", so S3 never falls back to the Rekognition endpoint.
                inputs[key] = default_endpoint(service) or ""

    def finish_inputs(
        self,
        olds: dict[str, Any],
        inputs: dict[str, Any],
        unknown_keys: set[str],
        failures: list[CheckFailure],
    ) -> None:
        """Hook: fill computed inputs (auto-names) once the inputs they depend on are known."""

    # -- diff --------------------------------------------------------------------------------
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = (set(olds) | set(news)) & set(self.inputs_model.model_fields)
        changed = sorted(
            k
            for k in keys - NEVER_DIFF
            if _normal(olds.get(k)) != _normal(news.get(k))
            and not (k in self.write_only and olds.get(k) is None)
        )
        replaces = [k for k in changed if k in self.replace_on]
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=bool(replaces) and self.must_delete_first(olds, news),
        )

    def auto_name(
        self, inputs: dict[str, Any], unknown_keys: set[str], name_key: str, max_length: int = 255
    ) -> None:
        """Fill `name_key` with `<resource name>-<7 hex of owner and replace-on inputs>`, at
        most `max_length` long, once they are all known, so a retry finds the same name and a
        replacement gets a new one."""
        if inputs.get(name_key) or unknown_keys & self.replace_on:
            return
        identity = {k: inputs.get(k) for k in sorted(self.replace_on - {name_key})}
        logical = str(inputs.get("owner") or self.kind).rsplit("/", 1)[-1]
        inputs[name_key] = physical_name(logical[: max_length - 8], inputs.get("owner"), identity)

    def must_delete_first(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        """Hook: True when the old and the new resource cannot exist side by side."""
        return False

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def connection(props: dict[str, Any]) -> Connection:
        return Connection.from_props(props)

    def input_values(self, props: dict[str, Any]) -> dict[str, Any]:
        """The inputs part of a props bag (state outputs hold inputs and outputs), with the
        defaults check would fill in, so an imported resource's inputs are what a program
        that declares it gives."""
        fields = self.inputs_model.model_fields
        defaults = {
            n: f.default for n, f in fields.items() if not f.is_required() and f.default is not None
        }
        return {**defaults, **{k: v for k, v in props.items() if k in fields}}


_DENIED = {"403", "AccessDenied", "Forbidden"}


def require_s3(
    props: dict[str, Any],
    kind: str,
    field: str,
    bucket: str,
    key: str | None = None,
    version: str | None = None,
) -> None:
    """Fail before anything is created when an S3 input that only exists at apply time (an
    object, a bucket) is missing or unreadable, naming the resource and the field."""
    s3 = Connection.from_props(props).s3()
    where = f"s3://{bucket}/{key}" if key else f"s3://{bucket}"
    try:
        if key is None:
            s3.head_bucket(Bucket=bucket)
        else:
            s3.head_object(Bucket=bucket, Key=key, **({"VersionId": version} if version else {}))
    except Exception as err:
        code = error_code(err) or ""
        name = str(props.get("owner") or kind).rsplit("/", 1)[-1]
        if code in S3_MISSING:
            raise RclError(
                f"{kind} {name}: {field} {where} does not exist; upload it or correct {field}, "
                "then run `pulumi up` again (nothing was created)"
            ) from err
        if code in _DENIED:
            # AWS decides with its own permissions at the call; say what may go wrong.
            progress.warn(
                f"{kind} {name}: cannot check {field} {where} with these credentials ({code}); "
                "Custom Labels reads S3 with the caller's permissions, so grant s3:GetObject "
                "and s3:ListBucket on it (see the README's IAM permissions)"
            )
            return
        raise explain(err, f"{kind} {name}: reading {field} {where}") from err


def import_props(
    arn: str, props: dict[str, Any], region: Callable[[], str | None] | None = None
) -> dict[str, Any]:
    """Props for read(): on import only the id is known, so the region comes from the ARN (or
    `region()` for an id that is not one) and the endpoints from the environment."""
    props = dict(props)
    if not props.get("region"):
        props["region"] = region() if region else arn.split(":")[3]
        props.update({key: default_endpoint(service) for key, service in ENDPOINTS.items()})
    return props


def iso_timestamp(value: Any) -> str | None:
    """A botocore datetime as ISO 8601 UTC, for outputs."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    return None


def _normal(value: Any) -> Any:
    """Compare empty containers and None as equal."""
    if value in ({}, [], ""):
        return None
    return value


def chunked(items: Iterable[str], max_bytes: int) -> Iterable[list[str]]:
    """Split JSON lines into batches whose joined size stays under `max_bytes`."""
    batch: list[str] = []
    size = 0
    for item in items:
        n = len(item.encode()) + 1
        if batch and size + n > max_bytes:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += n
    if batch:
        yield batch
