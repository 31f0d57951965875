"""The detect command against a stubbed Rekognition client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from rcl_demo.detect import main
from rcl_demo.outputs import load_stack_outputs

MODEL_ARN = (
    "arn:aws:rekognition:us-east-1:123456789012:project/digits/version/digits.v1/1700000000000"
)


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"model_arn": MODEL_ARN, "region": "us-east-1"}))
    return path


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "0042.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    return path


@pytest.fixture
def rekognition() -> Any:
    return boto3.client(
        "rekognition",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_prints_labels_by_confidence(
    outputs: Path, image: Path, rekognition: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with Stubber(rekognition) as stubber:
        stubber.add_response(
            "detect_custom_labels",
            {
                "CustomLabels": [
                    {"Name": "8", "Confidence": 12.04},
                    {"Name": "3", "Confidence": 87.5},
                ]
            },
            {
                "ProjectVersionArn": MODEL_ARN,
                "Image": {"Bytes": image.read_bytes()},
                "MinConfidence": 10.0,
            },
        )
        code = main(["--outputs", str(outputs), str(image), "--min-confidence", "10"], rekognition)
        stubber.assert_no_pending_responses()
    assert code == 0
    assert capsys.readouterr().out.splitlines() == ["3  87.5%", "8  12.0%"]


def test_without_min_confidence_the_model_thresholds_apply(
    outputs: Path, image: Path, rekognition: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with Stubber(rekognition) as stubber:
        stubber.add_response(
            "detect_custom_labels",
            {"CustomLabels": []},
            {"ProjectVersionArn": MODEL_ARN, "Image": {"Bytes": image.read_bytes()}},
        )
        assert main(["--outputs", str(outputs), str(image)], rekognition) == 0
    out = capsys.readouterr().out
    assert "no labels above the confidence threshold" in out
    assert "--min-confidence 0" in out


def test_model_not_running_tells_how_to_start_it(
    outputs: Path, image: Path, rekognition: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with Stubber(rekognition) as stubber:
        stubber.add_client_error(
            "detect_custom_labels",
            service_error_code="ResourceNotReadyException",
            service_message="ProjectVersion is not running",
        )
        assert main(["--outputs", str(outputs), str(image)], rekognition) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert "not running" in lines[0]
    assert "running: true" in lines[0] and "make up" in lines[0]


def test_other_service_errors_are_one_line(
    outputs: Path, image: Path, rekognition: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with Stubber(rekognition) as stubber:
        stubber.add_client_error(
            "detect_custom_labels",
            service_error_code="InvalidImageFormatException",
            service_message="bad image",
        )
        assert main(["--outputs", str(outputs), str(image)], rekognition) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "PNG or JPEG" in err and "Traceback" not in err


def test_missing_outputs_file(
    image: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--outputs", str(tmp_path / "none.json"), str(image)]) == 1
    assert "pulumi stack output --json" in capsys.readouterr().err


def test_missing_model_arn(tmp_path: Path, image: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"region": "us-east-1", "endpoint_url": None}))
    assert main(["--outputs", str(outputs), str(image)]) == 1
    assert "model_arn" in capsys.readouterr().err


def test_missing_image(outputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--outputs", str(outputs), str(tmp_path / "nope.png")]) == 1
    assert "nope.png" in capsys.readouterr().err


def test_clients_follow_the_endpoint_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"region": "eu-west-1", "endpoint_url": "http://127.0.0.1:4566"}))
    client = load_stack_outputs(path).client("rekognition")
    assert client.meta.endpoint_url == "http://127.0.0.1:4566"
    assert client.meta.region_name == "eu-west-1"
