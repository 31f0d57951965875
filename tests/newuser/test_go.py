"""A Go team adds the SDK with `go get github.com/rcl-resources/rcl-resources/sdk` and builds
examples/go from its own directory. Go programs cannot run here (no Go language host is
served), so the build is the check; the module is taken from this checkout with a `replace`,
as the tag `sdk/v<version>` is what the release publishes."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.stacks import REPO

from .support import VERSION, run

pytestmark = pytest.mark.e2e

MODULE = "github.com/rcl-resources/rcl-resources/sdk"


def test_the_sdk_module_path_is_the_one_users_go_get() -> None:
    assert re.search(r"(?m)^module (\S+)$", (REPO / "sdk" / "go.mod").read_text())[1] == MODULE  # type: ignore[index]
    example = (REPO / "examples" / "go" / "go.mod").read_text()
    assert f"\t{MODULE} v{VERSION}\n" in example


def test_go_program_builds_against_the_sdk(tmp_path: Path) -> None:
    go = shutil.which("go")
    if go is None:
        pytest.fail("Go is needed to build the Go SDK")
    work = tmp_path / "rcl-go"
    shutil.copytree(REPO / "examples" / "go", work)
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"}
    run(go, "mod", "edit", f"-replace={MODULE}={REPO / 'sdk'}", cwd=work, env=env)
    run(go, "mod", "tidy", cwd=work, env=env)
    run(go, "build", "-o", str(tmp_path / "rcl-go-program"), ".", cwd=work, env=env)
    assert (tmp_path / "rcl-go-program").is_file()
