"""A Python team installs the SDK from PyPI (here: the release's `pulumi_rcl` wheel) into its
project's virtualenv and runs examples/python-sdk: `pulumi up` downloads the plugin by itself;
nothing of rcl_resources is installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .support import VERSION, Newcomer, artefact, run

pytestmark = pytest.mark.e2e


def test_python_program_installs_the_sdk_and_the_plugin_and_trains_a_model(
    newcomer: Newcomer,
) -> None:
    work = newcomer.example("python-sdk")
    # The virtualenv the project's Pulumi.yaml names, made as a user makes it: the SDK comes
    # from the release, and the Pulumi SDK matches the engine here.
    env = newcomer.env()
    run(str(Path(sys.base_prefix) / "bin" / "python3"), "-m", "venv", "venv", cwd=work, env=env)
    pip = (str(work / "venv" / "bin" / "python"), "-m", "pip")
    run(
        *pip,
        "install",
        "--quiet",
        "-r",
        "requirements.txt",
        str(artefact(f"pulumi_rcl-{VERSION}-py3-none-any.whl")),
        "pulumi==3.259.0",
        cwd=work,
        env=env,
    )
    listed = run(*pip, "list", "--format=freeze", cwd=work, env=env).stdout
    assert "rcl-resources" not in listed and "rcl_resources" not in listed

    # The language host here ignores `virtualenv:` and runs the first python3 on PATH.
    stack = newcomer.stack(work, work / "venv" / "bin")
    newcomer.up_again_and_destroy(stack)
