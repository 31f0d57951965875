"""Secrets stay secret through the plugin: a secret input comes back as a secret output, and
the state never holds it in plain text, after an up and after a refresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from .stacks import cli_stack

pytestmark = pytest.mark.e2e

PROGRAM = """name: rcl-secrets
runtime: yaml
resources:
  project:
    type: rcl:index:Project
    properties:
      tags:
        team:
          fn::secret: the-secret-team
outputs:
  tags: ${project.tags}
"""


def test_a_secret_input_stays_secret_in_outputs_and_state(
    pulumi_engine: Path, emulator_server: str, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    pulumi = cli_stack(
        tmp_path / "project",
        state,
        PROGRAM,
        {"rcl:endpointUrl": emulator_server, "rcl:region": "us-east-1"},
    )

    def plaintext_in_state() -> list[Path]:
        return [p for p in state.rglob("*.json") if "the-secret-team" in p.read_text()]

    try:
        pulumi("up", "--yes", "--skip-preview")
        assert pulumi("stack", "output", "tags") == "[secret]\n"
        assert '"the-secret-team"' in pulumi("stack", "output", "tags", "--show-secrets")
        assert plaintext_in_state() == []
        pulumi("refresh", "--yes")
        assert plaintext_in_state() == []
    finally:
        pulumi("destroy", "--yes", "--skip-preview")
