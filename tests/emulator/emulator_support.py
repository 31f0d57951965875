"""Helpers and fixtures for the emulator suite: one emulator per session, reset per test."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import boto3
import pytest
from botocore.config import Config
from PIL import Image

from rcl_emulator.control import EmulatorControl
from rcl_emulator.server import EmulatorServer

REGION = "us-east-1"
TRANSITIONAL = {"TRAINING_IN_PROGRESS", "COPYING_IN_PROGRESS", "STARTING", "STOPPING", "DELETING"}
BUCKET = "rcl-data"
DIGITS_BUCKET = "rcl-digits"


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(host="127.0.0.1", port=0) as emu:
        yield emu


def make_client(url: str, service: str, region: str = REGION, **config: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(**{"retries": {"mode": "standard", "total_max_attempts": 1}, **config}),
    )


@pytest.fixture
def control(emulator: EmulatorServer) -> EmulatorControl:
    ctl = EmulatorControl(emulator.url)
    ctl.reset(s3=False)
    return ctl


@pytest.fixture
def rek(emulator: EmulatorServer, control: EmulatorControl) -> Any:
    return make_client(emulator.url, "rekognition")


@pytest.fixture
def s3(emulator: EmulatorServer, control: EmulatorControl) -> Any:
    client = make_client(emulator.url, "s3")
    if BUCKET not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
        client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture(scope="session")
def digits(emulator: EmulatorServer) -> list[dict[str, Any]]:
    """Manifest lines for the first 400 digits, uploaded once per session."""
    from concurrent.futures import ThreadPoolExecutor

    client = make_client(emulator.url, "s3", max_pool_connections=8)
    client.create_bucket(Bucket=DIGITS_BUCKET)
    pngs, targets = digit_pngs()

    def put(i: int) -> dict[str, Any]:
        key = f"digits/{i}.png"
        client.put_object(Bucket=DIGITS_BUCKET, Key=key, Body=pngs[i])
        return label_line(f"s3://{DIGITS_BUCKET}/{key}", str(targets[i]))

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(put, range(400)))


def wait_for(
    fetch: Callable[[], Any],
    done: Callable[[Any], bool],
    timeout: float = 60,
    interval: float = 0.05,
) -> Any:
    """Poll ``fetch`` until ``done(value)``; returns the last value."""
    deadline = time.time() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out; last value: {value!r}")
        time.sleep(interval)


@lru_cache(maxsize=1)
def digit_pngs() -> tuple[list[bytes], list[int]]:
    """sklearn's 1,797 8x8 digits upscaled to 64x64 PNG, and their targets."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    pngs = []
    for img in digits.images:
        pixels = (img * (255 / 16)).astype("uint8")
        buf = io.BytesIO()
        Image.fromarray(pixels, mode="L").resize((64, 64), Image.BILINEAR).save(buf, "PNG")
        pngs.append(buf.getvalue())
    return pngs, [int(t) for t in digits.target]


def label_line(uri: str, label: str, attr: str = "digit") -> dict[str, Any]:
    return {
        "source-ref": uri,
        attr: 1,
        f"{attr}-metadata": {
            "confidence": 1,
            "class-name": label,
            "human-annotated": "yes",
            "creation-date": "2024-01-01T00:00:00.000Z",
            "type": "groundtruth/image-classification",
            "job-name": "labeling-job/digits",
        },
    }


def upload_digits(
    s3: Any, indices: list[int], prefix: str = "digits", bucket: str = BUCKET
) -> list[dict[str, Any]]:
    """Upload the given digits; return one classification manifest line per image."""
    pngs, targets = digit_pngs()
    lines = []
    for i in indices:
        key = f"{prefix}/{i}.png"
        s3.put_object(Bucket=bucket, Key=key, Body=pngs[i])
        lines.append(label_line(f"s3://{bucket}/{key}", str(targets[i])))
    return lines


def put_manifest(
    s3: Any, lines: list[Any], key: str | None = None, bucket: str = BUCKET
) -> dict[str, str]:
    """Write a manifest (dicts become JSON, strings are written verbatim)."""
    key = key or f"manifests/{uuid.uuid4().hex}.manifest"
    body = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
    return {"Bucket": bucket, "Name": key}


def subset(n: int, labels: tuple[int, ...] = tuple(range(10)), offset: int = 0) -> list[int]:
    """The first ``n`` digit indices (after ``offset``) whose target is in ``labels``."""
    _, targets = digit_pngs()
    out = [i for i, t in enumerate(targets) if t in labels][offset:]
    return out[:n]


def project_status(rek: Any, name: str) -> str | None:
    found = rek.describe_projects(ProjectNames=[name])["ProjectDescriptions"]
    return found[0]["Status"] if found else None


def create_project(rek: Any, name: str, **kw: Any) -> str:
    arn = rek.create_project(ProjectName=name, **kw)["ProjectArn"]
    wait_for(
        lambda: rek.describe_projects(
            ProjectNames=[name], Features=["CUSTOM_LABELS", "CONTENT_MODERATION"]
        )["ProjectDescriptions"][0]["Status"],
        lambda s: s == "CREATED",
    )
    return arn


def dataset_status(rek: Any, arn: str) -> dict[str, Any]:
    return rek.describe_dataset(DatasetArn=arn)["DatasetDescription"]


def wait_dataset(rek: Any, arn: str) -> dict[str, Any]:
    return wait_for(
        lambda: dataset_status(rek, arn), lambda d: not d["Status"].endswith("IN_PROGRESS")
    )


def version(rek: Any, project_arn: str, name: str) -> dict[str, Any] | None:
    found = rek.describe_project_versions(ProjectArn=project_arn, VersionNames=[name])
    items = found["ProjectVersionDescriptions"]
    return items[0] if items else None


def wait_version(rek: Any, project_arn: str, name: str, timeout: float = 120) -> dict[str, Any]:
    return wait_for(
        lambda: version(rek, project_arn, name),
        lambda v: v is not None and v["Status"] not in TRANSITIONAL,
        timeout=timeout,
    )
