"""Run examples/with-pulumi-aws under Pulumi's unit-test mocks and check its wiring.

Needs pulumi-aws, so it runs in its own virtualenv (see test_with_pulumi_aws.py):
    python with_pulumi_aws_mocks.py EXAMPLE_DIR IMAGE_FOLDER
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path
from typing import Any

EXAMPLE, FOLDER = Path(sys.argv[1]).resolve(), str(Path(sys.argv[2]).resolve())
PROJECT = "rcl-with-pulumi-aws"
os.environ["PULUMI_CONFIG"] = json.dumps({f"{PROJECT}:folder": FOLDER, "aws:region": "eu-west-1"})

import pulumi  # noqa: E402 - after PULUMI_CONFIG

BUCKET_NAME = "rcl-data-4f3a2b1"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0b6a3d1e-mock"


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.inputs: dict[tuple[str, str], dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.inputs[(args.typ, args.name)] = dict(args.inputs)
        outputs = dict(args.inputs)
        if args.typ == "aws:s3/bucket:Bucket":
            outputs.update(bucket=BUCKET_NAME, arn=f"arn:aws:s3:::{BUCKET_NAME}")
        elif args.typ == "aws:kms/key:Key":
            outputs.update(arn=KEY_ARN, keyId="0b6a3d1e-mock")
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


mocks = Mocks()
pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="test", preview=False)


@pulumi.runtime.test
def run_program() -> None:
    os.chdir(EXAMPLE)
    runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__main__")


run_program()

dynamic = "pulumi-python:dynamic/rcl:"
folder = mocks.inputs[(dynamic + "ImageFolder", "images")]
model = mocks.inputs[(dynamic + "ProjectVersion", "model")]
assert ("aws:s3/bucket:Bucket", "rcl-data") in mocks.inputs, sorted(mocks.inputs)
assert ("aws:kms/key:Key", "rcl-model") in mocks.inputs, sorted(mocks.inputs)
assert folder["bucket"] == BUCKET_NAME, folder
assert folder["folder"] == str(Path(FOLDER).resolve()), folder
assert model["output_config"]["s3_bucket"] == BUCKET_NAME, model
assert model["kms_key_id"] == KEY_ARN, model
assert model["region"] == "eu-west-1", model  # aws:region reaches the rcl resources too
print("with-pulumi-aws wiring ok:", sorted(name for _, name in mocks.inputs))
