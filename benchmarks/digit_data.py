"""The benchmark's images: scikit-learn's digits as 64x64 PNGs, as they are or jittered into a
larger data set, and which of them the emulator's 80/20 split trains on."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits

from rcl_emulator.jobs import split_80_20
from rcl_emulator.manifests import Entry

IMAGE_SIDE = 64
# load_digits pixels are ink intensities from 0 to 16.
DIGITS_MAX_INTENSITY = 16
JITTER_SEED = 0
MAX_SHIFT = 4
NOISE_SIGMA = 4.0


@dataclass
class LabelledImages:
    """Encoded images, their labels and the size of their decoded pixels."""

    pngs: list[bytes]
    labels: list[str]
    pixel_bytes: int


def digit_pixels(intensities: np.ndarray) -> np.ndarray:
    """An 8x8 digit as 64x64 grayscale pixels (Rekognition refuses smaller images)."""
    gray = (intensities * 255 / DIGITS_MAX_INTENSITY).astype("uint8")
    image = Image.fromarray(gray, "L").resize((IMAGE_SIDE, IMAGE_SIDE), Image.BILINEAR)
    return np.asarray(image)


def encode_png(pixels: np.ndarray) -> bytes:
    """Grayscale pixels as PNG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(pixels, "L").save(buffer, "PNG")
    return buffer.getvalue()


def labelled(pixel_arrays: list[np.ndarray], targets: np.ndarray) -> LabelledImages:
    """PNGs of the pixel arrays, labelled with their digits."""
    return LabelledImages(
        [encode_png(p) for p in pixel_arrays],
        [str(t) for t in targets],
        sum(p.nbytes for p in pixel_arrays),
    )


def digit_images(count: int) -> LabelledImages:
    """The first ``count`` of scikit-learn's digits as 64x64 PNGs."""
    digits = load_digits()
    return labelled([digit_pixels(d) for d in digits.images[:count]], digits.target[:count])


def jitter(pixels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The image moved by a few pixels each way and lightly noised."""
    dy, dx = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, size=2)
    padded = np.pad(pixels, MAX_SHIFT)
    moved = padded[
        MAX_SHIFT + dy : MAX_SHIFT + dy + IMAGE_SIDE, MAX_SHIFT + dx : MAX_SHIFT + dx + IMAGE_SIDE
    ]
    noisy = moved + rng.normal(0, NOISE_SIGMA, moved.shape)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def jittered_digits(count: int, seed: int = JITTER_SEED) -> LabelledImages:
    """``count`` distinct images made from the digits in turn, the same for the same seed."""
    digits = load_digits()
    bases = [digit_pixels(d) for d in digits.images[:count]]
    rng = np.random.default_rng(seed)
    which = [i % len(bases) for i in range(count)]
    return labelled([jitter(bases[i], rng) for i in which], digits.target[which])


def training_indices(lines: list[dict[str, Any]], labels: list[str]) -> list[int]:
    """The images DistributeDatasetEntries puts in the training 80%, in manifest order."""
    entries = [
        Entry(line, labels=[label], labeled=True) for line, label in zip(lines, labels, strict=True)
    ]
    train = {id(e) for e in split_80_20(entries)[0]}
    return [i for i, e in enumerate(entries) if id(e) in train]
