"""Where objects may be: the object-sized regions of one colour (as is, and averaged over a
pattern's width) and what strong edges enclose, whatever their shape (proposals a sliding
window cannot make: thin, long, hollow, patterned or shaded objects).

Uses scipy's connected-component labelling; scipy is installed with scikit-learn.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

COLOURS = 10
"""Colour clusters a working image is split into."""
SAMPLE = 3000
"""Pixels the colour clusters are fitted on."""
LLOYD_STEPS = 6
MIN_LONG_SIDE = 12
MIN_AREA = 20
"""A region smaller than this (px) or whose box's longer side is under MIN_LONG_SIDE is
noise."""
MAX_SHARE = 0.85
"""A region spanning more than this share of the image's width or height is background."""
EDGE_PERCENTILE = 90
EDGE_FLOOR = 0.05
"""An edge is among the image's strongest tenth of gradients, and at least this strong."""
PATTERN_SIDE = 9
"""Pixels a second pass averages over: a striped, checked or dotted surface whose pattern
repeats within this becomes one colour, so the object is one region instead of many pieces."""


def colour_regions(pixels: np.ndarray) -> np.ndarray:
    """Boxes (x0, y0, x1, y1) of the object-sized connected regions of each colour cluster of
    an (h, w, 3) image, as it is and averaged over PATTERN_SIDE pixels."""
    smoothed = _regions(ndimage.uniform_filter(pixels, size=(PATTERN_SIDE, PATTERN_SIDE, 1)))
    # Averaging may spread an object into a halo half the window wide, or not (when the halo's
    # colours fall to the background's cluster): both boxes are proposed.
    halo = PATTERN_SIDE // 2
    inner = smoothed + np.array([halo, halo, -halo, -halo], np.float32)
    inner = inner[np.minimum(inner[:, 2] - inner[:, 0], inner[:, 3] - inner[:, 1]) > 0]
    return np.unique(np.concatenate([_regions(pixels), smoothed, inner, _outlined(pixels)]), axis=0)


def _outlined(pixels: np.ndarray) -> np.ndarray:
    """Boxes of what strong edges enclose: an object shaded from light to dark is many colour
    bands but one outline."""
    h, w = pixels.shape[:2]
    gy, gx = np.gradient(pixels, axis=(0, 1))
    strength = np.hypot(gx, gy).max(axis=2)
    edges = strength > max(EDGE_FLOOR, float(np.percentile(strength, EDGE_PERCENTILE)))
    closed = ndimage.binary_closing(edges, iterations=2)
    return _component_boxes(ndimage.binary_fill_holes(closed), w, h)


def _regions(pixels: np.ndarray) -> np.ndarray:
    """The regions of one image, once closed (so thin strokes broken by noise rejoin)."""
    h, w = pixels.shape[:2]
    flat = pixels.reshape(-1, 3)
    centres = _colour_centres(flat[:: max(1, len(flat) // SAMPLE)])
    nearest = _nearest(flat, centres).reshape(h, w)
    return np.concatenate(
        [_component_boxes(ndimage.binary_closing(nearest == c), w, h) for c in range(len(centres))]
    )


def _colour_centres(sample: np.ndarray) -> np.ndarray:
    """A few rounds of k-means from farthest-point seeds, so rare colours (small objects) get
    a centre of their own rather than being averaged into the background's."""
    centres = [sample[np.argmax(np.abs(sample - sample.mean(0)).sum(1))]]
    distance = np.abs(sample - centres[0]).sum(1)
    for _ in range(COLOURS - 1):
        centres.append(sample[np.argmax(distance)])
        distance = np.minimum(distance, np.abs(sample - centres[-1]).sum(1))
    grid = np.array(centres)
    for _ in range(LLOYD_STEPS):
        owner = _nearest(sample, grid)
        for c in range(len(grid)):
            if (owner == c).any():
                grid[c] = sample[owner == c].mean(0)
    return grid


def _nearest(pixels: np.ndarray, centres: np.ndarray) -> np.ndarray:
    d = (pixels * pixels).sum(1)[:, None] - 2 * pixels @ centres.T + (centres * centres).sum(1)
    return d.argmin(1)


def _component_boxes(mask: np.ndarray, w: int, h: int) -> np.ndarray:
    labelled, count = ndimage.label(mask)
    if not count:
        return np.zeros((0, 4), np.float32)
    areas = np.bincount(labelled.ravel())[1:]
    rows = []
    for i, where in enumerate(ndimage.find_objects(labelled)):
        ys, xs = where
        bw, bh = xs.stop - xs.start, ys.stop - ys.start
        if (
            areas[i] >= MIN_AREA
            and max(bw, bh) >= MIN_LONG_SIDE
            and not (bw > MAX_SHARE * w or bh > MAX_SHARE * h)
        ):
            rows.append((xs.start, ys.start, xs.stop, ys.stop))
    return np.array(rows, np.float32).reshape(-1, 4)
