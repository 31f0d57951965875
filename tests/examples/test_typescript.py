"""examples/typescript: the seed flow in TypeScript with the generated Node.js SDK, built and
installed the way the example's README says, type-checked with tsc, then run through the CLI's
Node.js language host against the emulator: up (model RUNNING), a no-op up, destroy."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.stacks import REPO, outputs

from .support import example_stack, projects_named

pytestmark = pytest.mark.e2e


def npm(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        ["npm", "--no-audit", "--no-fund", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def built_sdk(root: Path) -> Path:
    """The Node.js SDK compiled to JavaScript, as a package directory."""
    sdk = root / "sdk-nodejs"
    shutil.copytree(
        REPO / "sdk" / "nodejs", sdk, ignore=shutil.ignore_patterns("node_modules", "bin")
    )
    npm("install", cwd=sdk)
    npm("exec", "--", "tsc", cwd=sdk)
    for name in ("package.json", "README.md"):
        shutil.copy(sdk / name, sdk / "bin" / name)
    return sdk / "bin"


def test_typescript_program_trains_and_runs_a_model(
    pulumi_engine: Path, emulator_server: str, small_digits: Path, tmp_path: Path
) -> None:
    if not (pulumi_engine / "pulumi-language-nodejs").exists() or shutil.which("npm") is None:
        pytest.fail("pulumi-language-nodejs or npm is missing; run `bash scripts/install-pulumi`")
    s, _ = example_stack("typescript", tmp_path, emulator_server, {"folder": str(small_digits)})
    work = Path(s.workspace.work_dir)
    npm("install", str(built_sdk(tmp_path)), cwd=work)
    npm("exec", "--", "tsc", "--noEmit", cwd=work)  # the program type-checks against the SDK
    try:
        out = outputs(s.up(on_output=print))
        assert out["modelStatus"] == "RUNNING"
        assert out["f1Score"] > 0.8
        assert out["labels"] == ["0", "1", "7"]
        assert out["trainEntries"] > 0
        assert len(projects_named(emulator_server, out["projectName"])) == 1

        again = s.up(on_output=print)
        assert again.summary.resource_changes == {"same": 6}
    finally:
        s.destroy(on_output=print)
    assert projects_named(emulator_server, out["projectName"]) == []
