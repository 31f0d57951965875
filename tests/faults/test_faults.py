"""Faults during `pulumi up`: throttling and 5xx, lost responses, a killed CLI, an emulator
restart. None may leave anything duplicated, orphaned or running."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rcl_emulator.control import EmulatorControl
from tests.e2e.stacks import REPO, engine_env
from tests.e2e.test_stack import Scenario

pytestmark = pytest.mark.e2e


def versions_of(scenario: Scenario) -> list[dict[str, Any]]:
    return scenario.rekognition.describe_project_versions(
        ProjectArn=scenario.outputs["project_arn"]
    )["ProjectVersionDescriptions"]


def projects_named(scenario: Scenario, prefix: str) -> list[str]:
    found = scenario.rekognition.describe_projects()["ProjectDescriptions"]
    return [p["ProjectArn"] for p in found if f"project/{prefix}-" in p["ProjectArn"]]


@pytest.fixture()
def scenario(
    pulumi_engine: Path, emulator_server: str, small_digits: Path, tmp_path: Path
) -> Iterator[Scenario]:
    s = Scenario(emulator_server, tmp_path, small_digits)
    yield s
    s.control.clear_faults()
    s.control.set_timing(training_seconds=0, start_seconds=0, stop_seconds=0)
    s.stack.destroy(on_output=print)


def test_throttling_and_server_errors_are_retried(scenario: Scenario) -> None:
    scenario.control.set_faults(throttle_rate=0.3, error_rate=0.1)
    scenario.up()
    scenario.control.clear_faults()
    assert scenario.outputs["model_status"] == "RUNNING"
    assert len(versions_of(scenario)) == 1
    assert len(projects_named(scenario, "proj")) == 1
    failed = [r for r in scenario.control.requests_log() if r["error"]]
    assert failed, "the faults were injected"


@pytest.mark.parametrize(
    "operation", ["CreateProject", "CreateDataset", "CreateProjectVersion", "StartProjectVersion"]
)
def test_lost_response_creates_exactly_one(scenario: Scenario, operation: str) -> None:
    scenario.control.set_faults(lose_next_response=operation)
    scenario.up()
    assert scenario.outputs["model_status"] == "RUNNING"
    assert len(versions_of(scenario)) == 1
    assert len(projects_named(scenario, "proj")) == 1


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, found through /proc (plugins start their own groups)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill_tree(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a CLI and everything it started, as a killed CI job would; assert none lives."""
    tree = [process.pid, *descendants(process.pid)]
    assert len(tree) >= 3, "the CLI had not started its language host and provider yet"
    for pid in tree:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in tree if alive(pid)], "orphaned processes"


def test_killed_up_then_up_adopts_the_training(scenario: Scenario) -> None:
    """A `pulumi up` killed mid-training, then the README's recovery: `cancel`, `up` (which
    finds the model the killed run started), `refresh --clear-pending-creates`."""
    scenario.control.set_timing(training_seconds=6)
    scenario.control.reset_requests()
    env = {**os.environ, **scenario.stack.workspace.env_vars}
    cli = subprocess.Popen(
        ["pulumi", "up", "--yes", "--skip-preview", "--stack", "test"],
        cwd=scenario.stack.workspace.work_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(
            r["operation"] == "CreateProjectVersion" and r["status"] == 200
            for r in scenario.control.requests_log()
        ):
            break
        time.sleep(0.2)
    else:
        cli.kill()
        pytest.fail("training never started")
    kill_tree(cli)
    pending = scenario.stack.export_stack().deployment.get("pending_operations") or []
    assert [p["type"] for p in pending] == ["creating"]
    assert pending[0]["resource"]["urn"].endswith("::model")

    scenario.control.set_timing(training_seconds=0)
    scenario.stack.cancel()  # the file backend's lock
    scenario.up()
    versions = versions_of(scenario)
    assert len(versions) == 1
    assert versions[0]["ProjectVersionArn"] == scenario.outputs["model_arn"]
    assert scenario.outputs["model_status"] == "RUNNING"
    assert len(projects_named(scenario, "proj")) == 1
    cleared = subprocess.run(
        [
            "pulumi",
            "refresh",
            "--yes",
            "--skip-preview",
            "--clear-pending-creates",
            "--stack",
            "test",
        ],
        cwd=scenario.stack.workspace.work_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert cleared.returncode == 0, cleared.stdout + cleared.stderr
    assert not scenario.stack.export_stack().deployment.get("pending_operations")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmulatorProcess:
    """The emulator as its own process, so it can be stopped and started again."""

    def __init__(self, state_dir: Path) -> None:
        self.port = _free_port()
        self.state_dir = state_dir
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rcl_emulator",
                "serve",
                "--port",
                str(self.port),
                "--state-dir",
                str(self.state_dir),
            ],
            stdout=subprocess.PIPE,
            cwd=REPO,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        assert line.startswith("rcl-emulator listening on"), line

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


def test_emulator_restart_during_training(
    pulumi_engine: Path, small_digits: Path, tmp_path: Path
) -> None:
    emulator = EmulatorProcess(tmp_path / "emulator-state")
    emulator.start()
    try:
        scenario = Scenario(emulator.url, tmp_path, small_digits)
        EmulatorControl(emulator.url).set_timing(training_seconds=8)
        cli = subprocess.Popen(
            ["pulumi", "up", "--yes", "--skip-preview", "--stack", "test"],
            cwd=scenario.stack.workspace.work_dir,
            env={**os.environ, **engine_env(tmp_path / "state", scenario.stack.workspace.env_vars)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        control = EmulatorControl(emulator.url)
        deadline = time.monotonic() + 120
        while not any(r["operation"] == "CreateProjectVersion" for r in control.requests_log()):
            assert time.monotonic() < deadline, "training never started"
            time.sleep(0.2)
        emulator.stop()
        emulator.start()
        output, _ = cli.communicate(timeout=300)
        assert cli.returncode == 0, output.decode()[-3000:]
        outputs = scenario.stack.outputs()
        assert outputs["model_status"].value == "RUNNING"
        scenario.outputs = {k: v.value for k, v in outputs.items()}
        assert len(versions_of(scenario)) == 1
        scenario.stack.destroy(on_output=print)
    finally:
        emulator.stop()
