"""Content Moderation adapters: AWS's manifest format, evaluation files, DetectModerationLabels."""

from __future__ import annotations

import io
import json
import random
from functools import cache
from typing import Any

import pytest
from botocore.exceptions import ClientError
from emulator_support import (
    BUCKET,
    create_project,
    label_line,
    make_client,
    put_manifest,
    version,
    wait_for,
    wait_version,
)
from PIL import Image, ImageDraw

from rcl_emulator.control import EmulatorControl
from rcl_emulator.server import EmulatorServer

OUT = {"S3Bucket": BUCKET, "S3KeyPrefix": "adapter-out"}
GT = "content-moderation-groundtruth"
SIZE = 96
# Image kinds of the synthetic set and how many of each one manifest holds.
KINDS: dict[tuple[str, ...], int] = {
    (): 36,
    ("Alcohol",): 36,
    ("Gambling",): 36,
    ("Alcohol", "Gambling"): 12,
}
COUNT_KEYS = {"TruePositive", "TrueNegative", "FalsePositive", "FalseNegative"}


def code(e: pytest.ExceptionInfo[ClientError]) -> str:
    return e.value.response["Error"]["Code"]


def _bottles(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 3)):
        x, w, top = rng.randint(5, 60), rng.randint(12, 24), rng.randint(20, 40)
        colour = (rng.randint(20, 90), rng.randint(100, 160), rng.randint(20, 70))
        draw.rectangle([x + w // 3, top - 14, x + 2 * w // 3, top], fill=colour)  # neck
        draw.rectangle([x, top, x + w, SIZE - 6], fill=colour)


def _dice(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    for _ in range(rng.randint(2, 3)):
        x, y, s = rng.randint(4, 40), rng.randint(4, 40), rng.randint(34, 50)
        draw.rectangle([x, y, x + s, y + s], fill=(245, 245, 245), outline=(0, 0, 0), width=3)
        for _ in range(rng.randint(2, 6)):
            px, py = x + rng.randint(8, s - 8), y + rng.randint(8, s - 8)
            draw.ellipse([px - 4, py - 4, px + 4, py + 4], fill=(10, 10, 10))


@cache
def moderation_png(labels: tuple[str, ...], seed: int) -> bytes:
    """Alcohol = bottle shapes, Gambling = dice, no label = a plain blotchy texture."""
    rng = random.Random(f"{labels}-{seed}")
    grey = rng.randint(100, 170)
    background = tuple(grey + rng.randint(-10, 10) for _ in range(3))
    img = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(img)
    if not labels:
        for _ in range(rng.randint(5, 12)):
            x, y, r = rng.randint(0, SIZE), rng.randint(0, SIZE), rng.randint(6, 20)
            shade = tuple(min(255, max(0, c + rng.randint(-25, 25))) for c in background)
            draw.ellipse([x - r, y - r, x + r, y + r], fill=shade)
    if "Alcohol" in labels:
        _bottles(draw, rng)
    if "Gambling" in labels:
        _dice(draw, rng)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def moderation_line(uri: str, labels: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"source-ref": uri, GT: {"ModerationLabels": [{"Name": x} for x in labels]}}


def upload_set(
    s3: Any, prefix: str, kinds: dict[tuple[str, ...], int] = KINDS, offset: int = 0
) -> list[dict[str, Any]]:
    """Upload a synthetic set; return its adapter manifest lines, kinds interleaved."""
    lines = []
    for labels, n in kinds.items():
        for i in range(offset, offset + n):
            key = f"{prefix}/{'-'.join(labels) or 'safe'}/{i}.png"
            s3.put_object(Bucket=BUCKET, Key=key, Body=moderation_png(labels, i))
            lines.append(moderation_line(f"s3://{BUCKET}/{key}", labels))
    return lines


def relabel(lines: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The same images with their unsafe labels replaced by the one label ``name``."""
    return [
        moderation_line(x["source-ref"], [name] if x[GT]["ModerationLabels"] else []) for x in lines
    ]


def assets(s3: Any, lines: list[Any]) -> dict[str, Any]:
    return {"Assets": [{"GroundTruthManifest": {"S3Object": put_manifest(s3, lines)}}]}


def read_json(s3: Any, obj: dict[str, str]) -> Any:
    return json.loads(s3.get_object(Bucket=obj["Bucket"], Key=obj["Name"])["Body"].read())


def read_lines(s3: Any, result: dict[str, Any], part: str = "Output") -> list[dict[str, Any]]:
    obj = result[part]["Assets"][0]["GroundTruthManifest"]["S3Object"]
    body = s3.get_object(Bucket=obj["Bucket"], Key=obj["Name"])["Body"].read().decode()
    return [json.loads(x) for x in body.splitlines()]


def train_adapter(
    rek: Any, s3: Any, name: str, training: list[Any], **kw: Any
) -> tuple[str, str, dict[str, Any]]:
    """Create an adapter project and train a version; returns (project, arn, description)."""
    project = create_project(rek, name, Feature="CONTENT_MODERATION", AutoUpdate="DISABLED")
    arn = rek.create_project_version(
        ProjectArn=project,
        VersionName="a1",
        OutputConfig=OUT,
        TrainingData=assets(s3, training),
        **kw,
    )["ProjectVersionArn"]
    return project, arn, wait_version(rek, project, "a1")


@pytest.fixture
def adapter(rek, s3):
    """An adapter trained on the synthetic set (autosplit), input threshold 60."""
    lines = upload_set(s3, "mod")
    project, arn, desc = train_adapter(
        rek,
        s3,
        "moderation",
        lines,
        FeatureConfig={"ContentModeration": {"ConfidenceThreshold": 60}},
    )
    assert desc["Status"] == "TRAINING_COMPLETED", desc["StatusMessage"]
    return project, arn, desc, lines


def test_adapter_trains_from_moderation_lines(rek, s3, adapter):
    project, arn, desc, lines = adapter
    assert desc["Feature"] == "CONTENT_MODERATION"
    assert desc["BaseModelVersion"] == "7.0"
    assert desc["FeatureConfig"] == {"ContentModeration": {"ConfidenceThreshold": 60.0}}
    assert desc["EvaluationResult"]["F1Score"] > 0.8
    assert desc["TestingDataResult"]["Input"] == {"AutoCreate": True}
    assert desc["TestingDataResult"]["Output"]["AutoCreate"] is True
    assert desc["BillableTrainingTimeInSeconds"] >= 1

    training = read_lines(s3, desc["TrainingDataResult"])
    testing = read_lines(s3, desc["TestingDataResult"])
    assert len(training) + len(testing) == len(lines)
    assert 0.15 * len(lines) <= len(testing) <= 0.25 * len(lines)  # autosplit holds out ~20%
    by_ref = {x["source-ref"]: x[GT] for x in lines}
    for line in training:
        assert set(line) == {"source-ref", GT}
        assert line[GT] == by_ref[line["source-ref"]]
    # Safe images are training and testing examples, not ignored lines.
    assert any(x[GT]["ModerationLabels"] == [] for x in training)
    assert any(x[GT]["ModerationLabels"] == [] for x in testing)
    for line in testing:
        assert set(line) == {
            "source-ref",
            GT,
            "detect-moderation-labels",
            "detect-moderation-labels-base-model",
        }
        predicted = line["detect-moderation-labels"]
        assert set(predicted) == {"ModerationLabels", "ModerationModelVersion", "ProjectVersion"}
        assert predicted["ModerationModelVersion"] == "7.0"
        assert predicted["ProjectVersion"] == arn
        found = predicted["ModerationLabels"]
        assert all(set(x) == {"Confidence", "Name", "ParentName"} for x in found)
        assert all(x["Confidence"] >= 5.0 and x["ParentName"] == "" for x in found)
        assert [x["Confidence"] for x in found] == sorted(
            (x["Confidence"] for x in found), reverse=True
        )
        assert line["detect-moderation-labels-base-model"] == {
            "ModerationLabels": [],
            "ModerationModelVersion": "7.0",
        }
    manifest_summary = read_json(s3, desc["ManifestSummary"]["S3Object"])
    assert manifest_summary["statistics"]["training"]["valid_json_lines"] == len(lines)
    assert manifest_summary["statistics"]["training"]["ignored_json_lines"] == 0

    assert rek.delete_project_version(ProjectVersionArn=arn)["Status"] == "DELETING"
    wait_for(lambda: version(rek, project, "a1"), lambda v: v is None)
    rek.delete_project(ProjectArn=project)


def test_adapter_evaluation_summary(rek, s3, adapter):
    _, arn, desc, lines = adapter
    obj = desc["EvaluationResult"]["Summary"]["S3Object"]
    assert obj == {
        "Bucket": BUCKET,
        "Name": "adapter-out/EvaluationResultSummary-moderation-a1.json",
    }
    summary = read_json(s3, obj)
    assert set(summary) == {"AggregatedEvaluationResults", "EvaluationDetails", "ContentModeration"}
    assert set(summary["AggregatedEvaluationResults"]) == {"F1Score"}
    f1 = summary["AggregatedEvaluationResults"]["F1Score"]
    assert abs(f1 - desc["EvaluationResult"]["F1Score"]) < 1e-5
    details = summary["EvaluationDetails"]
    assert set(details) == {
        "EvaluationEndTimestamp",
        "Labels",
        "NumberOfTestingImages",
        "NumberOfTrainingImages",
        "ProjectVersionArn",
    }
    assert details["ProjectVersionArn"] == arn
    assert details["Labels"] == ["Alcohol", "Gambling"]
    n_test = details["NumberOfTestingImages"]
    assert details["NumberOfTrainingImages"] + n_test == len(lines)
    moderation = summary["ContentModeration"]
    assert set(moderation) == {
        "InputConfidenceThresholdEvalResults",
        "AllConfidenceThresholdsEvalResults",
    }

    def check(result: dict[str, Any]) -> dict[str, int]:
        assert set(result) == {
            "ConfidenceThreshold",
            "AggregatedEvaluationResults",
            "LabelEvaluationResults",
        }
        aggregated = result["AggregatedEvaluationResults"]
        assert set(aggregated) == {"BaseModel", "Adapter"}
        assert [x["Label"] for x in result["LabelEvaluationResults"]] == details["Labels"]
        for side in ("BaseModel", "Adapter"):
            assert set(aggregated[side]) == COUNT_KEYS
            assert sum(aggregated[side].values()) == n_test * len(details["Labels"])
            for label in result["LabelEvaluationResults"]:
                assert set(label) == {"Label", "BaseModel", "Adapter"}
                assert sum(label[side].values()) == n_test
            for key in COUNT_KEYS:
                assert aggregated[side][key] == sum(
                    x[side][key] for x in result["LabelEvaluationResults"]
                )
        # The stand-in base model predicts no unsafe label.
        base = aggregated["BaseModel"]
        assert base["TruePositive"] == base["FalsePositive"] == 0
        positives = aggregated["Adapter"]["TruePositive"] + aggregated["Adapter"]["FalseNegative"]
        assert base["FalseNegative"] == positives
        return aggregated["Adapter"]

    current = moderation["InputConfidenceThresholdEvalResults"]
    assert current["ConfidenceThreshold"] == 60.0
    counts = check(current)
    tp = counts["TruePositive"]
    assert f1 == pytest.approx(
        2 * tp / (2 * tp + counts["FalsePositive"] + counts["FalseNegative"])
    )
    every = moderation["AllConfidenceThresholdsEvalResults"]
    assert [x["ConfidenceThreshold"] for x in every] == [float(t) for t in range(5, 101, 5)]
    by_threshold = [check(x) for x in every]
    assert by_threshold[11] == counts  # 60 is the 12th threshold
    predicted = [x["TruePositive"] + x["FalsePositive"] for x in by_threshold]
    assert predicted == sorted(predicted, reverse=True)  # fewer predictions as it rises


def test_detect_moderation_labels(emulator, rek, s3, adapter, control):
    arn = adapter[1]
    unseen = range(5000, 5012)  # images the adapter never saw
    for labels in (("Alcohol",), ("Gambling",)):
        hits = 0
        for seed in unseen:
            out = rek.detect_moderation_labels(
                ProjectVersion=arn, Image={"Bytes": moderation_png(labels, seed)}
            )
            assert out["ModerationModelVersion"] == "7.0"
            assert out["ProjectVersion"] == arn
            assert out["ContentTypes"] == []
            found = out["ModerationLabels"]
            assert all(x["Confidence"] >= 50 for x in found)
            hits += bool(found) and found[0]["Name"] == labels[0]
        assert hits >= 10, labels
    safe = [
        rek.detect_moderation_labels(ProjectVersion=arn, Image={"Bytes": moderation_png((), s)})[
            "ModerationLabels"
        ]
        for s in unseen
    ]
    assert sum(1 for x in safe if not x) >= 10

    image = {"Bytes": moderation_png(("Gambling",), 5001)}
    everything = rek.detect_moderation_labels(ProjectVersion=arn, Image=image, MinConfidence=0)
    found = everything["ModerationLabels"]
    assert {x["Name"] for x in found} == {"Alcohol", "Gambling"}
    assert [x["Confidence"] for x in found] == sorted(
        (x["Confidence"] for x in found), reverse=True
    )
    for x in found:
        assert set(x) == {"Confidence", "Name", "ParentName", "TaxonomyLevel"}
        assert 0 <= x["Confidence"] <= 100 and x["ParentName"] == "" and x["TaxonomyLevel"] == 1
    between = (found[0]["Confidence"] + found[1]["Confidence"]) / 2
    limited = rek.detect_moderation_labels(ProjectVersion=arn, Image=image, MinConfidence=between)
    assert limited["ModerationLabels"] == found[:1]
    default = rek.detect_moderation_labels(ProjectVersion=arn, Image=image)  # MinConfidence 50
    assert default["ModerationLabels"] == [x for x in found if x["Confidence"] >= 50]

    s3.put_object(Bucket=BUCKET, Key="probe/dice.png", Body=image["Bytes"])
    via_s3 = rek.detect_moderation_labels(
        ProjectVersion=arn,
        MinConfidence=0,
        Image={"S3Object": {"Bucket": BUCKET, "Name": "probe/dice.png"}},
    )
    assert via_s3["ModerationLabels"] == found

    # Inference is read-only: logged, but no change to persist.
    before = emulator.world.version
    control.reset_requests()
    rek.detect_moderation_labels(ProjectVersion=arn, Image=image)
    assert emulator.world.version == before
    log = control.requests_log()
    assert [(x["operation"], x["status"]) for x in log] == [("DetectModerationLabels", 200)]


def test_detect_moderation_labels_errors(emulator, rek, s3, adapter, digits, control):
    project, arn, _, lines = adapter
    image = {"Bytes": moderation_png(("Alcohol",), 1)}
    unknown = arn.rsplit("/", 2)[0] + "/nope/1700000000000"
    with pytest.raises(ClientError) as e:
        rek.detect_moderation_labels(ProjectVersion=unknown, Image=image)
    assert code(e) == "ResourceNotFoundException"

    # No ProjectVersion asks for the base moderation model, which the emulator does not have.
    with pytest.raises(ClientError) as e:
        rek.detect_moderation_labels(Image=image)
    assert code(e) == "UnknownOperationException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "base moderation model" in e.value.response["Error"]["Message"]

    # Image checks as for DetectCustomLabels.
    with pytest.raises(ClientError) as e:
        rek.detect_moderation_labels(ProjectVersion=arn, Image={"Bytes": b"GIF89a not an image"})
    assert code(e) == "InvalidImageFormatException"
    small = io.BytesIO()
    Image.new("RGB", (32, 32)).save(small, "PNG")
    with pytest.raises(ClientError) as e:
        rek.detect_moderation_labels(ProjectVersion=arn, Image={"Bytes": small.getvalue()})
    assert code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        rek.detect_moderation_labels(
            ProjectVersion=arn, Image={"S3Object": {"Bucket": BUCKET, "Name": "missing.png"}}
        )
    assert code(e) == "InvalidS3ObjectException"
    raw = make_client(emulator.url, "rekognition", parameter_validation=False)
    with pytest.raises(ClientError) as e:
        raw.detect_moderation_labels(ProjectVersion=arn, Image=image, MinConfidence=101)
    assert code(e) == "InvalidParameterException"

    # Adapters are not Custom Labels models and the reverse.
    for op in (
        lambda: rek.detect_custom_labels(ProjectVersionArn=arn, Image=image),
        lambda: rek.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1),
    ):
        with pytest.raises(ClientError) as e:
            op()
        assert code(e) == "InvalidParameterException"
    custom = create_project(rek, "custom")
    model = rek.create_project_version(
        ProjectArn=custom,
        VersionName="m1",
        OutputConfig=OUT,
        TrainingData=assets(s3, digits[:60]),
        TestingData={"AutoCreate": True},
    )["ProjectVersionArn"]
    assert wait_version(rek, custom, "m1")["Status"] == "TRAINING_COMPLETED"
    with pytest.raises(ClientError) as e:
        rek.detect_moderation_labels(ProjectVersion=model, Image=image)
    assert code(e) == "InvalidParameterException"

    # Not trained (yet): in progress, then failed.
    control.set_timing(training_seconds=30)
    training = rek.create_project_version(
        ProjectArn=project, VersionName="slow", OutputConfig=OUT, TrainingData=assets(s3, lines)
    )["ProjectVersionArn"]
    assert version(rek, project, "slow")["Status"] == "TRAINING_IN_PROGRESS"
    with pytest.raises(ClientError) as e:
        rek.detect_moderation_labels(ProjectVersion=training, Image=image)
    assert code(e) == "ResourceNotReadyException"
    control.set_timing(training_seconds=0)
    control.set_faults(fail_next_training=True)
    rek.create_project_version(
        ProjectArn=project, VersionName="broken", OutputConfig=OUT, TrainingData=assets(s3, lines)
    )
    failed = wait_version(rek, project, "broken")
    assert failed["Status"] == "TRAINING_FAILED" and "injected" in failed["StatusMessage"]
    with pytest.raises(ClientError) as e:
        rek.detect_moderation_labels(ProjectVersion=failed["ProjectVersionArn"], Image=image)
    assert code(e) == "ResourceNotReadyException"


def test_invalid_lines_in_adapter_manifest(rek, s3):
    lines = upload_set(s3, "mixed")
    classification = label_line(lines[0]["source-ref"].replace(".png", "-c.png"), "Alcohol")
    s3.put_object(
        Bucket=BUCKET,
        Key=classification["source-ref"].split("/", 3)[3],
        Body=moderation_png(("Alcohol",), 0),
    )
    no_ground_truth = {"source-ref": f"s3://{BUCKET}/mixed/none.png"}
    bad_format = {"source-ref": f"s3://{BUCKET}/mixed/bad.png", GT: {"ModerationLabels": "x"}}
    empty_name = {"source-ref": f"s3://{BUCKET}/mixed/empty.png", GT: {"ModerationLabels": [{}]}}
    manifest = [*lines, classification, no_ground_truth, bad_format, empty_name]
    project, _, desc = train_adapter(rek, s3, "mixed", manifest)
    assert desc["Status"] == "TRAINING_COMPLETED", desc["StatusMessage"]
    stats = read_json(s3, desc["ManifestSummary"]["S3Object"])["statistics"]["training"]
    n = len(lines)
    assert stats["error_json_line_indices"] == [n, n + 1, n + 2, n + 3]
    assert stats["invalid_json_lines"] == 4 and stats["valid_json_lines"] == n
    validated = read_lines(s3, desc["TrainingDataResult"], "Validation")
    codes = [x["cl-errors"][0]["code"] for x in validated[n:]]
    assert codes == [
        "ERROR_UNSUPPORTED_USE_CASE_TYPE",
        "ERROR_NO_VALID_LABEL_ATTRIBUTES",
        "ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT",
        "ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT",
    ]
    assert all("cl-errors" not in x for x in validated[:n])

    # Classification lines alone are all invalid for an adapter (the 20% rule).
    classified = [label_line(x["source-ref"], "Alcohol") for x in lines]
    rek.create_project_version(
        ProjectArn=project, VersionName="gt", OutputConfig=OUT, TrainingData=assets(s3, classified)
    )
    failed = wait_version(rek, project, "gt")
    assert failed["Status"] == "TRAINING_FAILED"
    assert "ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST" in failed["StatusMessage"]


def test_one_label_testing_manifest_and_default_threshold(rek, s3):
    # AWS's own examples use names outside the taxonomy ("Rude Gesture"); any name is accepted.
    training = relabel(upload_set(s3, "one", {(): 30, ("Alcohol",): 30}), "Rude Gesture")
    testing = relabel(upload_set(s3, "one-test", {(): 10, ("Alcohol",): 10}, 100), "Rude Gesture")
    project, arn, desc = train_adapter(
        rek, s3, "one-label", training, TestingData=assets(s3, testing)
    )
    assert desc["Status"] == "TRAINING_COMPLETED", desc["StatusMessage"]
    assert "FeatureConfig" not in desc
    assert desc["TestingDataResult"]["Output"]["AutoCreate"] is False
    summary = read_json(s3, desc["EvaluationResult"]["Summary"]["S3Object"])
    assert summary["EvaluationDetails"]["Labels"] == ["Rude Gesture"]
    assert summary["EvaluationDetails"]["NumberOfTrainingImages"] == 60
    assert summary["EvaluationDetails"]["NumberOfTestingImages"] == 20
    current = summary["ContentModeration"]["InputConfidenceThresholdEvalResults"]
    assert current["ConfidenceThreshold"] == 50.0  # no FeatureConfig: 50
    assert desc["EvaluationResult"]["F1Score"] > 0.8
    out = rek.detect_moderation_labels(
        ProjectVersion=arn, Image={"Bytes": moderation_png(("Alcohol",), 7000)}
    )
    assert [x["Name"] for x in out["ModerationLabels"]] == ["Rude Gesture"]

    # A label on every training image leaves nothing to learn "not this label" from.
    only_positive = [x for x in training if x[GT]["ModerationLabels"]]
    rek.create_project_version(
        ProjectArn=project,
        VersionName="pos",
        OutputConfig=OUT,
        TrainingData=assets(s3, only_positive),
    )
    failed = wait_version(rek, project, "pos")
    assert failed["Status"] == "TRAINING_FAILED"
    assert "ERROR_INSUFFICIENT_NEGATIVE_EXAMPLES" in failed["StatusMessage"]
    only_safe = [x for x in training if not x[GT]["ModerationLabels"]]
    rek.create_project_version(
        ProjectArn=project, VersionName="safe", OutputConfig=OUT, TrainingData=assets(s3, only_safe)
    )
    failed = wait_version(rek, project, "safe")
    assert failed["Status"] == "TRAINING_FAILED"
    assert "ERROR_MANIFEST_TOO_FEW_LABELS" in failed["StatusMessage"]


def test_adapter_quota_and_lost_response(rek, s3, control):
    lines = upload_set(s3, "quota")
    project = create_project(rek, "quota", Feature="CONTENT_MODERATION", AutoUpdate="ENABLED")
    control.set_timing(training_seconds=30)
    control.set_faults(lose_next_response="CreateProjectVersion")
    with pytest.raises(ClientError) as e:
        rek.create_project_version(
            ProjectArn=project, VersionName="a", OutputConfig=OUT, TrainingData=assets(s3, lines)
        )
    assert code(e) == "InternalServerError"
    assert version(rek, project, "a")["Status"] == "TRAINING_IN_PROGRESS"  # committed
    rek.create_project_version(
        ProjectArn=project, VersionName="b", OutputConfig=OUT, TrainingData=assets(s3, lines)
    )
    with pytest.raises(ClientError) as e:  # a third concurrent training
        rek.create_project_version(
            ProjectArn=project, VersionName="c", OutputConfig=OUT, TrainingData=assets(s3, lines)
        )
    assert code(e) == "LimitExceededException"


def test_adapter_survives_restart(tmp_path):
    state = str(tmp_path / "state")
    with EmulatorServer(port=0, state_dir=state) as first:
        rek, s3 = make_client(first.url, "rekognition"), make_client(first.url, "s3")
        if BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
            s3.create_bucket(Bucket=BUCKET)
        lines = upload_set(s3, "persist")
        project, arn, desc = train_adapter(rek, s3, "persisted-adapter", lines)
        assert desc["Status"] == "TRAINING_COMPLETED", desc["StatusMessage"]
        image = {"Bytes": moderation_png(("Gambling",), 9000)}
        before = rek.detect_moderation_labels(ProjectVersion=arn, Image=image, MinConfidence=0)
        EmulatorControl(first.url).set_timing(training_seconds=60)
        rek.create_project_version(
            ProjectArn=project, VersionName="a2", OutputConfig=OUT, TrainingData=assets(s3, lines)
        )
        assert version(rek, project, "a2")["Status"] == "TRAINING_IN_PROGRESS"
    with EmulatorServer(port=0, state_dir=state) as second:
        rek = make_client(second.url, "rekognition")
        after = rek.detect_moderation_labels(ProjectVersion=arn, Image=image, MinConfidence=0)
        assert after["ModerationLabels"] == before["ModerationLabels"]
        # The training in progress at shutdown is resumed from the beginning.
        assert wait_version(rek, project, "a2")["Status"] == "TRAINING_COMPLETED"
