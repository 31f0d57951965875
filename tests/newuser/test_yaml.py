"""A YAML team runs examples/yaml from its own directory: nothing to install but the Pulumi
CLI; the program pins the provider's release, and `pulumi up` downloads its plugin."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.stacks import REPO

from .support import VERSION, Newcomer

pytestmark = pytest.mark.e2e

EXAMPLE = REPO / "examples" / "yaml"


def test_the_yaml_example_pins_this_release() -> None:
    pinned = re.findall(r"(?m)^\s+version: (\S+)$", (EXAMPLE / "Pulumi.yaml").read_text())
    assert pinned == [VERSION]


def test_yaml_program_downloads_the_plugin_and_trains_a_model(
    newcomer: Newcomer, tmp_path: Path
) -> None:
    if not (newcomer.engine / "pulumi-language-yaml").exists():
        pytest.fail("pulumi-language-yaml is missing; run `bash scripts/install-pulumi`")
    stack = newcomer.stack(newcomer.example("yaml"))
    events = tmp_path / "events.jsonl"
    stack.env["PULUMI_DEBUG_COMMANDS"] = "true"  # enables --event-log, as the Automation API does
    newcomer.up_again_and_destroy(stack, "--event-log", str(events))

    # Progress lands on the resource that is working, not on the stack.
    diagnostics = [
        event["diagnosticEvent"]
        for event in map(json.loads, events.read_text().splitlines())
        if "diagnosticEvent" in event
    ]
    said = [(d.get("urn", "").rsplit("::", 1)[-1], d["message"]) for d in diagnostics]
    assert any(who == "images" and "uploaded" in what for who, what in said), said
    assert any(who == "model" and "TRAINING_IN_PROGRESS" in what for who, what in said), said
