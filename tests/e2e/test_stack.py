"""The full stack through the real Pulumi CLI against the emulator: issue scenarios (a) to (g)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from pulumi import automation as auto

from rcl_emulator.control import EmulatorControl
from rcl_resources.providers.model_state import find_version

from .stacks import outputs, stack, write_project

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi
import rcl_resources as rcl

cfg = pulumi.Config("t")
bucket = cfg.require("bucket")
running = cfg.get_bool("running")
images = rcl.ImageFolder("images", folder=cfg.require("folder"), bucket=bucket, prefix="e2e")
project = rcl.Project("proj", tags=cfg.get_object("tags") or {"env": "e2e"})
train = rcl.Dataset("train", project_arn=project.arn, dataset_type="TRAIN",
                    dataset_source={"ground_truth_manifest": {"s3_object": images.manifest}})
test = rcl.Dataset("test", project_arn=project.arn, dataset_type="TEST",
                   distribute_from=train.arn)
model = rcl.ProjectVersion(
    "model",
    project_arn=project.arn,
    output_config={"s3_bucket": bucket, "s3_key_prefix": "out"},
    datasets=[train.revision, test.revision],
    running=True if running is None else running,
)
pulumi.export("project_arn", project.arn)
pulumi.export("project_name", project.project_name)
pulumi.export("train_arn", train.arn)
pulumi.export("test_arn", test.arn)
pulumi.export("model_arn", model.arn)
pulumi.export("model_status", model.status)
pulumi.export("f1_score", model.f1_score)
pulumi.export("label_metrics", model.label_metrics)
"""

READ_ONLY = ("Describe", "List", "Detect")


def mutating(log: list[dict[str, Any]]) -> list[str]:
    return [r["operation"] for r in log if not r["operation"].startswith(READ_ONLY)]


class Scenario:
    """One stack shared by the ordered tests of a module: on the emulator at `url`, or on real
    AWS (url None) in `region` with an existing `bucket`."""

    def __init__(
        self,
        url: str | None,
        root: Path,
        small_digits: Path,
        region: str = "us-east-1",
        bucket: str | None = None,
    ) -> None:
        self.url = url
        self.folder = root / "images"
        shutil.copytree(small_digits, self.folder)
        local = {"aws_access_key_id": "t", "aws_secret_access_key": "t"} if url else {}
        self.rekognition = boto3.client(
            "rekognition", endpoint_url=url, region_name=region, **local
        )
        self.bucket = bucket or f"e2e-{uuid.uuid4().hex[:8]}"
        if bucket is None:
            boto3.client("s3", endpoint_url=url, region_name=region, **local).create_bucket(
                Bucket=self.bucket
            )
        work = write_project(root / "project", PROGRAM, name="rcl-e2e")
        env = {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"} if url else {}
        self.stack = stack(work, root / "state", env={**env, "AWS_REGION": region})
        config = {
            "rcl:region": auto.ConfigValue(region),
            "t:bucket": auto.ConfigValue(self.bucket),
            "t:folder": auto.ConfigValue(str(self.folder)),
        }
        if url:
            config["rcl:endpointUrl"] = auto.ConfigValue(url)
            config["rcl:s3EndpointUrl"] = auto.ConfigValue(url)
        self.stack.set_all_config(config)
        self.outputs: dict[str, Any] = {}

    @property
    def control(self) -> EmulatorControl:
        assert self.url, "the emulator's controls do not exist on real AWS"
        return EmulatorControl(self.url)

    def up(self) -> auto.UpResult:
        result = self.stack.up(on_output=print)
        self.outputs = outputs(result)
        return result

    def model(self, arn: str | None = None) -> dict[str, Any] | None:
        arn = arn or self.outputs["model_arn"]
        name = arn.split("/version/")[1].rsplit("/", 1)[0]
        return find_version(self.rekognition, self.outputs["project_arn"], name)


@pytest.fixture(scope="module")
def scenario(
    pulumi_engine: Path,
    emulator_server: str,
    small_digits: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Any:
    s = Scenario(emulator_server, tmp_path_factory.mktemp("e2e"), small_digits)
    yield s
    s.stack.destroy(on_output=print)


def test_a_full_stack_trains_and_runs(scenario: Scenario) -> None:
    result = scenario.up()
    assert result.summary.result == "succeeded"
    out = scenario.outputs
    assert out["model_status"] == "RUNNING"
    assert out["f1_score"] > 0
    assert {m["label"] for m in out["label_metrics"]} == {"0", "1", "7"}
    assert scenario.model()["Status"] == "RUNNING"


def test_b_second_up_changes_nothing(scenario: Scenario) -> None:
    scenario.control.reset_requests()
    result = scenario.up()
    assert result.summary.resource_changes == {"same": 6}
    assert mutating(scenario.control.requests_log()) == []


def test_c_tags_update_in_place(scenario: Scenario) -> None:
    before = dict(scenario.outputs)
    scenario.stack.set_config("t:tags", auto.ConfigValue('{"env": "e2e", "team": "vision"}'))
    result = scenario.up()
    assert result.summary.resource_changes.get("update") == 1
    assert "replace" not in result.summary.resource_changes
    assert scenario.outputs["project_arn"] == before["project_arn"]
    assert scenario.outputs["model_arn"] == before["model_arn"]
    tags = scenario.rekognition.list_tags_for_resource(ResourceArn=before["project_arn"])["Tags"]
    assert tags["team"] == "vision"


def test_d_running_false_stops_without_replacing(scenario: Scenario) -> None:
    arn = scenario.outputs["model_arn"]
    scenario.stack.set_config("t:running", auto.ConfigValue("false"))
    result = scenario.up()
    assert "replace" not in result.summary.resource_changes
    assert scenario.outputs["model_arn"] == arn
    assert scenario.model()["Status"] == "STOPPED"
    scenario.stack.set_config("t:running", auto.ConfigValue("true"))
    scenario.up()
    assert scenario.model()["Status"] == "RUNNING"


def test_e_new_training_data_replaces_model_new_running_before_old_stops(
    scenario: Scenario, digits_folder: Path
) -> None:
    old_arn = scenario.outputs["model_arn"]
    for image in sorted((digits_folder / "7").iterdir())[25:35]:
        shutil.copy(image, scenario.folder / "7" / image.name)
    scenario.control.reset_requests()
    result = scenario.up()
    assert result.summary.resource_changes.get("replace") == 1
    new_arn = scenario.outputs["model_arn"]
    assert new_arn != old_arn and scenario.outputs["model_status"] == "RUNNING"
    ops = [r["operation"] for r in scenario.control.requests_log() if r["status"] == 200]
    assert ops.index("CreateProjectVersion") < ops.index("StartProjectVersion")
    assert ops.index("StartProjectVersion") < ops.index("StopProjectVersion")
    assert ops.index("StopProjectVersion") < ops.index("DeleteProjectVersion")
    assert scenario.model(old_arn) is None


def test_f_out_of_band_stop_is_drift_and_up_restarts(scenario: Scenario) -> None:
    arn = scenario.outputs["model_arn"]
    scenario.rekognition.stop_project_version(ProjectVersionArn=arn)
    refresh = scenario.stack.refresh(on_output=print)
    assert refresh.summary.resource_changes.get("update") == 1
    state = scenario.stack.export_stack().deployment["resources"]
    model = next(r for r in state if r["urn"].endswith("::model"))
    assert model["outputs"]["running"] is False
    result = scenario.up()
    assert result.summary.resource_changes.get("update") == 1
    assert scenario.model()["Status"] == "RUNNING"


def test_g_destroy_leaves_nothing(scenario: Scenario) -> None:
    name = scenario.outputs["project_name"]
    scenario.stack.destroy(on_output=print)
    projects = scenario.rekognition.describe_projects(ProjectNames=[name])["ProjectDescriptions"]
    assert projects == []


def test_preview_of_a_new_stack_with_unknown_inputs(
    pulumi_engine: Path, emulator_server: str, small_digits: Path, tmp_path: Path
) -> None:
    """Inputs that come from other resources are unknown at preview: accepted, not rejected."""
    fresh = Scenario(emulator_server, tmp_path, small_digits)
    fresh.control.reset_requests()
    result = fresh.stack.preview()
    assert result.change_summary.get("create") == 6
    assert mutating(fresh.control.requests_log()) == []
