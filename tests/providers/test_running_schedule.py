"""RunningSchedule provider: validation at check, schedules created, updated in place, fired by
the emulator's scheduler clock, read back (import), deleted; and the ProjectVersion rule that
a model run by a schedule is not started or stopped by `pulumi up`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from rcl_emulator.control import EmulatorControl
from rcl_resources.ownership import SCHEDULE_TAG
from rcl_resources.providers.project_version import _ProjectVersionProvider
from rcl_resources.providers.running_schedule import _RunningScheduleProvider

from .conftest import checked, connection, failures
from .test_project_version import _trainable, version_props

ROLE = "arn:aws:iam::123456789012:role/rcl-scheduler"
MODEL = "arn:aws:rekognition:us-east-1:123456789012:project/p/version/v/1"
WEEKDAYS = {"start": "cron(0 8 ? * MON-FRI *)", "stop": "cron(0 19 ? * MON-FRI *)"}


@pytest.fixture()
def emulator_server() -> Iterator[str]:
    """An emulator of its own for each test: the scheduler clock only moves forward, and each
    test moves it from today, as the provider computes its times."""
    from rcl_emulator.server import EmulatorServer

    with EmulatorServer(host="127.0.0.1", port=0) as server:
        yield server.url


@pytest.fixture()
def provider() -> _RunningScheduleProvider:
    return _RunningScheduleProvider()


@pytest.fixture()
def scheduler(aws_env: str) -> Any:
    return boto3.client("scheduler", region_name="us-east-1")


@pytest.fixture()
def model(aws_env: str, manifest: dict[str, str]) -> dict[str, Any]:
    """A trained model, running."""
    versions = _ProjectVersionProvider()
    trainable = _trainable(aws_env, manifest)
    inputs = checked(versions, version_props(aws_env, trainable, running=True))
    return versions.create(inputs).outs or {}


def schedule_props(url: str, model_arn: str = MODEL, **inputs: Any) -> dict[str, Any]:
    return {
        **connection(url),
        "owner": "p/s/window",
        "project_version_arn": model_arn,
        "role_arn": ROLE,
        **inputs,
    }


BAD = {
    "start": [
        {"start": "cron(0 19 * * MON-FRI *)"},  # both day fields given
        {"start": "cron(61 8 ? * MON-FRI *)"},  # minute out of range
        {"start": "cron(0 8 ? * MON-FRI)"},  # five fields
        {"start": "rate(0 hours)"},
        {"start": "rate(1 hours)"},  # AWS: singular for 1
        {"start": "every day at 8"},
        {"start": "at(2026-02-30T08:00:00)"},
    ],
    "stop": [{"stop": "cron(0 19 ? * FOO *)"}],
    "timezone": [{**WEEKDAYS, "timezone": "Mars/Olympus"}, {**WEEKDAYS, "timezone": "berlin"}],
    "stop_after": [{"stop_after": "8 hours"}, {"stop_after": "30s"}, {"stop_after": "400d"}],
    "role_arn": [{**WEEKDAYS, "role_arn": "not-an-arn"}],
    "project_version_arn": [{**WEEKDAYS, "project_version_arn": "x"}],
    "name": [{**WEEKDAYS, "name": "bad name!"}, {**WEEKDAYS, "name": "n" * 54}],
    "group_name": [{**WEEKDAYS, "group_name": "bad group!"}],
    "tags": [{**WEEKDAYS, "tags": {"aws:x": "1"}}],
}


@pytest.mark.parametrize(
    "field,bad", [(field, bad) for field, cases in BAD.items() for bad in cases]
)
def test_check_names_the_field(provider, aws_env, field, bad) -> None:
    found = failures(provider, schedule_props(aws_env, **bad))
    assert field in found, (field, found)
    assert found[field].startswith(f"RunningSchedule {field} "), found[field]


def test_check_whole_inputs(provider, aws_env) -> None:
    nothing = " ".join(failures(provider, schedule_props(aws_env)).values())
    assert "start" in nothing and "stop_after" in nothing
    units = failures(
        provider, schedule_props(aws_env, **WEEKDAYS, min_inference_units=3, max_inference_units=2)
    )
    assert "max_inference_units" in " ".join(units.values())
    tagged = failures(
        provider, schedule_props(aws_env, **WEEKDAYS, group_name="g", tags={"a": "b"})
    )
    assert "group_name" in " ".join(tagged.values())
    # The fix is in the message: a cron with both day fields says which to make `?`.
    both = failures(provider, schedule_props(aws_env, start="cron(0 19 * * MON-FRI *)"))
    assert "?" in both["start"]


def test_names_are_deterministic_and_fit(provider, aws_env) -> None:
    long_owner = "p/s/" + "w" * 80
    first = checked(provider, schedule_props(aws_env, **WEEKDAYS, owner=long_owner))
    again = checked(provider, schedule_props(aws_env, **WEEKDAYS, owner=long_owner))
    assert first["name"] == again["name"]
    assert len(first["name"] + "-stop-after") <= 64
    assert first["timezone"] == "UTC" and first["min_inference_units"] == 1


def test_window_fires_and_is_read_back(provider, aws_env, model, scheduler, rekognition) -> None:
    control = EmulatorControl(aws_env)
    arn = model["arn"]
    inputs = checked(
        provider,
        schedule_props(aws_env, arn, **WEEKDAYS, timezone="Europe/Berlin", min_inference_units=2),
    )
    created = provider.create(inputs)
    outs = created.outs or {}
    group, name = created.id.split("/")
    assert group == name == inputs["name"]
    assert outs["running_hours_per_week"] == 55.0
    assert outs["saved_fraction"] == pytest.approx(1 - 55 / 168, abs=1e-4)
    assert outs["next_start"].endswith(("+01:00", "+02:00"))
    start = scheduler.get_schedule(Name=f"{name}-start", GroupName=group)
    assert start["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert start["Target"]["Arn"].endswith(":rekognition:startProjectVersion")
    tags = rekognition.list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert tags[SCHEDULE_TAG] == created.id

    # The window closes: the scheduler stops the model; it opens: the model starts with 2 units.
    now = datetime.fromisoformat(control.clock())
    stop_at = datetime.fromisoformat(outs["next_stop"]).astimezone(timezone.utc)
    fired = control.move_clock(now=max(now, stop_at) + timedelta(minutes=1))["fired"]
    assert any(f["schedule"] == outs["stop_schedule_arn"] and f["ok"] for f in fired), fired
    assert _status(rekognition, model) in {"STOPPING", "STOPPED"}
    _settle(rekognition, model, "STOPPED")
    following = _next_start(inputs, control)
    fired = control.move_clock(now=following + timedelta(minutes=1))["fired"]
    assert any(f["schedule"] == outs["start_schedule_arn"] and f["ok"] for f in fired), fired
    running = _settle(rekognition, model, "RUNNING")
    assert running["MinInferenceUnits"] == 2

    # An import knows the schedule from its id alone.
    read = provider.read(created.id, connection(aws_env))
    assert read.inputs is not None
    for key in ("project_version_arn", "role_arn", "start", "stop", "timezone", "name"):
        assert read.inputs[key] == inputs[key], key
    assert read.inputs["min_inference_units"] == 2
    assert read.inputs.get("group_name") is None  # the group is the resource's own

    # A new window changes the schedules in place.
    news = checked(provider, {**inputs, "stop": "cron(0 17 ? * MON-FRI *)"}, inputs)
    assert provider.diff(created.id, outs, news).replaces == []
    updated = provider.update(created.id, outs, news).outs or {}
    assert updated["stop_schedule_arn"] == outs["stop_schedule_arn"]
    assert scheduler.get_schedule(Name=f"{name}-stop", GroupName=group)["ScheduleExpression"] == (
        "cron(0 17 ? * MON-FRI *)"
    )
    assert updated["running_hours_per_week"] == 45.0

    provider.delete(created.id, updated)
    assert scheduler.list_schedules(NamePrefix=name)["Schedules"] == []
    assert SCHEDULE_TAG not in rekognition.list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert provider.read(created.id, connection(aws_env)).id is None
    provider.delete(created.id, updated)  # a retried delete


def test_stop_after_arms_a_one_time_stop(provider, aws_env, model, scheduler, rekognition) -> None:
    control = EmulatorControl(aws_env)
    inputs = checked(provider, schedule_props(aws_env, model["arn"], stop_after="8h"))
    created = provider.create(inputs)
    outs = created.outs or {}
    armed = datetime.fromisoformat(outs["stop_after_at"])
    assert timedelta(hours=7, minutes=59) < armed - datetime.now(timezone.utc) <= timedelta(hours=8)
    assert outs["running_hours_per_week"] is None
    # No window: the model's own `running` still decides, so the model is not tagged.
    assert SCHEDULE_TAG not in rekognition.list_tags_for_resource(ResourceArn=model["arn"])["Tags"]
    # Nothing changes while the stop is armed.
    assert not provider.diff(created.id, outs, inputs).changes
    fired = control.move_clock(now=armed + timedelta(minutes=1))["fired"]
    assert [f["ok"] for f in fired if f["schedule"].endswith("-stop-after")] == [True]
    _settle(rekognition, model, "STOPPED")
    name = inputs["name"]
    assert scheduler.list_schedules(NamePrefix=name)["Schedules"] == []  # deleted once fired
    # A refresh keeps the resource: nothing is armed, and that is all.
    refreshed = provider.read(created.id, outs)
    assert refreshed.id == created.id and refreshed.outs is not None
    assert refreshed.outs["stop_after"] == "8h" and refreshed.outs["stop_after_at"] is None
    # Stopped: nothing to arm. Running again (a `pulumi up` started it): the next up re-arms.
    assert not provider.diff(created.id, outs, inputs).changes
    rekognition.start_project_version(ProjectVersionArn=model["arn"], MinInferenceUnits=1)
    _settle(rekognition, model, "RUNNING")
    assert provider.diff(created.id, outs, inputs).changes
    rearmed = provider.update(created.id, outs, inputs).outs or {}
    assert datetime.fromisoformat(rearmed["stop_after_at"]) > armed
    provider.delete(created.id, rearmed)


def test_a_scheduled_model_is_left_as_the_window_left_it(
    provider, aws_env, model, rekognition
) -> None:
    """With a window in force, `pulumi up` neither starts nor stops the model for `running`;
    without one, `running` is enforced as before."""
    versions = _ProjectVersionProvider()
    arn = model["arn"]
    window = provider.create(checked(provider, schedule_props(aws_env, arn, **WEEKDAYS)))
    rekognition.stop_project_version(ProjectVersionArn=arn)  # the window closed
    _settle(rekognition, model, "STOPPED")
    refreshed = versions.read(arn, model)
    assert refreshed.outs is not None and refreshed.outs["running"] is False
    assert refreshed.outs["running_schedule"] == window.id
    declared = {**model, "running": True}
    assert not versions.diff(arn, refreshed.outs, declared).changes
    # An update for another reason leaves the model stopped.
    retagged = versions.update(arn, refreshed.outs, {**declared, "tags": {"team": "cv"}}).outs
    assert retagged is not None and retagged["running"] is False
    assert _status(rekognition, model) == "STOPPED"

    provider.delete(window.id, window.outs or {})
    released = versions.read(arn, model).outs or {}
    assert released["running_schedule"] is None
    assert versions.diff(arn, released, declared).changes  # `running` rules again
    restarted = versions.update(arn, released, declared).outs or {}
    assert restarted["running"] is True


def test_not_ours_is_refused(provider, aws_env, model, scheduler) -> None:
    inputs = checked(provider, schedule_props(aws_env, model["arn"], **WEEKDAYS))
    scheduler.create_schedule_group(Name=inputs["name"])
    with pytest.raises(Exception, match="not created by this resource"):
        provider.create(inputs)
    scheduler.delete_schedule_group(Name=inputs["name"])
    # A lost response: the group and schedules exist and are ours, so a retry adopts them.
    first = provider.create(inputs)
    again = provider.create(inputs)
    assert again.id == first.id
    provider.delete(first.id, first.outs or {})


def test_missing_model_creates_nothing(provider, aws_env, scheduler) -> None:
    inputs = checked(provider, schedule_props(aws_env, **WEEKDAYS))
    with pytest.raises(Exception, match="project_version_arn"):
        provider.create(inputs)
    assert scheduler.list_schedules(NamePrefix=inputs["name"])["Schedules"] == []


def _status(client: Any, model: dict[str, Any]) -> str:
    found = client.describe_project_versions(
        ProjectArn=model["project_arn"], VersionNames=[model["version_name"]]
    )
    return str(found["ProjectVersionDescriptions"][0]["Status"])


def _settle(client: Any, model: dict[str, Any], status: str) -> dict[str, Any]:
    """The model's description once it reaches `status` (the emulator takes seconds)."""
    for _ in range(240):
        found = client.describe_project_versions(
            ProjectArn=model["project_arn"], VersionNames=[model["version_name"]]
        )["ProjectVersionDescriptions"][0]
        if found["Status"] == status:
            return dict(found)
        time.sleep(0.25)
    raise AssertionError(f"model is {found['Status']}, not {status}")


def _next_start(inputs: dict[str, Any], control: EmulatorControl) -> datetime:
    from rcl_resources.schedule_occurrences import Schedule

    now = datetime.fromisoformat(control.clock())
    found = Schedule.parse(inputs["start"], inputs["timezone"]).next_after(now)
    assert found is not None
    return found
