"""examples/content-moderation-adapter through the real CLI against the emulator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.stacks import outputs

from .support import EXAMPLES, client, example_stack, projects_named

pytestmark = pytest.mark.e2e


def test_adapter_trains_with_content_moderation(
    pulumi_engine: Path, emulator_server: str, tmp_path: Path
) -> None:
    folder = tmp_path / "images"
    subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "content-moderation-adapter" / "make_images.py"),
            str(folder),
        ],
        check=True,
    )
    s, _ = example_stack(
        "content-moderation-adapter", tmp_path, emulator_server, {"folder": str(folder)}
    )
    try:
        out = outputs(s.up(on_output=print))
        assert out["labels"] == ["Alcohol", "Gambling"]
        assert out["adapter_status"] == "TRAINING_COMPLETED"
        assert out["f1_score"] > 0

        rekognition = client("rekognition", emulator_server)
        project = projects_named(emulator_server, out["project_name"])[0]
        assert project["Feature"] == "CONTENT_MODERATION"
        assert project["AutoUpdate"] == "ENABLED"
        version = rekognition.describe_project_versions(ProjectArn=project["ProjectArn"])[
            "ProjectVersionDescriptions"
        ][0]
        assert version["ProjectVersionArn"] == out["adapter_arn"]
        assert version["Feature"] == "CONTENT_MODERATION"
        assert version["FeatureConfig"] == {"ContentModeration": {"ConfidenceThreshold": 60}}
    finally:
        s.destroy(on_output=print)
    assert projects_named(emulator_server, out["project_name"]) == []
