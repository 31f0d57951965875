"""`Resource.get` on the dynamic resources, like pulumi_aws's: an existing resource read into the
program by its id, its outputs usable, and left alone by destroy."""

from __future__ import annotations

import uuid
from pathlib import Path

import boto3
import pytest
from pulumi import automation as auto

from .stacks import outputs, stack, write_project

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi
import rcl_resources as rcl

config = pulumi.Config()
project = rcl.Project.get("existing", config.require("project_arn"))
train = rcl.Dataset.get("existing-train", config.require("train_arn"))
pulumi.export("project_name", project.project_name)
pulumi.export("feature", project.feature)
pulumi.export("tags", project.tags)
pulumi.export("dataset_type", train.dataset_type)
pulumi.export("dataset_status", train.status)
"""


def test_get_reads_an_existing_project_and_dataset_and_destroy_leaves_them(
    pulumi_engine: Path, emulator_server: str, tmp_path: Path
) -> None:
    local = {"aws_access_key_id": "t", "aws_secret_access_key": "t", "region_name": "us-east-1"}
    rekognition = boto3.client("rekognition", endpoint_url=emulator_server, **local)
    name = f"existing-{uuid.uuid4().hex[:8]}"
    project_arn = rekognition.create_project(ProjectName=name, Tags={"team": "vision"})[
        "ProjectArn"
    ]
    train_arn = rekognition.create_dataset(ProjectArn=project_arn, DatasetType="TRAIN")[
        "DatasetArn"
    ]
    s = stack(
        write_project(tmp_path / "project", PROGRAM, name="rcl-get"),
        tmp_path / "state",
        env={"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"},
    )
    s.set_all_config(
        {
            "rcl:endpointUrl": auto.ConfigValue(emulator_server),
            "rcl:region": auto.ConfigValue("us-east-1"),
            "rcl-get:project_arn": auto.ConfigValue(project_arn),
            "rcl-get:train_arn": auto.ConfigValue(train_arn),
        }
    )
    out = outputs(s.up(on_output=print))
    assert out["project_name"] == name
    assert out["feature"] == "CUSTOM_LABELS"
    assert out["tags"] == {"team": "vision"}
    assert out["dataset_type"] == "TRAIN"
    assert out["dataset_status"] == "CREATE_COMPLETE"
    s.destroy(on_output=print)
    assert rekognition.describe_dataset(DatasetArn=train_arn)["DatasetDescription"]
    rekognition.delete_dataset(DatasetArn=train_arn)
