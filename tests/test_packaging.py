"""What a user installing the package meets: requirements and console scripts."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import requires

from packaging.requirements import Requirement


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
