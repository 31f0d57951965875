"""examples/content-moderation-adapter through the real CLI against the emulator."""

from __future__ import annotations

import json
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
        assert out["f1_score"] > 0.8
        assert {m["label"] for m in out["label_metrics"]} == {"Alcohol", "Gambling"}
        assert all(m["threshold"] == 0.6 and m["f1_score"] > 0.5 for m in out["label_metrics"])

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

        # The manifest is AWS's adapter format, safe images included.
        manifest = version["TrainingDataResult"]["Input"]["Assets"][0]["GroundTruthManifest"]
        s3 = client("s3", emulator_server)
        body = s3.get_object(
            Bucket=manifest["S3Object"]["Bucket"], Key=manifest["S3Object"]["Name"]
        )["Body"].read()
        lines = [json.loads(line) for line in body.decode().splitlines()]
        assert all(set(line) == {"source-ref", "content-moderation-groundtruth"} for line in lines)
        assert sum(not line["content-moderation-groundtruth"]["ModerationLabels"] for line in lines)

        found = rekognition.detect_moderation_labels(
            Image={"Bytes": (folder / "Gambling" / "0000.png").read_bytes()},
            ProjectVersion=out["adapter_arn"],
        )
        assert found["ProjectVersion"] == out["adapter_arn"]
        assert found["ModerationLabels"][0]["Name"] == "Gambling"
    finally:
        s.destroy(on_output=print)
    assert projects_named(emulator_server, out["project_name"]) == []
