"""A new user's machine, shared by the tests in this folder: the release's plugin served as
a GitHub release would serve it, and the emulator started by the command the README gives,
run from the built wheel."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import DIST, PLUGIN_ARCHIVE, VERSION, Mirror, Newcomer, artefact, mirror_of

BUCKET = "rcl-examples"


@pytest.fixture(scope="session")
def plugin_mirror() -> Iterator[Mirror]:
    artefact(PLUGIN_ARCHIVE)
    with mirror_of(DIST) as mirror:
        yield mirror


@pytest.fixture(scope="session")
def wheel_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`pipx run --spec 'rcl-resources[emulator]' rcl-emulator serve --bucket rcl-examples`,
    with the built wheel in place of the package index; yields the emulator's URL."""
    wheel = artefact(f"rcl_resources-{VERSION}-py3-none-any.whl")
    home = tmp_path_factory.mktemp("pipx")
    pipx = Path(sys.prefix) / "bin" / "pipx"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    process = subprocess.Popen(
        [
            str(pipx),
            "run",
            "--spec",
            f"{wheel}[emulator]",
            "rcl-emulator",
            "serve",
            "--port",
            "0",
            "--bucket",
            BUCKET,
        ],
        env={**env, "PIPX_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    said: list[str] = []
    deadline = time.monotonic() + 600
    url = None
    while url is None and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        said.append(line)
        if line.startswith("rcl-emulator listening on "):
            url = line.split()[-1]
    if url is None:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("the emulator did not start from the wheel:\n" + "".join(said[-40:]))
    # Keep reading what it says, so a full pipe never blocks it.
    threading.Thread(target=said.extend, args=(process.stdout,), daemon=True).start()
    try:
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture()
def newcomer(
    pulumi_engine: Path,
    plugin_mirror: Mirror,
    wheel_emulator: str,
    small_digits: Path,
    tmp_path: Path,
) -> Newcomer:
    return Newcomer(tmp_path, pulumi_engine, plugin_mirror, wheel_emulator, small_digits)
