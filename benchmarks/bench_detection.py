"""Measure object detection on the emulator through boto3: training time, the test F1 the
emulator reports, precision and recall of DetectCustomLabels on scenes neither training nor
evaluation saw, and DetectCustomLabels latency.

Run: ``python -m benchmarks.bench_detection [--train 200 --holdout 50]`` for the synthetic
shapes of ``rcl_demo.shapes``, or ``--family glyphs`` (any of ``benchmarks.families``) for a
family the detector was not designed on.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import boto3
from PIL import Image

from benchmarks import families
from benchmarks.bench_model import wait_for
from rcl_demo.shapes import HOLDOUT_SEED, scene_png
from rcl_emulator.server import EmulatorServer
from rcl_resources.manifest import detection_line, dumps_manifest

BUCKET = "bench-detection"
UNSEEN = HOLDOUT_SEED + 10_000
CALLS = 50
LATENCY_SIZE = (256, 256)
"""Family scenes for latency are drawn at this size."""
MATCH_IOU = 0.5

Scene = tuple[bytes, dict[str, Any], list[tuple[str, int, int, int, int]]]
"""An encoded image, its manifest line (given its S3 URI) and its boxes."""


def _shapes_scene(seed: int) -> Callable[[str], Scene]:
    data, boxes = scene_png(seed)
    names = {label: i for i, label in enumerate(sorted({b.label for b in boxes}))}
    rows = [(b.label, b.left, b.top, b.width, b.height) for b in boxes]
    return lambda uri: (data, detection_line(uri, (256, 192), rows, names), rows)


def _family_scene(family: families.Family, seed: int) -> Callable[[str], Scene]:
    data, _, boxes = family.scene(seed)
    return lambda uri: (data, family.manifest_line(uri, seed), boxes)


def _dataset(
    s3: Any, rek: Any, project: str, kind: str, scenes: Sequence[Callable[[str], Scene]]
) -> None:
    lines = []
    for i, scene in enumerate(scenes):
        key = f"{project.rsplit('/', 2)[1]}/{kind}/{i}"
        data, line, _ = scene(f"s3://{BUCKET}/{key}")
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)
        lines.append(line)
    name = f"{key.rsplit('/', 1)[0]}.manifest"
    s3.put_object(Bucket=BUCKET, Key=name, Body=dumps_manifest(lines).encode())
    arn = rek.create_dataset(
        ProjectArn=project,
        DatasetType=kind,
        DatasetSource={"GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": name}}},
    )["DatasetArn"]
    wait_for(
        lambda: rek.describe_dataset(DatasetArn=arn)["DatasetDescription"]["Status"],
        lambda s: not s.endswith("IN_PROGRESS"),
    )


def _trained(
    s3: Any,
    rek: Any,
    name: str,
    train: Sequence[Callable[[str], Scene]],
    test: Sequence[Callable[[str], Scene]],
) -> dict[str, Any]:
    """Train a model on ``train`` and ``test``, start it; its ARN, training seconds,
    DescribeProjectVersions' description and the evaluation summary."""
    project = rek.create_project(ProjectName=name)["ProjectArn"]
    _dataset(s3, rek, project, "TRAIN", train)
    _dataset(s3, rek, project, "TEST", test)
    started = time.monotonic()
    arn = rek.create_project_version(
        ProjectArn=project, VersionName="v1", OutputConfig={"S3Bucket": BUCKET, "S3KeyPrefix": name}
    )["ProjectVersionArn"]

    def describe() -> dict[str, Any]:
        return rek.describe_project_versions(ProjectArn=project, VersionNames=["v1"])[
            "ProjectVersionDescriptions"
        ][0]

    desc = wait_for(describe, lambda d: d["Status"] != "TRAINING_IN_PROGRESS")
    training = time.monotonic() - started
    at = desc["EvaluationResult"]["Summary"]["S3Object"]
    summary = json.loads(s3.get_object(Bucket=at["Bucket"], Key=at["Name"])["Body"].read())
    rek.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    wait_for(describe, lambda d: d["Status"] == "RUNNING")
    return {"arn": arn, "training_seconds": training, "description": desc, "summary": summary}


def _latency_ms(rek: Any, arn: str, images: Sequence[bytes]) -> float:
    """DetectCustomLabels p50 over ``images``, after one warm-up call."""
    rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": images[0]})
    latencies = []
    for data in images:
        t = time.perf_counter()
        rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": data})
        latencies.append((time.perf_counter() - t) * 1000)
    return statistics.median(latencies)


def _held_out(
    rek: Any, arn: str, scenes: Sequence[tuple[bytes, Sequence[tuple[str, int, int, int, int]]]]
) -> dict[str, int]:
    """True positives, false positives and false negatives of DetectCustomLabels at the
    model's assumed thresholds (no MinConfidence): IoU >= 0.5 and the same label."""
    counts = {"tp": 0, "fp": 0, "fn": 0}
    for data, boxes in scenes:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
        truth = [(name, left, top, left + w, top + h) for name, left, top, w, h in boxes]
        used: set[int] = set()
        for label in rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": data})[
            "CustomLabels"
        ]:
            b = label["Geometry"]["BoundingBox"]
            box = (
                b["Left"] * width,
                b["Top"] * height,
                (b["Left"] + b["Width"]) * width,
                (b["Top"] + b["Height"]) * height,
            )
            overlaps = [
                0.0 if i in used or t[0] != label["Name"] else _iou(box, t[1:])
                for i, t in enumerate(truth)
            ]
            if overlaps and max(overlaps) >= MATCH_IOU:
                used.add(overlaps.index(max(overlaps)))
                counts["tp"] += 1
            else:
                counts["fp"] += 1
        counts["fn"] += len(truth) - len(used)
    return counts


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(0.0, w) * max(0.0, h)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _client_pair(emu: EmulatorServer) -> tuple[Any, Any]:
    kw = {
        "endpoint_url": emu.url,
        "region_name": "us-east-1",
        "aws_access_key_id": "x",
        "aws_secret_access_key": "y",
    }
    s3 = boto3.client("s3", **kw)
    s3.create_bucket(Bucket=BUCKET)
    return s3, boto3.client("rekognition", **kw)


def measure(train: int = 200, holdout: int = 50) -> dict[str, Any]:
    """The shapes family: training seconds, held-out F1 / AP, and DetectCustomLabels p50
    latency in ms."""
    with EmulatorServer() as emu:
        s3, rek = _client_pair(emu)
        model = _trained(
            s3,
            rek,
            "shapes",
            [_shapes_scene(s) for s in range(train)],
            [_shapes_scene(s) for s in range(HOLDOUT_SEED, HOLDOUT_SEED + holdout)],
        )
        latency = _latency_ms(rek, model["arn"], [scene_png(UNSEEN + i)[0] for i in range(CALLS)])
    aggregate = model["summary"]["AggregatedEvaluationResults"]
    return {
        "training_seconds": round(model["training_seconds"], 1),
        "f1": round(model["description"]["EvaluationResult"]["F1Score"], 3),
        "average_precision": round(aggregate["AveragePrecision"], 3),
        "detect_p50_ms": round(latency, 1),
        "train_images": train,
        "holdout_images": holdout,
    }


def measure_family(
    name: str, train: int = 200, test: int = 50, holdout: int = 40, calls: int = 30
) -> dict[str, Any]:
    """One family of ``benchmarks.families``: training seconds, the test F1 the emulator
    reports, held-out precision and recall of DetectCustomLabels, and its p50 in ms on
    LATENCY_SIZE images."""
    family = families.FAMILIES[name]
    unseen = range(families.HOLDOUT_SEED, families.HOLDOUT_SEED + holdout)
    with EmulatorServer() as emu:
        s3, rek = _client_pair(emu)
        model = _trained(
            s3,
            rek,
            name,
            [_family_scene(family, s) for s in range(train)],
            [_family_scene(family, s) for s in range(train, train + test)],
        )
        counts = _held_out(rek, model["arn"], [family.scene(s)[::2] for s in unseen])
        latency = _latency_ms(
            rek,
            model["arn"],
            [
                family.scene(families.HOLDOUT_SEED + holdout + i, LATENCY_SIZE)[0]
                for i in range(calls)
            ],
        )
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    per_label = {
        x["Label"]: round(x["Metrics"]["F1Score"], 3)
        for x in model["summary"]["LabelEvaluationResults"]
    }
    return {
        "family": name,
        "training_seconds": round(model["training_seconds"], 1),
        "f1": round(model["description"]["EvaluationResult"]["F1Score"], 3),
        "label_f1": per_label,
        "precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
        "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0,
        **counts,
        "detect_p50_ms": round(latency, 1),
        "train_images": train,
        "test_images": test,
        "holdout_images": holdout,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--family", choices=sorted(families.FAMILIES))
    parser.add_argument("--train", type=int, default=200)
    parser.add_argument("--holdout", type=int, default=50)
    args = parser.parse_args()
    if args.family:
        print(json.dumps(measure_family(args.family, args.train, holdout=args.holdout)))
    else:
        print(json.dumps(measure(args.train, args.holdout)))


if __name__ == "__main__":
    main()
