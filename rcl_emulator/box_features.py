"""What the detector sees of a box: an image at working size and, per candidate box, a
fixed-length description (:class:`ImageMaps`).

- **Working size.** The image is scaled so its longer side is at most 400 px (thin strokes
  blur into their background when scaled further).
- **Description.** Per box: its silhouette (the colour distance of each of 8x8 cells from the
  mean colour of the ring around the box, scaled to the farthest cell, plus that contrast), a
  histogram of oriented gradients (9 unsigned bins in each of 4x4 cells, L2-normalised), the
  colour spread inside and in the ring, and its aspect, size and share of the image. Cell sums
  come from summed-area tables, so describing hundreds of boxes costs a few milliseconds.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from . import regions

WORK_SIDE = 400
"""Images are scaled so their longer side is at most this (px)."""
GRID = 4
"""A box's gradient histogram is taken over GRID x GRID cells."""
BINS = 9
SILHOUETTE = 8
"""A box's silhouette is SILHOUETTE x SILHOUETTE cells."""
RING = 0.25
"""The ring around a box reaches this share of its width and height outwards."""

Boxes = np.ndarray
"""Boxes as rows of (x0, y0, x1, y1) in pixels."""


def decoded(image: Image.Image | bytes) -> Image.Image:
    """An image, decoded if encoded, in RGB."""
    if isinstance(image, bytes):
        with Image.open(io.BytesIO(image)) as img:
            return img.convert("RGB")
    return image.convert("RGB")


class ImageMaps:
    """One image at working size: its pixels and summed-area tables of gradient orientations
    and colours."""

    def __init__(self, image: Image.Image | bytes) -> None:
        rgb = decoded(image)
        w, h = rgb.size
        self.scale = min(1.0, WORK_SIDE / max(w, h))
        if self.scale < 1:
            rgb = rgb.resize(
                (round(w * self.scale), round(h * self.scale)), Image.Resampling.BILINEAR
            )
        self.pixels = np.asarray(rgb, dtype=np.float32) / 255.0
        self.h, self.w = self.pixels.shape[:2]
        gy, gx = np.gradient(self.pixels.mean(axis=2))
        magnitude = np.hypot(gx, gy)
        angle = np.mod(np.arctan2(gy, gx), np.pi)
        bins = np.minimum((angle / np.pi * BINS).astype(np.int64), BINS - 1)
        channels = np.zeros((self.h, self.w, BINS), np.float32)
        np.put_along_axis(channels, bins[..., None], magnitude[..., None], axis=2)
        self.gradients = _summed(channels)
        self.colours = _summed(np.concatenate([self.pixels, self.pixels**2], axis=2))

    def proposals(self) -> Boxes:
        """Boxes that may hold an object: the image's object-sized colour regions."""
        return regions.colour_regions(self.pixels)

    def describe(self, boxes: Boxes) -> np.ndarray:
        """What the classifier sees of each box: its gradient histograms (coarse and fine), its
        silhouette, colour contrast and texture, and its shape and size."""
        w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        grown = boxes + np.stack([-w, -h, w, h], axis=1) * RING
        inner, inner_area = self._colour_sums(boxes)
        outer, outer_area = self._colour_sums(grown)
        inner_mean = inner / inner_area[:, None]
        ring = (outer - inner) / np.maximum(1, outer_area - inner_area)[:, None]
        spread = np.maximum(0, inner_mean[:, 3:] - inner_mean[:, :3] ** 2).sum(1, keepdims=True)
        ring_spread = np.maximum(0, ring[:, 3:] - ring[:, :3] ** 2).sum(1, keepdims=True)
        shape = np.stack(
            [
                np.log(np.maximum(w, 1) / np.maximum(h, 1)),
                np.log(np.maximum(w * h, 1) / (self.w * self.h)),
                np.log(np.maximum(w, h)),
            ],
            axis=1,
        )
        return np.hstack(
            [
                self._silhouettes(boxes, ring[:, :3]),
                self.box_gradients(boxes, GRID),
                np.sqrt(spread),
                np.sqrt(ring_spread),
                shape,
            ]
        ).astype(np.float32)

    def box_gradients(self, boxes: Boxes, grid: int) -> np.ndarray:
        """Gradient histograms of ``grid`` x ``grid`` cells of each box, L2-normalised."""
        steps = np.arange(grid + 1) / grid
        xs = boxes[:, :1] + (boxes[:, 2:3] - boxes[:, :1]) * steps
        ys = boxes[:, 1:2] + (boxes[:, 3:4] - boxes[:, 1:2]) * steps
        cells = _cells(self.gradients, ys, xs)  # (n, grid, grid, BINS)
        return _normalised(cells.reshape(len(boxes), -1))

    def _silhouettes(self, boxes: Boxes, ring: np.ndarray) -> np.ndarray:
        """Per box, each cell's colour distance from the ring around the box, scaled so the
        farthest cell is 1, then that largest distance (the object's contrast)."""
        steps = np.arange(SILHOUETTE + 1) / SILHOUETTE
        xs = boxes[:, :1] + (boxes[:, 2:3] - boxes[:, :1]) * steps
        ys = boxes[:, 1:2] + (boxes[:, 3:4] - boxes[:, 1:2]) * steps
        sums = _cells(self.colours[..., :3], ys, xs)  # (n, S, S, 3)
        xi = np.clip(np.round(xs), 0, self.w)
        yi = np.clip(np.round(ys), 0, self.h)
        areas = np.maximum(1, np.diff(yi, axis=1)[:, :, None] * np.diff(xi, axis=1)[:, None, :])
        distance = np.abs(sums / areas[..., None] - ring[:, None, None, :]).sum(-1)
        distance = distance.reshape(len(boxes), -1)
        contrast = distance.max(1, keepdims=True)
        return np.hstack([distance / (contrast + 1e-3), contrast])

    def _colour_sums(self, boxes: Boxes) -> tuple[np.ndarray, np.ndarray]:
        x0, x1 = (np.clip(np.round(boxes[:, i]), 0, self.w).astype(np.int64) for i in (0, 2))
        y0, y1 = (np.clip(np.round(boxes[:, i]), 0, self.h).astype(np.int64) for i in (1, 3))
        t = self.colours
        sums = t[y1, x1] - t[y0, x1] - t[y1, x0] + t[y0, x0]
        return sums, np.maximum(1, (x1 - x0) * (y1 - y0)).astype(np.float32)


def _summed(channels: np.ndarray) -> np.ndarray:
    """Summed-area tables (h + 1, w + 1, c) of (h, w, c) channels."""
    h, w, c = channels.shape
    out = np.zeros((h + 1, w + 1, c), np.float32)
    np.cumsum(channels, axis=0, out=out[1:, 1:])
    np.cumsum(out[1:, 1:], axis=1, out=out[1:, 1:])
    return out


def _cells(table: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Sums over the cells between consecutive edges ``ys`` x ``xs`` (one row of edges per
    box), channels last."""
    yi = np.clip(np.round(ys), 0, table.shape[0] - 1).astype(np.int64)
    xi = np.clip(np.round(xs), 0, table.shape[1] - 1).astype(np.int64)
    corners = table[yi[..., :, None], xi[..., None, :]]
    return (
        corners[..., 1:, 1:, :]
        - corners[..., :-1, 1:, :]
        - corners[..., 1:, :-1, :]
        + corners[..., :-1, :-1, :]
    )


def _normalised(x: np.ndarray) -> np.ndarray:
    return (x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-3)).astype(np.float32)
