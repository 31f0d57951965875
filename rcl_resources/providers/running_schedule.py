"""RunningSchedule: a model's running window, EventBridge Scheduler schedules that start and
stop it."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from .._aws import default_region
from .._inputs import CommonInputs, GroupTags, api, check_units
from .._provider import (
    CheckFailure,
    CreateResult,
    DiffResult,
    Provider,
    ReadResult,
    UpdateResult,
    import_props,
)
from ..errors import RclError, explain, is_code
from ..ownership import OWNER_TAG, user_tags
from ..schedule_expressions import (
    ScheduleInputError,
    at_expression,
    parse_duration,
    parse_schedule_expression,
    parse_timezone,
)
from ..schedule_occurrences import running_window
from .model_state import UP, hand_to_schedule, status_of, take_from_schedule
from .schedules import (
    ROLES,
    armed_at,
    delete_schedule,
    ensure_own_group,
    get_schedule,
    group_of,
    group_tags,
    owner_mark,
    put_schedule,
    schedule_id,
)

MAX_NAME = 64 - len("-stop-after")
"""The longest `name`: a schedule's name is `<name>-<role>`, at most 64 characters."""


def _schedule_input(check: Any, value: Any) -> Any:
    """`value` if `check` accepts it; else its refusal, for the field being validated."""
    try:
        check(value)
    except ScheduleInputError as err:
        raise ValueError(str(err).replace(f"{err.part}: ", "", 1)) from None
    return value


class RunningScheduleInputs(CommonInputs):
    project_version_arn: Annotated[str, api("StartProjectVersionRequest.ProjectVersionArn")]
    """The model the schedules start and stop (a ProjectVersion's `arn`)."""
    role_arn: Annotated[str, api("scheduler:Target.RoleArn")]
    """The IAM role EventBridge Scheduler assumes to start and stop the model: trusted by
    `scheduler.amazonaws.com` and allowed `rekognition:StartProjectVersion` and
    `rekognition:StopProjectVersion` on it (the README gives both policies)."""
    start: str | None = None
    """When the model starts: an EventBridge Scheduler expression read in `timezone` —
    `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)` with `?` in one of
    the two day fields, `rate(<n> <minute|minutes|hour|hours|day|days>)` or
    `at(<yyyy-mm-ddThh:mm:ss>)`. With `start` or `stop`, the schedule decides when the model
    runs: `pulumi up` no longer starts or stops it for the ProjectVersion's `running`."""
    stop: str | None = None
    """When the model stops: an expression as for `start`."""
    timezone: Annotated[str, api("scheduler:CreateScheduleInput.ScheduleExpressionTimezone")] = (
        "UTC"
    )
    """The IANA time zone `start` and `stop` are read in, e.g. `Europe/Berlin` (default
    `UTC`); across daylight saving as EventBridge Scheduler does."""
    min_inference_units: Annotated[int, api("StartProjectVersionRequest.MinInferenceUnits")] = 1
    """Inference units the start schedule starts the model with (default 1)."""
    max_inference_units: Annotated[
        int | None, api("StartProjectVersionRequest.MaxInferenceUnits")
    ] = None
    """Upper bound for autoscaling, for the start schedule."""
    stop_after: str | None = None
    """A duration such as `8h`, `90m` or `1h30m`: every `pulumi up` that finds the model
    running arms a one-time stop that far ahead (deleted once it fires), so a model left
    running stops by itself. Alone, or with `start` and `stop`."""
    group_name: Annotated[str | None, api("scheduler:CreateScheduleInput.GroupName")] = None
    """An existing schedule group for the schedules; by default the resource creates a group
    of its own, named `name` and tagged with `tags`. A change replaces the resource."""
    name: Annotated[
        str | None, api("scheduler:CreateScheduleInput.Name"), Field(max_length=MAX_NAME)
    ] = None
    """The schedules' names are `<name>-start`, `<name>-stop` and `<name>-stop-after`; by
    default `<resource name>-<7 hex>`. A change replaces the resource."""
    tags: GroupTags | None = None
    """Tags of the schedule group the resource creates (EventBridge Scheduler tags groups, not
    schedules); changed in place. Not with `group_name`."""

    @field_validator("start", "stop")
    @classmethod
    def _expression(cls, value: str | None) -> str | None:
        return None if value is None else _schedule_input(parse_schedule_expression, value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return str(_schedule_input(parse_timezone, value))

    @field_validator("stop_after")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        return None if value is None else _schedule_input(parse_duration, value)

    @model_validator(mode="after")
    def _consistent(self) -> RunningScheduleInputs:
        if self.start is None and self.stop is None and self.stop_after is None:
            raise ValueError(
                "give `start` and/or `stop` (a running window, e.g. start "
                "'cron(0 8 ? * MON-FRI *)' and stop 'cron(0 19 ? * MON-FRI *)'), or "
                "`stop_after` (e.g. '8h')"
            )
        check_units(self.min_inference_units, self.max_inference_units)
        if self.group_name and self.tags:
            raise ValueError(
                "tags go on the schedule group the resource creates; with group_name, tag "
                "that group where it is declared (or remove group_name)"
            )
        return self


class RunningScheduleOutputs:
    schedule_group: str
    """The schedule group holding the schedules."""
    start_schedule_arn: str | None
    """The ARN of the schedule that starts the model."""
    stop_schedule_arn: str | None
    """The ARN of the schedule that stops the model."""
    stop_after_at: str | None
    """When the armed one-time stop fires (ISO 8601, UTC), if one is armed."""
    next_start: str | None
    """The next start (ISO 8601, in `timezone`), from the expression."""
    next_stop: str | None
    """The next stop (ISO 8601, in `timezone`), from the expression."""
    running_hours_per_week: float | None
    """Hours a week the window keeps the model running (of 168)."""
    saved_fraction: float | None
    """The fraction of an always-running week's unit-hours the window saves (0-1)."""


REPLACE_ON = frozenset({"name", "group_name", "region"})


class _RunningScheduleProvider(Provider):
    """When a model runs: EventBridge Scheduler schedules that start it (with its inference
    units) and stop it, in a time zone, and an optional stop armed at every `pulumi up` that
    finds it running. Schedules and the window change in place."""

    summary = "a model's running window, EventBridge Scheduler schedules that start and stop it."
    id_form = "`<schedule group>/<name>`"
    outputs = RunningScheduleOutputs
    kind = "RunningSchedule"
    inputs_model = RunningScheduleInputs
    replace_on = REPLACE_ON
    write_only = frozenset({"stop_after"})

    def finish_inputs(self, olds, inputs, unknown_keys, failures: list[CheckFailure]) -> None:
        self.auto_name(inputs, unknown_keys, "name", max_length=MAX_NAME)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = super().diff(id_, olds, news)
        if not result.changes and news.get("stop_after") and self._needs_arming(olds):
            result.changes = True  # the model runs with no stop armed: arm one
        return result

    def _needs_arming(self, props: dict[str, Any]) -> bool:
        try:
            conn = self.connection(props)
            running = status_of(conn.rekognition(), props["project_version_arn"]) in UP
            return running and get_schedule(conn.scheduler(), props, "stop-after") is None
        except Exception:  # no credentials at preview, say: nothing to add
            return False

    # -- create / update ---------------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(schedule_id(props), self._apply(props, None))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._apply(news, olds))

    def _apply(self, props: dict[str, Any], olds: dict[str, Any] | None) -> dict[str, Any]:
        conn = self.connection(props)
        rekognition, scheduler = conn.rekognition(), conn.scheduler()
        model = props["project_version_arn"]
        status = status_of(rekognition, model)
        if status is None:
            raise RclError(
                f"RunningSchedule {props['name']}: project_version_arn {model} is not a model "
                "(it does not exist, or was deleted); give a ProjectVersion's arn"
            )
        if not props.get("group_name"):
            ensure_own_group(scheduler, props)
        arns: dict[str, str | None] = {}
        for role in ("start", "stop"):
            if props.get(role):
                arns[role] = put_schedule(scheduler, props, role, props[role], props["timezone"])
            else:
                delete_schedule(scheduler, props, role)
                arns[role] = None
        if olds and olds.get("project_version_arn") not in (None, model):
            take_from_schedule(rekognition, olds.get("project_version_arn"), schedule_id(olds))
        if props.get("start") or props.get("stop"):
            hand_to_schedule(rekognition, model, schedule_id(props))
        else:
            take_from_schedule(rekognition, model, schedule_id(props))
        armed = None
        if props.get("stop_after") and status in UP:
            at = _now() + parse_duration(props["stop_after"])
            put_schedule(scheduler, props, "stop-after", at_expression(at), "UTC", once=True)
            armed = at.isoformat()
        elif not props.get("stop_after"):
            delete_schedule(scheduler, props, "stop-after")
        return _outs(props, arns, armed)

    # -- read / delete -----------------------------------------------------------------------
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        group, _, name = id_.partition("/")
        props = import_props(id_, props, lambda: default_region(props.get("profile")))
        scheduler = self.connection(props).scheduler()
        props["name"] = name
        found = {
            role: get_schedule(scheduler, {**props, "group_name": group}, role) for role in ROLES
        }
        present = [schedule for schedule in found.values() if schedule]
        _, own = group_tags(scheduler, group)
        if not present:
            # Only a one-time stop was declared and it has fired: the resource stays (in its
            # own group, or as recorded), and the next `up` that finds the model running arms
            # another. With nothing of it left, it is gone.
            kept = own.get(OWNER_TAG) or (props.get("stop_after") and props.get("group_name"))
            if not kept or not props.get("project_version_arn"):
                return ReadResult(None, {})
            outs = _outs(props, {}, None)
            return ReadResult(id_, outs, self.input_values(outs))
        props["group_name"] = None if own.get(OWNER_TAG) and group == name else group
        props["tags"] = user_tags(own) or None if props["group_name"] is None else None
        props["owner"] = props.get("owner") or own.get(OWNER_TAG) or owner_mark(found)
        for role in ("start", "stop"):
            schedule = found[role]
            props[role] = schedule["ScheduleExpression"] if schedule else None
        window = present[0]
        target = window["Target"]
        request = json.loads(target.get("Input") or "{}")
        props["project_version_arn"] = request.get("ProjectVersionArn")
        props["role_arn"] = target["RoleArn"]
        if found["start"] or found["stop"]:
            props["timezone"] = window.get("ScheduleExpressionTimezone") or "UTC"
        if found["start"]:
            units = json.loads(window["Target"].get("Input") or "{}")
            props["min_inference_units"] = units.get("MinInferenceUnits", 1)
            props["max_inference_units"] = units.get("MaxInferenceUnits")
        arns = {role: (found[role] or {}).get("Arn") for role in ("start", "stop")}
        armed = found["stop-after"]
        outs = _outs(props, arns, armed_at(armed) if armed else None)
        return ReadResult(id_, outs, self.input_values(outs))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        conn = self.connection(props)
        scheduler = conn.scheduler()
        for role in ROLES:
            delete_schedule(scheduler, props, role)
        take_from_schedule(conn.rekognition(), props.get("project_version_arn"), schedule_id(props))
        if not props.get("group_name"):
            try:
                scheduler.delete_schedule_group(Name=props["name"])
            except Exception as err:
                if not is_code(err, "ResourceNotFoundException"):
                    raise explain(err, f"deleting schedule group {props['name']}") from err


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _outs(props: dict[str, Any], arns: dict[str, str | None], armed: str | None) -> dict[str, Any]:
    outs = {
        **props,
        "schedule_group": group_of(props),
        "start_schedule_arn": arns.get("start"),
        "stop_schedule_arn": arns.get("stop"),
        "stop_after_at": armed,
        "next_start": None,
        "next_stop": None,
        "running_hours_per_week": None,
        "saved_fraction": None,
    }
    if props.get("start") or props.get("stop"):
        window = running_window(
            props.get("start"), props.get("stop"), props.get("timezone") or "UTC", reference=_now()
        )
        outs.update(
            next_start=window.next_start,
            next_stop=window.next_stop,
            running_hours_per_week=window.running_hours_per_week,
            saved_fraction=window.saved_fraction,
        )
    return outs
