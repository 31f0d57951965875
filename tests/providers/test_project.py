"""Project provider: validation, naming, lifecycle, drift, and retry after a lost response."""

from __future__ import annotations

import time
from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN

from rcl_emulator.control import EmulatorControl
from rcl_resources.errors import NotOwned, RclError
from rcl_resources.providers.project import _ProjectProvider, find_project

from .conftest import checked, connection, failures, unique

OWNER = "proj/dev/demo"


def props(url: str, **inputs: Any) -> dict[str, Any]:
    return {**connection(url), "owner": OWNER, **inputs}


@pytest.fixture()
def provider() -> _ProjectProvider:
    return _ProjectProvider()


def test_auto_name_is_stable_and_changes_with_replace_inputs(provider, aws_env) -> None:
    first = checked(provider, props(aws_env))
    again = checked(provider, props(aws_env))
    assert first["project_name"] == again["project_name"]
    assert first["project_name"].startswith("demo-") and len(first["project_name"]) == 12
    moderated = checked(provider, props(aws_env, feature="CONTENT_MODERATION"))
    assert moderated["project_name"] != first["project_name"]


def test_check_names_the_bad_field_and_the_fix(provider, aws_env) -> None:
    bad = failures(provider, props(aws_env, project_name="has space", feature="FACES"))
    assert "letters, digits" in bad["project_name"]
    assert "CUSTOM_LABELS" in bad["feature"]
    wrong = failures(provider, props(aws_env, auto_update="ENABLED"))
    assert "CONTENT_MODERATION" in next(iter(wrong.values()))


def test_unknown_values_are_not_rejected_at_preview(provider, aws_env) -> None:
    result = provider.check({}, props(aws_env, project_name=UNKNOWN, tags=UNKNOWN))
    assert result.failures == []


def test_lifecycle_create_tag_read_delete(provider, aws_env, rekognition) -> None:
    inputs = checked(provider, props(aws_env, project_name=unique("p"), tags={"team": "ml"}))
    created = provider.create(inputs)
    outs = created.outs
    assert outs["status"] == "CREATED" and outs["arn"] == created.id
    tags = rekognition.list_tags_for_resource(ResourceArn=created.id)["Tags"]
    assert tags["team"] == "ml" and tags["rcl-resources:owner"] == OWNER

    news = checked(provider, {**inputs, "tags": {"team": "vision"}})
    diff = provider.diff(created.id, outs, news)
    assert diff.changes is True and diff.replaces == []
    updated = provider.update(created.id, outs, news).outs
    assert rekognition.list_tags_for_resource(ResourceArn=created.id)["Tags"]["team"] == "vision"
    assert provider.diff(created.id, updated, news).changes is False

    read = provider.read(created.id, updated)
    assert read.outs["tags"] == {"team": "vision"}
    assert provider.diff(created.id, read.outs, news).changes is False

    provider.delete(created.id, updated)
    assert find_project(rekognition, inputs["project_name"]) is None
    assert provider.read(created.id, updated).outs == {}
    provider.delete(created.id, updated)  # already gone: no error


def test_feature_change_replaces(provider, aws_env) -> None:
    olds = checked(provider, props(aws_env))
    news = checked(provider, props(aws_env, feature="CONTENT_MODERATION", auto_update="ENABLED"))
    diff = provider.diff("arn", olds, news)
    assert set(diff.replaces) >= {"feature", "auto_update", "project_name"}
    assert diff.delete_before_replace is False  # new name: both can exist side by side


def test_lost_create_response_adopts_instead_of_duplicating(provider, aws_env, rekognition):
    control = EmulatorControl(aws_env)
    inputs = checked(provider, props(aws_env, project_name=unique("lost")))
    control.set_faults(lose_next_response="CreateProject")
    try:
        created = provider.create(inputs)
    finally:
        control.clear_faults()
    names = [
        p["ProjectArn"]
        for p in rekognition.describe_projects()["ProjectDescriptions"]
        if f"/{inputs['project_name']}/" in p["ProjectArn"]
    ]
    assert names == [created.id]
    provider.delete(created.id, created.outs)


def test_name_taken_by_someone_else_is_not_adopted(provider, aws_env, rekognition) -> None:
    name = unique("taken")
    rekognition.create_project(ProjectName=name)
    with pytest.raises(NotOwned, match="already exists"):
        provider.create(checked(provider, props(aws_env, project_name=name)))


def test_import_by_arn(provider, aws_env, rekognition) -> None:
    name = unique("imported")
    arn = rekognition.create_project(ProjectName=name, Tags={"k": "v"})["ProjectArn"]
    read = provider.read(arn, {})
    assert read.outs["project_name"] == name and read.outs["region"] == "us-east-1"
    assert read.inputs["tags"] == {"k": "v"}


def test_region_from_aws_region_env(provider, monkeypatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    assert checked(provider, {"owner": OWNER})["region"] == "eu-west-1"


def test_missing_region_is_a_check_failure_with_the_fix(provider, monkeypatch, tmp_path) -> None:
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert "rcl:region" in failures(provider, {"owner": OWNER})["region"]


def test_delete_removes_leftovers_of_an_interrupted_run(provider, aws_env, rekognition) -> None:
    inputs = checked(provider, props(aws_env, project_name=unique("leftovers")))
    created = provider.create(inputs)
    rekognition.create_dataset(
        ProjectArn=created.id,
        DatasetType="TRAIN",
        Tags={"rcl-resources:owner": "proj/dev/train", "rcl-resources:creating": "true"},
    )
    provider.delete(created.id, created.outs)  # never handed to Pulumi: removed with it
    assert find_project(rekognition, inputs["project_name"]) is None


@pytest.mark.parametrize(
    "tags",
    [
        {"rcl-resources:owner": "proj/dev/train"},  # recorded in the stack, then retained
        {"rcl-resources:owner": "other/stack/train", "rcl-resources:creating": "true"},
        {},
    ],
    ids=["retained-by-this-stack", "other-stack", "untagged"],
)
def test_delete_keeps_children_it_does_not_manage(
    provider, aws_env, rekognition, tags: dict[str, str]
) -> None:
    inputs = checked(provider, props(aws_env, project_name=unique("kept")))
    created = provider.create(inputs)
    child = rekognition.create_dataset(ProjectArn=created.id, DatasetType="TRAIN", Tags=tags)
    with pytest.raises(RclError) as refused:
        provider.delete(created.id, created.outs)
    assert child["DatasetArn"] in str(refused.value)
    assert "retain_on_delete" in str(refused.value)
    assert rekognition.describe_dataset(DatasetArn=child["DatasetArn"])  # still there
    rekognition.delete_dataset(DatasetArn=child["DatasetArn"])
    _wait_gone(rekognition, child["DatasetArn"])
    provider.delete(created.id, created.outs)


def _wait_gone(rekognition: Any, dataset_arn: str) -> None:
    for _ in range(100):
        try:
            rekognition.describe_dataset(DatasetArn=dataset_arn)
        except rekognition.exceptions.ResourceNotFoundException:
            return
        time.sleep(0.1)
    raise AssertionError(f"{dataset_arn} was not deleted")


def test_content_moderation_project_defaults_auto_update(provider, aws_env, rekognition) -> None:
    inputs = checked(
        provider, props(aws_env, project_name=unique("cm"), feature="CONTENT_MODERATION")
    )
    assert inputs["auto_update"] == "DISABLED"
    created = provider.create(inputs)
    assert created.outs["feature"] == "CONTENT_MODERATION"
    provider.delete(created.id, created.outs)


def test_import_of_a_content_moderation_project_plans_no_replacement(
    provider, aws_env, rekognition
) -> None:
    """AWS returns no AutoUpdate when it is DISABLED: an import must still read DISABLED."""
    name = unique("cm-import")
    arn = rekognition.create_project(
        ProjectName=name, Feature="CONTENT_MODERATION", AutoUpdate="DISABLED"
    )["ProjectArn"]
    try:
        imported = provider.read(arn, {})
        assert imported.outs["auto_update"] == "DISABLED"
        program = checked(provider, props(aws_env, project_name=name, feature="CONTENT_MODERATION"))
        diff = provider.diff(arn, imported.inputs, program)
        assert diff.replaces == []
    finally:
        rekognition.delete_project(ProjectArn=arn)


def test_a_refused_delete_deletes_nothing(provider, aws_env, rekognition) -> None:
    """A leftover (still tagged creating) next to a retained child: nothing is deleted, so the
    retained TRAIN dataset never loses the entries a split moved into the TEST one."""
    inputs = checked(provider, props(aws_env, project_name=unique("mixed")))
    created = provider.create(inputs)
    retained = rekognition.create_dataset(
        ProjectArn=created.id, DatasetType="TRAIN", Tags={"rcl-resources:owner": "proj/dev/train"}
    )["DatasetArn"]
    leftover = rekognition.create_dataset(
        ProjectArn=created.id,
        DatasetType="TEST",
        Tags={"rcl-resources:owner": "proj/dev/test", "rcl-resources:creating": "true"},
    )["DatasetArn"]
    with pytest.raises(RclError, match="Nothing was deleted"):
        provider.delete(created.id, created.outs)
    for arn in (retained, leftover):
        assert rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]
        rekognition.delete_dataset(DatasetArn=arn)
        _wait_gone(rekognition, arn)
    provider.delete(created.id, created.outs)


def test_delete_after_a_lost_delete_response_waits_for_it(provider, aws_env) -> None:
    """The retry of a DeleteProject that went through meets ResourceInUse (DELETING)."""
    from botocore.exceptions import ClientError

    class Deleting:
        def __init__(self) -> None:
            self.described = 0

        def delete_project(self, ProjectArn: str) -> None:
            raise ClientError(
                {"Error": {"Code": "ResourceInUseException", "Message": "deleting"}},
                "DeleteProject",
            )

        def describe_projects(self, **_: Any) -> dict[str, Any]:
            self.described += 1
            gone = self.described > 2
            return {"ProjectDescriptions": [] if gone else [{"Status": "DELETING"}]}

    client = Deleting()
    provider.connection = lambda props: type("C", (), {"rekognition": lambda self: client})()
    provider.delete("arn:aws:rekognition:us-east-1:123456789012:project/p/1", props(aws_env))
    assert client.described >= 3
