"""The EventBridge Scheduler side of a RunningSchedule: its schedules (`<name>-start`,
`<name>-stop`, `<name>-stop-after`), each a universal target calling Rekognition, and the
schedule group it owns unless it is given one. Schedules carry no tags, so the owner is
written in each description; the group is tagged."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from ..errors import NotOwned, RclError, explain, is_code
from ..ownership import OWNER_TAG, owner_of, tag_changes
from .model_state import units_of, version_name_of

# A schedule's name is `<name>-<role>`, at most 64 characters (botocore: Name).
ROLES = ("start", "stop", "stop-after")
# EventBridge Scheduler's universal targets: the Rekognition call each schedule makes.
TARGETS = {
    "start": "arn:aws:scheduler:::aws-sdk:rekognition:startProjectVersion",
    "stop": "arn:aws:scheduler:::aws-sdk:rekognition:stopProjectVersion",
    "stop-after": "arn:aws:scheduler:::aws-sdk:rekognition:stopProjectVersion",
}
# Schedules carry no tags (Scheduler tags groups): the owner is written in the description.
_OWNER_MARK = re.compile(r"\(rcl-resources owner: (.*)\)$")


def schedule_id(props: dict[str, Any]) -> str:
    return f"{group_of(props)}/{props['name']}"


def group_of(props: dict[str, Any]) -> str:
    return str(props.get("group_name") or props["name"])


def _request(
    props: dict[str, Any], role: str, expression: str, zone: str, *, once: bool
) -> dict[str, Any]:
    model = props["project_version_arn"]
    call: dict[str, Any] = {"ProjectVersionArn": model}
    if role == "start":
        low, high = units_of(props)
        call["MinInferenceUnits"] = low
        if high:
            call["MaxInferenceUnits"] = high
    action = "Starts" if role == "start" else "Stops"
    return {
        "Name": f"{props['name']}-{role}",
        "GroupName": group_of(props),
        "ScheduleExpression": expression,
        "ScheduleExpressionTimezone": zone,
        "Description": f"{action} model {version_name_of(model)} "
        f"(rcl-resources owner: {owner_of(props)})",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": TARGETS[role], "RoleArn": props["role_arn"], "Input": json.dumps(call)},
        "State": "ENABLED",
        "ActionAfterCompletion": "DELETE" if once else "NONE",
    }


def put_schedule(
    client: Any, props: dict[str, Any], role: str, expression: str, zone: str, once: bool = False
) -> str:
    """Create the schedule, or update it when it exists and is ours; its ARN."""
    request = _request(props, role, expression, zone, once=once)
    name = request["Name"]
    existing = get_schedule(client, props, role)
    try:
        if existing is None:
            try:
                return str(client.create_schedule(**request)["ScheduleArn"])
            except Exception as err:
                if not is_code(err, "ConflictException"):
                    raise
                # A retried create whose first attempt got through: update what it made.
                existing = get_schedule(client, props, role)
                if existing is None:
                    raise
        if owner_mark({role: existing}) != owner_of(props):
            raise NotOwned(
                f"schedule {name} in group {group_of(props)} already exists and was not created "
                "by this resource; choose another name"
            )
        return str(client.update_schedule(**request)["ScheduleArn"])
    except RclError:
        raise
    except Exception as err:
        raise explain(err, f"writing schedule {name}") from err


def get_schedule(client: Any, props: dict[str, Any], role: str) -> dict[str, Any] | None:
    try:
        return dict(client.get_schedule(Name=f"{props['name']}-{role}", GroupName=group_of(props)))
    except Exception as err:
        if is_code(err, "ResourceNotFoundException"):
            return None
        raise


def delete_schedule(client: Any, props: dict[str, Any], role: str) -> None:
    """Delete one schedule; one already gone (fired, or a retried delete) is deleted."""
    name = f"{props['name']}-{role}"
    try:
        client.delete_schedule(Name=name, GroupName=group_of(props))
    except Exception as err:
        if not is_code(err, "ResourceNotFoundException"):
            raise explain(err, f"deleting schedule {name}") from err


def owner_mark(found: dict[str, dict[str, Any] | None]) -> str | None:
    for schedule in found.values():
        mark = _OWNER_MARK.search((schedule or {}).get("Description") or "")
        if mark:
            return mark.group(1)
    return None


def armed_at(schedule: dict[str, Any]) -> str | None:
    inner = schedule["ScheduleExpression"][len("at(") : -1]
    try:
        return datetime.fromisoformat(inner).replace(tzinfo=timezone.utc).isoformat()
    except ValueError:
        return None


# -- the group the resource owns -------------------------------------------------------------


def ensure_own_group(client: Any, props: dict[str, Any]) -> None:
    """Create the resource's schedule group (tagged with the owner and `tags`), or bring the
    tags of the one it made up to date."""
    name = props["name"]
    try:
        client.create_schedule_group(
            Name=name, Tags=tag_list({**(props.get("tags") or {}), OWNER_TAG: owner_of(props)})
        )
        return
    except Exception as err:
        if not is_code(err, "ConflictException"):
            raise explain(err, f"creating schedule group {name}") from err
    arn, current = group_tags(client, name)
    if arn is None or current.get(OWNER_TAG) != owner_of(props):
        raise NotOwned(
            f"schedule group {name} already exists and was not created by this resource; "
            "choose another name, or give it as group_name"
        )
    tag_changes(client, arn, current, props.get("tags"), tag_list)


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """Tags as EventBridge Scheduler takes them."""
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def group_tags(client: Any, name: str) -> tuple[str | None, dict[str, str]]:
    """The group's ARN and tags; (None, {}) when there is no such group."""
    try:
        arn = str(client.get_schedule_group(Name=name)["Arn"])
        tags = client.list_tags_for_resource(ResourceArn=arn).get("Tags") or []
    except Exception as err:
        if is_code(err, "ResourceNotFoundException"):
            return None, {}
        raise
    return arn, {tag["Key"]: tag["Value"] for tag in tags}
