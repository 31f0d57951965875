"""Helpers that run a Pulumi program through the Automation API on a file backend."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi import automation as auto

REPO = Path(__file__).resolve().parents[2]


def let_the_engine_stop_its_plugins() -> None:
    """Give the CLIs this process starts the default SIGINT. The engine stops each plugin with
    SIGINT and kills it 5 s later; a process started with SIGINT ignored (under nohup, or with
    `&` in a script) passes that on through the CLI to every plugin, so each CLI run would
    wait out those 5 s."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def engine_env(state_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the CLI: local file backend, no update checks, no plugin downloads."""
    state_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "PULUMI_BACKEND_URL": f"file://{state_dir}",
        "PULUMI_CONFIG_PASSPHRASE": "test-passphrase",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_HOME": str(state_dir / "home"),
        # The provider process imports rcl_resources and the test's own modules from here.
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        # The language host runs the first `python3` on PATH: this virtualenv's.
        "PATH": os.pathsep.join([str(Path(sys.prefix) / "bin"), os.environ.get("PATH", "")]),
    }
    env.update(extra or {})
    return env


def write_project(work_dir: Path, program: str, name: str = "rcl-test") -> Path:
    """A Pulumi project using this repository's virtualenv."""
    work_dir.mkdir(parents=True, exist_ok=True)
    venv = Path(sys.prefix)
    (work_dir / "Pulumi.yaml").write_text(
        f"name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: {venv}\n"
    )
    (work_dir / "__main__.py").write_text(textwrap.dedent(program))
    return work_dir


def stack(
    work_dir: Path, state_dir: Path, stack_name: str = "test", env: dict[str, str] | None = None
) -> auto.Stack:
    """Create or select a stack of the project in `work_dir`."""
    return auto.create_or_select_stack(
        stack_name=stack_name,
        work_dir=str(work_dir),
        opts=auto.LocalWorkspaceOptions(env_vars=engine_env(state_dir, env)),
    )


def outputs(result: Any) -> dict[str, Any]:
    """Plain values of an up result's outputs."""
    return {k: v.value for k, v in result.outputs.items()}


def cli_stack(
    work_dir: Path, state_dir: Path, program: str, config: dict[str, str]
) -> Callable[..., str]:
    """A stack of a YAML `program` driven through the CLI itself (what the Automation API cannot
    do: `pulumi import`, `package`, expected failures). Returns `pulumi(*args, ok=True)`, which
    runs a command on the stack and returns its output."""
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "Pulumi.yaml").write_text(program)
    credentials = {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}
    env = {**os.environ, **engine_env(state_dir, credentials)}

    def pulumi(*args: str, ok: bool = True) -> str:
        run = subprocess.run(
            ["pulumi", *args, "--stack", "test"],
            cwd=work_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert (run.returncode == 0) == ok, run.stdout[-3000:] + run.stderr[-3000:]
        return run.stdout + run.stderr

    subprocess.run(["pulumi", "stack", "init", "test"], cwd=work_dir, env=env, check=True)
    for key, value in config.items():
        pulumi("config", "set", key, value)
    return pulumi
