"""Write scikit-learn's handwritten digits as labelled PNG folders for Custom Labels.

``ROOT/train/<digit>/<index>.png`` is what the stack trains on; the last few images of each
digit go to ``ROOT/holdout/<digit>/`` instead, so ``make detect`` has images the model never saw.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits

# load_digits pixels are ink intensities from 0 to 16.
DIGITS_MAX_INTENSITY = 16
# Rekognition rejects images smaller than 64x64.
MIN_IMAGE_SIZE = 64
_GENERATED_NAME = re.compile(r"^\d{4}\.png$")


@dataclass(frozen=True)
class DigitsSummary:
    """What ``write_digits`` left on disk and what it had to change."""

    root: Path
    train: int
    holdout: int
    labels: int
    written: int
    unchanged: int
    removed: int

    def describe(self) -> str:
        """One line for the command line."""
        return (
            f"{self.train} training and {self.holdout} holdout images of {self.labels} digits "
            f"in {self.root} ({self.written} written, {self.unchanged} unchanged, "
            f"{self.removed} removed)"
        )


def digit_png(pixels: np.ndarray, size: int) -> bytes:
    """An 8x8 digit (intensities 0..16) as a ``size`` x ``size`` grayscale PNG.

    NEAREST keeps the upscaled strokes crisp and the bytes identical from run to run.
    """
    gray = np.rint(pixels * (255 / DIGITS_MAX_INTENSITY)).clip(0, 255).astype(np.uint8)
    image = Image.fromarray(gray, mode="L").resize((size, size), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_digits(root: Path, size: int = 64, holdout_per_label: int = 3) -> DigitsSummary:
    """Write ``root/train/<label>/<index:04d>.png`` and ``root/holdout/<label>/...``.

    Idempotent: files that already hold the same bytes are left alone, and generated files that
    no longer belong (e.g. after changing ``holdout_per_label``) are removed.
    """
    if size < MIN_IMAGE_SIZE:
        raise ValueError(f"size {size} is below Rekognition's minimum of {MIN_IMAGE_SIZE} px")
    if holdout_per_label < 0:
        raise ValueError("holdout_per_label must be 0 or more")
    digits = load_digits()
    indices_by_label: dict[int, list[int]] = {}
    for index, label in enumerate(digits.target):
        indices_by_label.setdefault(int(label), []).append(index)

    wanted: dict[Path, int] = {}
    train = holdout = 0
    for label, indices in sorted(indices_by_label.items()):
        split = max(len(indices) - holdout_per_label, 0)
        for position, index in enumerate(indices):
            part = "train" if position < split else "holdout"
            wanted[root / part / str(label) / f"{index:04d}.png"] = index
            train, holdout = (train + 1, holdout) if part == "train" else (train, holdout + 1)

    removed = _remove_stale(root, set(wanted), [str(label) for label in indices_by_label])
    written = unchanged = 0
    for path, index in wanted.items():
        content = digit_png(digits.images[index], size)
        if path.is_file() and path.read_bytes() == content:
            unchanged += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written += 1
    return DigitsSummary(
        root=root,
        train=train,
        holdout=holdout,
        labels=len(indices_by_label),
        written=written,
        unchanged=unchanged,
        removed=removed,
    )


def _remove_stale(root: Path, wanted: set[Path], labels: Sequence[str]) -> int:
    """Delete generated-looking files under root/{train,holdout}/<label>/ that are not wanted."""
    removed = 0
    for part in ("train", "holdout"):
        for label in labels:
            folder = root / part / label
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                if _GENERATED_NAME.match(path.name) and path not in wanted:
                    path.unlink()
                    removed += 1
    return removed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("root", type=Path, help="folder to write train/ and holdout/ into")
    parser.add_argument("--size", type=int, default=64, help="image side in pixels (>= 64)")
    parser.add_argument(
        "--holdout-per-label", type=int, default=3, help="images per digit kept out of training"
    )


def run(args: argparse.Namespace) -> int:
    """Write the digits and print a one-line summary."""
    try:
        summary = write_digits(args.root, args.size, args.holdout_per_label)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(summary.describe())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rcl_emulator.digits ROOT`` (also ``rcl-emulator sample-images ROOT``)."""
    parser = argparse.ArgumentParser(prog="python -m rcl_emulator.digits", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
