"""The generated SDKs: current with the schema, served by the plugin, and compiling."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SDK = REPO / "sdk"


def go() -> str:
    found = shutil.which("go")
    if found is None:
        pytest.fail("Go is needed to generate and build the SDKs (it also builds the Pulumi CLI)")
    return found


def run(*args: str, cwd: Path = REPO) -> str:
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_sdks_are_generated_from_the_current_schema() -> None:
    go()
    run("bash", "scripts/sdk", "--check")


def test_the_plugin_serves_the_committed_schema(pulumi_engine: Path, tmp_path: Path) -> None:
    plugin = shutil.which("pulumi-resource-rcl", path=str(Path(sys.prefix) / "bin"))
    assert plugin, "pulumi-resource-rcl is not in this virtualenv (installed by `make setup`)"
    os.environ.setdefault("PULUMI_HOME", str(tmp_path))
    served = json.loads(run(str(pulumi_engine / "pulumi"), "package", "get-schema", plugin))
    assert served == json.loads((SDK / "schema.json").read_text())


def test_go_sdk_compiles() -> None:
    run(go(), "vet", "./go/...", cwd=SDK)
