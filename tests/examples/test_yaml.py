"""examples/yaml: the seed flow in Pulumi YAML through the provider plugin, against the
emulator: up (model RUNNING), a no-op up, destroy."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi import automation as auto

from tests.e2e.stacks import outputs

from .support import client, example_stack, projects_named

pytestmark = pytest.mark.e2e


def test_yaml_program_trains_and_runs_a_model_through_the_plugin(
    pulumi_engine: Path, emulator_server: str, small_digits: Path, tmp_path: Path
) -> None:
    if not (pulumi_engine / "pulumi-language-yaml").exists():
        pytest.fail("pulumi-language-yaml is missing; run `bash scripts/install-pulumi`")
    s, _ = example_stack("yaml", tmp_path, emulator_server, {"folder": str(small_digits)})
    try:
        said: list[tuple[str, str]] = []

        def collect(event: auto.EngineEvent) -> None:
            if event.diagnostic_event and event.diagnostic_event.urn:
                diagnostic = event.diagnostic_event
                said.append((diagnostic.urn.rsplit("::", 1)[-1], diagnostic.message))

        out = outputs(s.up(on_output=print, on_event=collect))
        # Progress lands on the resource that is working, not on the stack.
        assert any(who == "images" and "uploaded" in what for who, what in said), said
        assert any(who == "model" and "TRAINING_IN_PROGRESS" in what for who, what in said), said
        assert out["modelStatus"] == "RUNNING"
        assert out["f1Score"] > 0.8
        assert {m["label"] for m in out["labelMetrics"]} == {"0", "1", "7"}
        project = projects_named(emulator_server, out["projectName"])
        assert len(project) == 1
        rekognition = client("rekognition", emulator_server)
        tags = rekognition.list_tags_for_resource(ResourceArn=project[0]["ProjectArn"])["Tags"]
        assert tags["team"] == "vision"
        assert tags["rcl-resources:owner"].endswith("/project")

        again = s.up(on_output=print)
        assert again.summary.resource_changes == {"same": 6}
    finally:
        s.destroy(on_output=print)
    assert projects_named(emulator_server, out["projectName"]) == []
