"""Run an example directory through the real Pulumi CLI against the emulator."""

from __future__ import annotations

import re
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
from pulumi import automation as auto

from tests.e2e.stacks import REPO, stack

EXAMPLES = REPO / "examples"
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def client(service: str, url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def copy_example(name: str, dest: Path) -> Path:
    """The example's directory copied to `dest`, its virtualenv pointed at this interpreter's."""
    work = dest / name
    shutil.copytree(
        EXAMPLES / name,
        work,
        ignore=shutil.ignore_patterns("Pulumi.*.yaml", "__pycache__", "node_modules", "bin"),
    )
    project = (work / "Pulumi.yaml").read_text()
    if re.search(r"(?m)^runtime: (yaml|nodejs)$", project):
        return work  # no virtualenv: the plugin comes from this interpreter's bin on PATH
    project, count = re.subn(r"(?m)^(\s*virtualenv:).*$", rf"\1 {Path(sys.prefix)}", project)
    assert count == 1, "the example's Pulumi.yaml names no virtualenv"
    (work / "Pulumi.yaml").write_text(project)
    return work


def example_stack(
    name: str, root: Path, url: str, config: dict[str, str]
) -> tuple[auto.Stack, str]:
    """A stack of the example on a fresh bucket; returns the stack and the bucket name."""
    bucket = f"ex-{uuid.uuid4().hex[:10]}"
    client("s3", url).create_bucket(Bucket=bucket)
    work = copy_example(name, root)
    project = re.search(r"(?m)^name:\s*(\S+)", (work / "Pulumi.yaml").read_text())
    assert project
    s = stack(work, root / "state", env={**CREDENTIALS, "AWS_REGION": REGION})
    values = {
        "rcl:endpointUrl": url,
        "rcl:s3EndpointUrl": url,
        "rcl:region": REGION,
        "bucket": bucket,
        **config,
    }
    s.set_all_config(
        {
            (k if ":" in k else f"{project.group(1)}:{k}"): auto.ConfigValue(v)
            for k, v in values.items()
        }
    )
    return s, bucket


def projects_named(url: str, name: str) -> list[dict[str, Any]]:
    rekognition = client("rekognition", url)
    found = rekognition.describe_projects(
        ProjectNames=[name], Features=["CUSTOM_LABELS", "CONTENT_MODERATION"]
    )
    return list(found["ProjectDescriptions"])
