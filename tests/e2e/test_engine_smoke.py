"""The real Pulumi CLI drives a Python dynamic provider: up, no-op up, destroy."""

from __future__ import annotations

from pathlib import Path

import pytest

from .stacks import outputs, stack, write_project

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

import smoke_provider

thing = smoke_provider.Greeting("hello", {"name": "world", "greeting": None})
pulumi.export("greeting", thing.greeting)
"""

PROVIDER = """
import uuid
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class GreetingProvider(ResourceProvider):
    def create(self, props):
        return CreateResult(uuid.uuid4().hex, {**props, "greeting": f"hello, {props['name']}"})


class Greeting(Resource, module="smoke", name="Greeting"):
    def __init__(self, name, props, opts=None):
        super().__init__(GreetingProvider(), name, props, opts)
"""


def test_up_noop_destroy(pulumi_engine: Path, tmp_path: Path) -> None:
    work = write_project(tmp_path / "project", PROGRAM, name="smoke")
    (work / "smoke_provider.py").write_text(PROVIDER)
    s = stack(work, tmp_path / "state")

    first = s.up(on_output=print)
    assert outputs(first)["greeting"] == "hello, world"
    assert first.summary.resource_changes == {"create": 2}

    second = s.up(on_output=print)
    assert second.summary.resource_changes == {"same": 2}

    s.destroy(on_output=print)
    assert s.export_stack().deployment.get("resources") in (None, [])
