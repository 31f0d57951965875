"""The end-to-end scenarios against real AWS. Skipped unless RCL_ACCEPTANCE_AWS=1.

Needs credentials in the environment, RCL_ACCEPTANCE_REGION (default us-east-1) and
RCL_ACCEPTANCE_BUCKET: an existing bucket in that region that Rekognition can read. It trains
one small model (AWS bills training time) and runs it for a few minutes (billed per
inference-unit hour); destroy runs even when a step fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi import automation as auto

from tests.e2e.test_stack import Scenario

pytestmark = [pytest.mark.acceptance, pytest.mark.e2e]


@pytest.fixture(scope="module")
def scenario(
    pulumi_engine: Path, small_digits: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scenario]:
    bucket = os.environ.get("RCL_ACCEPTANCE_BUCKET")
    if not bucket:
        pytest.fail("set RCL_ACCEPTANCE_BUCKET to an existing bucket for the acceptance tests")
    s = Scenario(
        None,
        tmp_path_factory.mktemp("aws"),
        small_digits,
        region=os.environ.get("RCL_ACCEPTANCE_REGION", "us-east-1"),
        bucket=bucket,
    )
    try:
        yield s
    finally:
        s.stack.destroy(on_output=print)


def test_full_stack_trains_and_runs(scenario: Scenario) -> None:
    scenario.stack.set_config("t:running", auto.ConfigValue("true"))
    scenario.up()
    assert scenario.outputs["model_status"] == "RUNNING"
    assert scenario.outputs["f1_score"] > 0


def test_second_up_changes_nothing(scenario: Scenario) -> None:
    result = scenario.up()
    assert result.summary.resource_changes == {"same": 6}


def test_tags_update_in_place(scenario: Scenario) -> None:
    arn = scenario.outputs["project_arn"]
    scenario.stack.set_config("t:tags", auto.ConfigValue('{"env": "acceptance", "t": "1"}'))
    scenario.up()
    assert scenario.outputs["project_arn"] == arn


def test_running_false_stops_in_place(scenario: Scenario) -> None:
    arn = scenario.outputs["model_arn"]
    scenario.stack.set_config("t:running", auto.ConfigValue("false"))
    scenario.up()
    assert scenario.outputs["model_arn"] == arn
    assert scenario.model()["Status"] == "STOPPED"


def test_destroy_leaves_nothing(scenario: Scenario) -> None:
    name = scenario.outputs["project_name"]
    scenario.stack.destroy(on_output=print)
    found = scenario.rekognition.describe_projects(ProjectNames=[name])["ProjectDescriptions"]
    assert found == []
