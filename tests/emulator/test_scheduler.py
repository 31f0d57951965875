"""EventBridge Scheduler on the emulator's port: AWS's validation in front of moto, and schedules
that fire Rekognition universal targets on a clock tests move forward."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError
from emulator_support import (
    BUCKET,
    create_project,
    make_client,
    put_manifest,
    wait_dataset,
    wait_for,
    wait_version,
)

from rcl_emulator.server import EmulatorServer
from rcl_resources.schedule_expressions import at_expression
from rcl_resources.schedule_occurrences import Schedule

ROLE = "arn:aws:iam::123456789012:role/rcl-scheduler"
START = "arn:aws:scheduler:::aws-sdk:rekognition:startProjectVersion"
STOP = "arn:aws:scheduler:::aws-sdk:rekognition:stopProjectVersion"
GONE = "arn:aws:rekognition:us-east-1:123456789012:project/gone/version/v1/1700000000000"
BERLIN = "Europe/Berlin"
WEEKDAY_START = "cron(0 8 ? * MON-FRI *)"
WEEKDAY_STOP = "cron(0 18 ? * MON-FRI *)"


@pytest.fixture
def sched(emulator, control) -> Any:
    return make_client(emulator.url, "scheduler")


@pytest.fixture
def trained(rek, s3, digits) -> tuple[str, str]:
    """A small digits model, TRAINING_COMPLETED: (project ARN, version ARN)."""
    project = create_project(rek, "scheduled")
    for dtype, lines in (("TRAIN", digits[:120]), ("TEST", digits[300:360])):
        arn = rek.create_dataset(
            ProjectArn=project,
            DatasetType=dtype,
            DatasetSource={"GroundTruthManifest": {"S3Object": put_manifest(s3, lines)}},
        )["DatasetArn"]
        assert wait_dataset(rek, arn)["Status"] == "CREATE_COMPLETE"
    arn = rek.create_project_version(
        ProjectArn=project, VersionName="v1", OutputConfig={"S3Bucket": BUCKET, "S3KeyPrefix": "o"}
    )["ProjectVersionArn"]
    assert wait_version(rek, project, "v1")["Status"] == "TRAINING_COMPLETED"
    return project, arn


def target(arn: str = STOP, **request: Any) -> dict[str, Any]:
    return {"Arn": arn, "RoleArn": ROLE, "Input": json.dumps(request)}


def create(sched: Any, name: str, expression: str, **kw: Any) -> str:
    args: dict[str, Any] = {
        "Name": name,
        "ScheduleExpression": expression,
        "Target": target(ProjectVersionArn=GONE),
        "FlexibleTimeWindow": {"Mode": "OFF"},
        **kw,
    }
    return str(sched.create_schedule(**args)["ScheduleArn"])


def refusal(call: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as e:
        call()
    error = e.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"], str(e.value)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"ScheduleExpression": "cron(0 19 * * MON-FRI *)"}, "must be `?`"),
        ({"ScheduleExpression": "cron(61 19 ? * MON-FRI *)"}, "outside 0-59"),
        ({"ScheduleExpression": "rate(5 hour)"}, "plural"),
        ({"ScheduleExpression": "every day"}, "none of"),
        ({"ScheduleExpressionTimezone": "Mars/Olympus"}, "not an IANA time zone"),
        ({"Target": {"Arn": "not-an-arn", "RoleArn": ROLE}}, "Invalid target arn"),
        (
            {"Target": {"Arn": "arn:aws:scheduler:::aws-sdk:rekognition", "RoleArn": ROLE}},
            "universal",
        ),
        (
            {"Target": target("arn:aws:scheduler:::aws-sdk:rekognition:describeProjects")},
            "read-only",
        ),
        ({"Target": {"Arn": START, "RoleArn": ROLE, "Input": "{not json"}}, "well-formed JSON"),
        ({"Target": {"Arn": STOP, "RoleArn": "arn:aws:iam::123:user/me"}}, "RoleArn"),
        ({"FlexibleTimeWindow": {"Mode": "FLEXIBLE"}}, "MaximumWindowInMinutes"),
        ({"FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 1441}}, "1440"),
        ({"FlexibleTimeWindow": {"Mode": "OFF", "MaximumWindowInMinutes": 5}}, "FLEXIBLE"),
        ({"FlexibleTimeWindow": {"Mode": "SOMETIMES"}}, "OFF or FLEXIBLE"),
        ({"State": "PAUSED"}, "ENABLED, DISABLED"),
        ({"ActionAfterCompletion": "KEEP"}, "NONE, DELETE"),
        ({"Name": "no spaces allowed"}, "1-64 characters"),
        (
            {
                "StartDate": datetime(2030, 2, 1, tzinfo=timezone.utc),
                "EndDate": datetime(2030, 1, 1, tzinfo=timezone.utc),
            },
            "after the StartDate",
        ),
    ],
)
def test_create_schedule_refuses_what_aws_refuses(sched, change, says) -> None:
    args = {
        "Name": "refused",
        "ScheduleExpression": WEEKDAY_STOP,
        "ScheduleExpressionTimezone": BERLIN,
        "Target": target(ProjectVersionArn=GONE),
        "FlexibleTimeWindow": {"Mode": "OFF"},
        **change,
    }
    code, status, message = refusal(lambda: sched.create_schedule(**args))
    assert (code, status) == ("ValidationException", 400)
    assert says in message
    assert sched.list_schedules()["Schedules"] == []


def test_groups_and_names_answer_with_aws_codes(sched) -> None:
    create(sched, "weekday-stop", WEEKDAY_STOP)
    assert refusal(lambda: create(sched, "weekday-stop", WEEKDAY_STOP))[:2] == (
        "ConflictException",
        409,
    )
    unknown_group = refusal(lambda: create(sched, "elsewhere", WEEKDAY_STOP, GroupName="nope"))
    assert unknown_group[:2] == ("ResourceNotFoundException", 404)
    assert refusal(lambda: sched.get_schedule(Name="missing"))[:2] == (
        "ResourceNotFoundException",
        404,
    )
    sched.create_schedule_group(Name="models")
    assert refusal(lambda: sched.create_schedule_group(Name="models"))[:2] == (
        "ConflictException",
        409,
    )
    assert refusal(lambda: sched.delete_schedule_group(Name="nope"))[:2] == (
        "ResourceNotFoundException",
        404,
    )
    assert refusal(lambda: sched.list_schedules(GroupName="nope"))[0] == (
        "ResourceNotFoundException"
    )
    arn = create(sched, "in-group", WEEKDAY_STOP, GroupName="models")
    assert arn == "arn:aws:scheduler:us-east-1:123456789012:schedule/models/in-group"
    assert sched.get_schedule(Name="in-group", GroupName="models")["GroupName"] == "models"


def test_a_weekday_window_stops_and_starts_the_model(rek, sched, control, trained) -> None:
    project, model = trained
    start_args = {"ProjectVersionArn": model, "MinInferenceUnits": 2}
    for name, expression, arn, request in (
        ("weekday-start", WEEKDAY_START, START, start_args),
        ("weekday-stop", WEEKDAY_STOP, STOP, {"ProjectVersionArn": model}),
    ):
        sched.create_schedule(
            Name=name,
            ScheduleExpression=expression,
            ScheduleExpressionTimezone=BERLIN,
            Target={"Arn": arn, "RoleArn": ROLE, "Input": json.dumps(request)},
            FlexibleTimeWindow={"Mode": "OFF"},
        )
    starts = Schedule.parse(WEEKDAY_START, BERLIN)
    stops = Schedule.parse(WEEKDAY_STOP, BERLIN)
    control.reset_requests()

    first_start = starts.next_after(utc(control.clock()))
    assert first_start is not None
    moved = control.move_clock(now=first_start)
    assert [(f["target"], f["ok"]) for f in moved["fired"]] == [(START, True)]
    assert wait_version(rek, project, "v1")["Status"] == "RUNNING"

    window_end = stops.next_after(first_start)
    assert window_end is not None and window_end.astimezone(stops.timezone).hour == 18
    moved = control.move_clock(now=window_end)
    assert moved["fired"] == [
        {
            "schedule": "arn:aws:scheduler:us-east-1:123456789012:schedule/default/weekday-stop",
            "at": window_end.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "target": STOP,
            "ok": True,
            "error": None,
        }
    ]
    assert utc(moved["now"]) == window_end
    assert wait_version(rek, project, "v1")["Status"] == "STOPPED"

    next_start = starts.next_after(window_end)
    assert next_start is not None and next_start.astimezone(starts.timezone).hour == 8
    moved = control.move_clock(advance_seconds=(next_start - window_end).total_seconds())
    assert [(f["target"], f["ok"]) for f in moved["fired"]] == [(START, True)]
    running = wait_version(rek, project, "v1")
    assert (running["Status"], running["MinInferenceUnits"]) == ("RUNNING", 2)

    fired = [r for r in control.requests_log() if r.get("source") == "scheduler"]
    assert [(r["operation"], r["status"], r["error"]) for r in fired] == [
        ("StartProjectVersion", 200, None),
        ("StopProjectVersion", 200, None),
        ("StartProjectVersion", 200, None),
    ]
    assert fired[1]["schedule"].endswith("/weekday-stop")
    assert utc(fired[1]["scheduled_at"]) == window_end
    assert all(r.get("source") is None for r in control.requests_log() if r not in fired)


def test_a_one_time_stop_fires_once_and_deletes_itself(rek, sched, control, trained) -> None:
    project, model = trained
    rek.start_project_version(ProjectVersionArn=model, MinInferenceUnits=1)
    assert wait_version(rek, project, "v1")["Status"] == "RUNNING"
    due = (utc(control.clock()) + timedelta(hours=8)).replace(microsecond=0)
    create(
        sched,
        "stop-after-8h",
        at_expression(due),
        ScheduleExpressionTimezone="UTC",
        Target=target(ProjectVersionArn=model),
        ActionAfterCompletion="DELETE",
    )
    assert control.move_clock(advance_seconds=3600)["fired"] == []
    fired = control.move_clock(now=due + timedelta(hours=1))["fired"]
    assert [(f["at"], f["ok"]) for f in fired] == [(at_expression(due)[3:-1] + ".000Z", True)]
    assert wait_version(rek, project, "v1")["Status"] == "STOPPED"
    assert refusal(lambda: sched.get_schedule(Name="stop-after-8h"))[0] == (
        "ResourceNotFoundException"
    )
    assert control.move_clock(advance_seconds=86400)["fired"] == []


def test_a_target_whose_model_is_gone_is_recorded_and_the_emulator_keeps_serving(
    rek, sched, control
) -> None:
    create(sched, "hourly", "rate(1 hour)")
    moved = control.move_clock(advance_seconds=3 * 3600 + 60)
    assert len(moved["fired"]) == 3
    assert all(not f["ok"] for f in moved["fired"])
    assert moved["fired"][0]["error"].startswith("ResourceNotFoundException")
    assert rek.describe_projects()["ProjectDescriptions"] == []
    assert [s["Name"] for s in sched.list_schedules()["Schedules"]] == ["hourly"]
    log = [r for r in control.requests_log() if r.get("source") == "scheduler"]
    assert [(r["operation"], r["status"]) for r in log] == [("StopProjectVersion", 400)] * 3


def test_a_week_of_minutes_fires_fast_in_order(sched, control) -> None:
    create(sched, "every-minute", "cron(* * * * ? *)")
    create(sched, "disabled", "cron(* * * * ? *)", State="DISABLED")
    began = time.monotonic()
    fired = control.move_clock(advance_seconds=7 * 86400)["fired"]
    assert time.monotonic() - began < 30
    assert len(fired) == 7 * 24 * 60
    instants = [utc(f["at"]) for f in fired]
    assert instants == sorted(instants)
    assert {f["schedule"].rsplit("/", 1)[1] for f in fired} == {"every-minute"}


def test_the_clock_follows_real_time_and_never_moves_back(emulator, control) -> None:
    first = utc(control.clock())
    time.sleep(0.05)
    assert utc(control.clock()) > first
    ahead = utc(control.move_clock(advance_seconds=86400)["now"])
    assert ahead - first >= timedelta(days=1)
    with pytest.raises(ValueError, match="never moves back"):
        control.move_clock(now=first)
    request = urllib.request.Request(
        f"{emulator.url}/_emulator/clock",
        data=json.dumps({"advance_seconds": -5}).encode(),
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(request, timeout=5)
    assert e.value.code == 400
    assert utc(control.clock()) >= ahead


def test_schedules_fire_as_real_time_passes(sched, control) -> None:
    due = (utc(control.clock()) + timedelta(seconds=2)).replace(microsecond=0)
    create(sched, "soon", at_expression(due), ActionAfterCompletion="DELETE")
    entry = wait_for(
        lambda: [r for r in control.requests_log() if r.get("source") == "scheduler"],
        lambda found: len(found) == 1,
        timeout=10,
    )[0]
    assert entry["operation"] == "StopProjectVersion"
    wait_for(lambda: sched.list_schedules()["Schedules"], lambda found: found == [], timeout=5)


def test_schedules_survive_a_restart_with_a_state_dir(tmp_path, control) -> None:
    with EmulatorServer(port=0, state_dir=str(tmp_path)) as first:
        create(make_client(first.url, "scheduler"), "kept", WEEKDAY_STOP, State="DISABLED")
    control.reset(s3=False)  # moto's scheduler is process-wide: forget it, keep the file
    assert (tmp_path / "scheduler.pkl").exists()
    with EmulatorServer(port=0, state_dir=str(tmp_path)) as second:
        kept = make_client(second.url, "scheduler").get_schedule(Name="kept")
    assert (kept["ScheduleExpression"], kept["State"]) == (WEEKDAY_STOP, "DISABLED")


def test_a_group_made_again_under_a_deleted_name_has_none_of_its_tags(sched) -> None:
    sched.create_schedule_group(Name="team", Tags=[{"Key": "owner", "Value": "a"}])
    create(sched, "team-stop", WEEKDAY_STOP, GroupName="team")
    sched.delete_schedule_group(Name="team")
    assert refusal(lambda: sched.get_schedule(Name="team-stop", GroupName="team"))[0] == (
        "ResourceNotFoundException"
    )
    sched.create_schedule_group(Name="team")
    arn = sched.get_schedule_group(Name="team")["Arn"]
    assert sched.list_tags_for_resource(ResourceArn=arn)["Tags"] == []
