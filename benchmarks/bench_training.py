"""Measure emulator training time, F1 and DetectCustomLabels latency on sklearn's digits.

Run: ``python benchmarks/bench_training.py [--images 1797]``. Starts an in-process emulator,
uploads the digits as 64x64 PNGs, splits 80/20 with DistributeDatasetEntries, trains, starts
the model and times inference.
"""

from __future__ import annotations

import argparse
import io
import json
import time

import boto3
from PIL import Image
from sklearn.datasets import load_digits

from rcl_emulator.server import EmulatorServer

BUCKET = "bench"


def wait_for(fetch, done, timeout=300.0):
    deadline = time.time() + timeout
    while True:
        value = fetch()
        if done(value) or time.time() > deadline:
            return value
        time.sleep(0.05)


def main() -> None:
    """Run the benchmark and print one JSON line of results."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=1797)
    args = parser.parse_args()
    print(json.dumps(measure(args.images)))


def measure(images: int = 1797) -> dict:
    """Training time, F1 and DetectCustomLabels latency on the first `images` digits."""

    class args:
        pass

    args.images = images
    digits = load_digits()
    with EmulatorServer() as emu:
        kw = {
            "endpoint_url": emu.url,
            "region_name": "us-east-1",
            "aws_access_key_id": "x",
            "aws_secret_access_key": "y",
        }
        s3, rek = boto3.client("s3", **kw), boto3.client("rekognition", **kw)
        s3.create_bucket(Bucket=BUCKET)
        lines, pngs = [], []
        for i, (img, target) in enumerate(
            zip(digits.images[: args.images], digits.target[: args.images], strict=True)
        ):
            buf = io.BytesIO()
            Image.fromarray((img * 255 / 16).astype("uint8"), "L").resize(
                (64, 64), Image.BILINEAR
            ).save(buf, "PNG")
            pngs.append(buf.getvalue())
            s3.put_object(Bucket=BUCKET, Key=f"img/{i}.png", Body=pngs[-1])
            lines.append(
                json.dumps(
                    {
                        "source-ref": f"s3://{BUCKET}/img/{i}.png",
                        "digit": 1,
                        "digit-metadata": {
                            "confidence": 1,
                            "class-name": str(target),
                            "human-annotated": "yes",
                            "creation-date": "2024-01-01T00:00:00.000Z",
                            "type": "groundtruth/image-classification",
                        },
                    }
                )
            )
        s3.put_object(Bucket=BUCKET, Key="m.manifest", Body="\n".join(lines).encode())
        project = rek.create_project(ProjectName="bench")["ProjectArn"]
        wait_for(
            lambda: rek.describe_projects()["ProjectDescriptions"][0]["Status"],
            lambda s: s == "CREATED",
        )
        train = rek.create_dataset(
            ProjectArn=project,
            DatasetType="TRAIN",
            DatasetSource={
                "GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": "m.manifest"}}
            },
        )["DatasetArn"]
        test = rek.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
        for arn in (train, test):
            wait_for(
                lambda a=arn: rek.describe_dataset(DatasetArn=a)["DatasetDescription"]["Status"],
                lambda s: s.endswith("COMPLETE"),
            )
        rek.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])
        for arn in (train, test):
            wait_for(
                lambda a=arn: rek.describe_dataset(DatasetArn=a)["DatasetDescription"]["Status"],
                lambda s: s == "UPDATE_COMPLETE",
            )
        started = time.time()
        version = rek.create_project_version(
            ProjectArn=project,
            VersionName="v1",
            OutputConfig={"S3Bucket": BUCKET, "S3KeyPrefix": "out"},
        )["ProjectVersionArn"]
        desc = wait_for(
            lambda: rek.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"][
                0
            ],
            lambda d: d["Status"] != "TRAINING_IN_PROGRESS",
        )
        training_seconds = time.time() - started
        rek.start_project_version(ProjectVersionArn=version, MinInferenceUnits=1)
        wait_for(
            lambda: rek.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"][
                0
            ]["Status"],
            lambda s: s == "RUNNING",
        )
        started = time.time()
        for png in pngs[:100]:
            rek.detect_custom_labels(ProjectVersionArn=version, Image={"Bytes": png})
        latency_ms = (time.time() - started) / min(100, len(pngs)) * 1000
        return {
            "images": len(pngs),
            "status": desc["Status"],
            "training_seconds": round(training_seconds, 2),
            "f1": desc.get("EvaluationResult", {}).get("F1Score"),
            "detect_latency_ms": round(latency_ms, 2),
        }


if __name__ == "__main__":
    main()
