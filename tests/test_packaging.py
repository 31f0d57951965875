"""What a user installing the package meets: requirements and console scripts."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib.metadata import requires
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parent.parent


def test_pulumi_is_a_range_so_the_library_installs_beside_other_pulumi_3_sdks() -> None:
    base = [Requirement(r) for r in requires("rcl-resources") or [] if "extra ==" not in r]
    pulumi = next(r for r in base if r.name == "pulumi")
    assert pulumi.specifier.contains("3.259.0")
    assert pulumi.specifier.contains("3.272.0")
    assert not pulumi.specifier.contains("4.0.0")


def test_rcl_emulator_without_the_extra_says_what_to_install() -> None:
    blocked = "import sys; sys.modules['moto'] = None; "
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            blocked + "from rcl_emulator.__main__ import main; sys.exit(main(['serve']))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2, run.stderr
    assert "pip install 'rcl-resources[emulator]'" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_wheel_holds_every_module_of_both_packages(tmp_path: Path) -> None:
    # The tests run an editable install, which maps whole folders: only a built wheel shows a
    # subpackage (rcl_resources.providers, say) left out of the distribution, or shipped only
    # because setuptools still adds a package its configuration forgot, with a warning.
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    assert "is absent from the `packages` configuration" not in build.stderr
    (wheel,) = tmp_path.glob("rcl_resources-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    in_tree = {
        path.relative_to(REPO).as_posix()
        for package in ("rcl_resources", "rcl_emulator")
        for path in (REPO / package).rglob("*.py")
    }
    assert sorted(in_tree - shipped) == []
