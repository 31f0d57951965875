"""The constraints AWS enforces on what the library sends, read from botocore's own service
models (Rekognition's; EventBridge Scheduler's for running schedules) at run time, so they
cannot drift from AWS, plus the S3 and IAM rules the service models do not carry.

botocore checks only `required` and `min` on the client; patterns, maxima and enums are the
service's. Checking them here lets `pulumi preview` refuse what AWS would refuse.
"""

from __future__ import annotations

import functools
import gzip
import ipaddress
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVICE = "rekognition"


@functools.cache
def service_model(service: str = SERVICE) -> dict[str, Any]:
    """The model of `service` in the installed botocore, its latest API version, read on
    first use. The JSON is read as botocore ships it: botocore's own model classes load its
    HTTP stack too, a tenth of a second that every preview would pay."""
    import botocore

    latest = max((Path(botocore.__file__).parent / "data" / service).iterdir())
    for name, read in (("service-2.json.gz", gzip.open), ("service-2.json", open)):
        if (latest / name).exists():
            with read(latest / name) as f:
                return dict(json.load(f))
    raise FileNotFoundError(f"botocore has no service model of {service} in {latest}")


@dataclass(frozen=True)
class Shape:
    """One shape of the service model: as much of botocore's `Shape` as the checks read."""

    name: str
    spec: dict[str, Any]
    service: str = SERVICE

    @property
    def type_name(self) -> str:
        return str(self.spec["type"])

    @property
    def metadata(self) -> dict[str, Any]:
        """The constraints: min, max, pattern, enum."""
        return {k: self.spec[k] for k in ("min", "max", "pattern", "enum") if k in self.spec}

    @property
    def enum(self) -> list[str]:
        return list(self.spec.get("enum", []))

    @property
    def members(self) -> dict[str, Shape]:
        return {n: shape(m["shape"], self.service) for n, m in self.spec.get("members", {}).items()}

    @property
    def key(self) -> Shape:
        return shape(self.spec["key"]["shape"], self.service)

    @property
    def value(self) -> Shape:
        return shape(self.spec["value"]["shape"], self.service)

    @property
    def member(self) -> Shape:
        return shape(self.spec["member"]["shape"], self.service)


def shape(name: str, service: str = SERVICE) -> Shape:
    """The shape called `name` in the model of `service`."""
    return Shape(name, service_model(service)["shapes"][name], service)


@functools.cache
def member(address: str) -> Shape:
    """The shape of `Shape.Member` (e.g. `CreateProjectRequest.ProjectName`), or of `Shape`;
    `service:Shape.Member` for another service than Rekognition (`scheduler:Target.RoleArn`)."""
    service, _, address = address.rpartition(":")
    shape_name, _, member_name = address.partition(".")
    found = shape(shape_name, service or SERVICE)
    return found.members[member_name] if member_name else found


# Java's `\p{X}` (Unicode general categories) appear only inside character classes of the
# model's patterns. ASCII members of a category are spelled out; every other character of a
# category the pattern names is folded into one private-use stand-in before matching.
_PROPERTY = re.compile(r"\\p\{([A-Z])\}")
_ASCII_OF = {"L": "a-zA-Z", "N": "0-9", "Z": " "}
_STAND_IN = "\ue000"


@functools.cache
def _compiled(pattern: str) -> tuple[re.Pattern[str], frozenset[str]] | None:
    categories = frozenset(_PROPERTY.findall(pattern))
    python = _PROPERTY.sub(lambda m: _ASCII_OF.get(m.group(1), "") + _STAND_IN, pattern)
    try:
        # Java: `.` stops at line ends and `\d` is ASCII, as without DOTALL and with ASCII.
        return re.compile(python, re.ASCII), categories
    except re.error:
        return None  # a construct a future model might use that Python cannot express


def matches(pattern: str, value: str) -> bool:
    """True when `value` matches a service-model pattern as a whole (Java semantics). A
    pattern that cannot be translated is not enforced here (AWS still enforces it)."""
    compiled = _compiled(pattern)
    if compiled is None:
        return True
    rx, categories = compiled
    if categories:
        value = "".join(
            _STAND_IN
            if ord(c) > 127 and c != _STAND_IN and unicodedata.category(c)[0] in categories
            else ("\x00" if c == _STAND_IN else c)
            for c in value
        )
    return rx.fullmatch(value) is not None


# A pattern that is one character class, as most of the model's are, reads as a sentence.
_ONE_CLASS = re.compile(r"^\^?\(?(\(\?!([^)]*)\))?\[([^\]]+)\][*+]\)?\$?$")
_CLASS_PARTS = (
    ("a-zA-Z", "letters"),
    ("A-Za-z", "letters"),
    ("\\p{L}", "letters"),
    ("a-z", "lowercase letters"),
    ("A-Z", "uppercase letters"),
    ("0-9", "digits"),
    ("\\p{N}", "digits"),
    ("\\p{Z}", "spaces"),
)


def describe(pattern: str) -> str:
    """What a service-model pattern allows, in words where it is simple enough."""
    simple = _ONE_CLASS.match(pattern)
    if not simple or re.search(r"\\[a-oq-zA-Z0-9]", simple.group(3)):
        return f"it must match the pattern AWS requires, {pattern}"
    forbidden, members = simple.group(2), simple.group(3)
    kinds: list[str] = []
    for part, words in _CLASS_PARTS:
        if part in members:
            members = members.replace(part, "")
            if words not in kinds:
                kinds.append(words)
    others = " ".join(dict.fromkeys(members.replace("\\", ""))).replace("   ", " space ")
    text = "use only " + ", ".join(kinds) + (f" and {others}" if others else "")
    if forbidden:
        text += f", not starting with {forbidden}"
    return f"{text} (AWS pattern {pattern})"


def problems(shape: Any, value: Any) -> list[str]:
    """What AWS would refuse about `value` for `shape`: lengths, ranges, enums, patterns."""
    meta, kind = shape.metadata, shape.type_name
    found: list[str] = []
    if kind == "string":
        if not isinstance(value, str):
            return ["must be a string"]
        found += _bounds(meta, len(value), "characters")
        if shape.enum and value not in shape.enum:
            found.append(f"{value!r} is not one of {', '.join(shape.enum)}")
        pattern = meta.get("pattern")
        if pattern and not matches(pattern, value):
            found.append(f"{value[:80]!r} is not allowed: {describe(pattern)}")
    elif kind in ("integer", "long", "float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return ["must be a number"]
        found += _bounds(meta, value, "")
    elif kind == "map":
        found += _bounds(meta, len(value), "entries")
        for key, item in value.items():
            found += [f"key {key!r}: {p}" for p in problems(shape.key, key)]
            found += [f"value of {key!r}: {p}" for p in problems(shape.value, item)]
    elif kind == "list":
        found += _bounds(meta, len(value), "items")
        for index, item in enumerate(value):
            found += [f"[{index}] {p}" for p in problems(shape.member, item)]
    return found


def _bounds(meta: dict[str, Any], n: float, unit: str) -> list[str]:
    low, high = meta.get("min"), meta.get("max")
    if (low is None or n >= low) and (high is None or n <= high):
        return []
    if low is not None and high is not None:
        allowed = f"{low} to {high}"
    else:
        allowed = f"at least {low}" if low is not None else f"at most {high}"
    return [f"has {n} {unit}; AWS allows {allowed}" if unit else f"is {n}; AWS allows {allowed}"]


class Api:
    """A pydantic after-validator enforcing the service model's rules for one API member."""

    def __init__(self, address: str) -> None:
        self.address = address

    def __call__(self, value: Any) -> Any:
        if value is not None:
            found = problems(member(self.address), value)
            if found:
                raise ValueError("; ".join(found))
        return value


# --- S3 -----------------------------------------------------------------------------------------

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")


def s3_bucket_name(value: str) -> str:
    """S3's bucket naming rules (general purpose buckets), as a pydantic after-validator."""
    why: str | None = None
    if not _BUCKET.match(value):
        why = "use 3-63 lowercase letters, digits, '.' and '-', starting and ending with a "
        why += "letter or digit"
    elif ".." in value:
        why = "no two adjacent periods"
    elif _is_ip(value):
        why = "it must not look like an IP address"
    elif value.startswith(("xn--", "sthree-", "amzn-s3-demo-")):
        why = "it must not start with xn--, sthree- or amzn-s3-demo-"
    elif value.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")):
        why = "it must not end with -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3"
    if why:
        raise ValueError(f"{value!r} is not a valid S3 bucket name: {why}")
    return value


def _is_ip(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


# --- IAM ----------------------------------------------------------------------------------------

_TOP_LEVEL = {"Version", "Id", "Statement"}
_VERSIONS = {"2012-10-17", "2008-10-17"}
_STATEMENT = {
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
}


def policy_document_problems(document: Any) -> list[str]:
    """What IAM would call malformed in a resource-based policy's top-level shape."""
    if not isinstance(document, dict):
        return ["must be a JSON object (an IAM policy document)"]
    found = [f"has an unknown top-level key {k!r}" for k in document if k not in _TOP_LEVEL]
    if "Version" in document and document["Version"] not in _VERSIONS:
        found.append(f"Version must be one of {', '.join(sorted(_VERSIONS))}")
    statements = document.get("Statement")
    if statements is None:
        return [*found, "has no Statement; add one, e.g. {'Effect': 'Allow', 'Principal': ...}"]
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return [*found, "Statement must be an object or a non-empty list of objects"]
    for index, statement in enumerate(statements):
        where = f"Statement[{index}]"
        if not isinstance(statement, dict):
            found.append(f"{where} must be an object")
            continue
        found += [f"{where} has an unknown key {k!r}" for k in statement if k not in _STATEMENT]
        if statement.get("Effect") not in ("Allow", "Deny"):
            found.append(f"{where}.Effect must be 'Allow' or 'Deny'")
        if ("Action" in statement) == ("NotAction" in statement):
            found.append(f"{where} needs exactly one of Action or NotAction")
        if ("Principal" in statement) == ("NotPrincipal" in statement):
            found.append(f"{where} needs exactly one of Principal or NotPrincipal")
    return found


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: equal documents compare equal."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
