"""Retained means retained: destroying a project never deletes a child Pulumi kept."""

from __future__ import annotations

import time
from pathlib import Path

import boto3
import pytest
from pulumi import automation as auto

from .stacks import outputs, stack, write_project

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi
import rcl_resources as rcl

project = rcl.Project("proj")
train = rcl.Dataset("train", project_arn=project.arn, dataset_type="TRAIN",
                    opts=pulumi.ResourceOptions(retain_on_delete=True))
pulumi.export("project_arn", project.arn)
pulumi.export("train_arn", train.arn)
"""


def test_destroy_keeps_a_retained_dataset_and_says_how_to_go_on(
    pulumi_engine: Path, emulator_server: str, tmp_path: Path
) -> None:
    local = {"aws_access_key_id": "t", "aws_secret_access_key": "t", "region_name": "us-east-1"}
    rekognition = boto3.client("rekognition", endpoint_url=emulator_server, **local)
    s = stack(
        write_project(tmp_path / "project", PROGRAM, name="rcl-retained"),
        tmp_path / "state",
        env={"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"},
    )
    s.set_all_config(
        {
            "rcl:endpointUrl": auto.ConfigValue(emulator_server),
            "rcl:region": auto.ConfigValue("us-east-1"),
        }
    )
    out = outputs(s.up(on_output=print))
    with pytest.raises(auto.errors.CommandError) as refused:
        s.destroy(on_output=print)
    message = str(refused.value)
    assert out["train_arn"] in message and "retain_on_delete" in message
    assert rekognition.describe_dataset(DatasetArn=out["train_arn"])  # still there

    rekognition.delete_dataset(DatasetArn=out["train_arn"])  # the way out the message gives
    for _ in range(100):
        try:
            rekognition.describe_dataset(DatasetArn=out["train_arn"])
        except rekognition.exceptions.ResourceNotFoundException:
            break
        time.sleep(0.1)
    s.destroy(on_output=print)
    name = out["project_arn"].split("/")[1]
    assert rekognition.describe_projects(ProjectNames=[name])["ProjectDescriptions"] == []
