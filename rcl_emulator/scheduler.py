"""EventBridge Scheduler front end: each request is checked as AWS checks it, then moto keeps
the schedules (moto's bookkeeping, our validation; firing is :mod:`rcl_emulator.firing`).

moto 5.2.6 stores schedules and groups but accepts what AWS refuses (``cron(0 19 * * MON-FRI *)``,
minute 61, time zone ``Mars/Olympus``, a target ``not-an-arn``) and answers HTTP 500 for an
unknown group. Here every create and update goes through :mod:`rcl_resources.schedule_expressions`
and the constraints of botocore's ``scheduler/2021-06-30/service-2.json``, and each refusal
carries AWS's code and HTTP status (REST-JSON: ``x-amzn-ErrorType`` and ``{"Message"}``).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, unquote

from moto.backends import get_backend

from rcl_resources.schedule_expressions import (
    AtExpression,
    ScheduleInputError,
    parse_schedule_expression,
    parse_timezone,
)

from .s3io import ACCOUNT_ID
from .world import World

# botocore scheduler service-2.json: shape constraints.
NAME = re.compile(r"[0-9a-zA-Z\-_.]{1,64}")
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
KMS_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9\-]+:\d{12}:(key|alias)/[0-9a-zA-Z-_]*")
ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+")
# https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html:
# ``arn:aws:scheduler:::aws-sdk:service:apiAction``, the service in lower case, the action
# camelCase; read-only actions (these prefixes) are not supported.
UNIVERSAL = re.compile(r"arn:aws[a-z-]*:scheduler:::aws-sdk:(?P<service>[^:]*):(?P<action>[^:]*)")
UNIVERSAL_PARTS = re.compile(r"[a-z0-9]+")
API_ACTION = re.compile(r"[a-z][a-zA-Z0-9]*")
READ_ONLY_PREFIXES = (
    *("get", "describe", "list", "poll", "receive", "search", "scan", "query", "select"),
    *("read", "lookup", "discover", "validate", "batchGet", "batchDescribe", "batchRead"),
    *("transactGet", "adminGet", "adminList", "testMigration", "retrieve", "testConnection"),
    *("translateDocument", "isAuthorized", "invokeModel"),
)
MAX_TARGET_ARN = 1600
MAX_DESCRIPTION = 512
FLEXIBLE_MINUTES = (1, 1440)
RETRY_AGE_SECONDS = (60, 86400)
RETRY_ATTEMPTS = (0, 185)
STATES = ("ENABLED", "DISABLED")
ACTIONS_AFTER_COMPLETION = ("NONE", "DELETE")
# AWS: a recurring schedule's StartDate "cannot be earlier than 5 minutes ago".
START_DATE_GRACE = timedelta(minutes=5)
JSON_TYPE = "application/json"


class SchedulerError(Exception):
    """An EventBridge Scheduler error: AWS's code, its HTTP status (service-2.json), a message."""

    STATUS = {
        "ValidationException": 400,
        "ResourceNotFoundException": 404,
        "ConflictException": 409,
        "InternalServerException": 500,
    }

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, self.STATUS[code]


def invalid(message: str) -> SchedulerError:
    return SchedulerError("ValidationException", message)


def backend(region: str) -> Any:
    """moto's scheduler backend for the emulator account in `region`."""
    return get_backend("scheduler")[ACCOUNT_ID][region]


def all_backends() -> Iterable[Any]:
    """Every region's moto scheduler backend that exists for the emulator account."""
    return list(get_backend("scheduler")[ACCOUNT_ID].values())


def reset() -> None:
    """Forget every schedule and group in every region (moto's scheduler is process-wide)."""
    get_backend("scheduler")[ACCOUNT_ID].reset()


def handle(
    world: World,
    moto_app: Callable[..., Any],
    environ: dict[str, Any],
    start_response: Any,
    body: bytes,
    region: str,
) -> Any:
    """Serve one Scheduler request: check it, hand it to moto, note what fires from it."""
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "")
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    with world.schedule_lock:
        try:
            params = json.loads(body or b"{}") if body else {}
            if not isinstance(params, dict):
                raise invalid("The request body must be a JSON object.")
            after = check(world, method, path, query, params, region)
        except SchedulerError as e:
            return _error(start_response, e)
        except ValueError:
            return _error(start_response, invalid("The request body is not valid JSON."))
        captured: list[str] = []

        def capture(status: str, headers: Any, exc_info: Any = None) -> Any:
            captured.append(status)
            return start_response(status, headers, exc_info)

        environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        result = list(moto_app(environ, capture))
        if after is not None and captured and captured[0].startswith("200"):
            after()
        return result


def _error(start_response: Any, e: SchedulerError) -> list[bytes]:
    payload = json.dumps({"Message": e.message}).encode()
    start_response(
        f"{e.status} Error",
        [
            ("Content-Type", JSON_TYPE),
            ("x-amzn-ErrorType", e.code),
            ("Content-Length", str(len(payload))),
        ],
    )
    return [payload]


def check(
    world: World,
    method: str,
    path: str,
    query: dict[str, str],
    params: dict[str, Any],
    region: str,
) -> Callable[[], None] | None:
    """Refuse what AWS refuses (raising :class:`SchedulerError`); else what to do once moto
    has accepted the request (arm or forget a schedule), or None."""
    be = backend(region)
    parts = [unquote(p) for p in path.strip("/").split("/")]
    kind = parts[0] if parts else ""
    name = parts[1] if len(parts) > 1 else None
    if name is None:
        if kind in _LISTING_GROUP_KEY and method == "GET":
            _check_list(query, be, group_key=_LISTING_GROUP_KEY[kind])
        return None
    checks = _RESOURCE_CHECKS.get(kind)
    if checks is None:
        return None
    return checks(_Request(world, be, region, method, name, query, params))


@dataclass(frozen=True)
class _Request:
    """A request addressed to one named schedule or schedule group."""

    world: World
    be: Any
    region: str
    method: str
    name: str
    query: dict[str, str]
    params: dict[str, Any]


def _check_schedule_request(r: _Request) -> Callable[[], None] | None:
    _check_name(r.name, "Name")
    group = (r.params.get("GroupName") if r.method in ("POST", "PUT") else None) or r.query.get(
        "groupName"
    )
    _check_group_exists(r.be, group)
    schedules = r.be.schedule_groups[group or "default"].schedules
    if r.method == "POST":
        if r.name in schedules:
            raise SchedulerError("ConflictException", f"Schedule {r.name} already exists.")
        _check_schedule(r.world, r.params)
    elif r.method == "PUT":
        if r.name not in schedules:
            raise SchedulerError("ResourceNotFoundException", f"Schedule {r.name} does not exist.")
        _check_schedule(r.world, r.params)
    if r.method in ("POST", "PUT"):
        return _arming(r, group or "default")
    return None


def _arming(r: _Request, group: str) -> Callable[[], None]:
    """What arms a created or updated schedule once moto has stored it."""
    arn = f"arn:aws:scheduler:{r.region}:{ACCOUNT_ID}:schedule/{group}/{r.name}"
    action = r.params.get("ActionAfterCompletion")
    armed = r.world.clock.now()

    def arm() -> None:
        # moto's UpdateSchedule drops ActionAfterCompletion; keep what was asked.
        created = r.be.schedule_groups[group].schedules[r.name]
        created.action_after_completion = action
        r.world.schedule_cursors[arn] = armed
        r.world.schedule_anchors[arn] = armed

    return arm


def _check_group_request(r: _Request) -> Callable[[], None] | None:
    _check_name(r.name, "Name")
    if r.method == "POST" and r.name in r.be.schedule_groups:
        raise SchedulerError("ConflictException", f"Schedule group {r.name} already exists.")
    if r.method in ("GET", "DELETE"):
        _check_group_exists(r.be, r.name)
    if r.method == "DELETE" and r.name == "default":
        raise invalid("The default schedule group cannot be deleted.")
    if r.method == "DELETE":
        group_arn = r.be.schedule_groups[r.name].arn
        # moto keeps a deleted group's tags: a new group of that name would inherit them.
        return lambda: r.be.tagger.delete_all_tags_for_resource(group_arn)
    return None


# The first part of a request's path -> the checks of a request to one named resource.
_RESOURCE_CHECKS: dict[str, Callable[[_Request], Callable[[], None] | None]] = {
    "schedules": _check_schedule_request,
    "schedule-groups": _check_group_request,
}
# The first part of a listing's path -> the query key that names a group to list in.
_LISTING_GROUP_KEY: dict[str, str | None] = {
    "schedules": "ScheduleGroup",
    "schedule-groups": None,
}


def _check_list(query: dict[str, str], be: Any, group_key: str | None) -> None:
    limit = query.get("MaxResults")
    if limit is not None and (not limit.isdigit() or not 1 <= int(limit) <= 100):
        raise invalid("MaxResults must be between 1 and 100.")
    if "NamePrefix" in query:
        _check_name(query["NamePrefix"], "NamePrefix")
    if "State" in query and query["State"] not in STATES:
        raise invalid(f"State must be one of {', '.join(STATES)}.")
    if group_key and group_key in query:
        _check_name(query[group_key], "GroupName")
        _check_group_exists(be, query[group_key])


def _check_name(name: str, field: str) -> None:
    if not NAME.fullmatch(name or ""):
        raise invalid(
            f"{field} `{name}` must be 1-64 characters of letters, digits, `-`, `_` and `.`."
        )


def _check_group_exists(be: Any, group: str | None) -> None:
    if group is not None:
        _check_name(group, "GroupName")
    if (group or "default") not in be.schedule_groups:
        raise SchedulerError("ResourceNotFoundException", f"Schedule group {group} does not exist.")


def _check_schedule(world: World, p: dict[str, Any]) -> None:
    """CreateSchedule / UpdateSchedule bodies, as AWS checks them."""
    for required in ("ScheduleExpression", "Target", "FlexibleTimeWindow"):
        if required not in p:
            raise invalid(f"{required} is required.")
    try:
        expression = parse_schedule_expression(p["ScheduleExpression"])
    except ScheduleInputError as e:
        raise invalid(f"Invalid Schedule Expression {p['ScheduleExpression']!r}: {e}") from None
    if "ScheduleExpressionTimezone" in p:
        try:
            parse_timezone(p["ScheduleExpressionTimezone"])
        except ScheduleInputError as e:
            raise invalid(f"Invalid ScheduleExpressionTimezone: {e}") from None
    _check_target(p["Target"])
    _check_window(p["FlexibleTimeWindow"])
    if p.get("State", "ENABLED") not in STATES:
        raise invalid(f"State must be one of {', '.join(STATES)}, not {p['State']!r}.")
    if p.get("ActionAfterCompletion", "NONE") not in ACTIONS_AFTER_COMPLETION:
        raise invalid(
            f"ActionAfterCompletion must be one of {', '.join(ACTIONS_AFTER_COMPLETION)}, "
            f"not {p['ActionAfterCompletion']!r}."
        )
    if len(p.get("Description") or "") > MAX_DESCRIPTION:
        raise invalid(f"Description is longer than {MAX_DESCRIPTION} characters.")
    if "KmsKeyArn" in p and not KMS_KEY_ARN.fullmatch(str(p["KmsKeyArn"])):
        raise invalid(f"KmsKeyArn {p['KmsKeyArn']!r} is not a KMS key or alias ARN.")
    start, end = _instant(p, "StartDate"), _instant(p, "EndDate")
    if start and end and end <= start:
        raise invalid("The EndDate you specify must be after the StartDate.")
    recurring = not isinstance(expression, AtExpression)
    if start and recurring and start < world.clock.now() - START_DATE_GRACE:
        raise invalid("The StartDate you specify cannot be earlier than 5 minutes ago.")


def _instant(p: dict[str, Any], key: str) -> datetime | None:
    value = p.get(key)
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(float(value), timezone.utc)
    except (TypeError, ValueError, OverflowError):
        raise invalid(f"{key} must be a timestamp.") from None


def _check_target(target: Any) -> None:
    if not isinstance(target, dict):
        raise invalid("Target must be an object with Arn and RoleArn.")
    arn, role = target.get("Arn"), target.get("RoleArn")
    if not isinstance(arn, str) or not 1 <= len(arn) <= MAX_TARGET_ARN or not ARN.fullmatch(arn):
        raise invalid(
            f"Invalid target arn {arn!r}: write an ARN, e.g. a universal target "
            "arn:aws:scheduler:::aws-sdk:rekognition:startProjectVersion."
        )
    universal = UNIVERSAL.fullmatch(arn)
    if arn.split(":")[2] == "scheduler" and universal is None:
        raise invalid(
            f"Invalid target arn {arn!r}: a universal target is "
            "arn:aws:scheduler:::aws-sdk:<service>:<apiAction>."
        )
    if universal is not None:
        service, action = universal["service"], universal["action"]
        if not UNIVERSAL_PARTS.fullmatch(service):
            raise invalid(
                f"Invalid target arn {arn!r}: the service `{service}` must be the SDK's service "
                "identifier in lower case, e.g. `rekognition`."
            )
        if not API_ACTION.fullmatch(action):
            raise invalid(
                f"Invalid target arn {arn!r}: the API action `{action}` must be camelCase, e.g. "
                "`startProjectVersion`."
            )
        if any(action.startswith(prefix) for prefix in READ_ONLY_PREFIXES):
            raise invalid(
                f"Invalid target arn {arn!r}: read-only API actions such as `{action}` are not "
                "supported as universal targets."
            )
        if "Input" in target:
            try:
                json.loads(target["Input"])
            except (TypeError, ValueError):
                raise invalid(
                    "Target.Input of a universal target must be well-formed JSON: the API "
                    'call\'s request, e.g. {"ProjectVersionArn": "..."}.'
                ) from None
    if not isinstance(role, str) or not ROLE_ARN.fullmatch(role):
        raise invalid(
            f"Invalid RoleArn {role!r}: write an IAM role ARN, "
            "e.g. arn:aws:iam::123456789012:role/scheduler."
        )
    if "Input" in target and not target["Input"]:
        raise invalid("Target.Input must not be empty.")
    retry = target.get("RetryPolicy") or {}
    age = retry.get("MaximumEventAgeInSeconds")
    if age is not None and not RETRY_AGE_SECONDS[0] <= age <= RETRY_AGE_SECONDS[1]:
        raise invalid("RetryPolicy.MaximumEventAgeInSeconds must be between 60 and 86400.")
    attempts = retry.get("MaximumRetryAttempts")
    if attempts is not None and not RETRY_ATTEMPTS[0] <= attempts <= RETRY_ATTEMPTS[1]:
        raise invalid("RetryPolicy.MaximumRetryAttempts must be between 0 and 185.")


def _check_window(window: Any) -> None:
    if not isinstance(window, dict) or window.get("Mode") not in ("OFF", "FLEXIBLE"):
        mode = window.get("Mode") if isinstance(window, dict) else window
        raise invalid(f"FlexibleTimeWindow.Mode must be OFF or FLEXIBLE, not {mode!r}.")
    minutes = window.get("MaximumWindowInMinutes")
    if window["Mode"] == "OFF":
        if minutes is not None:
            raise invalid("MaximumWindowInMinutes is only allowed with Mode FLEXIBLE.")
        return
    low, high = FLEXIBLE_MINUTES
    if not isinstance(minutes, int) or not low <= minutes <= high:
        raise invalid(
            f"With Mode FLEXIBLE, MaximumWindowInMinutes must be between {low} and {high}, "
            f"not {minutes!r}."
        )


def snapshot() -> dict[str, Any]:
    """Every region's schedule groups (with their schedules) and tags, for persistence."""
    return {
        region: {"groups": dict(be.schedule_groups), "tagger": be.tagger}
        for region, be in get_backend("scheduler")[ACCOUNT_ID].items()
    }


def fingerprint() -> tuple[Any, ...]:
    """Cheap change detector for :func:`snapshot`."""
    parts: list[tuple[Any, ...]] = []
    for region, be in list(get_backend("scheduler")[ACCOUNT_ID].items()):
        for group in list(be.schedule_groups.values()):
            parts.append((region, group.name))
            for s in list(group.schedules.values()):
                parts.append((region, group.name, s.name, s.last_modified_date, s.state))
        parts.append((region, repr(be.tagger.tags)))
    return tuple(sorted(parts, key=repr))


def restore(snap: dict[str, Any]) -> None:
    """Put :func:`snapshot` output back into moto's scheduler backends."""
    for region, data in snap.items():
        be = backend(region)
        be.schedule_groups = data["groups"]
        be.tagger = data["tagger"]
