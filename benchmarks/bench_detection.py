"""Measure object detection on the emulator through boto3: training time, held-out F1, and
DetectCustomLabels latency on scenes neither training nor evaluation saw.

Run: ``python -m benchmarks.bench_detection [--train 200 --holdout 50]``. Uses the synthetic
shapes of ``rcl_demo.shapes``: TRAIN from the training seeds, TEST from the holdout seeds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import boto3

from benchmarks.bench_model import wait_for
from rcl_demo.shapes import HOLDOUT_SEED, scene_png
from rcl_emulator.server import EmulatorServer
from rcl_resources.manifest import detection_line, dumps_manifest

BUCKET = "bench-detection"
UNSEEN = HOLDOUT_SEED + 10_000
CALLS = 50


def _dataset(s3: Any, rek: Any, project: str, kind: str, seeds: range) -> None:
    lines = []
    for seed in seeds:
        data, boxes = scene_png(seed)
        key = f"{kind}/{seed}.png"
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)
        names = {label: i for i, label in enumerate(sorted({b.label for b in boxes}))}
        lines.append(detection_line(
            f"s3://{BUCKET}/{key}", (256, 192),
            [(b.label, b.left, b.top, b.width, b.height) for b in boxes], names))
    s3.put_object(Bucket=BUCKET, Key=f"{kind}.manifest", Body=dumps_manifest(lines).encode())
    arn = rek.create_dataset(ProjectArn=project, DatasetType=kind, DatasetSource={
        "GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": f"{kind}.manifest"}}})[
        "DatasetArn"]
    wait_for(lambda: rek.describe_dataset(DatasetArn=arn)["DatasetDescription"]["Status"],
          lambda s: not s.endswith("IN_PROGRESS"))


def measure(train: int = 200, holdout: int = 50) -> dict[str, Any]:
    """Training seconds, held-out F1 / AP, and DetectCustomLabels p50 latency in ms."""
    with EmulatorServer() as emu:
        kw = {"endpoint_url": emu.url, "region_name": "us-east-1",
              "aws_access_key_id": "x", "aws_secret_access_key": "y"}
        s3, rek = boto3.client("s3", **kw), boto3.client("rekognition", **kw)
        s3.create_bucket(Bucket=BUCKET)
        project = rek.create_project(ProjectName="shapes")["ProjectArn"]
        _dataset(s3, rek, project, "TRAIN", range(train))
        _dataset(s3, rek, project, "TEST", range(HOLDOUT_SEED, HOLDOUT_SEED + holdout))

        started = time.monotonic()
        arn = rek.create_project_version(
            ProjectArn=project, VersionName="v1",
            OutputConfig={"S3Bucket": BUCKET, "S3KeyPrefix": "out"})["ProjectVersionArn"]

        def describe() -> dict[str, Any]:
            return rek.describe_project_versions(ProjectArn=project, VersionNames=["v1"])[
                "ProjectVersionDescriptions"][0]

        desc = wait_for(describe, lambda d: d["Status"] != "TRAINING_IN_PROGRESS")
        training = time.monotonic() - started
        summary_at = desc["EvaluationResult"]["Summary"]["S3Object"]
        summary = json.loads(s3.get_object(Bucket=summary_at["Bucket"],
                                           Key=summary_at["Name"])["Body"].read())
        rek.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
        wait_for(describe, lambda d: d["Status"] == "RUNNING")
        images = [scene_png(UNSEEN + i)[0] for i in range(CALLS)]
        rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": images[0]})  # warm
        latencies = []
        for data in images:
            t = time.perf_counter()
            rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": data})
            latencies.append((time.perf_counter() - t) * 1000)
        aggregate = summary["AggregatedEvaluationResults"]
        return {"training_seconds": round(training, 1), "f1": round(desc["EvaluationResult"][
            "F1Score"], 3), "average_precision": round(aggregate["AveragePrecision"], 3),
            "detect_p50_ms": round(statistics.median(latencies), 1), "train_images": train,
            "holdout_images": holdout}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", type=int, default=200)
    parser.add_argument("--holdout", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(measure(args.train, args.holdout)))


if __name__ == "__main__":
    main()
