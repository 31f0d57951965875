"""`make bench` at smoke sizes: the whole harness runs, writes its results and figure, and
holds the targets that do not depend on sizes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import SIZE_FREE

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.usefixtures("pulumi_engine")
def test_smoke_run_writes_results_and_meets_size_free_targets(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--out", str(tmp_path)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["smoke"] is True and results["ok"] is True
    measured = {t["id"]: t for t in results["targets"]}
    for target in (
        "lag-simulated",
        "lag-stack",
        "calls-mutating",
        "calls-noop",
        "calls-peak",
        "models-dynamic-",
        "models-plugin-",
        "slot-training",
        "slot-running",
        "preview",
        "import-light",
        "train-vs-sklearn",
        "detection-f1",
        "detection-glyphs-",
        "detection-outlines-",
    ):
        assert any(key.startswith(target) for key in measured), (target, sorted(measured))
    held = {t["id"]: t["ok"] for t in results["targets"] if t["id"] in SIZE_FREE}
    assert held == dict.fromkeys(SIZE_FREE, True)
    assert (tmp_path / "performance.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (REPO / "README.md").read_text() == readme, "a smoke run must not touch the README"
