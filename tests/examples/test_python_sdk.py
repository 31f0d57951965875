"""examples/python-sdk: the seed flow with the generated `pulumi_rcl` SDK through the provider
plugin and an explicit provider resource, against the emulator: up (model RUNNING), a no-op up,
destroy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.stacks import outputs

from .support import client, example_stack, projects_named

pytestmark = pytest.mark.e2e


def test_generated_python_sdk_trains_and_runs_a_model(
    pulumi_engine: Path, emulator_server: str, small_digits: Path, tmp_path: Path
) -> None:
    s, _ = example_stack("python-sdk", tmp_path, emulator_server, {"folder": str(small_digits)})
    try:
        out = outputs(s.up(on_output=print))
        assert out["model_status"] == "RUNNING"
        assert out["f1_score"] > 0.8
        assert out["labels"] == ["0", "1", "7"]
        assert out["train_entries"] > 0
        project = projects_named(emulator_server, out["project_name"])
        assert len(project) == 1
        rekognition = client("rekognition", emulator_server)
        tags = rekognition.list_tags_for_resource(ResourceArn=project[0]["ProjectArn"])["Tags"]
        assert tags["team"] == "vision"

        again = s.up(on_output=print)
        assert again.summary.resource_changes == {"same": 7}  # six resources and the provider
    finally:
        s.destroy(on_output=print)
    assert projects_named(emulator_server, out["project_name"]) == []
