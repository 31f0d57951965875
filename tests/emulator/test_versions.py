"""Project versions: real training, inference, start/stop/delete, copies, quotas.

Adapters (CONTENT_MODERATION) are in test_adapters.py.
"""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from botocore.exceptions import ClientError
from emulator_support import (
    BUCKET,
    create_project,
    digit_pngs,
    put_manifest,
    version,
    wait_dataset,
    wait_for,
    wait_version,
)
from PIL import Image

OUT = {"S3Bucket": BUCKET, "S3KeyPrefix": "out"}


def code(e: pytest.ExceptionInfo[ClientError]) -> str:
    return e.value.response["Error"]["Code"]


def _project_with_datasets(rek, s3, name, train_lines, test_lines):
    project = create_project(rek, name)
    for dtype, lines in (("TRAIN", train_lines), ("TEST", test_lines)):
        arn = rek.create_dataset(
            ProjectArn=project,
            DatasetType=dtype,
            DatasetSource={"GroundTruthManifest": {"S3Object": put_manifest(s3, lines)}},
        )["DatasetArn"]
        assert wait_dataset(rek, arn)["Status"] == "CREATE_COMPLETE"
    return project


@pytest.fixture
def trained(rek, s3, digits):
    """A project trained on 300 digits and tested on 100, model TRAINING_COMPLETED."""
    project = _project_with_datasets(rek, s3, "digits", digits[:300], digits[300:400])
    arn = rek.create_project_version(
        ProjectArn=project, VersionName="v1", OutputConfig=OUT, Tags={"stage": "test"}
    )["ProjectVersionArn"]
    desc = wait_version(rek, project, "v1")
    assert desc["Status"] == "TRAINING_COMPLETED", desc["StatusMessage"]
    return project, arn


def _start(rek, project, arn, name="v1"):
    assert (
        rek.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)["Status"]
        == "STARTING"
    )
    assert wait_version(rek, project, name)["Status"] == "RUNNING"


def test_training_lifecycle_and_predictions(rek, s3, trained):
    project, arn = trained
    assert re.fullmatch(
        r"arn:aws:rekognition:us-east-1:123456789012:project/digits/version/v1/\d{13}", arn
    )
    desc = version(rek, project, "v1")
    assert desc["StatusMessage"] == "The model is ready to run."
    assert desc["EvaluationResult"]["F1Score"] > 0.85
    assert desc["BillableTrainingTimeInSeconds"] >= 1
    assert desc["TrainingEndTimestamp"] >= desc["CreationTimestamp"]
    assert desc["TrainingDataResult"]["Input"] == {}
    summary_obj = desc["EvaluationResult"]["Summary"]["S3Object"]
    assert summary_obj == {"Bucket": BUCKET, "Name": "out/EvaluationResultSummary-digits-v1.json"}
    summary = json.loads(s3.get_object(Bucket=BUCKET, Key=summary_obj["Name"])["Body"].read())
    agg = summary["AggregatedEvaluationResults"]
    assert abs(agg["F1Score"] - desc["EvaluationResult"]["F1Score"]) < 1e-5
    assert agg["ConfusionMatrix"] and {"GroundTruthLabel", "PredictedLabel", "Value"} <= set(
        agg["ConfusionMatrix"][0]
    )
    assert summary["EvaluationDetails"]["NumberOfTrainingImages"] == 300
    assert summary["EvaluationDetails"]["NumberOfTestingImages"] == 100
    assert summary["EvaluationDetails"]["ProjectVersionArn"] == arn
    per_label = summary["LabelEvaluationResults"]
    assert len(per_label) == 10
    assert all(0 <= x["Metrics"]["Threshold"] <= 1 for x in per_label)
    f1s = [x["Metrics"]["F1Score"] for x in per_label]
    assert f1s == sorted(f1s, reverse=True)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="out/")["Contents"]}
    assert {
        "out/ManifestSummary-digits-v1.json",
        "out/TestingGroundTruth-digits-v1.json",
        "out/TrainingGroundTruth-digits-v1.json",
    } <= keys
    snapshot = s3.get_object(Bucket=BUCKET, Key="out/TestingGroundTruth-digits-v1.json")
    first = json.loads(snapshot["Body"].read().splitlines()[0])
    assert "rekognition-custom-labels-training-0" in first
    assert rek.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"stage": "test"}

    with pytest.raises(ClientError) as e:
        rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": digit_pngs()[0][0]})
    assert code(e) == "ResourceNotReadyException"
    _start(rek, project, arn)
    assert version(rek, project, "v1")["MinInferenceUnits"] == 1

    # Held-out digits (never uploaded for training) are recognised.
    pngs, targets = digit_pngs()
    held_out = range(1500, 1560)
    correct = 0
    for i in held_out:
        labels = rek.detect_custom_labels(
            ProjectVersionArn=arn, Image={"Bytes": pngs[i]}, MinConfidence=0
        )["CustomLabels"]
        assert len(labels) == 10 and "Geometry" not in labels[0]
        correct += labels[0]["Name"] == str(targets[i])
    assert correct / len(held_out) > 0.85

    # Default MinConfidence: each label's own threshold applies.
    thresholds = {x["Label"]: x["Metrics"]["Threshold"] * 100 for x in per_label}
    out = rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": pngs[1500]})
    assert all(x["Confidence"] >= thresholds[x["Name"]] - 1e-3 for x in out["CustomLabels"])
    one = rek.detect_custom_labels(
        ProjectVersionArn=arn, Image={"Bytes": pngs[1500]}, MinConfidence=0, MaxResults=1
    )["CustomLabels"]
    assert len(one) == 1
    assert rek.detect_custom_labels(
        ProjectVersionArn=arn, Image={"Bytes": pngs[1500]}, MinConfidence=100.0
    )["CustomLabels"] in ([], one)
    # S3 image and image errors.
    s3.put_object(Bucket=BUCKET, Key="probe.png", Body=pngs[1501])
    via_s3 = rek.detect_custom_labels(
        ProjectVersionArn=arn,
        MinConfidence=0,
        Image={"S3Object": {"Bucket": BUCKET, "Name": "probe.png"}},
    )["CustomLabels"]
    assert (
        via_s3[0]["Name"]
        == rek.detect_custom_labels(
            ProjectVersionArn=arn, MinConfidence=0, Image={"Bytes": pngs[1501]}
        )["CustomLabels"][0]["Name"]
    )
    with pytest.raises(ClientError) as e:
        rek.detect_custom_labels(
            ProjectVersionArn=arn, Image={"S3Object": {"Bucket": BUCKET, "Name": "missing.png"}}
        )
    assert code(e) == "InvalidS3ObjectException"
    with pytest.raises(ClientError) as e:
        rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": b"GIF89a not an image"})
    assert code(e) == "InvalidImageFormatException"
    # Truncated PNG/JPEG bodies (valid headers, missing data), inline and from S3.
    jpeg_full = io.BytesIO()
    Image.open(io.BytesIO(pngs[1502])).convert("RGB").save(jpeg_full, "JPEG")
    s3.put_object(Bucket=BUCKET, Key="truncated.png", Body=pngs[1502][: len(pngs[1502]) // 2])
    for image in (
        {"Bytes": pngs[1502][: len(pngs[1502]) // 2]},
        {"Bytes": jpeg_full.getvalue()[: len(jpeg_full.getvalue()) // 2]},
        {"S3Object": {"Bucket": BUCKET, "Name": "truncated.png"}},
    ):
        with pytest.raises(ClientError) as e:
            rek.detect_custom_labels(ProjectVersionArn=arn, Image=image)
        assert code(e) == "InvalidImageFormatException", image
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    jpeg = io.BytesIO()
    Image.new("RGB", (5000, 64)).save(jpeg, "JPEG")
    with pytest.raises(ClientError) as e:
        rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": jpeg.getvalue()})
    assert code(e) == "ImageTooLargeException"
    small = io.BytesIO()
    Image.new("RGB", (32, 32)).save(small, "PNG")
    with pytest.raises(ClientError) as e:
        rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": small.getvalue()})
    assert code(e) == "InvalidParameterException"

    # Running models can't be deleted or started again; stop, then delete.
    with pytest.raises(ClientError) as e:
        rek.delete_project_version(ProjectVersionArn=arn)
    assert code(e) == "ResourceInUseException"
    with pytest.raises(ClientError) as e:
        rek.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    assert code(e) == "ResourceInUseException"
    assert rek.stop_project_version(ProjectVersionArn=arn)["Status"] == "STOPPING"
    assert wait_version(rek, project, "v1")["Status"] == "STOPPED"
    with pytest.raises(ClientError) as e:
        rek.stop_project_version(ProjectVersionArn=arn)
    assert code(e) == "ResourceInUseException"
    with pytest.raises(ClientError) as e:
        rek.delete_project(ProjectArn=project)
    assert code(e) == "ResourceInUseException"
    assert rek.delete_project_version(ProjectVersionArn=arn)["Status"] == "DELETING"
    wait_for(lambda: version(rek, project, "v1"), lambda v: v is None)


def test_version_preconditions(rek, s3, digits, trained, control):
    project, arn = trained
    with pytest.raises(ClientError) as e:
        rek.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig=OUT)
    assert code(e) == "ResourceInUseException"
    manifest = {"Assets": [{"GroundTruthManifest": {"S3Object": put_manifest(s3, digits[:20])}}]}
    with pytest.raises(ClientError) as e:
        rek.create_project_version(
            ProjectArn=project,
            VersionName="v2",
            OutputConfig=OUT,
            TrainingData=manifest,
            TestingData={"AutoCreate": True},
        )
    assert code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        rek.create_project_version(
            ProjectArn=project,
            VersionName="v2",
            OutputConfig=OUT,
            FeatureConfig={"ContentModeration": {"ConfidenceThreshold": 50}},
        )
    assert code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        rek.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=6)
    assert code(e) == "LimitExceededException"
    control.set_timing(training_seconds=30)
    training = rek.create_project_version(ProjectArn=project, VersionName="slow", OutputConfig=OUT)[
        "ProjectVersionArn"
    ]
    assert version(rek, project, "slow")["Status"] == "TRAINING_IN_PROGRESS"
    for op in (
        lambda: rek.delete_project_version(ProjectVersionArn=training),
        lambda: rek.start_project_version(ProjectVersionArn=training, MinInferenceUnits=1),
    ):
        with pytest.raises(ClientError) as e:
            op()
        assert code(e) == "ResourceInUseException"
    rek.create_project_version(ProjectArn=project, VersionName="slow2", OutputConfig=OUT)
    with pytest.raises(ClientError) as e:  # a third concurrent training
        rek.create_project_version(ProjectArn=project, VersionName="slow3", OutputConfig=OUT)
    assert code(e) == "LimitExceededException"
    listed = rek.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"]
    assert [v["ProjectVersionArn"].split("/")[-2] for v in listed] == ["slow2", "slow", "v1"]
    page = rek.describe_project_versions(ProjectArn=project, MaxResults=2)
    assert len(page["ProjectVersionDescriptions"]) == 2
    rest = rek.describe_project_versions(
        ProjectArn=project, NextToken=page["NextToken"], MaxResults=2
    )
    assert [v["ProjectVersionArn"].split("/")[-2] for v in rest["ProjectVersionDescriptions"]] == [
        "v1"
    ]
    assert (
        rek.describe_project_versions(ProjectArn=project, VersionNames=["nope"])[
            "ProjectVersionDescriptions"
        ]
        == []
    )


def test_running_model_quota(rek, trained):
    project, arn = trained
    for name in ("v2", "v3"):
        rek.create_project_version(ProjectArn=project, VersionName=name, OutputConfig=OUT)
    for name in ("v2", "v3"):
        assert wait_version(rek, project, name)["Status"] == "TRAINING_COMPLETED"
    _start(rek, project, arn)
    v2 = version(rek, project, "v2")["ProjectVersionArn"]
    _start(rek, project, v2, "v2")
    v3 = version(rek, project, "v3")["ProjectVersionArn"]
    with pytest.raises(ClientError) as e:
        rek.start_project_version(ProjectVersionArn=v3, MinInferenceUnits=1)
    assert code(e) == "LimitExceededException"


def test_copy_project_version(rek, s3, trained):
    project, arn = trained
    dest = create_project(rek, "copy-dest")
    copy_arn = rek.copy_project_version(
        SourceProjectArn=project,
        SourceProjectVersionArn=arn,
        DestinationProjectArn=dest,
        VersionName="copied",
        OutputConfig={"S3Bucket": BUCKET, "S3KeyPrefix": "copy"},
    )["ProjectVersionArn"]
    assert ":project/copy-dest/version/copied/" in copy_arn
    desc = wait_version(rek, dest, "copied")
    assert desc["Status"] == "COPYING_COMPLETED"
    assert desc["SourceProjectVersionArn"] == arn
    # The copy includes the training results, re-written under its own OutputConfig.
    src = version(rek, project, "v1")

    def s3_name(result, part):
        return result[part]["Assets"][0]["GroundTruthManifest"]["S3Object"]["Name"]

    expected = {
        ("TrainingDataResult", "Output"): "copy/TrainingGroundTruth-copy-dest-copied.json",
        ("TrainingDataResult", "Validation"): (
            "copy/TrainingManifestWithValidation-copy-dest-copied.json"
        ),
        ("TestingDataResult", "Output"): "copy/TestingGroundTruth-copy-dest-copied.json",
        ("TestingDataResult", "Validation"): (
            "copy/TestingManifestWithValidation-copy-dest-copied.json"
        ),
    }
    for (field, part), key in expected.items():
        assert s3_name(desc[field], part) == key
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        src_key = s3_name(src[field], part)
        assert body == s3.get_object(Bucket=BUCKET, Key=src_key)["Body"].read()
        assert desc[field]["Input"] == src[field]["Input"]
    assert desc["TestingDataResult"]["Output"]["AutoCreate"] is False
    assert desc["ManifestSummary"]["S3Object"] == {
        "Bucket": BUCKET,
        "Name": "copy/ManifestSummary-copy-dest-copied.json",
    }
    assert s3.get_object(Bucket=BUCKET, Key="copy/ManifestSummary-copy-dest-copied.json")
    assert desc["EvaluationResult"]["Summary"]["S3Object"]["Name"] == (
        "copy/EvaluationResultSummary-copy-dest-copied.json"
    )
    _start(rek, dest, copy_arn, "copied")
    out = rek.detect_custom_labels(
        ProjectVersionArn=copy_arn, MinConfidence=0, Image={"Bytes": digit_pngs()[0][1600]}
    )
    assert len(out["CustomLabels"]) == 10
    with pytest.raises(ClientError) as e:
        rek.copy_project_version(
            SourceProjectArn=project,
            SourceProjectVersionArn=arn,
            DestinationProjectArn=dest,
            VersionName="copied",
            OutputConfig=OUT,
        )
    assert code(e) == "ResourceInUseException"


def test_manifest_summary_counts_match_error_lines(rek, s3, digits):
    bad_meta = json.loads(json.dumps(digits[150]))
    del bad_meta["digit-metadata"]["class-name"]
    train_lines = [*digits[:100], "{not json", bad_meta]
    project = _project_with_datasets(rek, s3, "summary", train_lines, digits[100:140])
    rek.create_project_version(ProjectArn=project, VersionName="v", OutputConfig=OUT)
    desc = wait_version(rek, project, "v")
    assert desc["Status"] == "TRAINING_COMPLETED", desc["StatusMessage"]
    obj = desc["ManifestSummary"]["S3Object"]
    summary = json.loads(s3.get_object(Bucket=obj["Bucket"], Key=obj["Name"])["Body"].read())
    training = summary["statistics"]["training"]
    assert training["error_json_line_indices"] == [100, 101]
    assert training["invalid_json_lines"] == 2
    assert training["total_json_lines"] == 102
    assert training["valid_json_lines"] == 100
    testing = summary["statistics"]["testing"]
    assert testing["invalid_json_lines"] == len(testing["error_json_line_indices"]) == 0


def test_manifest_training_with_autocreate(rek, s3, digits):
    project = create_project(rek, "manifest-mode")
    with pytest.raises(ClientError) as e:
        rek.create_project_version(ProjectArn=project, VersionName="v", OutputConfig=OUT)
    assert code(e) == "InvalidParameterException"
    training = {"Assets": [{"GroundTruthManifest": {"S3Object": put_manifest(s3, digits[:150])}}]}
    rek.create_project_version(
        ProjectArn=project,
        VersionName="v",
        OutputConfig=OUT,
        TrainingData=training,
        TestingData={"AutoCreate": True},
    )
    desc = wait_version(rek, project, "v")
    assert desc["Status"] == "TRAINING_COMPLETED", desc["StatusMessage"]
    assert desc["TestingDataResult"]["Input"] == {"AutoCreate": True}
    assert desc["TestingDataResult"]["Output"]["AutoCreate"] is True
    assert desc["TrainingDataResult"]["Input"] == training
    summary = json.loads(
        s3.get_object(Bucket=BUCKET, Key=desc["EvaluationResult"]["Summary"]["S3Object"]["Name"])[
            "Body"
        ].read()
    )
    details = summary["EvaluationDetails"]
    assert details["NumberOfTrainingImages"] + details["NumberOfTestingImages"] == 150
    assert 25 <= details["NumberOfTestingImages"] <= 35


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("one_label", "ERROR_MANIFEST_TOO_FEW_LABELS"),
        ("no_bucket", "ERROR_CANNOT_WRITE_OUTPUT_S3_BUCKET"),
        ("mixed_use_cases", "mix image-level labels and bounding boxes"),
        ("injected", "injected"),
        ("no_images", "ERROR_EMPTY_MANIFEST"),
    ],
)
def test_training_failures_are_actionable(rek, s3, digits, control, case, expected):
    project = create_project(rek, "failing")
    lines = digits[:60]
    output = OUT
    if case == "one_label":
        lines = [x for x in digits[:200] if x["digit-metadata"]["class-name"] == "1"]
    if case == "no_bucket":
        output = {"S3Bucket": "missing-output-bucket", "S3KeyPrefix": "x"}
    if case == "mixed_use_cases":
        lines = digits[:30] + [
            {
                "source-ref": x["source-ref"],
                "box": {
                    "image_size": [{"width": 64, "height": 64, "depth": 1}],
                    "annotations": [
                        {"class_id": 0, "left": 1, "top": 1, "width": 30, "height": 30}
                    ],
                },
                "box-metadata": {
                    "objects": [{"confidence": 1}],
                    "class-map": {"0": "digit"},
                    "type": "groundtruth/object-detection",
                    "human-annotated": "yes",
                    "creation-date": "2024-01-01T00:00:00",
                },
            }
            for x in digits[30:60]
        ]
    if case == "injected":
        control.set_faults(fail_next_training=True)
    if case == "no_images":
        lines = [{"source-ref": x["source-ref"]} for x in digits[:10]]
    training = {"Assets": [{"GroundTruthManifest": {"S3Object": put_manifest(s3, lines)}}]}
    rek.create_project_version(
        ProjectArn=project,
        VersionName="v",
        OutputConfig=output,
        TrainingData=training,
        TestingData={"AutoCreate": True},
    )
    desc = wait_version(rek, project, "v")
    assert desc["Status"] == "TRAINING_FAILED"
    assert expected in desc["StatusMessage"]
    assert "EvaluationResult" not in desc


def test_concurrent_trainings_do_not_block_serving(rek, s3, digits, control):
    project = _project_with_datasets(rek, s3, "busy", digits[:300], digits[300:400])
    for name in ("a", "b"):
        rek.create_project_version(ProjectArn=project, VersionName=name, OutputConfig=OUT)
    worst = 0.0
    while True:
        t = time.time()
        listed = rek.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"]
        worst = max(worst, time.time() - t)
        if all(v["Status"] != "TRAINING_IN_PROGRESS" for v in listed):
            break
        time.sleep(0.05)
    assert {v["Status"] for v in listed} == {"TRAINING_COMPLETED"}
    assert worst < 1.0


def test_lost_create_project_version_response(rek, s3, digits, control):
    project = _project_with_datasets(rek, s3, "lost", digits[:100], digits[100:140])
    control.set_faults(lose_next_response="CreateProjectVersion")
    with pytest.raises(ClientError) as e:
        rek.create_project_version(ProjectArn=project, VersionName="v", OutputConfig=OUT)
    assert code(e) == "InternalServerError"
    assert version(rek, project, "v") is not None  # committed despite the error


def test_an_injected_failure_goes_to_the_training_requested_next(
    emulator, rek, s3, digits, control, monkeypatch
):
    """`fail_next_training` fails the next training asked for, even when an earlier training's
    job only runs after the fault was set (a busy machine)."""
    import threading

    project = _project_with_datasets(rek, s3, "faulted", digits[:300], digits[300:400])
    held, began = threading.Event(), threading.Event()
    world = emulator.world
    submit = world.executor.submit

    def late(fn, w, backend, kind, target, generation):
        held.wait(30)
        began.set()
        return fn(w, backend, kind, target, generation)

    def late_for_the_first(fn, w, backend, kind, target, generation):
        if getattr(target, "name", None) == "first":
            return submit(late, fn, w, backend, kind, target, generation)
        return submit(fn, w, backend, kind, target, generation)

    monkeypatch.setattr(world.executor, "submit", late_for_the_first)
    rek.create_project_version(ProjectArn=project, VersionName="first", OutputConfig=OUT)
    control.set_faults(fail_next_training=True)
    held.set()  # the first training's job runs only now, after the fault was set
    assert began.wait(30)
    time.sleep(0.5)
    rek.create_project_version(ProjectArn=project, VersionName="second", OutputConfig=OUT)
    assert wait_version(rek, project, "first")["Status"] == "TRAINING_COMPLETED"
    assert wait_version(rek, project, "second")["Status"] == "TRAINING_FAILED"
