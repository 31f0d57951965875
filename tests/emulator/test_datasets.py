"""Datasets: manifests, validation errors, entries, labels, updates, distribution."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from emulator_support import (
    BUCKET,
    DIGITS_BUCKET,
    create_project,
    dataset_status,
    digit_pngs,
    label_line,
    put_manifest,
    wait_dataset,
    wait_for,
)


def code(e: pytest.ExceptionInfo[ClientError]) -> str:
    return e.value.response["Error"]["Code"]


def _manifest_source(obj):
    return {"GroundTruthManifest": {"S3Object": obj}}


def test_create_from_manifest_stats_entries_and_labels(rek, s3, digits):
    project = create_project(rek, "ds")
    lines = [*digits[:40], {"source-ref": digits[40]["source-ref"]}]  # one unlabeled image
    arn = rek.create_dataset(
        ProjectArn=project,
        DatasetType="TRAIN",
        DatasetSource=_manifest_source(put_manifest(s3, lines)),
    )["DatasetArn"]
    assert "/dataset/train/" in arn
    assert dataset_status(rek, arn)["Status"] in ("CREATE_IN_PROGRESS", "CREATE_COMPLETE")
    desc = wait_dataset(rek, arn)
    assert desc["Status"] == "CREATE_COMPLETE"
    assert desc["StatusMessageCode"] == "SUCCESS"
    assert desc["DatasetStats"] == {
        "LabeledEntries": 40,
        "TotalEntries": 41,
        "TotalLabels": 10,
        "ErrorEntries": 0,
    }
    listed = rek.describe_projects(ProjectNames=["ds"])["ProjectDescriptions"][0]["Datasets"]
    assert [(d["DatasetType"], d["DatasetArn"]) for d in listed] == [("TRAIN", arn)]
    entries = [json.loads(x) for x in rek.list_dataset_entries(DatasetArn=arn)["DatasetEntries"]]
    assert len(entries) == 41
    assert entries[0]["cl-metadata"] == {"is_labeled": True}
    assert entries[0]["digit-metadata"]["class-name"] == digits[0]["digit-metadata"]["class-name"]
    assert entries[-1]["cl-metadata"] == {"is_labeled": False}
    labels = rek.list_dataset_labels(DatasetArn=arn)["DatasetLabelDescriptions"]
    assert sorted(x["LabelName"] for x in labels) == [str(i) for i in range(10)]
    assert sum(x["LabelStats"]["EntryCount"] for x in labels) == 40
    # Filters.
    zeros = rek.list_dataset_entries(DatasetArn=arn, ContainsLabels=["0"])["DatasetEntries"]
    assert zeros and all(json.loads(z)["digit-metadata"]["class-name"] == "0" for z in zeros)
    unlabeled = rek.list_dataset_entries(DatasetArn=arn, Labeled=False)["DatasetEntries"]
    assert len(unlabeled) == 1
    assert len(rek.list_dataset_entries(DatasetArn=arn, Labeled=True)["DatasetEntries"]) == 40
    hit = rek.list_dataset_entries(DatasetArn=arn, SourceRefContains="digits/7.png")
    assert [json.loads(x)["source-ref"] for x in hit["DatasetEntries"]] == [
        f"s3://{DIGITS_BUCKET}/digits/7.png"
    ]
    assert rek.list_dataset_entries(DatasetArn=arn, HasErrors=True)["DatasetEntries"] == []
    # Pagination.
    page = rek.list_dataset_entries(DatasetArn=arn, MaxResults=25)
    assert len(page["DatasetEntries"]) == 25
    rest = rek.list_dataset_entries(DatasetArn=arn, MaxResults=25, NextToken=page["NextToken"])
    assert len(rest["DatasetEntries"]) == 16 and "NextToken" not in rest
    with pytest.raises(ClientError) as e:
        rek.list_dataset_entries(DatasetArn=arn, NextToken="bogus")
    assert code(e) == "InvalidPaginationTokenException"
    # The token is bound to its query.
    with pytest.raises(ClientError) as e:
        rek.list_dataset_entries(DatasetArn=arn, Labeled=True, NextToken=page["NextToken"])
    assert code(e) == "InvalidPaginationTokenException"


def test_line_errors_are_recorded(rek, s3, digits):
    project = create_project(rek, "errs")
    bad_meta = label_line(digits[1]["source-ref"], "1")
    del bad_meta["digit-metadata"]["class-name"]
    lines = [
        *digits[2:30],
        "{not json",
        {"digit": 1},  # no source-ref
        bad_meta,
        label_line(f"s3://{DIGITS_BUCKET}/digits/missing.png", "3"),
    ]
    arn = rek.create_dataset(
        ProjectArn=project,
        DatasetType="TRAIN",
        DatasetSource=_manifest_source(put_manifest(s3, lines)),
    )["DatasetArn"]
    desc = wait_dataset(rek, arn)
    assert desc["Status"] == "CREATE_COMPLETE"  # 4 of 32 lines invalid: under 20%
    assert desc["DatasetStats"]["ErrorEntries"] == 4
    errs = [
        json.loads(x)
        for x in rek.list_dataset_entries(DatasetArn=arn, HasErrors=True)["DatasetEntries"]
    ]
    codes = sorted(
        c["code"]
        for e in errs
        for c in e.get("cl-errors", []) + e.get("digit-metadata", {}).get("cl-errors", [])
    )
    assert "ERROR_INVALID_JSON_LINE" in codes
    assert "ERROR_MISSING_SOURCE_REF" in codes
    assert "ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT" in codes
    assert "ERROR_INVALID_IMAGE" in codes


def test_too_many_invalid_lines_fails_creation(rek, s3, digits):
    project = create_project(rek, "toomany")
    lines = digits[:5] + ["{bad"] * 3
    arn = rek.create_dataset(
        ProjectArn=project,
        DatasetType="TRAIN",
        DatasetSource=_manifest_source(put_manifest(s3, lines)),
    )["DatasetArn"]
    desc = wait_dataset(rek, arn)
    assert desc["Status"] == "CREATE_FAILED"
    assert desc["StatusMessageCode"] == "CLIENT_ERROR"
    assert "ERROR_TOO_MANY_RECORDS_IN_ERROR" in desc["StatusMessage"]
    with pytest.raises(ClientError) as e:
        rek.list_dataset_entries(DatasetArn=arn)
    assert code(e) == "ResourceNotReadyException"


def test_unreadable_manifest_fails_creation(rek, s3):
    project = create_project(rek, "nomanifest")
    arn = rek.create_dataset(
        ProjectArn=project,
        DatasetType="TRAIN",
        DatasetSource=_manifest_source({"Bucket": BUCKET, "Name": "no/such.manifest"}),
    )["DatasetArn"]
    desc = wait_dataset(rek, arn)
    assert desc["Status"] == "CREATE_FAILED"
    assert "ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT" in desc["StatusMessage"]
    assert desc["StatusMessageCode"] == "CLIENT_ERROR"
    with pytest.raises(ClientError) as e:
        rek.create_dataset(
            ProjectArn=project,
            DatasetType="TEST",
            DatasetSource=_manifest_source({"Bucket": "no-such-bucket", "Name": "x.manifest"}),
        )
    assert code(e) == "InvalidS3ObjectException"


def test_dataset_preconditions(rek, s3, digits, control):
    project = create_project(rek, "pre")
    train = rek.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    with pytest.raises(ClientError) as e:
        rek.create_dataset(ProjectArn=project, DatasetType="TRAIN")
    assert code(e) == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as e:
        rek.create_dataset(
            ProjectArn=project,
            DatasetType="TEST",
            DatasetSource={
                "GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": "m"}},
                "DatasetArn": train,
            },
        )
    assert code(e) == "InvalidParameterException"
    wait_dataset(rek, train)
    control.set_timing(dataset_seconds=1)
    rek.update_dataset_entries(
        DatasetArn=train,
        Changes={"GroundTruth": "\n".join(json.dumps(x) for x in digits[:20]).encode()},
    )
    with pytest.raises(ClientError) as e:
        rek.update_dataset_entries(DatasetArn=train, Changes={"GroundTruth": b"{}"})
    assert code(e) == "ResourceInUseException"
    with pytest.raises(ClientError) as e:
        rek.list_dataset_entries(DatasetArn=train)
    assert code(e) == "ResourceInUseException"
    with pytest.raises(ClientError) as e:
        rek.delete_dataset(DatasetArn=train)  # still UPDATE_IN_PROGRESS
    assert code(e) == "ResourceInUseException"
    wait_dataset(rek, train)
    rek.delete_dataset(DatasetArn=train)
    wait_for(
        lambda: rek.describe_projects(ProjectNames=["pre"])["ProjectDescriptions"][0]["Datasets"],
        lambda d: d == [],
    )
    with pytest.raises(ClientError) as e:
        rek.describe_dataset(DatasetArn=train)
    assert code(e) == "ResourceNotFoundException"


def test_update_entries_replaces_by_source_ref_and_appends(rek, digits):
    project = create_project(rek, "upd")
    arn = rek.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    assert wait_dataset(rek, arn)["DatasetStats"]["TotalEntries"] == 0
    rek.update_dataset_entries(
        DatasetArn=arn,
        Changes={"GroundTruth": "\n".join(json.dumps(x) for x in digits[:3]).encode()},
    )
    assert wait_dataset(rek, arn)["Status"] == "UPDATE_COMPLETE"
    relabeled = label_line(digits[0]["source-ref"], "relabeled")
    rek.update_dataset_entries(
        DatasetArn=arn,
        Changes={"GroundTruth": "\n".join(json.dumps(x) for x in [relabeled, digits[3]]).encode()},
    )
    desc = wait_dataset(rek, arn)
    assert desc["DatasetStats"]["TotalEntries"] == 4
    entries = [json.loads(x) for x in rek.list_dataset_entries(DatasetArn=arn)["DatasetEntries"]]
    assert entries[0]["digit-metadata"]["class-name"] == "relabeled"
    assert [e["source-ref"] for e in entries] == [d["source-ref"] for d in digits[:4]]
    copy = rek.create_dataset(
        ProjectArn=project, DatasetType="TEST", DatasetSource={"DatasetArn": arn}
    )["DatasetArn"]
    assert wait_dataset(rek, copy)["DatasetStats"]["TotalEntries"] == 4


def test_distribute_entries(rek, s3, digits):
    project = create_project(rek, "dist")
    train = rek.create_dataset(
        ProjectArn=project,
        DatasetType="TRAIN",
        DatasetSource=(_manifest_source(put_manifest(s3, digits[:100]))),
    )["DatasetArn"]
    test = rek.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
    wait_dataset(rek, train)
    wait_dataset(rek, test)
    rek.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])
    assert dataset_status(rek, test)["Status"] in ("UPDATE_IN_PROGRESS", "UPDATE_COMPLETE")
    a, b = wait_dataset(rek, train), wait_dataset(rek, test)
    assert (a["Status"], b["Status"]) == ("UPDATE_COMPLETE", "UPDATE_COMPLETE")
    assert a["DatasetStats"]["TotalEntries"] + b["DatasetStats"]["TotalEntries"] == 100
    assert 15 <= b["DatasetStats"]["TotalEntries"] <= 25
    assert b["DatasetStats"]["TotalLabels"] == 10
    test_refs = {
        json.loads(x)["source-ref"]
        for x in rek.list_dataset_entries(DatasetArn=test)["DatasetEntries"]
    }
    train_refs = {
        json.loads(x)["source-ref"]
        for x in rek.list_dataset_entries(DatasetArn=train)["DatasetEntries"]
    }
    assert not test_refs & train_refs
    with pytest.raises(ClientError) as e:  # test is no longer empty
        rek.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])
    assert code(e) == "InvalidParameterException"


def test_distribute_with_too_few_images_fails_asynchronously(rek, s3, digits):
    project = create_project(rek, "few")
    train = rek.create_dataset(
        ProjectArn=project,
        DatasetType="TRAIN",
        DatasetSource=(_manifest_source(put_manifest(s3, digits[:3]))),
    )["DatasetArn"]
    test = rek.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
    wait_dataset(rek, train)
    wait_dataset(rek, test)
    rek.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])
    a, b = wait_dataset(rek, train), wait_dataset(rek, test)
    assert a["Status"] == b["Status"] == "UPDATE_FAILED"
    assert "ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_DISTRIBUTE" in a["StatusMessage"]
    assert a["DatasetStats"]["TotalEntries"] == 3  # content kept


def test_truncated_image_is_a_line_error(rek, s3, digits):
    project = create_project(rek, "truncated")
    png = digit_pngs()[0][0]
    s3.put_object(Bucket=DIGITS_BUCKET, Key="broken/truncated.png", Body=png[: len(png) // 2])
    broken = label_line(f"s3://{DIGITS_BUCKET}/broken/truncated.png", "0")
    arn = rek.create_dataset(
        ProjectArn=project,
        DatasetType="TRAIN",
        DatasetSource=_manifest_source(put_manifest(s3, [*digits[:20], broken])),
    )["DatasetArn"]
    desc = wait_dataset(rek, arn)
    assert desc["Status"] == "CREATE_COMPLETE"
    assert desc["DatasetStats"]["ErrorEntries"] == 1
    assert desc["DatasetStats"]["LabeledEntries"] == 20
    (entry,) = rek.list_dataset_entries(DatasetArn=arn, HasErrors=True)["DatasetEntries"]
    entry = json.loads(entry)
    assert entry["source-ref"].endswith("truncated.png")
    assert [c["code"] for c in entry["cl-errors"]] == ["ERROR_INVALID_IMAGE"]


def test_timestamps_and_status_message_while_in_progress(rek, control):
    project = create_project(rek, "stamps")
    control.set_timing(dataset_seconds=1.0)
    arn = rek.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    busy = dataset_status(rek, arn)
    assert busy["Status"] == "CREATE_IN_PROGRESS"
    # StatusMessageCode is an enum (SUCCESS | SERVICE_ERROR | CLIENT_ERROR): no empty values.
    assert "StatusMessage" not in busy and "StatusMessageCode" not in busy
    listed = rek.describe_projects(ProjectNames=["stamps"])["ProjectDescriptions"][0]
    (ds,) = listed["Datasets"]
    assert "StatusMessage" not in ds and "StatusMessageCode" not in ds
    control.set_timing(dataset_seconds=0.0)
    done = wait_dataset(rek, arn)
    assert done["Status"] == "CREATE_COMPLETE"
    assert done["StatusMessageCode"] == "SUCCESS"
    # An empty dataset is created well within the 150 ms between ARN time and creation time.
    project2 = create_project(rek, "stamps-fast")
    fast = rek.create_dataset(ProjectArn=project2, DatasetType="TRAIN")["DatasetArn"]
    fast_desc = wait_dataset(rek, fast)
    assert fast_desc["LastUpdatedTimestamp"] >= fast_desc["CreationTimestamp"]
    assert done["LastUpdatedTimestamp"] >= done["CreationTimestamp"]


def test_an_entry_with_a_bad_box_is_an_error_entry_and_keeps_its_other_boxes(rek, s3):
    """AWS counts an entry with any error in ErrorEntries and lists it with HasErrors=True, an
    error of one box included; the line still trains with its other boxes. 15 good lines and
    3 broken ones: a box off the frame, a negative top, a class id the class-map lacks."""
    from rcl_demo.shapes import scene_png
    from rcl_resources.manifest import detection_line

    ids = {"circle": 0, "square": 1}
    lines, broken = [], {}
    for seed in range(18):
        data, _ = scene_png(seed)
        uri = f"s3://{BUCKET}/bad-boxes/{seed}.png"
        s3.put_object(Bucket=BUCKET, Key=f"bad-boxes/{seed}.png", Body=data)
        line = detection_line(
            uri, (256, 192), [("circle", 10, 10, 40, 40), ("square", 100, 60, 50, 50)], ids
        )
        second = line["bounding-box"]["annotations"][1]
        if seed == 15:
            second["left"] = 230  # runs off the 256 px wide image
        elif seed == 16:
            second["top"] = -5
        elif seed == 17:
            second["class_id"] = 7  # not in the class-map
        if seed >= 15:
            broken[uri] = seed
        lines.append(line)
    project = create_project(rek, "bad-boxes")
    arn = rek.create_dataset(
        ProjectArn=project,
        DatasetType="TRAIN",
        DatasetSource=_manifest_source(put_manifest(s3, lines)),
    )["DatasetArn"]
    desc = wait_dataset(rek, arn)
    assert desc["Status"] == "CREATE_COMPLETE"
    assert desc["DatasetStats"]["ErrorEntries"] == 3
    assert desc["DatasetStats"]["LabeledEntries"] == 18  # every line still trains

    listed = [
        json.loads(x)
        for x in rek.list_dataset_entries(DatasetArn=arn, HasErrors=True)["DatasetEntries"]
    ]
    assert sorted(e["source-ref"] for e in listed) == sorted(broken)
    for entry in listed:
        first, second = entry["bounding-box"]["annotations"]
        assert "cl-errors" not in first and second["cl-errors"][0]["code"]  # where it is
    labels = {
        x["LabelName"]: x["LabelStats"]
        for x in rek.list_dataset_labels(DatasetArn=arn)["DatasetLabelDescriptions"]
    }
    assert labels["circle"] == {"EntryCount": 18, "BoundingBoxCount": 18}
    assert labels["square"] == {"EntryCount": 15, "BoundingBoxCount": 15}
