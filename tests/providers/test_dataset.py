"""Dataset provider: sources, entries in place, distribution, failures, drift."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN

from rcl_emulator.control import EmulatorControl
from rcl_resources.errors import RclError, TerminalStatus
from rcl_resources.manifest import classification_line, dumps_line
from rcl_resources.providers.dataset import _DatasetProvider
from rcl_resources.providers.dataset_state import describe_dataset
from rcl_resources.providers.project import _ProjectProvider

from .conftest import checked, connection, failures, unique


@pytest.fixture()
def provider() -> _DatasetProvider:
    return _DatasetProvider()


@pytest.fixture()
def project(aws_env: str) -> dict[str, Any]:
    projects = _ProjectProvider()
    inputs = checked(
        projects, {**connection(aws_env), "project_name": unique("ds"), "owner": "p/s/project"}
    )
    created = projects.create(inputs)
    return created.outs


def dataset_props(url: str, project: dict[str, Any], **inputs: Any) -> dict[str, Any]:
    return {**connection(url), "owner": "p/s/ds", "project_arn": project["arn"], **inputs}


def from_manifest(manifest: dict[str, str]) -> dict[str, Any]:
    return {"ground_truth_manifest": {"s3_object": manifest}}


TRAIN_ARN = "arn:aws:rekognition:us-east-1:123456789012:project/x/dataset/train/1"


def test_check_rejects_bad_inputs_with_the_field_named(provider, aws_env) -> None:
    project = {"arn": "arn:aws:rekognition:us-east-1:123456789012:project/x/1"}
    bad = failures(provider, dataset_props(aws_env, project, dataset_type="VALIDATION"))
    assert "TRAIN" in bad["dataset_type"]
    both = failures(
        provider,
        dataset_props(
            aws_env,
            project,
            dataset_type="TRAIN",
            dataset_source={
                "dataset_arn": TRAIN_ARN,
                "ground_truth_manifest": {"s3_object": {"bucket": "bucket", "name": "m"}},
            },
        ),
    )
    assert "exactly one" in both["dataset_source"]
    lines = failures(
        provider,
        dataset_props(aws_env, project, dataset_type="TRAIN", entries=['{"no-source": 1}']),
    )
    assert "entries" in lines and "source-ref" in lines["entries"]
    wrong_type = failures(
        provider,
        dataset_props(
            aws_env,
            project,
            dataset_type="TRAIN",
            distribute_from=TRAIN_ARN,
        ),
    )
    assert "TEST" in " ".join(wrong_type.values())
    assert (
        failures(
            provider, dataset_props(aws_env, project, dataset_type="TRAIN", project_arn=UNKNOWN)
        )
        == {}
    )


def test_train_from_manifest_and_test_by_distribution(provider, aws_env, project, manifest):
    train = provider.create(
        checked(
            provider,
            dataset_props(
                aws_env, project, dataset_type="TRAIN", dataset_source=from_manifest(manifest)
            ),
        )
    )
    assert train.outs["status"] == "CREATE_COMPLETE"
    assert train.outs["dataset_stats"]["total_entries"] == 75
    assert train.outs["labels"] == ["0", "1", "7"]

    test = provider.create(
        checked(
            provider, dataset_props(aws_env, project, dataset_type="TEST", distribute_from=train.id)
        )
    )
    assert test.outs["dataset_stats"]["total_entries"] == 15
    after = provider.read(train.id, train.outs)
    assert after.outs["dataset_stats"]["total_entries"] == 60
    assert (
        provider.diff(
            train.id,
            after.outs,
            checked(
                provider,
                dataset_props(
                    aws_env, project, dataset_type="TRAIN", dataset_source=from_manifest(manifest)
                ),
            ),
        ).changes
        is False
    )


def test_a_failed_split_never_deletes_the_test_dataset(
    provider, aws_env, project, s3, manifest, rekognition
) -> None:
    """Once DistributeDatasetEntries is asked for, the TEST dataset may hold the only copy of
    entries moved out of TRAIN: a failure keeps it, and the next `up` adopts it."""
    body = s3.get_object(Bucket=manifest["bucket"], Key=manifest["name"])["Body"].read()
    lines = body.decode().splitlines()
    lonely = [line for line in lines if '"class-name":"7"' in line][:1]  # one "7": no split
    s3.put_object(
        Bucket=manifest["bucket"],
        Key="lonely.manifest",
        Body="\n".join([*(x for x in lines if '"class-name":"7"' not in x), *lonely]).encode(),
    )
    train = provider.create(
        checked(
            provider,
            dataset_props(
                aws_env,
                project,
                dataset_type="TRAIN",
                dataset_source=from_manifest({**manifest, "name": "lonely.manifest"}),
            ),
        )
    )
    inputs = checked(
        provider, dataset_props(aws_env, project, dataset_type="TEST", distribute_from=train.id)
    )
    with pytest.raises(RclError, match="The dataset is kept"):
        provider.create(inputs)
    kept = rekognition.describe_projects(ProjectNames=[project["project_name"]])[
        "ProjectDescriptions"
    ][0]["Datasets"]
    assert sorted(d["DatasetType"] for d in kept) == ["TEST", "TRAIN"]


def test_added_entries_update_in_place_removed_entries_replace(
    provider, aws_env, project, s3, manifest
) -> None:
    lines = [
        dumps_line(classification_line(f"s3://{manifest['bucket']}/{key}", label))
        for key, label in _some_images(s3, manifest)
    ]
    inputs = checked(
        provider, dataset_props(aws_env, project, dataset_type="TRAIN", entries=lines[:4])
    )
    created = provider.create(inputs)
    assert created.outs["dataset_stats"]["total_entries"] == 4

    grown = checked(provider, {**inputs, "entries": lines[:6]})
    diff = provider.diff(created.id, created.outs, grown)
    assert diff.changes and not diff.replaces
    updated = provider.update(created.id, created.outs, grown)
    assert updated.outs["dataset_stats"]["total_entries"] == 6
    assert updated.outs["arn"] == created.id

    shrunk = checked(provider, {**inputs, "entries": lines[:2]})
    diff = provider.diff(created.id, updated.outs, shrunk)
    assert diff.replaces == ["entries"] and diff.delete_before_replace


def test_failed_manifest_raises_with_status_message_and_leaves_nothing(
    provider, aws_env, project, s3, rekognition
) -> None:
    bucket = unique("bad")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="bad.manifest", Body=b"not json\n{also not json\n")
    inputs = checked(
        provider,
        dataset_props(
            aws_env,
            project,
            dataset_type="TRAIN",
            dataset_source=from_manifest({"bucket": bucket, "name": "bad.manifest"}),
        ),
    )
    with pytest.raises(TerminalStatus, match="CREATE_FAILED"):
        provider.create(inputs)
    datasets = rekognition.describe_projects(ProjectNames=[project["project_name"]])[
        "ProjectDescriptions"
    ][0]["Datasets"]
    assert datasets == []


@pytest.mark.parametrize("missing", ["object", "bucket"])
def test_a_missing_manifest_fails_naming_the_resource_and_field_creating_nothing(
    provider, aws_env, project, s3, rekognition, missing: str
) -> None:
    bucket = unique("gone")
    if missing == "object":
        s3.create_bucket(Bucket=bucket)
    inputs = checked(
        provider,
        dataset_props(
            aws_env,
            project,
            dataset_type="TRAIN",
            dataset_source=from_manifest({"bucket": bucket, "name": "absent.manifest"}),
        ),
    )
    control = EmulatorControl(aws_env)
    control.reset_requests()
    with pytest.raises(RclError) as failure:
        provider.create(inputs)
    message = str(failure.value)
    assert "Dataset ds" in message  # the resource (its Pulumi name) ...
    assert "dataset_source.ground_truth_manifest.s3_object" in message  # ... and the field
    assert f"s3://{bucket}/absent.manifest" in message
    assert [r["operation"] for r in control.requests_log()] == []  # nothing was created


def test_deleted_out_of_band_leaves_the_state(
    provider, aws_env, project, manifest, rekognition
) -> None:
    created = provider.create(
        checked(
            provider,
            dataset_props(
                aws_env, project, dataset_type="TRAIN", dataset_source=from_manifest(manifest)
            ),
        )
    )
    rekognition.delete_dataset(DatasetArn=created.id)
    for _ in range(100):
        if describe_dataset(rekognition, created.id) is None:
            break
    assert provider.read(created.id, created.outs).outs == {}


def _some_images(s3: Any, manifest: dict[str, str]) -> list[tuple[str, str]]:
    body = s3.get_object(Bucket=manifest["bucket"], Key=manifest["name"])["Body"].read()
    out = []
    for line in body.decode().splitlines()[:8]:
        entry = json.loads(line)
        label = next(v["class-name"] for k, v in entry.items() if k.endswith("-metadata"))
        out.append((entry["source-ref"].split("/", 3)[3], label))
    return out


def test_grown_manifest_updates_in_place_shrunk_manifest_replaces(
    provider, aws_env, project, s3, manifest
) -> None:
    body = s3.get_object(Bucket=manifest["bucket"], Key=manifest["name"])["Body"].read()
    lines = body.decode().splitlines()
    s3.put_object(
        Bucket=manifest["bucket"],
        Key="small.manifest",
        Body=("\n".join(lines[:50]) + "\n").encode(),
    )
    small = {"bucket": manifest["bucket"], "name": "small.manifest"}
    inputs = checked(
        provider,
        dataset_props(aws_env, project, dataset_type="TRAIN", dataset_source=from_manifest(small)),
    )
    created = provider.create(inputs)
    assert created.outs["dataset_stats"]["total_entries"] == 50

    grown = checked(provider, {**inputs, "dataset_source": from_manifest(manifest)})
    diff = provider.diff(created.id, created.outs, grown)
    assert diff.changes and diff.replaces == []
    updated = provider.update(created.id, created.outs, grown).outs
    assert updated["dataset_stats"]["total_entries"] == 75

    shrunk = checked(provider, {**inputs, "dataset_source": from_manifest(small)})
    assert provider.diff(created.id, updated, shrunk).replaces == ["dataset_source"]


def test_unknown_objects_from_the_engine_are_not_rejected(provider, aws_env) -> None:
    """At preview the SDK hands unknowns over as Unknown objects and Outputs, not strings."""
    import pulumi
    from pulumi.output import Unknown

    result = provider.check(
        {},
        dataset_props(
            aws_env,
            {"arn": Unknown()},
            dataset_type="TRAIN",
            dataset_source={"ground_truth_manifest": {"s3_object": pulumi.Output.from_input({})}},
        ),
    )
    assert result.failures == []
    assert result.inputs["project_arn"] == UNKNOWN


def test_import_by_arn_records_the_real_project_arn(provider, aws_env, project, manifest):
    created = provider.create(
        checked(
            provider,
            dataset_props(
                aws_env, project, dataset_type="TRAIN", dataset_source=from_manifest(manifest)
            ),
        )
    )
    read = provider.read(created.id, {})
    assert read.inputs["project_arn"] == project["arn"]
    assert read.inputs["dataset_type"] == "TRAIN"


def test_a_complete_status_from_before_an_update_is_not_taken_for_its_end(monkeypatch) -> None:
    import datetime

    from rcl_resources.providers import dataset_state as ds

    before = datetime.datetime(2026, 1, 1)
    answers = [
        {"Status": "UPDATE_COMPLETE", "LastUpdatedTimestamp": before},  # stale read
        {"Status": "UPDATE_IN_PROGRESS", "LastUpdatedTimestamp": before},
        {"Status": "UPDATE_COMPLETE", "LastUpdatedTimestamp": before.replace(hour=1)},
    ]
    seen: list[str] = []

    def describe(client: Any, arn: str) -> dict[str, Any]:
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        seen.append(answer["Status"])
        return answer

    monkeypatch.setattr(ds, "describe_dataset", describe)
    arn = "arn:aws:rekognition:us-east-1:123456789012:project/p/dataset/train/1"
    until = ds.DEFAULT_POLLER.deadline(30)
    found = ds.wait_dataset(None, arn, operation="adding entries", until=until, before=before)
    assert found["LastUpdatedTimestamp"] == before.replace(hour=1)
    assert seen == ["UPDATE_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"]
