"""The plugin honours Pulumi's `customTimeouts`: a training that outlasts the create timeout
fails the `up` with the wait named, and the next `up` takes the same model over (nothing is
trained twice), as the README's recovery says."""

from __future__ import annotations

import uuid
from pathlib import Path

import boto3
import pytest

from rcl_emulator.server import EmulatorServer

from .stacks import cli_stack

pytestmark = pytest.mark.e2e

PROGRAM = """name: rcl-timeouts
runtime: yaml
configuration:
  folder:
    type: String
  bucket:
    type: String
resources:
  images:
    type: rcl:index:ImageFolder
    properties:
      folder: ${folder}
      bucket: ${bucket}
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
      datasets:
        - ${train.arn}
        - ${test.arn}
    options:
      customTimeouts:
        create: 2s
outputs:
  projectArn: ${project.arn}
"""


def test_custom_timeouts_bound_the_training_wait_and_the_next_up_resumes(
    pulumi_engine: Path, small_digits: Path, tmp_path: Path
) -> None:
    with EmulatorServer(host="127.0.0.1", port=0, training_seconds=8) as emulator:
        local = {"aws_access_key_id": "t", "aws_secret_access_key": "t", "region_name": "us-east-1"}
        rekognition = boto3.client("rekognition", endpoint_url=emulator.url, **local)
        bucket = f"timeouts-{uuid.uuid4().hex[:8]}"
        boto3.client("s3", endpoint_url=emulator.url, **local).create_bucket(Bucket=bucket)
        work = tmp_path / "project"
        pulumi = cli_stack(
            work,
            tmp_path / "state",
            PROGRAM,
            {
                "rcl:endpointUrl": emulator.url,
                "rcl:s3EndpointUrl": emulator.url,
                "rcl:region": "us-east-1",
                "folder": str(small_digits),
                "bucket": bucket,
            },
        )

        failed = pulumi("up", "--yes", "--skip-preview", ok=False)
        assert "was still TRAINING_IN_PROGRESS after 2 s" in failed, failed

        (work / "Pulumi.yaml").write_text(PROGRAM.replace("create: 2s", "create: 5m"))
        pulumi("up", "--yes", "--skip-preview")
        project_arn = pulumi("stack", "output", "projectArn").strip()
        versions = rekognition.describe_project_versions(ProjectArn=project_arn)
        assert len(versions["ProjectVersionDescriptions"]) == 1  # taken over, not retrained
        pulumi("destroy", "--yes", "--skip-preview")
