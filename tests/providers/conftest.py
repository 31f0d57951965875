"""Provider handlers called the way the Pulumi engine calls them, against the emulator."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from rcl_resources.image_folders import upload_image_folder


def connection(url: str) -> dict[str, Any]:
    return {"region": "us-east-1", "endpoint_url": url}


def checked(provider: Any, news: dict[str, Any], olds: dict[str, Any] | None = None) -> dict:
    """Run check(); fail the test with the failures if there are any."""
    result = provider.check(olds or {}, news)
    assert not result.failures, [(f.property, f.reason) for f in result.failures]
    return result.inputs


def failures(provider: Any, news: dict[str, Any]) -> dict[str, str]:
    """check()'s failures as {property: reason}."""
    return {f.property: f.reason for f in provider.check({}, news).failures}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture()
def rekognition(aws_env: str) -> Any:
    return boto3.client("rekognition", region_name="us-east-1")


@pytest.fixture()
def s3(aws_env: str) -> Any:
    return boto3.client("s3", region_name="us-east-1")


@pytest.fixture()
def manifest(s3: Any, small_digits: Path) -> dict[str, str]:
    """A bucket holding the small digits set and its manifest."""
    bucket = unique("data")
    s3.create_bucket(Bucket=bucket)
    upload = upload_image_folder(s3, small_digits, bucket, "digits")
    return {"bucket": bucket, "name": upload.manifest_key}
