"""The seed flow as a user would script it by hand with boto3, the yardstick of `make bench`:
labelled images → S3 → project → TRAIN dataset from a manifest → TEST by a 20% split → a
trained model, started with one inference unit. Every wait is a bare one-second loop.

Run: ``python -m benchmarks.seed_flow_boto3 FOLDER BUCKET`` (endpoint and credentials come
from the environment, as for any boto3 program).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import boto3


def wait(describe: Any, done: set[str]) -> str:
    """Describe once a second until the status is one of `done`."""
    while True:
        status = describe()
        if status in done or status.endswith("FAILED"):
            return status
        time.sleep(1.0)


def upload(s3: Any, folder: Path, bucket: str) -> str:
    """Each `<label>/<image>` to S3, and a Ground Truth classification manifest beside them."""
    lines = []
    for image in sorted(folder.glob("*/*.png")):
        key = f"seed/{image.parent.name}/{image.name}"
        s3.upload_file(str(image), bucket, key)
        lines.append(
            json.dumps(
                {
                    "source-ref": f"s3://{bucket}/{key}",
                    "label": 1,
                    "label-metadata": {
                        "class-name": image.parent.name,
                        "confidence": 1,
                        "human-annotated": "yes",
                        "type": "groundtruth/image-classification",
                        "creation-date": "2026-01-01T00:00:00",
                    },
                }
            )
        )
    s3.put_object(Bucket=bucket, Key="seed/output.manifest", Body="\n".join(lines).encode())
    return "seed/output.manifest"


def seed_flow(folder: Path, bucket: str, name: str = "seed") -> dict[str, Any]:
    """Run the flow; returns the model's ARN, status and F1."""
    s3, rek = boto3.client("s3"), boto3.client("rekognition")
    manifest = upload(s3, folder, bucket)
    project = rek.create_project(ProjectName=name)["ProjectArn"]
    wait(
        lambda: rek.describe_projects(ProjectNames=[name])["ProjectDescriptions"][0]["Status"],
        {"CREATED"},
    )

    def dataset_status(arn: str) -> Any:
        return lambda: rek.describe_dataset(DatasetArn=arn)["DatasetDescription"]["Status"]

    train = rek.create_dataset(
        ProjectArn=project,
        DatasetType="TRAIN",
        DatasetSource={"GroundTruthManifest": {"S3Object": {"Bucket": bucket, "Name": manifest}}},
    )["DatasetArn"]
    wait(dataset_status(train), {"CREATE_COMPLETE"})
    test = rek.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
    wait(dataset_status(test), {"CREATE_COMPLETE"})
    rek.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])
    for arn in (train, test):
        wait(dataset_status(arn), {"UPDATE_COMPLETE"})

    version = rek.create_project_version(
        ProjectArn=project,
        VersionName="v1",
        OutputConfig={"S3Bucket": bucket, "S3KeyPrefix": "seed-output"},
    )["ProjectVersionArn"]

    def version_status() -> dict[str, Any]:
        return rek.describe_project_versions(ProjectArn=project, VersionNames=["v1"])[
            "ProjectVersionDescriptions"
        ][0]

    wait(lambda: version_status()["Status"], {"TRAINING_COMPLETED"})
    rek.start_project_version(ProjectVersionArn=version, MinInferenceUnits=1)
    wait(lambda: version_status()["Status"], {"RUNNING"})
    described = version_status()
    return {
        "model_arn": version,
        "status": described["Status"],
        "f1": described.get("EvaluationResult", {}).get("F1Score"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("bucket")
    args = parser.parse_args()
    started = time.monotonic()
    result = seed_flow(args.folder, args.bucket)
    print(json.dumps({**result, "seconds": round(time.monotonic() - started, 1)}))


if __name__ == "__main__":
    main()
