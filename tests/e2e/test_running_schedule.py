"""A model's running window end to end through the Pulumi CLI, on both hosts (the provider
plugin with a YAML program, the dynamic provider with a Python one): the emulator's scheduler
clock closes the window (the model stops, and neither `refresh` nor `up` restarts it although
the program says `running: true`), opens it again (the model runs with the schedule's units),
a new window changes the schedules in place, a bad expression is refused at preview, and
`destroy` leaves nothing. The plugin host also imports a schedule and arms a `stopAfter`."""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from rcl_emulator.control import EmulatorControl
from rcl_resources.schedule_occurrences import Schedule

from .stacks import cli_stack

pytestmark = pytest.mark.e2e

ROLE = "arn:aws:iam::123456789012:role/rcl-scheduler"
START = "cron(0 8 ? * MON-FRI *)"
STOP = "cron(0 19 ? * MON-FRI *)"
EARLIER_STOP = "cron(0 17 ? * MON-FRI *)"
BAD_STOP = "cron(0 19 * * MON-FRI *)"  # AWS: one of the day fields must be `?`

YAML = """name: rcl-window
runtime: yaml
configuration:
  folder:
    type: String
  bucket:
    type: String
  stop:
    type: String
  stopAfter:
    type: String
    default: ""
resources:
  images:
    type: rcl:index:ImageFolder
    properties:
      folder: ${folder}
      bucket: ${bucket}
      prefix: window
  project:
    type: rcl:index:Project
  train:
    type: rcl:index:Dataset
    properties:
      projectArn: ${project.arn}
      datasetType: TRAIN
      datasetSource:
        groundTruthManifest:
          s3Object: ${images.manifest}
  test:
    type: rcl:index:Dataset
    properties:
      projectArn: ${project.arn}
      datasetType: TEST
      distributeFrom: ${train.arn}
  model:
    type: rcl:index:ProjectVersion
    properties:
      projectArn: ${project.arn}
      outputConfig:
        s3Bucket: ${bucket}
        s3KeyPrefix: window/out
      datasets:
        - ${train.arn}
        - ${test.arn}
      running: true
  window:
    type: rcl:index:RunningSchedule
    properties:
      projectVersionArn: ${model.arn}
      roleArn: ROLE
      start: "START"
      stop: ${stop}
      timezone: Europe/Berlin
      minInferenceUnits: 2
outputs:
  modelArn: ${model.arn}
  projectArn: ${project.arn}
  running: ${model.running}
  windowId: ${window.id}
  nextStop: ${window.nextStop}
  hours: ${window.runningHoursPerWeek}
""".replace("ROLE", ROLE).replace("START", START)

PYTHON = """import pulumi

import rcl_resources as rcl

config = pulumi.Config()
bucket = config.require("bucket")
images = rcl.ImageFolder("images", folder=config.require("folder"), bucket=bucket, prefix="window")
project = rcl.Project("project")
train = rcl.Dataset(
    "train",
    project_arn=project.arn,
    dataset_type="TRAIN",
    dataset_source={"ground_truth_manifest": {"s3_object": images.manifest}},
)
test = rcl.Dataset("test", project_arn=project.arn, dataset_type="TEST", distribute_from=train.arn)
model = rcl.ProjectVersion(
    "model",
    project_arn=project.arn,
    output_config={"s3_bucket": bucket, "s3_key_prefix": "window/out"},
    datasets=[train.revision, test.revision],
    running=True,
)
window = rcl.RunningSchedule(
    "window",
    project_version_arn=model.arn,
    role_arn="ROLE",
    start="START",
    stop=config.require("stop"),
    timezone="Europe/Berlin",
    min_inference_units=2,
)
pulumi.export("modelArn", model.arn)
pulumi.export("projectArn", project.arn)
pulumi.export("running", model.running)
pulumi.export("windowId", window.id)
pulumi.export("nextStop", window.next_stop)
pulumi.export("hours", window.running_hours_per_week)
""".replace("ROLE", ROLE).replace("START", START)


# The window of each program, and what a development stack declares instead.
DEV = {
    "plugin window": (
        f'      start: "{START}"\n      stop: ${{stop}}\n      timezone: Europe/Berlin\n'
        "      minInferenceUnits: 2\n",
        "      stopAfter: 8h\n",
    ),
    "plugin output": ("  nextStop: ${window.nextStop}\n", "  stopAt: ${window.stopAfterAt}\n"),
    "python window": (
        f'    start="{START}",\n    stop=config.require("stop"),\n    timezone="Europe/Berlin",\n'
        "    min_inference_units=2,\n",
        '    stop_after="8h",\n',
    ),
    "python output": (
        'pulumi.export("nextStop", window.next_stop)',
        'pulumi.export("stopAt", window.stop_after_at)',
    ),
}


@pytest.fixture()
def emulator_server() -> Iterator[str]:
    """An emulator of its own: its scheduler clock starts today and only moves forward."""
    from rcl_emulator.server import EmulatorServer

    with EmulatorServer(host="127.0.0.1", port=0) as server:
        yield server.url


def emulator_config(url: str) -> dict[str, str]:
    """Stack config that sends every call to the emulator."""
    return {
        "rcl:endpointUrl": url,
        "rcl:s3EndpointUrl": url,
        "rcl:schedulerEndpointUrl": url,
        "rcl:region": "us-east-1",
    }


def clients(url: str) -> tuple[Any, Any, Any]:
    local = {"aws_access_key_id": "t", "aws_secret_access_key": "t", "region_name": "us-east-1"}
    return tuple(
        boto3.client(s, endpoint_url=url, **local) for s in ("rekognition", "s3", "scheduler")
    )  # type: ignore[return-value]


def project_stack(
    host: str, url: str, folder: Path, tmp_path: Path, bucket: str, *, dev: bool = False
) -> Any:
    """The stack of the program on `host`; `dev`: its schedule is only a `stop_after` of 8h."""
    work = tmp_path / host
    source = YAML if host == "plugin" else PYTHON
    if dev:
        for window, stop_after in DEV.values():
            source = source.replace(window, stop_after)
        assert "8h" in source and "Europe/Berlin" not in source
    if host == "plugin":
        program = source
    else:
        program = (
            "name: rcl-window\nruntime:\n  name: python\n  options:\n"
            f"    virtualenv: {sys.prefix}\n"
        )
    config = {
        **emulator_config(url),
        "folder": str(folder),
        "bucket": bucket,
        "stop": STOP,
    }
    pulumi = cli_stack(work, tmp_path / f"state-{host}", program, config)
    if host == "python":
        (work / "__main__.py").write_text(source)
    return pulumi


def stack_outputs(pulumi: Any) -> dict[str, Any]:
    return dict(json.loads(pulumi("stack", "output", "--json", "--show-secrets")))


def model_status(rekognition: Any, outs: dict[str, Any]) -> dict[str, Any]:
    arn = outs["modelArn"]
    name = arn.split("/version/")[1].split("/")[0]
    found = rekognition.describe_project_versions(
        ProjectArn=outs["projectArn"], VersionNames=[name]
    )
    return dict(found["ProjectVersionDescriptions"][0])


def settle(rekognition: Any, outs: dict[str, Any], status: str) -> dict[str, Any]:
    for _ in range(240):
        found = model_status(rekognition, outs)
        if found["Status"] == status:
            return found
        time.sleep(0.25)
    raise AssertionError(f"the model is {found['Status']}, not {status}")


@pytest.mark.parametrize("host", ["plugin", "python"])
def test_a_weekday_window_runs_the_model(
    host: str, pulumi_engine: Path, emulator_server: str, small_digits: Path, tmp_path: Path
) -> None:
    url = emulator_server
    rekognition, s3, scheduler = clients(url)
    control = EmulatorControl(url)
    bucket = f"window-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    pulumi = project_stack(host, url, small_digits, tmp_path, bucket)
    timings: dict[str, float] = {}

    def timed(step: str, *args: str, ok: bool = True) -> str:
        began = time.monotonic()
        out = str(pulumi(*args, ok=ok))
        timings[step] = round(time.monotonic() - began, 1)
        return out

    outs: dict[str, Any] = {}
    try:
        timed("up", "up", "--yes", "--skip-preview")
        outs = stack_outputs(pulumi)
        assert settle(rekognition, outs, "RUNNING")
        assert outs["hours"] == 55.0

        # The window closes: the model stops, and stays stopped through refresh and up.
        stop_at = datetime.fromisoformat(outs["nextStop"])
        fired = control.move_clock(now=stop_at + timedelta(minutes=1))["fired"]
        # Monday's start fires on the running model first: a failed no-op, as on AWS.
        assert fired[-1]["target"].endswith(":stopProjectVersion") and fired[-1]["ok"], fired
        settle(rekognition, outs, "STOPPED")
        timed("refresh", "refresh", "--yes", "--skip-preview")
        timed("up (no change)", "up", "--yes", "--skip-preview", "--expect-no-changes")
        assert stack_outputs(pulumi)["running"] is False
        assert model_status(rekognition, outs)["Status"] == "STOPPED"

        # The window opens: the model runs with the schedule's units; up changes nothing.
        now = datetime.fromisoformat(control.clock())
        opens = Schedule.parse(START, "Europe/Berlin").next_after(now)
        assert opens is not None
        control.move_clock(now=opens + timedelta(minutes=1))
        assert settle(rekognition, outs, "RUNNING")["MinInferenceUnits"] == 2
        pulumi("refresh", "--yes", "--skip-preview")
        pulumi("up", "--yes", "--skip-preview", "--expect-no-changes")
        assert stack_outputs(pulumi)["running"] is True

        # A new window: the schedules change in place.
        pulumi("config", "set", "stop", EARLIER_STOP)
        summary = timed("update window", "up", "--yes", "--skip-preview").split("Resources:")[1]
        assert "1 updated" in summary and "replaced" not in summary, summary
        group, name = stack_outputs(pulumi)["windowId"].split("/")
        stop = scheduler.get_schedule(Name=f"{name}-stop", GroupName=group)
        assert stop["ScheduleExpression"] == EARLIER_STOP
        assert stack_outputs(pulumi)["hours"] == 45.0

        # A bad expression: refused at preview, naming the input and the fix.
        pulumi("config", "set", "stop", BAD_STOP)
        refusal = timed("bad preview", "preview", ok=False)
        assert "stop" in refusal and "`?`" in refusal, refusal[-2000:]
        pulumi("config", "set", "stop", EARLIER_STOP)

        if host == "plugin":
            imported = import_schedule(url, tmp_path, f"{group}/{name}")
            assert imported["start"] == START and imported["stop"] == EARLIER_STOP
            assert imported["timezone"] == "Europe/Berlin" and imported["minInferenceUnits"] == 2
    finally:
        control.reset_requests()
        timed("destroy", "destroy", "--yes", "--skip-preview")
    # The schedule goes first (it releases the model), then the model is stopped and deleted.
    ops = [r["operation"] for r in control.requests_log()]
    assert ops.index("UntagResource") < ops.index("DeleteProjectVersion"), ops
    name = outs["windowId"].split("/")[1]
    assert scheduler.list_schedules(NamePrefix=name)["Schedules"] == []
    project = outs["projectArn"].split("/")[1]
    assert rekognition.describe_projects(ProjectNames=[project])["ProjectDescriptions"] == []
    print(f"{host}: {timings}")


def import_schedule(url: str, tmp_path: Path, id_: str) -> dict[str, Any]:
    """`pulumi import` of the schedule into another stack: the inputs it records."""
    config = emulator_config(url)
    pulumi = cli_stack(
        tmp_path / "importer",
        tmp_path / "state-importer",
        "name: importer\nruntime: yaml\n",
        config,
    )
    token = "rcl:index:RunningSchedule"
    pulumi("import", token, "window", id_, "--yes", "--generate-code=false", "--protect=false")
    state = json.loads(pulumi("stack", "export"))
    found = [r for r in state["deployment"]["resources"] if r["type"] == token]
    assert len(found) == 1 and found[0]["id"] == id_
    # Leave the schedule to the stack that manages it.
    pulumi("stack", "rm", "--force", "--yes")
    return dict(found[0]["inputs"])


@pytest.mark.parametrize("host", ["plugin", "python"])
def test_stop_after_stops_a_dev_model_and_the_next_up_runs_it_again(
    host: str, pulumi_engine: Path, emulator_server: str, small_digits: Path, tmp_path: Path
) -> None:
    """No window: `running` still rules, and each up that finds the model running arms a stop."""
    url = emulator_server
    rekognition, s3, scheduler = clients(url)
    control = EmulatorControl(url)
    bucket = f"dev-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    pulumi = project_stack(host, url, small_digits, tmp_path, bucket, dev=True)
    try:
        pulumi("up", "--yes", "--skip-preview")
        outs = stack_outputs(pulumi)
        settle(rekognition, outs, "RUNNING")
        armed = datetime.fromisoformat(outs["stopAt"])
        fired = control.move_clock(now=armed + timedelta(minutes=1))["fired"]
        assert [f["ok"] for f in fired] == [True], fired
        settle(rekognition, outs, "STOPPED")
        # The next up (which sees the stop) starts the model again, as `running: true` asks,
        # and arms a new stop.
        pulumi("up", "--refresh", "--yes", "--skip-preview")
        settle(rekognition, outs, "RUNNING")
        assert datetime.fromisoformat(stack_outputs(pulumi)["stopAt"]) > armed
        pulumi("up", "--yes", "--skip-preview", "--expect-no-changes")
    finally:
        pulumi("destroy", "--yes", "--skip-preview")
    name = outs["windowId"].split("/")[1]
    assert scheduler.list_schedules(NamePrefix=name)["Schedules"] == []
