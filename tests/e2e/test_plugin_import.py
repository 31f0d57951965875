"""`pulumi import` through the provider plugin: what boto3 created becomes the stack's, and the
program that declares it then changes nothing. (Python's dynamic resources cannot be imported:
pulumi/pulumi#16175.)"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import boto3
import pytest

from .stacks import engine_env

pytestmark = pytest.mark.e2e

PROGRAM = """name: rcl-import
runtime: yaml
resources:
  project:
    type: rcl:index:Project
    properties:
      projectName: {name}
      tags:
        team: vision
  train:
    type: rcl:index:Dataset
    properties:
      projectArn: ${{project.arn}}
      datasetType: TRAIN
"""


def test_import_project_and_dataset_then_up_changes_nothing(
    pulumi_engine: Path, emulator_server: str, tmp_path: Path
) -> None:
    local = {"aws_access_key_id": "t", "aws_secret_access_key": "t", "region_name": "us-east-1"}
    rekognition = boto3.client("rekognition", endpoint_url=emulator_server, **local)
    name = f"imported-{uuid.uuid4().hex[:8]}"
    project_arn = rekognition.create_project(ProjectName=name, Tags={"team": "vision"})[
        "ProjectArn"
    ]
    train_arn = rekognition.create_dataset(ProjectArn=project_arn, DatasetType="TRAIN")[
        "DatasetArn"
    ]
    work, state = tmp_path / "project", tmp_path / "state"
    credentials = {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}
    work.mkdir()
    (work / "Pulumi.yaml").write_text(PROGRAM.format(name=name))
    env = {
        **os.environ,
        **engine_env(state, credentials),
    }

    def pulumi(*args: str) -> str:
        run = subprocess.run(
            ["pulumi", *args, "--stack", "test"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        return run.stdout

    subprocess.run(["pulumi", "stack", "init", "test"], cwd=work, env=env, check=True)
    for key, value in {
        "rcl:endpointUrl": emulator_server,
        "rcl:s3EndpointUrl": emulator_server,
        "rcl:region": "us-east-1",
    }.items():
        pulumi("config", "set", key, value)
    for token, resource, arn in (
        ("rcl:index:Project", "project", project_arn),
        ("rcl:index:Dataset", "train", train_arn),
    ):
        pulumi("import", token, resource, arn, "--yes", "--generate-code=false", "--protect=false")
    try:
        # The declaring program changes nothing (and records the dependencies).
        pulumi("up", "--yes", "--skip-preview", "--expect-no-changes")
    finally:
        pulumi("destroy", "--yes", "--skip-preview")
    assert rekognition.describe_projects(ProjectNames=[name])["ProjectDescriptions"] == []
