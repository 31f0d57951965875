"""A new user's machine: the release artefacts in dist/, a mirror that serves them the way a
GitHub release would, and the Pulumi CLI run with nothing of this checkout around it."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomllib

from tests.e2e.stacks import REPO
from tests.examples.support import client, projects_named

DIST = REPO / "dist"
VERSION: str = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
PLUGIN_ARCHIVE = f"pulumi-resource-rcl-v{VERSION}-linux-amd64.tar.gz"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_REGION": "us-east-1",
}


def artefact(name: str) -> Path:
    """A release artefact of this version in dist/."""
    path = DIST / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make dist` (make test runs it)")
    return path


class Mirror:
    """dist/ over HTTP on loopback, as the CLI's PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES names it;
    records every path asked for."""

    def __init__(self, url: str, requested: list[str]) -> None:
        self.url = url
        self.requested = requested

    @property
    def overrides(self) -> str:
        return f".*={self.url}"


@contextmanager
def mirror_of(folder: Path) -> Iterator[Mirror]:
    requested: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            requested.append(self.path)

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Mirror(f"http://127.0.0.1:{server.server_port}/", requested)
    finally:
        server.shutdown()
        server.server_close()


def machine_env(
    home: Path, engine: Path, mirror: Mirror, path: tuple[Path, ...] = ()
) -> dict[str, str]:
    """The environment of a machine with the Pulumi CLI (and its language hosts), Node.js and
    the system: a fresh PULUMI_HOME, no plugin on PATH, automatic plugin downloads on, nothing
    of this checkout's virtualenv. `path` goes first (e.g. the user's own virtualenv)."""
    env = {
        "HOME": os.environ.get("HOME", str(home)),
        "PATH": os.pathsep.join(
            [*map(str, path), str(engine), "/usr/local/bin", "/usr/bin", "/bin"]
        ),
        "PULUMI_HOME": str(home / "pulumi-home"),
        "PULUMI_BACKEND_URL": f"file://{home / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "new-user",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES": mirror.overrides,
        **CREDENTIALS,
    }
    (home / "state").mkdir(parents=True, exist_ok=True)
    for tool in ("go", "node", "npm", "npx"):  # wherever this machine has them
        found = shutil.which(tool)
        if found and str(Path(found).parent) not in env["PATH"].split(os.pathsep):
            env["PATH"] += os.pathsep + str(Path(found).parent)
    return env


def run(
    *args: str, cwd: Path, env: Mapping[str, str], ok: bool = True, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        args, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout
    )
    print(f"$ {' '.join(args)}\n{done.stdout[-4000:]}{done.stderr[-4000:]}")
    if ok:
        said = f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        assert done.returncode == 0, f"{' '.join(args)} failed:\n{said}"
    return done


def installed_plugins(env: Mapping[str, str]) -> list[str]:
    """The plugin directories in the user's PULUMI_HOME, e.g. `resource-rcl-v0.3.0`."""
    plugins = Path(env["PULUMI_HOME"]) / "plugins"
    if not plugins.is_dir():
        return []
    return sorted(p.name for p in plugins.iterdir() if p.is_dir())


class UserStack:
    """A stack of a project in `work`, driven with the `pulumi` command as a user types it."""

    def __init__(self, work: Path, env: Mapping[str, str]) -> None:
        self.work, self.env = work, dict(env)

    def pulumi(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        return run("pulumi", *args, "--non-interactive", cwd=self.work, env=self.env, ok=ok)

    def create(self, config: Mapping[str, str]) -> UserStack:
        self.pulumi("stack", "init", "dev")
        for key, value in config.items():
            self.pulumi("config", "set", key, value)
        return self

    def outputs(self) -> dict[str, Any]:
        """The stack's outputs, keyed without case or underscores (`modelstatus`)."""
        values = json.loads(self.pulumi("stack", "output", "--json").stdout)
        return {key.replace("_", "").lower(): value for key, value in values.items()}


def emulator_config(emulator: str, folder: Path) -> dict[str, str]:
    return {
        "rcl:endpointUrl": emulator,
        "rcl:s3EndpointUrl": emulator,
        "rcl:region": CREDENTIALS["AWS_REGION"],
        "bucket": "rcl-examples",
        "folder": str(folder),
    }


def up_again_and_destroy(
    stack: UserStack, emulator: str, mirror: Mirror, *up_options: str
) -> dict[str, Any]:
    """The user's first `up` (with `up_options`) downloads the plugin and leaves a model
    RUNNING, a second `up` changes nothing, and `destroy` leaves nothing behind. Returns the
    first up's outputs."""
    asked = mirror.requested.count(f"/{PLUGIN_ARCHIVE}")
    stack.pulumi("up", "--yes", *up_options)
    assert mirror.requested.count(f"/{PLUGIN_ARCHIVE}") == asked + 1  # fetched by the CLI
    assert installed_plugins(stack.env) == [f"resource-rcl-v{VERSION}"]
    out = stack.outputs()
    rekognition = client("rekognition", emulator)
    try:
        assert out["modelstatus"] == "RUNNING"
        assert out["f1score"] > 0.8
        labels = out.get("labels") or sorted(m["label"] for m in out["labelmetrics"])
        assert labels == ["0", "1", "7"]
        assert out["trainentries"] > 0
        projects = projects_named(emulator, out["projectname"])
        assert len(projects) == 1
        tags = rekognition.list_tags_for_resource(ResourceArn=projects[0]["ProjectArn"])["Tags"]
        assert tags["team"] == "vision"

        stack.pulumi("up", "--yes", "--expect-no-changes")
    finally:
        stack.pulumi("destroy", "--yes")
    assert projects_named(emulator, out["projectname"]) == []
    return out


@dataclass
class Newcomer:
    """Someone trying an example from a directory of their own, on a machine with the Pulumi
    CLI, Node.js and the system, against the emulator."""

    home: Path
    engine: Path
    mirror: Mirror
    emulator: str
    images: Path

    def example(self, name: str) -> Path:
        """The example's folder, copied to the user's directory."""
        work = self.home / name
        shutil.copytree(
            REPO / "examples" / name,
            work,
            ignore=shutil.ignore_patterns(
                "node_modules", "bin", "venv", "__pycache__", "Pulumi.*.yaml"
            ),
        )
        return work

    def env(self, *path: Path) -> dict[str, str]:
        return machine_env(self.home, self.engine, self.mirror, path)

    def stack(self, work: Path, *path: Path) -> UserStack:
        """A new stack of the project in `work`, configured for the emulator."""
        return UserStack(work, self.env(*path)).create(emulator_config(self.emulator, self.images))

    def up_again_and_destroy(self, stack: UserStack, *up_options: str) -> dict[str, Any]:
        return up_again_and_destroy(stack, self.emulator, self.mirror, *up_options)
