"""The model benchmark at smoke sizes: every measurement, and no emulator left behind."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from benchmarks import bench_model, digit_data

KEYS = (
    "emulator_training_s",
    "bare_fit_s",
    "training_ratio",
    "f1",
    "large_training_s",
    "large_bare_fit_s",
    "large_training_ratio",
    "large_peak_mb",
    "large_bare_peak_mb",
    "large_memory_ratio",
    "large_pixels_mb",
    "detect_p50_ms",
    "detect_p99_ms",
    "detect_p50_1thread_ms",
    "requests_per_s_1thread",
    "requests_per_s_4threads",
    "throughput_ratio_4_to_1",
    "detect_model_only_p50_ms",
    "detect_overhead_ratio",
    "protocol_p50_ms",
)


def child_processes() -> set[int]:
    """Processes whose parent is this one, reaped or not."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name, in parentheses, may hold spaces; the parent pid follows it.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            children.add(int(stat.parent.name))
    return children


def test_smoke_sizes_report_every_measurement_and_stop_the_emulator() -> None:
    before = child_processes()
    results = bench_model.measure(images=120, large_images=300, calls=20)
    for key in KEYS:
        value = results[key]
        assert isinstance(value, (int, float)) and math.isfinite(value) and value > 0, key
    assert child_processes() <= before


def test_the_emulator_is_stopped_when_a_measurement_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise RuntimeError("training failed")

    monkeypatch.setattr(bench_model, "train_version", fail)
    before = child_processes()
    with pytest.raises(RuntimeError, match="training failed"):
        bench_model.measure(images=120, large_images=300, calls=20)
    assert child_processes() <= before


def test_jittered_digits_are_distinct_and_reproducible() -> None:
    images = digit_data.jittered_digits(300)
    assert len(set(images.pngs)) == 300
    assert images.pngs == digit_data.jittered_digits(300).pngs
    assert images.pixel_bytes == 300 * 64 * 64
