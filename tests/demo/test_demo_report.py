"""The evaluation report: rendering a summary and the command that fetches it from S3."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from moto import mock_aws
from PIL import Image

from rcl_demo.drawing import WIDTH
from rcl_demo.report import label_metrics, main, render_report

BUCKET = "rcl-demo-output"
SUMMARY_KEY = "evaluation/EvaluationResultSummary-digits-digits.v1.json"


def synthetic_summary(labels: list[str], *, confusion: bool = True) -> dict[str, Any]:
    """An EvaluationResultSummary shaped like the service's, with made-up numbers."""
    rnd = random.Random(3)
    matrix = [
        {
            "GroundTruthLabel": truth,
            "PredictedLabel": predicted,
            "Value": rnd.randint(25, 40) if truth == predicted else rnd.randint(0, 2),
        }
        for truth in labels
        for predicted in labels
    ]
    aggregated: dict[str, Any] = {"F1Score": 0.93, "Precision": 0.94, "Recall": 0.92}
    if confusion:
        aggregated["ConfusionMatrix"] = matrix
    return {
        "Version": 1,
        "AggregatedEvaluationResults": aggregated,
        "EvaluationDetails": {
            "ProjectVersionArn": "arn:aws:rekognition:us-east-1:123456789012:"
            "project/digits/version/digits.v1/1700000000000",
            "EvaluationEndTimestamp": "2024-05-01T10:00:00.000",
            "Labels": labels,
            "NumberOfTrainingImages": 1414,
            "NumberOfTestingImages": 353,
        },
        "LabelEvaluationResults": [
            {
                "Label": label,
                "NumberOfTestingImages": rnd.randint(30, 40),
                "Metrics": {
                    "F1Score": rnd.uniform(0.8, 1),
                    "Precision": rnd.uniform(0.8, 1),
                    "Recall": rnd.uniform(0.7, 1),
                    "Threshold": rnd.uniform(0.2, 0.6),
                },
            }
            # The service sorts labels by F1; the report must not depend on that order.
            for label in reversed(labels)
        ],
    }


def _assert_drawn_png(path: Path) -> None:
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(path) as image:
        assert image.width == WIDTH
        assert image.height > 600
        pixels = np.asarray(image.convert("L"), dtype=float)
    assert pixels.std() > 20, "the report looks blank"
    assert (pixels < 128).mean() > 0.02


def test_render_ten_label_summary(tmp_path: Path) -> None:
    summary = synthetic_summary([str(d) for d in range(10)])
    out = render_report(summary, tmp_path / "nested" / "evaluation.png")
    assert out == tmp_path / "nested" / "evaluation.png"
    _assert_drawn_png(out)


def test_render_without_confusion_matrix(tmp_path: Path) -> None:
    summary = synthetic_summary(
        ["helmet", "vest", "a-label-with-a-rather-long-name"], confusion=False
    )
    _assert_drawn_png(render_report(summary, tmp_path / "detection.png"))


def test_render_many_labels_and_sparse_fields(tmp_path: Path) -> None:
    summary = synthetic_summary([f"label{i}" for i in range(45)])
    del summary["EvaluationDetails"]["EvaluationEndTimestamp"]
    summary["LabelEvaluationResults"][0]["Metrics"] = {}
    _assert_drawn_png(render_report(summary, tmp_path / "many.png"))


def test_label_metrics_orders_numeric_labels_numerically() -> None:
    summary = synthetic_summary([str(d) for d in range(12)])
    assert [m.label for m in label_metrics(summary)] == [str(d) for d in range(12)]


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps(
            {
                "region": "us-east-1",
                "endpoint_url": None,
                "evaluation_summary": {"bucket": BUCKET, "name": SUMMARY_KEY},
            }
        )
    )
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        yield outputs, s3


def test_cli_fetches_summary_and_prints_the_png_path(
    stack: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs, s3 = stack
    summary = synthetic_summary([str(d) for d in range(10)])
    s3.put_object(Bucket=BUCKET, Key=SUMMARY_KEY, Body=json.dumps(summary).encode())
    out = tmp_path / "reports" / "evaluation.png"
    assert main(["--outputs", str(outputs), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == str(out.resolve())
    assert "digits / digits.v1: F1 0.930" in lines[0]
    assert "353 test images" in lines[0]
    _assert_drawn_png(out)


def test_cli_reports_a_missing_summary_object(
    stack: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs, _ = stack
    assert main(["--outputs", str(outputs), "--out", str(tmp_path / "x.png")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"s3://{BUCKET}/{SUMMARY_KEY}" in err and "make up" in err


def test_cli_without_evaluation_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"region": "us-east-1"}))
    assert main(["--outputs", str(outputs)]) == 1
    err = capsys.readouterr().err
    assert "evaluation_summary" in err and "make up" in err


def test_detection_thumbnails_of_mixed_shapes_are_drawn_whole(tmp_path):
    from PIL import Image as PILImage

    from rcl_demo.report_scenes import THUMB_WIDTH, Scene

    wide = [Scene(PILImage.new("RGB", (256, 192), (200, 200, 200)), [], []) for _ in range(4)]
    tall = Scene(PILImage.new("RGB", (192, 256), (1, 2, 3)), [], [])
    summary = {
        "AggregatedEvaluationResults": {
            "F1Score": 0.9,
            "AveragePrecision": 0.9,
            "AverageRecall": 0.8,
        }
    }
    out = render_report(summary, tmp_path / "r.png", [*wide, tall, *wide[:1]])
    with PILImage.open(out) as drawn:
        colours = dict((c, n) for n, c in drawn.convert("RGB").getcolors(1 << 22))
    assert colours[(1, 2, 3)] == THUMB_WIDTH * round(256 * THUMB_WIDTH / 192)
