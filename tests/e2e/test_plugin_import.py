"""Import through the provider plugin: what boto3 created becomes the stack's, by
`pulumi import` and by the `import` resource option, and the program that declares it then
changes nothing. (Python's dynamic resources cannot be imported: pulumi/pulumi#16175.)"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import boto3
import pytest

from rcl_resources.image_folders import upload_image_folder
from tests.emulator.emulator_support import wait_dataset, wait_version

from .stacks import cli_stack

pytestmark = pytest.mark.e2e

PROGRAM = """name: rcl-import
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
      folder: ${{folder}}
      bucket: ${{bucket}}
      prefix: imported
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
      datasetSource:
        groundTruthManifest:
          s3Object: ${{images.manifest}}
  test:
    type: rcl:index:Dataset
    properties:
      projectArn: ${{project.arn}}
      datasetType: TEST
      distributeFrom: ${{train.arn}}
  model:
    type: rcl:index:ProjectVersion
    properties:
      projectArn: ${{project.arn}}
      versionName: v1
      outputConfig:
        s3Bucket: ${{bucket}}
        s3KeyPrefix: imported/out
      datasets:
        - ${{train.arn}}
        - ${{test.arn}}
      running: true
    options:
      import: {model_arn}
  policy:
    type: rcl:index:ProjectPolicy
    properties:
      projectArn: ${{project.arn}}
      policyName: allow-copy
      policyDocument: {policy}
    options:
      import: {policy_id}
"""

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "rekognition:CopyProjectVersion",
            "Resource": "*",
        }
    ],
}


def test_import_every_resource_type_then_up_changes_nothing(
    pulumi_engine: Path, emulator_server: str, small_digits: Path, tmp_path: Path
) -> None:
    local = {"aws_access_key_id": "t", "aws_secret_access_key": "t", "region_name": "us-east-1"}
    rekognition = boto3.client("rekognition", endpoint_url=emulator_server, **local)
    s3 = boto3.client("s3", endpoint_url=emulator_server, **local)
    name, bucket = f"imported-{uuid.uuid4().hex[:8]}", f"imported-{uuid.uuid4().hex[:8]}"

    # What a team made by hand (or with another tool): the same as the program declares.
    s3.create_bucket(Bucket=bucket)
    upload = upload_image_folder(s3, small_digits, bucket, "imported")
    project_arn = rekognition.create_project(ProjectName=name, Tags={"team": "vision"})[
        "ProjectArn"
    ]
    manifest = {"Bucket": bucket, "Name": upload.manifest_key}
    train_arn = rekognition.create_dataset(
        ProjectArn=project_arn,
        DatasetType="TRAIN",
        DatasetSource={"GroundTruthManifest": {"S3Object": manifest}},
    )["DatasetArn"]
    wait_dataset(rekognition, train_arn)
    test_arn = rekognition.create_dataset(ProjectArn=project_arn, DatasetType="TEST")["DatasetArn"]
    rekognition.distribute_dataset_entries(Datasets=[{"Arn": train_arn}, {"Arn": test_arn}])
    wait_dataset(rekognition, train_arn)
    wait_dataset(rekognition, test_arn)
    model_arn = rekognition.create_project_version(
        ProjectArn=project_arn,
        VersionName="v1",
        OutputConfig={"S3Bucket": bucket, "S3KeyPrefix": "imported/out"},
    )["ProjectVersionArn"]
    assert wait_version(rekognition, project_arn, "v1")["Status"] == "TRAINING_COMPLETED"
    rekognition.start_project_version(ProjectVersionArn=model_arn, MinInferenceUnits=1)
    assert wait_version(rekognition, project_arn, "v1")["Status"] == "RUNNING"
    rekognition.put_project_policy(
        ProjectArn=project_arn, PolicyName="allow-copy", PolicyDocument=json.dumps(POLICY)
    )

    work = tmp_path / "project"
    program = PROGRAM.format(
        name=name,
        model_arn=model_arn,
        policy=json.dumps(json.dumps(POLICY)),  # a JSON string, as the API takes it
        policy_id=f"{project_arn}#allow-copy",
    )
    config = {
        "rcl:endpointUrl": emulator_server,
        "rcl:s3EndpointUrl": emulator_server,
        "rcl:region": "us-east-1",
        "folder": str(small_digits),
        "bucket": bucket,
    }
    pulumi = cli_stack(work, tmp_path / "state", program, config)
    for token, resource, id_ in (
        ("rcl:index:ImageFolder", "images", upload.manifest_uri),
        ("rcl:index:Project", "project", project_arn),
        ("rcl:index:Dataset", "train", train_arn),
        ("rcl:index:Dataset", "test", test_arn),
    ):
        pulumi("import", token, resource, id_, "--yes", "--generate-code=false", "--protect=false")
    try:
        # The model and the policy are imported by the program's `import` option; the rest
        # was imported above. The declaring program changes nothing.
        summary = pulumi("up", "--yes", "--skip-preview").split("Resources:")[1]
        assert "2 imported" in summary and "5 unchanged" in summary, summary
        for change in ("created", "updated", "replaced", "deleted"):
            assert change not in summary, summary
        pulumi("up", "--yes", "--skip-preview", "--expect-no-changes")

        # What the program recorded for inputs AWS cannot report still counts from now on:
        # training on other datasets retrains.
        program = (work / "Pulumi.yaml").read_text()
        (work / "Pulumi.yaml").write_text(program.replace("        - ${test.arn}\n", ""))
        plan = pulumi("preview", "--diff")
        assert "+-rcl:index:ProjectVersion: (replace)" in plan, plan
        (work / "Pulumi.yaml").write_text(program)
    finally:
        pulumi("destroy", "--yes", "--skip-preview")
    assert rekognition.describe_projects(ProjectNames=[name])["ProjectDescriptions"] == []
