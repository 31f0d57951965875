"""Object detection through boto3 alone: datasets of boxes, training, evaluation files in
AWS's formats, and DetectCustomLabels returning boxes on scenes the model never saw."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emulator_support import BUCKET, create_project, put_manifest, wait_dataset, wait_version

from rcl_demo.shapes import CLASSES, HOLDOUT_SEED, Box, scene_png
from rcl_resources.manifest import detection_line

OUT = {"S3Bucket": BUCKET, "S3KeyPrefix": "detection-output"}
UNSEEN = HOLDOUT_SEED + 5000
"""Scenes for DetectCustomLabels: neither training, testing nor the demo's holdout use them."""


def box_line(uri: str, boxes: list[Box], attr: str = "shapes") -> dict[str, Any]:
    """A Ground Truth object-detection line with a class-map of only this line's labels."""
    names = {label: i for i, label in enumerate(sorted({b.label for b in boxes}))}
    return detection_line(
        uri,
        (256, 192),
        [(b.label, b.left, b.top, b.width, b.height) for b in boxes],
        names,
        attribute=attr,
    )


def upload(s3: Any, seeds: range) -> list[dict[str, Any]]:
    lines = []
    for seed in seeds:
        data, boxes = scene_png(seed)
        key = f"shapes/{seed}.png"
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)
        lines.append(box_line(f"s3://{BUCKET}/{key}", boxes))
    return lines


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(0.0, w) * max(0.0, h)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def dataset(rek: Any, s3: Any, project: str, kind: str, lines: list[Any]) -> str:
    arn = rek.create_dataset(
        ProjectArn=project,
        DatasetType=kind,
        DatasetSource={"GroundTruthManifest": {"S3Object": put_manifest(s3, lines)}},
    )["DatasetArn"]
    assert wait_dataset(rek, arn)["Status"] == "CREATE_COMPLETE"
    return arn


def read_json(s3: Any, key: str) -> Any:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def test_a_detector_trained_through_boto3_finds_objects_it_never_saw(rek, s3, control):
    project = create_project(rek, "shapes")
    train = upload(s3, range(0, 150))
    test = upload(s3, range(HOLDOUT_SEED, HOLDOUT_SEED + 40))
    train_arn = dataset(rek, s3, project, "TRAIN", train)
    dataset(rek, s3, project, "TEST", test)

    labels = rek.list_dataset_labels(DatasetArn=train_arn)["DatasetLabelDescriptions"]
    boxes = {
        c: sum(
            1
            for line in train
            for a in line["shapes"]["annotations"]
            if line["shapes-metadata"]["class-map"][str(a["class_id"])] == c
        )
        for c in CLASSES
    }
    assert {d["LabelName"]: d["LabelStats"]["BoundingBoxCount"] for d in labels} == boxes

    arn = rek.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig=OUT)[
        "ProjectVersionArn"
    ]
    desc = wait_version(rek, project, "v1", timeout=300)
    assert desc["Status"] == "TRAINING_COMPLETED", desc["StatusMessage"]
    f1 = desc["EvaluationResult"]["F1Score"]
    assert f1 >= 0.8

    summary_key = desc["EvaluationResult"]["Summary"]["S3Object"]["Name"]
    assert summary_key == "detection-output/EvaluationResultSummary-shapes-v1.json"
    summary = read_json(s3, summary_key)
    aggregate = summary["AggregatedEvaluationResults"]
    assert set(aggregate) == {"F1Score", "Precision", "Recall", "AveragePrecision", "AverageRecall"}
    assert aggregate["F1Score"] == pytest.approx(f1, abs=1e-6)
    assert 0.8 <= aggregate["AveragePrecision"] <= 1 and 0.5 <= aggregate["AverageRecall"] <= 1
    per_label = summary["LabelEvaluationResults"]
    assert {x["Label"] for x in per_label} == set(CLASSES)
    assert [x["Metrics"]["F1Score"] for x in per_label] == sorted(
        (x["Metrics"]["F1Score"] for x in per_label), reverse=True
    )
    thresholds = {x["Label"]: x["Metrics"]["Threshold"] for x in per_label}
    assert all(0 < t < 1 for t in thresholds.values())
    assert summary["EvaluationDetails"]["NumberOfTestingImages"] == 40
    assert summary["EvaluationDetails"]["NumberOfTrainingImages"] == 150

    snapshot_key = desc["TestingDataResult"]["Output"]["Assets"][0]["GroundTruthManifest"][
        "S3Object"
    ]["Name"]
    assert snapshot_key == "detection-output/TestingGroundTruth-shapes-v1.json"
    body = s3.get_object(Bucket=BUCKET, Key=snapshot_key)["Body"].read().decode()
    lines = [json.loads(x) for x in body.splitlines()]
    assert len(lines) == 40
    outcomes = {"is-true-positive": 0, "is-false-positive": 0, "is-false-negative": 0}
    for line in lines:
        truth = line["rekognition-custom-labels-training-0"]
        source = next(x for x in test if x["source-ref"] == line["source-ref"])
        assert len(truth["annotations"]) == len(source["shapes"]["annotations"])
        predicted = line["rekognition-custom-labels-evaluation-metadata"]["objects"]
        assert len(predicted) == len(line["rekognition-custom-labels-evaluation"]["annotations"])
        for obj in predicted:
            details = obj["rekognition-custom-labels-evaluation-details"]
            assert 0 <= obj["confidence"] <= 1
            assert sum(details[k] for k in outcomes) == 1
            for k in outcomes:
                outcomes[k] += details[k]
    tp, fp = outcomes["is-true-positive"], outcomes["is-false-positive"]
    assert tp / (tp + fp) == pytest.approx(aggregate["Precision"], abs=1e-6)

    rek.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    assert wait_version(rek, project, "v1")["Status"] == "RUNNING"
    hits = found = truth_count = 0
    for seed in range(UNSEEN, UNSEEN + 30):
        data, boxes = scene_png(seed)
        labels = rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": data})[
            "CustomLabels"
        ]
        truth_count += len(boxes)
        used: set[int] = set()
        for label in labels:
            assert label["Confidence"] >= thresholds[label["Name"]] * 100 - 1e-3
            b = label["Geometry"]["BoundingBox"]
            assert 0 <= b["Left"] <= 1 and 0 <= b["Top"] <= 1
            assert 0 < b["Width"] <= 1 and 0 < b["Height"] <= 1
            box = (
                b["Left"] * 256,
                b["Top"] * 192,
                (b["Left"] + b["Width"]) * 256,
                (b["Top"] + b["Height"]) * 192,
            )
            match = next(
                (
                    i
                    for i, t in enumerate(boxes)
                    if i not in used and t.label == label["Name"] and iou(box, t.corners()) >= 0.5
                ),
                None,
            )
            found += 1
            if match is not None:
                used.add(match)
                hits += 1
    assert hits / found >= 0.8, (hits, found)
    assert hits / truth_count >= 0.8, (hits, truth_count)

    data, _ = scene_png(UNSEEN)
    everything = rek.detect_custom_labels(
        ProjectVersionArn=arn, Image={"Bytes": data}, MinConfidence=0
    )["CustomLabels"]
    top = rek.detect_custom_labels(
        ProjectVersionArn=arn, Image={"Bytes": data}, MinConfidence=0, MaxResults=1
    )["CustomLabels"]
    confidences = [x["Confidence"] for x in everything]
    assert confidences == sorted(confidences, reverse=True) and len(everything) > 1
    assert top == everything[:1]
    rek.stop_project_version(ProjectVersionArn=arn)


def test_a_bad_box_is_dropped_with_its_error_and_the_line_keeps_its_other_boxes(rek, s3, control):
    project = create_project(rek, "boxes")
    lines = upload(s3, range(200, 210))  # one invalid line in ten is under the 20% limit
    line = lines[0]
    annotations = line["shapes"]["annotations"]
    good = len(annotations)
    annotations.append({**annotations[0], "left": 250})  # off the right edge
    line["shapes-metadata"]["objects"].append({"confidence": 1})
    nothing_valid = lines[1]
    for a in nothing_valid["shapes"]["annotations"]:
        a["top"] = -5
    arn = dataset(rek, s3, project, "TRAIN", lines)

    entries = [json.loads(x) for x in rek.list_dataset_entries(DatasetArn=arn)["DatasetEntries"]]
    kept = next(e for e in entries if e["source-ref"] == line["source-ref"])
    assert "cl-errors" not in kept and kept["cl-metadata"]["is_labeled"]
    bad = kept["shapes"]["annotations"][-1]
    assert [e["code"] for e in bad["cl-errors"]] == ["ERROR_INVALID_BOUNDING_BOX"]
    assert all("cl-errors" not in a for a in kept["shapes"]["annotations"][:good])
    dropped = next(e for e in entries if e["source-ref"] == nothing_valid["source-ref"])
    assert [e["code"] for e in dropped["shapes-metadata"]["cl-errors"]] == [
        "ERROR_NO_VALID_ANNOTATIONS"
    ]

    counted = {
        d["LabelName"]: d["LabelStats"]["BoundingBoxCount"]
        for d in rek.list_dataset_labels(DatasetArn=arn)["DatasetLabelDescriptions"]
    }
    expected: dict[str, int] = {}
    for x in (lines[0], *lines[2:]):
        for a in x["shapes"]["annotations"][: good if x is line else None]:
            name = x["shapes-metadata"]["class-map"][str(a["class_id"])]
            expected[name] = expected.get(name, 0) + 1
    assert counted == expected


def test_a_detector_trains_from_manifest_assets_with_an_automatic_test_split(rek, s3, control):
    """The shape of AWS's own examples: CreateProjectVersion with TrainingData assets and
    TestingData AutoCreate, no datasets."""
    project = create_project(rek, "shapes-assets")
    manifest = put_manifest(s3, upload(s3, range(300, 360)))
    rek.create_project_version(
        ProjectArn=project,
        VersionName="v1",
        OutputConfig=OUT,
        TrainingData={"Assets": [{"GroundTruthManifest": {"S3Object": manifest}}]},
        TestingData={"AutoCreate": True},
    )
    desc = wait_version(rek, project, "v1", timeout=300)
    assert desc["Status"] == "TRAINING_COMPLETED", desc["StatusMessage"]
    assert desc["TestingDataResult"]["Output"]["AutoCreate"] is True
    summary = read_json(s3, desc["EvaluationResult"]["Summary"]["S3Object"]["Name"])
    details = summary["EvaluationDetails"]
    assert details["NumberOfTrainingImages"] + details["NumberOfTestingImages"] == 60
    assert 8 <= details["NumberOfTestingImages"] <= 16
    assert desc["EvaluationResult"]["F1Score"] > 0.5
