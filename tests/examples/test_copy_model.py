"""examples/copy-model through the real CLI against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.stacks import outputs

from .support import client, example_stack, projects_named

pytestmark = pytest.mark.e2e


def test_copy_model_copies_the_trained_version(
    pulumi_engine: Path, emulator_server: str, small_digits: Path, tmp_path: Path
) -> None:
    s, _ = example_stack("copy-model", tmp_path, emulator_server, {"folder": str(small_digits)})
    try:
        out = outputs(s.up(on_output=print))
        assert out["source_model_status"] == "TRAINING_COMPLETED"
        assert out["copy_status"] == "COPYING_COMPLETED"
        assert out["copy_f1_score"] > 0
        assert f"project/{out['destination_project_name']}/" in out["copy_arn"]

        rekognition = client("rekognition", emulator_server)
        source_arn = projects_named(emulator_server, out["source_project_name"])[0]["ProjectArn"]
        policies = rekognition.list_project_policies(ProjectArn=source_arn)["ProjectPolicies"]
        assert [p["PolicyName"] for p in policies] == ["allow-copy"]
        statement = json.loads(policies[0]["PolicyDocument"])["Statement"][0]
        assert statement["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
        assert statement["Action"] == "rekognition:CopyProjectVersion"
    finally:
        s.destroy(on_output=print)
    for name in (out["source_project_name"], out["destination_project_name"]):
        assert projects_named(emulator_server, name) == []
