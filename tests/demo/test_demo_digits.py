"""The digits generator: counts, image format, holdout split and idempotence."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from rcl_emulator.digits import DigitsSummary, main, write_digits


@pytest.fixture(scope="module")
def digits_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DigitsSummary]:
    root = tmp_path_factory.mktemp("digits")
    return root, write_digits(root)


def test_counts_cover_the_whole_dataset(digits_root: tuple[Path, DigitsSummary]) -> None:
    root, summary = digits_root
    assert summary.train + summary.holdout == 1797
    assert (summary.holdout, summary.labels) == (30, 10)
    assert summary.written == 1797
    assert len(list((root / "train").glob("*/*.png"))) == summary.train
    assert len(list((root / "holdout").glob("*/*.png"))) == 30
    assert sorted(p.name for p in (root / "train").iterdir()) == [str(d) for d in range(10)]


def test_images_are_64px_grayscale_png(digits_root: tuple[Path, DigitsSummary]) -> None:
    root, _ = digits_root
    with Image.open(root / "train" / "0" / "0000.png") as image:
        assert (image.format, image.size, image.mode) == ("PNG", (64, 64), "L")
        low, high = image.getextrema()
        assert low == 0 and high > 200


def test_holdout_is_the_last_images_of_each_label(digits_root: tuple[Path, DigitsSummary]) -> None:
    root, _ = digits_root
    for label in range(10):
        train = sorted(int(p.stem) for p in (root / "train" / str(label)).glob("*.png"))
        holdout = sorted(int(p.stem) for p in (root / "holdout" / str(label)).glob("*.png"))
        assert len(holdout) == 3
        assert min(holdout) > max(train)


def test_rerun_writes_nothing_and_repairs_changes(digits_root: tuple[Path, DigitsSummary]) -> None:
    root, _ = digits_root
    damaged = root / "train" / "4" / sorted(p.name for p in (root / "train" / "4").iterdir())[0]
    original = damaged.read_bytes()
    damaged.write_bytes(b"not a png")
    again = write_digits(root)
    assert (again.written, again.unchanged, again.removed) == (1, 1796, 0)
    assert damaged.read_bytes() == original
    assert write_digits(root).written == 0


def test_changing_holdout_moves_files(tmp_path: Path) -> None:
    write_digits(tmp_path, holdout_per_label=3)
    summary = write_digits(tmp_path, holdout_per_label=5)
    assert (summary.holdout, summary.removed) == (50, 20)
    assert len(list(tmp_path.glob("*/*/*.png"))) == 1797


def test_too_small_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="64"):
        write_digits(tmp_path, size=32)


def test_cli_prints_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path), "--holdout-per-label", "0"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("1797 training and 0 holdout images of 10 digits")
