"""Secrets stay secret through the plugin: a secret input comes back as a secret output, and
the state never holds it in plain text, after an up and after a refresh."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .stacks import engine_env

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
    work, state = tmp_path / "project", tmp_path / "state"
    work.mkdir()
    (work / "Pulumi.yaml").write_text(PROGRAM)
    env = {
        **os.environ,
        **engine_env(state, {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}),
    }

    def pulumi(*args: str) -> str:
        run = subprocess.run(
            ["pulumi", *args, "--stack", "test"], cwd=work, env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        return run.stdout

    def plaintext_in_state() -> list[Path]:
        return [p for p in state.rglob("*.json") if "the-secret-team" in p.read_text()]

    subprocess.run(["pulumi", "stack", "init", "test"], cwd=work, env=env, check=True)
    pulumi("config", "set", "rcl:endpointUrl", emulator_server)
    pulumi("config", "set", "rcl:region", "us-east-1")
    try:
        pulumi("up", "--yes", "--skip-preview")
        assert pulumi("stack", "output", "tags") == "[secret]\n"
        assert '"the-secret-team"' in pulumi("stack", "output", "tags", "--show-secrets")
        assert plaintext_in_state() == []
        pulumi("refresh", "--yes")
        assert plaintext_in_state() == []
    finally:
        pulumi("destroy", "--yes", "--skip-preview")
