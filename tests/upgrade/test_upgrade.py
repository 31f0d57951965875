"""Upgrades never break a stack: a stack written by an earlier release of rcl-resources keeps
refreshing, updating and destroying with this one.

`releases/` holds the `rcl_resources` package of each earlier release as it was shipped. The
test deploys a stack of every resource type with that code (so the state holds its pickled
providers and its property layout), then runs the same program with this checkout's code.
The providers' pickled import paths (`rcl_resources.project._ProjectProvider`, …, and
`rcl_resources._dynamic.load_provider` since the providers moved to `rcl_resources.providers`)
are part of the contract; this is the test that says so.
"""

from __future__ import annotations

import tarfile
import uuid
from pathlib import Path

import pytest
from pulumi import automation as auto

from tests.e2e.stacks import REPO, outputs, stack, write_project
from tests.examples.support import CREDENTIALS, REGION, client, projects_named

pytestmark = pytest.mark.e2e

RELEASES = Path(__file__).parent / "releases"

# Only what every release accepts. `MODEL_TAGS` changes between the two runs.
PROGRAM = """
import os

import pulumi
import rcl_resources as rcl

config = pulumi.Config()
bucket = config.require("bucket")
images = rcl.ImageFolder("images", folder=config.require("folder"), bucket=bucket,
                         prefix="upgrade")
project = rcl.Project("project", tags={"team": "vision"})
train = rcl.Dataset("train", project_arn=project.arn, dataset_type="TRAIN",
                    dataset_source={"ground_truth_manifest": {"s3_object": images.manifest}})
test = rcl.Dataset("test", project_arn=project.arn, dataset_type="TEST",
                   distribute_from=train.arn)
model = rcl.ProjectVersion(
    "model",
    project_arn=project.arn,
    output_config={"s3_bucket": bucket, "s3_key_prefix": "upgrade/output"},
    datasets=[train.revision, test.revision],
    running=config.get_bool("running") or False,
    tags={"stage": config.get("stage") or "one"},
)
policy = rcl.ProjectPolicy(
    "policy",
    project_arn=project.arn,
    policy_name="allow-copy",
    policy_document={
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "rekognition:CopyProjectVersion",
            "Resource": model.arn,
        }],
    },
)
pulumi.export("code", os.path.dirname(rcl.__file__))
pulumi.export("project_name", project.project_name)
pulumi.export("model_arn", model.arn)
pulumi.export("model_status", model.status)
"""


@pytest.mark.parametrize(
    "release", sorted(p.name.removesuffix(".tar.gz") for p in RELEASES.glob("*.tar.gz"))
)
def test_a_stack_of_an_earlier_release_refreshes_updates_and_destroys(
    release: str, pulumi_engine: Path, emulator_server: str, small_digits: Path, tmp_path: Path
) -> None:
    old_code = tmp_path / "release"
    with tarfile.open(RELEASES / f"{release}.tar.gz") as archive:
        archive.extractall(old_code, filter="data")
    bucket = f"upgrade-{uuid.uuid4().hex[:8]}"
    client("s3", emulator_server).create_bucket(Bucket=bucket)
    work = write_project(tmp_path / "project", PROGRAM, name="rcl-upgrade")
    config = {
        "rcl:endpointUrl": emulator_server,
        "rcl:s3EndpointUrl": emulator_server,
        "rcl:region": REGION,
        "rcl-upgrade:bucket": bucket,
        "rcl-upgrade:folder": str(small_digits),
        "rcl-upgrade:running": "true",
    }

    def stack_with(code: Path) -> auto.Stack:
        env = {**CREDENTIALS, "AWS_REGION": REGION, "PYTHONPATH": str(code)}
        return stack(work, tmp_path / "state", env=env)

    old = stack_with(old_code)
    old.set_all_config({k: auto.ConfigValue(v) for k, v in config.items()})
    before = outputs(old.up(on_output=print))
    assert Path(before["code"]) == old_code / "rcl_resources"  # really the earlier release
    assert before["model_status"] == "RUNNING"

    new = stack_with(REPO)
    try:
        new.refresh(on_output=print)
        after = outputs(new.up(on_output=print))
        assert Path(after["code"]) == REPO / "rcl_resources"
        # The unchanged program plans nothing for the resources the old release made.
        preview = new.preview(on_output=print)
        assert set(preview.change_summary) == {"same"}, preview.change_summary

        # Updates in place: a model tag changes, and the model stops.
        new.set_config("rcl-upgrade:stage", auto.ConfigValue("two"))
        new.set_config("rcl-upgrade:running", auto.ConfigValue("false"))
        updated = outputs(new.up(on_output=print))
        assert updated["model_arn"] == before["model_arn"]  # not replaced
        assert updated["model_status"] == "STOPPED"
        tags = client("rekognition", emulator_server).list_tags_for_resource(
            ResourceArn=before["model_arn"]
        )["Tags"]
        assert tags["stage"] == "two"
    finally:
        new.destroy(on_output=print)
    assert projects_named(emulator_server, before["project_name"]) == []
