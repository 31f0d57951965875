"""The emulator as a process: CLI entry point, SIGTERM, persistence, and the AWS CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from emulator_support import (
    create_project,
    digit_pngs,
    make_client,
    put_manifest,
    version,
    wait_dataset,
    wait_version,
)

OUT = {"S3Bucket": "persist", "S3KeyPrefix": "out"}


class Process:
    """``python -m rcl_emulator serve`` on a free port."""

    def __init__(self, state_dir: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rcl_emulator",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--state-dir",
                str(state_dir),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        assert line.startswith("rcl-emulator listening on http://127.0.0.1:"), line
        self.url = line.rsplit(" ", 1)[1]

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


def test_state_survives_restart(state_dir, digits):
    first = Process(state_dir)
    try:
        rek, s3 = make_client(first.url, "rekognition"), make_client(first.url, "s3")
        s3.create_bucket(Bucket="persist")
        pngs, _ = digit_pngs()
        lines = []
        for i in range(120):
            s3.put_object(Bucket="persist", Key=f"img/{i}.png", Body=pngs[i])
            lines.append({**digits[i], "source-ref": f"s3://persist/img/{i}.png"})
        project = create_project(rek, "persisted", Tags={"keep": "yes"})
        for dtype, part in (("TRAIN", lines[:90]), ("TEST", lines[90:])):
            arn = rek.create_dataset(
                ProjectArn=project,
                DatasetType=dtype,
                DatasetSource={
                    "GroundTruthManifest": {"S3Object": put_manifest(s3, part, bucket="persist")}
                },
            )["DatasetArn"]
            wait_dataset(rek, arn)
        arn = rek.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig=OUT)[
            "ProjectVersionArn"
        ]
        assert wait_version(rek, project, "v1")["Status"] == "TRAINING_COMPLETED"
        rek.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
        assert wait_version(rek, project, "v1")["Status"] == "RUNNING"
        before = rek.detect_custom_labels(
            ProjectVersionArn=arn, MinConfidence=0, Image={"Bytes": pngs[1700]}
        )["CustomLabels"]
        # A training still in progress at shutdown is resumed after the restart.
        rek.get_paginator  # noqa: B018 - keep the client alive
        ctl_timing = {"training_seconds": 60}
        import urllib.request

        urllib.request.urlopen(
            urllib.request.Request(
                first.url + "/_emulator/timing", data=json.dumps(ctl_timing).encode(), method="POST"
            )
        )
        rek.create_project_version(ProjectArn=project, VersionName="v2", OutputConfig=OUT)
        assert version(rek, project, "v2")["Status"] == "TRAINING_IN_PROGRESS"
    finally:
        assert first.terminate() == 0
    assert (state_dir / "state.pkl").exists() and (state_dir / "s3.pkl").exists()

    second = Process(state_dir)
    try:
        rek, s3 = make_client(second.url, "rekognition"), make_client(second.url, "s3")
        assert version(rek, project, "v1")["Status"] == "RUNNING"
        after = rek.detect_custom_labels(
            ProjectVersionArn=arn, MinConfidence=0, Image={"Bytes": pngs[1700]}
        )["CustomLabels"]
        assert [x["Name"] for x in after] == [x["Name"] for x in before]
        assert rek.list_tags_for_resource(ResourceArn=project)["Tags"] == {"keep": "yes"}
        assert s3.get_object(Bucket="persist", Key="img/0.png")["Body"].read() == pngs[0]
        assert wait_version(rek, project, "v2")["Status"] == "TRAINING_COMPLETED"
    finally:
        assert second.terminate() == 0


def test_aws_cli(emulator, rek):
    create_project(rek, "from-boto")
    aws = str(Path(sys.executable).with_name("aws"))
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "AWS_DEFAULT_REGION": "us-east-1",
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [aws, "rekognition", *args, "--endpoint-url", emulator.url, "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    out = cli("describe-projects")
    assert out.returncode == 0, out.stderr
    assert [
        p["ProjectArn"].split("/")[1] for p in json.loads(out.stdout)["ProjectDescriptions"]
    ] == ["from-boto"]
    created = cli("create-project", "--project-name", "from-cli")
    assert created.returncode == 0, created.stderr
    assert ":project/from-cli/" in json.loads(created.stdout)["ProjectArn"]
    dup = cli("create-project", "--project-name", "from-cli")
    assert dup.returncode != 0 and "ResourceInUseException" in dup.stderr
