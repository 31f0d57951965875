"""examples/with-pulumi-aws: its wiring, checked with Pulumi's mocks in a virtualenv that has
pulumi-aws (never installed in the repository's own: the language host would ask for the
plugin). The virtualenv is cached outside the clone and reused."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.stacks import REPO

from .support import EXAMPLES

pytestmark = pytest.mark.e2e

EXAMPLE = EXAMPLES / "with-pulumi-aws"
VENV = Path(
    os.environ.get("RCL_PULUMI_AWS_VENV")
    or Path.home() / ".cache" / "rcl-resources" / "venv-pulumi-aws"
)
# rcl-resources itself comes from PYTHONPATH; its dependencies are installed.
RUNTIME_DEPS = ["boto3>=1.35", "pydantic>=2.6,<3"]


def requirements() -> list[str]:
    lines = (EXAMPLE / "requirements.txt").read_text().splitlines()
    return [x.strip() for x in lines if x.strip() and not x.startswith(("#", "-e"))]


def pulumi_aws_venv() -> Path:
    """The cached virtualenv, (re)installed when the example's requirements change."""
    wanted = requirements() + RUNTIME_DEPS
    stamp = hashlib.sha256("\n".join(wanted).encode()).hexdigest()[:16]
    marker = VENV / ".rcl-requirements"
    python = VENV / "bin" / "python"
    if python.exists() and marker.exists() and marker.read_text() == stamp:
        return python
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *wanted],
            check=True,
            timeout=900,
        )
    except (subprocess.SubprocessError, OSError) as err:
        if os.environ.get("RCL_REQUIRE_ENGINE") == "1" or os.environ.get("CI"):
            raise
        pytest.skip(f"could not install pulumi-aws into {VENV}: {err}")
    marker.write_text(stamp)
    return python


def test_bucket_and_key_from_pulumi_aws_reach_the_rcl_resources(tmp_path: Path) -> None:
    folder = tmp_path / "images"
    for label in ("cat", "dog"):
        (folder / label).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB", (64, 64), (40 * i, 90, 0)).save(folder / label / f"{i}.png")
    python = pulumi_aws_venv()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "AWS_ACCESS_KEY_ID": "mock",
        "AWS_SECRET_ACCESS_KEY": "mock",
    }
    env.pop("PULUMI_CONFIG", None)
    run = subprocess.run(
        [
            str(python),
            str(Path(__file__).with_name("with_pulumi_aws_mocks.py")),
            str(EXAMPLE),
            str(folder),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "wiring ok" in run.stdout
