"""Records for detection lag: the transitions log of job ends, and what each Describe saw."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from emulator_support import create_project, project_status, wait_dataset, wait_for, wait_version


def ends_of(control: Any, arn: str) -> list[dict[str, Any]]:
    return [t for t in control.transitions() if t["arn"] == arn]


def first_seen(control: Any, arn: str, status: str) -> dict[str, Any]:
    """The first request-log entry whose reply reported ``arn`` in ``status``."""
    return next(r for r in control.requests_log() if r.get("seen", {}).get(arn) == status)


def test_a_project_is_seen_created_no_earlier_than_its_job_committed(rek, control):
    arn = create_project(rek, "lag")
    (end,) = ends_of(control, arn)
    assert end["kind"] == "create_project" and end["status"] == "CREATED"
    assert end["started"] <= end["time"]
    # Same clock as the request log: the job starts while CreateProject is served.
    (create,) = [r for r in control.requests_log() if r["operation"] == "CreateProject"]
    assert end["started"] <= create["time"]
    assert first_seen(control, arn, "CREATED")["time"] >= end["time"]


def test_describe_dataset_records_the_dataset_status_it_reported(rek, control):
    project = create_project(rek, "lag-ds")
    dataset = rek.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
    assert wait_dataset(rek, dataset)["Status"] == "CREATE_COMPLETE"
    (end,) = ends_of(control, dataset)
    assert (end["kind"], end["status"]) == ("create_dataset", "CREATE_COMPLETE")
    log = control.requests_log()
    described = [r for r in log if r["operation"] == "DescribeDataset"]
    assert described[-1]["seen"] == {dataset: "CREATE_COMPLETE"}
    assert first_seen(control, dataset, "CREATE_COMPLETE")["time"] >= end["time"]
    # Only successful Describe calls carry what they saw.
    assert all("seen" not in r for r in log if r["operation"] == "CreateDataset")
    control.reset_requests()
    with pytest.raises(ClientError):
        rek.describe_dataset(DatasetArn=dataset.replace("/test/", "/train/"))
    (failed,) = control.requests_log()
    assert failed["status"] == 400 and "seen" not in failed


def test_describe_project_versions_records_each_version_status(rek, control):
    project = create_project(rek, "lag-v")
    train = rek.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    wait_dataset(rek, train)
    arn = rek.create_project_version(
        ProjectArn=project, VersionName="v1", OutputConfig={"S3Bucket": "out"}
    )["ProjectVersionArn"]
    status = wait_version(rek, project, "v1")["Status"]
    assert status == "TRAINING_FAILED"  # an empty dataset has no labels to learn
    (end,) = ends_of(control, arn)
    assert (end["kind"], end["status"]) == ("train", status)
    assert first_seen(control, arn, status)["time"] >= end["time"]


def test_a_deleted_project_ends_with_no_status(rek, control):
    arn = create_project(rek, "lag-gone")
    rek.delete_project(ProjectArn=arn)
    wait_for(lambda: project_status(rek, "lag-gone"), lambda s: s is None)
    assert [(t["kind"], t["status"]) for t in ends_of(control, arn)] == [
        ("create_project", "CREATED"),
        ("delete_project", None),
    ]


def test_resetting_the_request_log_empties_both_logs(rek, control):
    create_project(rek, "lag-reset")
    assert control.requests_log() and control.transitions()
    control.reset_requests()
    assert control.requests_log() == [] and control.transitions() == []
    create_project(rek, "lag-reset-2")
    assert control.transitions()
    control.reset(s3=False)
    assert control.requests_log() == [] and control.transitions() == []
