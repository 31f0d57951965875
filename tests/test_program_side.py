"""A program declares resources without loading their providers: each resource hands Pulumi a
reference that the provider host unpickles into the resource's provider, and the class paths
that earlier releases pickled into their stacks still load."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import dill
import pytest

from rcl_resources.registry import BY_NAME, KINDS

REPO = Path(__file__).resolve().parent.parent

# Declares one of each resource a program can declare without a folder on disk, under Pulumi's
# mocks, and prints what the program loaded and each resource's pickled provider.
PROGRAM = """
import asyncio, json, sys
import pulumi

class Mocks(pulumi.runtime.Mocks):
    providers = {}
    def new_resource(self, args):
        provider = args.inputs["__provider"]  # a secret: the SDK's signature and its value
        self.providers[args.typ.rsplit(":", 1)[-1]] = provider.get("value", provider)
        return f"{args.name}-id", dict(args.inputs)
    def call(self, args):
        return {}

asyncio.set_event_loop(asyncio.new_event_loop())
mocks = Mocks()
pulumi.runtime.set_mocks(mocks, project="program", stack="test", preview=True)
import rcl_resources as rcl

@pulumi.runtime.test
def program():
    project = rcl.Project("project", tags={"team": "vision"})
    train = rcl.Dataset("train", project_arn=project.arn, dataset_type="TRAIN")
    model = rcl.ProjectVersion("model", project_arn=project.arn, datasets=[train.revision],
                               output_config={"s3_bucket": "b"})
    rcl.ProjectPolicy("policy", project_arn=project.arn, policy_name="p",
                      policy_document={"Version": "2012-10-17", "Statement": []})
    return model.urn

program()
loaded = sorted(m for m in sys.modules
                if m.split(".")[0] in ("pydantic", "botocore", "boto3", "numpy", "PIL")
                or m.startswith("rcl_resources.providers"))
print(json.dumps({"loaded": loaded, "providers": mocks.providers}))
"""


@pytest.fixture(scope="module")
def declared() -> dict[str, object]:
    run = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def test_declaring_resources_loads_no_provider_code(declared: dict[str, object]) -> None:
    assert declared["loaded"] == []


def test_each_pickled_provider_unpickles_into_its_resources_provider(
    declared: dict[str, object],
) -> None:
    providers = declared["providers"]
    assert isinstance(providers, dict)
    assert sorted(providers) == ["Dataset", "Project", "ProjectPolicy", "ProjectVersion"]
    for kind, pickled in providers.items():
        provider = dill.loads(base64.b64decode(pickled))
        found = BY_NAME[kind]
        assert type(provider).__module__ == f"rcl_resources.providers.{found.module}"
        assert type(provider).__name__ == found.provider
        assert provider.kind == kind


@pytest.mark.parametrize("kind", sorted(BY_NAME))
def test_the_class_paths_earlier_releases_pickled_still_load(kind: str) -> None:
    module, name = BY_NAME[kind].module, BY_NAME[kind].provider
    # What an earlier release's state holds: the provider class by path, then a new instance.
    earlier = f"crcl_resources.{module}\n{name}\n".encode() + b")\x81."
    provider = dill.loads(earlier)
    assert type(provider).__module__ == f"rcl_resources.providers.{module}"
    assert type(provider).__name__ == name


def test_the_package_s_public_names_are_the_registry_s() -> None:
    """`__all__` and each resource module's exports, which type checkers read as written,
    agree with the one list of resources."""
    import importlib

    import rcl_resources

    assert set(rcl_resources.__all__) == set(rcl_resources._HOME)
    for kind in KINDS:
        module = importlib.import_module(f"rcl_resources.{kind.module}")
        assert set(module.__all__) == {kind.name, *kind.args}, kind.module
        for name in module.__all__:
            assert getattr(rcl_resources, name) is getattr(module, name)
