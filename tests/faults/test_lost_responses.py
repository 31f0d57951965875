"""Every mutating call survives a lost response, through the real CLI.

The emulator commits the operation, then answers 500 as if the network lost the reply;
botocore retries, and the retry meets the consequence (ResourceInUse, a dataset already
updating or split, a new policy revision, a resource already deleting). Each row loses one
operation's response in one phase of a stack's life; the `up` or `destroy` must converge, and
the TRAIN + TEST datasets must hold every line of the manifest and the entries.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from pulumi import automation as auto

from rcl_emulator.control import EmulatorControl
from tests.e2e.stacks import outputs, stack, write_project

pytestmark = pytest.mark.e2e

PROGRAM = """
import json
import pulumi
import rcl_resources as rcl

cfg = pulumi.Config("t")
bucket = cfg.require("bucket")
images = rcl.ImageFolder("images", folder=cfg.require("folder"), bucket=bucket, prefix="lost")
extra = rcl.ImageFolder("extra", folder=cfg.require("extra"), bucket=bucket, prefix="lost",
                        include_entries=True)
project = rcl.Project("proj", tags=cfg.get_object("tags") or {"env": "lost"})
train = rcl.Dataset("train", project_arn=project.arn, dataset_type="TRAIN",
                    dataset_source={"ground_truth_manifest": {"s3_object": images.manifest}},
                    entries=extra.entries)
test = rcl.Dataset("test", project_arn=project.arn, dataset_type="TEST",
                   distribute_from=train.arn)
model = rcl.ProjectVersion(
    "model",
    project_arn=project.arn,
    output_config={"s3_bucket": bucket, "s3_key_prefix": "out"},
    datasets=[train.revision, test.revision],
    running=cfg.get_bool("running") is not False,
)
if cfg.get_bool("policy"):
    rcl.ProjectPolicy("policy", project_arn=project.arn, policy_name="allow-copy",
                      policy_document={"Version": "2012-10-17", "Statement": [{
                          "Effect": "Allow",
                          "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                          "Action": cfg.get("action") or "rekognition:CopyProjectVersion",
                          "Resource": "*"}]})
if cfg.get_bool("copy"):
    destination = rcl.Project("dest")
    copy = rcl.ProjectVersion(
        "copy", project_arn=destination.arn,
        output_config={"s3_bucket": bucket, "s3_key_prefix": "copy"},
        copy_from={"source_project_arn": project.arn, "source_project_version_arn": model.arn})
    pulumi.export("copy_status", copy.status)
pulumi.export("project_arn", project.arn)
pulumi.export("train_arn", train.arn)
pulumi.export("test_arn", test.arn)
pulumi.export("model_status", model.status)
pulumi.export("lines", pulumi.Output.all(images.image_count, extra.image_count).apply(sum))
"""

# (operation whose response is lost, phase, config before the faulty phase, config of it)
UPDATE_TAGS = {"tags": '{"team": "vision"}'}
ROWS: list[tuple[str, str, dict[str, str], dict[str, str]]] = [
    ("CreateProject", "up", {}, {}),
    ("CreateDataset", "up", {}, {}),
    ("UpdateDatasetEntries", "up", {}, {}),
    ("DistributeDatasetEntries", "up", {}, {}),
    ("CreateProjectVersion", "up", {}, {}),
    ("StartProjectVersion", "up", {}, {}),
    ("CopyProjectVersion", "up", {}, {"copy": "true", "running": "false"}),
    ("PutProjectPolicy", "up", {}, {"policy": "true"}),
    ("PutProjectPolicy", "update", {"policy": "true"}, {"action": "rekognition:*"}),
    ("TagResource", "update", {}, UPDATE_TAGS),
    ("UntagResource", "update", {}, UPDATE_TAGS),
    ("StopProjectVersion", "update", {}, {"running": "false"}),
    ("DeleteProjectPolicy", "destroy", {"policy": "true"}, {}),
    ("DeleteProjectVersion", "destroy", {}, {}),
    ("DeleteDataset", "destroy", {}, {}),
    ("DeleteProject", "destroy", {}, {}),
]


@pytest.fixture(scope="module")
def folders(small_digits: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A manifest folder (3 labels x 12) and an entries folder (2 labels x 4), disjoint."""
    root = tmp_path_factory.mktemp("lost-images")
    for label in ("0", "1", "7"):
        images = sorted((small_digits / label).iterdir())
        (root / "main" / label).mkdir(parents=True)
        for image in images[:12]:
            shutil.copy(image, root / "main" / label / image.name)
        if label != "7":
            (root / "extra" / label).mkdir(parents=True)
            for image in images[12:16]:
                shutil.copy(image, root / "extra" / label / image.name)
    return root / "main", root / "extra"


@pytest.fixture(scope="module")
def realistic_datasets(emulator_server: str) -> Iterator[EmulatorControl]:
    control = EmulatorControl(emulator_server)
    control.set_timing(dataset_seconds=3)
    yield control
    control.clear_faults()
    control.set_timing(dataset_seconds=0)


def entry_count(rekognition: Any, *arns: str) -> int:
    return sum(
        rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]["DatasetStats"][
            "TotalEntries"
        ]
        for arn in arns
    )


@pytest.mark.parametrize(
    ("operation", "phase", "before", "during"),
    ROWS,
    ids=[f"{row[0]}-{row[1]}" for row in ROWS],
)
def test_a_lost_response_converges(
    pulumi_engine: Path,
    emulator_server: str,
    realistic_datasets: EmulatorControl,
    folders: tuple[Path, Path],
    tmp_path: Path,
    operation: str,
    phase: str,
    before: dict[str, str],
    during: dict[str, str],
) -> None:
    control = realistic_datasets
    local = {"aws_access_key_id": "t", "aws_secret_access_key": "t", "region_name": "us-east-1"}
    rekognition = boto3.client("rekognition", endpoint_url=emulator_server, **local)
    bucket = f"lost-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=emulator_server, **local).create_bucket(Bucket=bucket)
    s = stack(
        write_project(tmp_path / "project", PROGRAM, name="rcl-lost"),
        tmp_path / "state",
        stack_name=f"{operation}-{phase}".lower(),
        env={"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_REGION": "us-east-1"},
    )
    config = {
        "rcl:endpointUrl": emulator_server,
        "rcl:s3EndpointUrl": emulator_server,
        "rcl:region": "us-east-1",
        "t:bucket": bucket,
        "t:folder": str(folders[0]),
        "t:extra": str(folders[1]),
        **{f"t:{k}": v for k, v in before.items()},
    }
    s.set_all_config({k: auto.ConfigValue(v) for k, v in config.items()})

    def faulty(step: Any) -> Any:
        control.clear_faults()
        control.reset_requests()
        control.set_faults(lose_next_response=operation)
        result = step(on_output=print)
        lost = [r for r in control.requests_log() if r["operation"] == operation]
        assert lost and lost[0]["status"] == 500, f"{operation}'s response was never lost"
        return result

    try:
        if phase == "up":
            s.set_all_config({f"t:{k}": auto.ConfigValue(v) for k, v in during.items()})
            out = outputs(faulty(s.up))
        else:
            out = outputs(s.up(on_output=print))
        if phase == "update":
            s.set_all_config({f"t:{k}": auto.ConfigValue(v) for k, v in during.items()})
            out = outputs(faulty(s.up))
        assert entry_count(rekognition, out["train_arn"], out["test_arn"]) == out["lines"]
        if during.get("running") != "false":
            assert out["model_status"] == "RUNNING"
        else:  # stopped by the update, or never started
            assert out["model_status"] == ("STOPPED" if phase == "update" else "TRAINING_COMPLETED")
        if "copy" in during:
            assert out["copy_status"] == "COPYING_COMPLETED"
        versions = rekognition.describe_project_versions(ProjectArn=out["project_arn"])
        assert len(versions["ProjectVersionDescriptions"]) == 1
        again = s.preview()  # converged: nothing left to do
        assert set(again.change_summary) == {"same"}, again.change_summary
        if phase == "destroy":
            faulty(s.destroy)
    finally:
        control.clear_faults()
        s.destroy(on_output=print)
    assert (
        rekognition.describe_projects(ProjectNames=[out["project_arn"].split("/")[1]])[
            "ProjectDescriptions"
        ]
        == []
    )
