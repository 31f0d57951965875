"""Object-detection scene families, for judging the detector on scenes it was not designed on.

Each family draws scenes of 1-4 labelled objects (24-96 px on their longer side) in images of
200-400 px and several aspect ratios, with objects that are drawn but not labelled
(distractors), and encodes them as JPEG or PNG. Every scene is a pure function of its family
and seed. The families differ in what they draw and on what:

- ``marks`` (the family the detector is tuned on): filled arrows, crescents and diamonds,
  with ellipses and rectangles as distractors, on textured or smooth backgrounds, PNG or JPEG.
- ``glyphs``: the letters A, G and 4 of a typeface (holes, thin strokes), with other letters
  as distractors, on textured backgrounds, JPEG at quality 55-90.
- ``outlines``: ring and hexagon outlines (2-5 px strokes) and thin bars, with scribbles and
  filled blobs as distractors, on smooth gradients, PNG.
- ``patterns``: stars, crosses and triangles whose surface is a pattern of two colours (stripes
  at a random angle, a checkerboard or dots, chosen per object, so it says nothing of the
  class), with patterned discs and flat squares as distractors, on textured or smooth
  backgrounds, PNG or JPEG. Now a tuning family too: judged first at test F1 0.756 and
  held-out recall 0.70, the detector was changed because of it and then reached F1 0.938,
  so it no longer says how the detector does on scenes it was not designed on.
- ``shaded``: keys (a ring, a shaft and teeth), mushrooms (a dome on a stem) and dumbbells
  (two discs joined by a bar), each filled with a linear or radial gradient between a lit and
  a shaded tone of one colour, so they look lit rather than flat, some casting a soft drop
  shadow a few pixels away (not part of their box); turned a quarter turn or tilted a little;
  shaded discs and rounded rectangles as distractors, on textured or smooth backgrounds, PNG
  or JPEG. Now a tuning family too: judged first (blind) at test F1 0.790, held-out precision
  0.897 and recall 0.763, the detector then gained edge-enclosed proposals because of it and
  reached F1 0.857, precision 0.913, recall 0.825.
- ``photos``: cups (a body and a handle ring), leaves (a pointed blade on a thin stem) and
  bottles (a body, shoulders and a neck), stretched a little, mirrored or not, turned a quarter
  turn and half the time tilted up to 20 degrees; each filled with a blotchy, grainy colour
  that stands out only moderately from the background under it (a summed absolute RGB
  difference of 80-140), with edges softened by a 0.5-1.5 px blur; plates, stones and boxes
  alike as distractors; on textured or smooth backgrounds strewn first with 10-30 small soft
  pebbles (3-14 px, never labelled, which objects may cover); the whole scene then vignetted
  or lit unevenly, blurred slightly and given sensor noise, so it looks photographed rather
  than drawn; JPEG or PNG. Now a tuning family too: judged first (blind) at test F1 0.731,
  held-out precision 0.852 and recall 0.600, the detector then learned from turned and
  mirrored copies of objects because of it.
- ``icons``: flat pictograms of 2-4 parts, each part a flat colour of its own (drawn per object,
  standing out from the background and from the object's other parts): houses (a wall, a roof,
  a chimney or not, and a door, a window or both), trees (a trunk under a round, lobed or
  tiered crown, fruit on it or not) and cars (a body with a cabin, windows, and wheels sticking
  out below, hubcaps or not); upright, mirrored or not, stretched a little across and half the
  time tilted up to 10 degrees, half of them outlined by a 1-2 px near-black contour (near-white
  on dark backgrounds); flags, ring targets and pencils, alike in parts and colours, as
  distractors; on textured or smooth backgrounds strewn first with up to 6 small flat squares
  and dots; JPEG or PNG.

Boxes are the tight bounds of what was drawn, an object's shadow excluded and a soft-edged
object's before its edges were blurred. ``manifest_line`` writes a scene's Ground Truth line
with the family's own job attribute name and class-map ids.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from rcl_resources.manifest import detection_line

SHAPES = (
    (256, 256),
    (320, 240),
    (240, 320),
    (400, 300),
    (400, 225),
    (200, 200),
    (300, 400),
    (360, 270),
)
"""Image sizes (width, height) scenes are drawn at."""
SIDES = (24, 96)
MAX_OBJECTS = 4
MAX_DISTRACTORS = 3
HOLDOUT_SEED = 2_000_000
"""Held-out scenes use seeds at and above this one; training and test scenes below it."""

Part = tuple[list[tuple[float, float]], int]
"""A polygon of a silhouette and what it is drawn with: 255 adds to the object, 0 cuts a hole."""
Region = list[Part]
"""Polygons of an object that are painted in one colour of their own."""
Mask = Callable[
    [ImageDraw.ImageDraw, str, tuple[int, int, int, int], random.Random], "list[Region] | None"
]
"""Draws one object of a kind into a mask, inside a box (x0, y0, x1, y1); returns its regions,
back to front, should it be painted in several colours rather than filled as a whole."""
Fill = Callable[
    [random.Random, Image.Image, tuple[int, int, int, int]], "tuple[int, int, int] | Image.Image"
]
"""What an object drawn at given bounds of an image is filled with: a colour or an image."""
Shadow = tuple[int, int, float, float]
"""A drop shadow: its offset (dx, dy) in pixels, its blur radius and its opacity."""
Finish = Callable[[random.Random, Image.Image], Image.Image]
"""What becomes of a whole scene once its objects are drawn, before it is encoded."""
Strew = Callable[[random.Random, Image.Image, int], None]
"""Strews a number of small specks over a background."""


@dataclass(frozen=True)
class Family:
    """A kind of scene: what is labelled, what is not, and how scenes look."""

    name: str
    classes: tuple[str, ...]
    distractors: tuple[str, ...]
    draw: Mask
    backgrounds: tuple[str, ...]
    formats: tuple[str, ...]
    attribute: str
    class_ids: dict[str, int]
    patterned: tuple[str, ...] = ()
    """Kinds whose surface is a pattern of two colours rather than one colour."""
    shaded: tuple[str, ...] = ()
    """Kinds whose surface is a shading gradient between two tones of one colour."""
    shadows: float = 0.0
    """The share of objects that cast a soft drop shadow."""
    fill: Fill | None = None
    """What kinds neither patterned nor shaded are filled with; one contrasting colour unless
    given."""
    soften: tuple[float, float] = (0.0, 0.0)
    """The range of the blur radius, in pixels, that softens each object's edges; none if 0."""
    clutter: tuple[int, int] = (0, 0)
    """The range of how many small specks are strewn over the background before any object."""
    strew: Strew | None = None
    """What strews the specks; soft pebbles a little off the background unless given."""
    finish: Finish | None = None
    """What is done to the whole scene once its objects are drawn; nothing unless given."""

    def scene(
        self, seed: int, size: tuple[int, int] | None = None
    ) -> tuple[bytes, tuple[int, int], list[tuple[str, int, int, int, int]]]:
        """The encoded image for ``seed``, its size (one of SHAPES unless given) and its boxes
        (label, left, top, width, height)."""
        rng = random.Random(f"{self.name}-{seed}")
        size = size or rng.choice(SHAPES)
        image = _background(rng, size, rng.choice(self.backgrounds))
        if self.clutter[1]:
            (self.strew or _specks)(rng, image, rng.randint(*self.clutter))
        taken: list[tuple[int, int, int, int]] = []
        boxes = []
        kinds = [(rng.choice(self.classes), True) for _ in range(rng.randint(1, MAX_OBJECTS))]
        kinds += [
            (rng.choice(self.distractors), False) for _ in range(rng.randint(0, MAX_DISTRACTORS))
        ]
        for kind, labelled in kinds:
            fill = _pattern if kind in self.patterned else self.fill or _contrasting
            fill = _shading if kind in self.shaded else fill
            shadow = _shadow(rng) if self.shadows and rng.random() < self.shadows else None
            soften = rng.uniform(*self.soften) if self.soften[1] else 0.0
            drawn = _place(image, kind, self.draw, rng, taken, fill, shadow, soften)
            if drawn and labelled:
                x0, y0, x1, y1 = drawn
                boxes.append((kind, x0, y0, x1 - x0, y1 - y0))
        if self.finish:
            image = self.finish(rng, image)
        return _encoded(image, rng.choice(self.formats), rng), size, boxes

    def manifest_line(self, source_ref: str, seed: int) -> dict[str, Any]:
        """The Ground Truth object-detection line of scene ``seed`` stored at ``source_ref``."""
        _, size, boxes = self.scene(seed)
        return detection_line(
            source_ref,
            size,
            boxes,
            self.class_ids,
            attribute=self.attribute,
            job_name=f"labeling-job/{self.attribute}",
        )


def _place(
    image: Image.Image,
    kind: str,
    draw: Mask,
    rng: random.Random,
    taken: list[tuple[int, int, int, int]],
    fill: Fill | None = None,
    shadow: Shadow | None = None,
    soften: float = 0.0,
) -> tuple[int, int, int, int] | None:
    """Draw one object, and its shadow if it casts one, where they overlap nothing drawn
    before, filled by ``fill`` (one contrasting colour unless given), then each region ``draw``
    returns, if any, painted over it in a colour of its own (``_distinct``), its edges blurred by
    ``soften`` pixels if not 0; the object's tight box (as drawn, before its edges are
    blurred), shadow excluded, or None."""
    width, height = image.size
    side = rng.randint(*SIDES)
    cast = max(abs(shadow[0]), abs(shadow[1])) + math.ceil(2 * shadow[2]) if shadow else 0
    cast += math.ceil(2 * soften)
    for _ in range(20):
        x0, y0 = rng.randint(2, width - side - 2), rng.randint(2, height - side - 2)
        box = (x0, y0, x0 + side, y0 + side)
        reached = (x0 - cast, y0 - cast, x0 + side + cast, y0 + side + cast)
        if not any(_overlap(reached, t) for t in taken):
            break
    else:
        return None
    mask = Image.new("L", image.size, 0)
    regions = draw(ImageDraw.Draw(mask), kind, box, rng) or []
    bounds = mask.getbbox()
    if soften:
        mask = mask.filter(ImageFilter.GaussianBlur(soften))
    spread = mask.getbbox()
    if bounds is None or spread is None:
        return None
    if shadow:
        dx, dy, blur, opacity = shadow
        dark = Image.new("L", image.size, 0)
        dark.paste(mask, (dx, dy))
        dark = dark.filter(ImageFilter.GaussianBlur(blur)).point(lambda v: int(v * opacity))
        image.paste((0, 0, 0), None, dark)
    paint = (fill or _contrasting)(rng, image, spread)
    colours: list[tuple[int, int, int]] = []
    for _ in regions:
        colours.append(_distinct(rng, image, spread, colours))
    image.paste(paint, spread, mask.crop(spread))
    for region, colour in zip(regions, colours, strict=True):
        part = Image.new("L", image.size, 0)
        pen = ImageDraw.Draw(part)
        for points, value in region:
            pen.polygon(points, fill=value)
        if soften:
            part = part.filter(ImageFilter.GaussianBlur(soften))
        image.paste(colour, spread, ImageChops.darker(part.crop(spread), mask.crop(spread)))
    reach = 4 + cast
    taken.append((bounds[0] - reach, bounds[1] - reach, bounds[2] + reach, bounds[3] + reach))
    return bounds


def _shadow(rng: random.Random) -> Shadow:
    """A soft drop shadow 3-6 px away in both directions, half-transparent."""
    dx, dy = (rng.choice((-1, 1)) * rng.randint(3, 6) for _ in range(2))
    return dx, dy, rng.uniform(1.5, 3.0), rng.uniform(0.35, 0.6)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _under(image: Image.Image, bounds: tuple[int, int, int, int]) -> np.ndarray:
    """The mean colour of ``image`` under ``bounds``."""
    return np.asarray(image.crop(bounds)).reshape(-1, 3).mean(axis=0)


def _contrasting(
    rng: random.Random, image: Image.Image, bounds: tuple[int, int, int, int]
) -> tuple[int, int, int]:
    """A colour that stands out from the background under ``bounds``."""
    under = _under(image, bounds)
    while True:
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        if np.abs(np.array(colour) - under).sum() > 160:
            return colour  # type: ignore[return-value]


def _distinct(
    rng: random.Random,
    image: Image.Image,
    bounds: tuple[int, int, int, int],
    others: list[tuple[int, int, int]],
) -> tuple[int, int, int]:
    """A colour that stands out from the background under ``bounds`` (``_contrasting``) and
    from each of ``others`` (a summed absolute RGB difference of 150 or more; the last one
    tried, should none of 200 be)."""
    for _ in range(200):
        colour = _contrasting(rng, image, bounds)
        if all(np.abs(np.subtract(colour, other)).sum() >= 150 for other in others):
            break
    return colour


def _ink(
    rng: random.Random, image: Image.Image, bounds: tuple[int, int, int, int]
) -> tuple[int, int, int]:
    """A near-black colour for contours, or its near-white opposite where the background under
    ``bounds`` is too dark for near-black to stand out from it (a summed absolute RGB difference
    under 160)."""
    under = _under(image, bounds)
    grey = rng.randint(10, 45)
    dark = tuple(min(255, grey + rng.randint(0, 15)) for _ in range(3))
    if np.abs(np.array(dark) - under).sum() >= 160:
        return dark  # type: ignore[return-value]
    return tuple(255 - v for v in dark)  # type: ignore[return-value]


def _pattern(
    rng: random.Random, image: Image.Image, bounds: tuple[int, int, int, int]
) -> Image.Image:
    """Stripes at a random angle, a checkerboard or dots the size of ``bounds``, in two colours
    that stand out from the background under it and from each other."""
    first = second = _contrasting(rng, image, bounds)
    while np.abs(np.subtract(first, second)).sum() < 120:
        second = _contrasting(rng, image, bounds)
    period = rng.randint(5, 12)
    yy, xx = np.mgrid[0 : bounds[3] - bounds[1], 0 : bounds[2] - bounds[0]].astype(np.float32)
    kind = rng.choice(("stripes", "checkerboard", "dots"))
    if kind == "stripes":
        angle = rng.uniform(0, math.pi)
        on = (xx * math.cos(angle) + yy * math.sin(angle)) % period < period / 2
    elif kind == "checkerboard":
        on = (xx // (period / 2) + yy // (period / 2)) % 2 == 0
    else:  # dots
        on = (xx % period - period / 2) ** 2 + (yy % period - period / 2) ** 2 < (0.3 * period) ** 2
    return Image.fromarray(np.where(on[..., None], first, second).astype(np.uint8))


def _shading(
    rng: random.Random, image: Image.Image, bounds: tuple[int, int, int, int]
) -> Image.Image:
    """A linear gradient at a random angle or a radial one around a highlight, the size of
    ``bounds``, from a lit to a shaded tone of a colour that stands out from the background
    under it; both tones stand out from it too."""
    under = _under(image, bounds)
    for _ in range(100):
        base = np.array(_contrasting(rng, image, bounds), np.float32)
        lit = base + (255 - base) * rng.uniform(0.25, 0.6)
        shaded = base * rng.uniform(0.35, 0.7)
        if min(np.abs(lit - under).sum(), np.abs(shaded - under).sum()) > 120:
            break
    width, height = bounds[2] - bounds[0], bounds[3] - bounds[1]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    if rng.random() < 0.5:
        angle = rng.uniform(0, 2 * math.pi)
        t = xx * math.cos(angle) + yy * math.sin(angle)
    else:  # the highlight somewhere in the upper half, away from the middle
        cx, cy = width * rng.uniform(0.2, 0.8), height * rng.uniform(0.15, 0.45)
        t = np.hypot(xx - cx, yy - cy)
    t = (t - t.min()) / (np.ptp(t) + 1e-6)
    return Image.fromarray(np.clip(lit + (shaded - lit) * t[..., None], 0, 255).astype(np.uint8))


def _tone(
    rng: random.Random,
    image: Image.Image,
    bounds: tuple[int, int, int, int],
    low: float = 80,
    high: float = 140,
) -> tuple[int, int, int]:
    """A colour whose summed absolute difference from the mean of the background under
    ``bounds`` is between ``low`` and ``high`` (the last one tried, should none of 100 be): it
    stands out, but only moderately."""
    under = _under(image, bounds)
    for _ in range(100):
        shares = np.array([rng.random() + 0.1 for _ in range(3)])
        signs = np.array([rng.choice((-1, 1)) for _ in range(3)])
        colour = np.clip(under + signs * shares / shares.sum() * rng.uniform(low, high), 0, 255)
        if low <= np.abs(colour.round() - under).sum() <= high:
            break
    return tuple(int(v) for v in colour.round())  # type: ignore[return-value]


def _muted(
    rng: random.Random, image: Image.Image, bounds: tuple[int, int, int, int]
) -> Image.Image:
    """A colour that stands out only moderately from the background under ``bounds``, the size
    of ``bounds``, with a surface of soft blotches and fine grain, lit a little more on one
    side than the other."""
    base = np.array(_tone(rng, image, bounds), np.float32)
    width, height = bounds[2] - bounds[0], bounds[3] - bounds[1]
    noise = np.random.default_rng(rng.randrange(2**32))
    cell = rng.randint(3, 8)
    blotches = noise.normal(0, rng.uniform(5, 12), (height // cell + 2, width // cell + 2))
    surface = np.asarray(
        Image.fromarray(blotches.astype(np.float32)).resize(
            (width, height), Image.Resampling.BILINEAR
        )
    )
    t = _ramp(width, height, rng.uniform(0, 2 * math.pi))
    light = 1 + rng.uniform(0.05, 0.15) * (t - 0.5)
    pixels = base * light[..., None] + surface[..., None]
    pixels += noise.normal(0, rng.uniform(2, 5), pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _ramp(width: float, height: float, angle: float) -> np.ndarray:
    """A (height, width) array rising from 0 to 1 in the direction ``angle`` (radians)."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    t = xx * math.cos(angle) + yy * math.sin(angle)
    return (t - t.min()) / (np.ptp(t) + 1e-6)


def _background(rng: random.Random, size: tuple[int, int], kind: str) -> Image.Image:
    """A smooth two-colour gradient, or a textured one: blotches, grain and streaks."""
    width, height = size
    a = np.array([rng.randint(40, 215) for _ in range(3)], np.float32)
    b = np.clip(a + [rng.randint(-70, 70) for _ in range(3)], 0, 255)
    t = _ramp(width, height, rng.uniform(0, math.pi))
    pixels = a + (b - a) * t[..., None]
    noise = np.random.default_rng(rng.randrange(2**32))
    if kind == "textured":
        cell = rng.choice((4, 8, 16))
        blotches = noise.normal(0, 22, (height // cell + 2, width // cell + 2, 3))
        pixels += np.asarray(
            Image.fromarray(blotches.astype(np.float32)[..., 0]).resize(
                (width, height), Image.Resampling.BILINEAR
            )
        )[..., None]
        pixels += noise.normal(0, 7, pixels.shape)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if kind == "textured":
        draw = ImageDraw.Draw(image)
        for _ in range(rng.randint(3, 9)):
            shade = tuple(
                int(v) for v in np.clip(a + [rng.randint(-50, 50) for _ in range(3)], 0, 255)
            )
            x, y = rng.randint(0, width), rng.randint(0, height)
            end = (x + rng.randint(-width, width), y + rng.randint(-height, height))
            draw.line([(x, y), end], fill=shade, width=rng.randint(1, 3))
    return image


def _specks(rng: random.Random, image: Image.Image, count: int) -> None:
    """Strew ``count`` small soft-edged pebbles (3-14 px) over ``image``, each a colour a little
    off the background under it."""
    width, height = image.size
    for _ in range(count):
        side = rng.randint(3, 14)
        x, y = rng.randint(2, width - side - 2), rng.randint(2, height - side - 2)
        flat = rng.uniform(0.5, 1.0)
        mask = Image.new("L", (side + 4, side + 4), 0)
        ImageDraw.Draw(mask).polygon(
            [(2 + side * (px + 0.5), 2 + side * (py * flat + 0.5)) for px, py in _pebble(rng, 12)],
            fill=255,
        )
        mask = mask.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.8)))
        spot = (x - 2, y - 2, x + side + 2, y + side + 2)
        image.paste(_tone(rng, image, spot, 40, 140), spot, mask)


def _photographic(rng: random.Random, image: Image.Image) -> Image.Image:
    """``image`` as if photographed: darkened towards its corners around a point near its
    middle (a vignette) or lit more on one side than the other, slightly blurred, then given
    sensor noise (grain in brightness and in colour)."""
    width, height = image.size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    if rng.random() < 0.5:
        cx, cy = width * rng.uniform(0.35, 0.65), height * rng.uniform(0.35, 0.65)
        r = np.hypot((xx - cx) / width, (yy - cy) / height)
        gain = 1 - rng.uniform(0.15, 0.35) * (r / r.max()) ** 2
    else:
        angle = rng.uniform(0, 2 * math.pi)
        t = xx * math.cos(angle) + yy * math.sin(angle)
        gain = 1.08 - rng.uniform(0.15, 0.3) * (t - t.min()) / (np.ptp(t) + 1e-6)
    pixels = np.asarray(image, np.float32) * gain[..., None]
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    noise = np.random.default_rng(rng.randrange(2**32))
    sigma = rng.uniform(2, 6)
    pixels = np.asarray(image, np.float32) + noise.normal(0, sigma, (height, width, 1))
    pixels += noise.normal(0, sigma / 2, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _encoded(image: Image.Image, fmt: str, rng: random.Random) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        image.save(buf, format="JPEG", quality=rng.randint(55, 90))
    else:
        image.save(buf, format="PNG")
    return buf.getvalue()


def _polygon(
    box: tuple[int, int, int, int], points: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """Points given in the unit square, placed in ``box``."""
    x0, y0, x1, y1 = box
    return [(x0 + px * (x1 - x0 - 1), y0 + py * (y1 - y0 - 1)) for px, py in points]


def _squashed(
    box: tuple[int, int, int, int], rng: random.Random, low: float = 0.6
) -> tuple[int, int, int, int]:
    """``box`` narrowed or flattened by a random factor, so objects are not all square."""
    x0, y0, x1, y1 = box
    keep = rng.uniform(low, 1.0)
    if rng.random() < 0.5:
        cut = int((x1 - x0) * (1 - keep) / 2)
        return x0 + cut, y0, x1 - cut, y1
    cut = int((y1 - y0) * (1 - keep) / 2)
    return x0, y0 + cut, x1, y1 - cut


def _draw_mark(
    draw: ImageDraw.ImageDraw, kind: str, box: tuple[int, int, int, int], rng: random.Random
) -> None:
    box = _squashed(box, rng)
    x0, y0, x1, y1 = box
    if kind == "arrow":
        shaft = [
            (0, 0.35),
            (0.55, 0.35),
            (0.55, 0.1),
            (1, 0.5),
            (0.55, 0.9),
            (0.55, 0.65),
            (0, 0.65),
        ]
        turn = rng.choice((0, 1, 2, 3))
        for _ in range(turn):  # a quarter turn each time
            shaft = [(1 - py, px) for px, py in shaft]
        draw.polygon(_polygon(box, shaft), fill=255)
    elif kind == "crescent":
        draw.ellipse((x0, y0, x1 - 1, y1 - 1), fill=255)
        dx = int((x1 - x0) * rng.uniform(0.3, 0.45)) * rng.choice((-1, 1))
        draw.ellipse((x0 + dx, y0 - 2, x1 - 1 + dx, y1 + 1), fill=0)
    elif kind == "diamond":
        draw.polygon(_polygon(box, [(0.5, 0), (1, 0.5), (0.5, 1), (0, 0.5)]), fill=255)
    elif kind == "ellipse":
        draw.ellipse((x0, y0, x1 - 1, y1 - 1), fill=255)
    else:  # rectangle
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=255)


def _draw_glyph(
    draw: ImageDraw.ImageDraw, kind: str, box: tuple[int, int, int, int], rng: random.Random
) -> None:
    x0, y0, _, y1 = box
    font = ImageFont.load_default(size=int((y1 - y0) * 1.2))
    left, top, right, bottom = font.getbbox(kind)
    scale = (y1 - y0) / max(bottom - top, right - left)
    font = ImageFont.load_default(size=max(8, int((y1 - y0) * 1.2 * scale)))
    left, top, _, _ = font.getbbox(kind)
    draw.text(
        (x0 - left, y0 - top),
        kind,
        fill=255,
        font=font,
        stroke_width=rng.choice((0, 0, 1, 2)),
        stroke_fill=255,
    )


def _draw_outline(
    draw: ImageDraw.ImageDraw, kind: str, box: tuple[int, int, int, int], rng: random.Random
) -> None:
    x0, y0, x1, y1 = box
    stroke = rng.randint(2, 5)
    if kind == "ring":
        x0, y0, x1, y1 = _squashed(box, rng, 0.75)
        draw.ellipse((x0, y0, x1 - 1, y1 - 1), outline=255, width=stroke)
    elif kind == "hexagon":
        turn = rng.uniform(0, math.pi / 3)
        cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 - 1
        corners = [
            (cx + r * math.cos(turn + k * math.pi / 3), cy + r * math.sin(turn + k * math.pi / 3))
            for k in range(6)
        ]
        draw.polygon(corners, outline=255, width=stroke)
    elif kind == "bar":
        thin = max(3, int((x1 - x0) * rng.uniform(0.12, 0.25)))
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        if rng.random() < 0.5:
            draw.rectangle((x0, cy - thin // 2, x1 - 1, cy + thin // 2), fill=255)
        else:
            draw.rectangle((cx - thin // 2, y0, cx + thin // 2, y1 - 1), fill=255)
    elif kind == "scribble":
        points = [(rng.uniform(x0, x1), rng.uniform(y0, y1)) for _ in range(rng.randint(3, 6))]
        draw.line(points, fill=255, width=stroke, joint="curve")
    else:  # blob
        draw.ellipse(_squashed(box, rng, 0.5), fill=255)


def _draw_patterned(
    draw: ImageDraw.ImageDraw, kind: str, box: tuple[int, int, int, int], rng: random.Random
) -> None:
    x0, y0, x1, y1 = box = _squashed(box, rng, 0.75)
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 - 1, (y1 - y0) / 2 - 1
    turn = rng.uniform(0, 2 * math.pi)
    if kind in ("star", "triangle"):  # corners around the centre, a star's alternately inner
        inner = rng.uniform(0.38, 0.5)
        radii = [1.0, inner] * 5 if kind == "star" else [1.0] * 3
        step = 2 * math.pi / len(radii)
        corners = [
            (cx + r * rx * math.cos(turn + k * step), cy + r * ry * math.sin(turn + k * step))
            for k, r in enumerate(radii)
        ]
        draw.polygon(corners, fill=255)
    elif kind == "cross":  # a plus sign
        a = rng.uniform(0.3, 0.4)
        b = 1 - a
        arms = [(a, 0), (b, 0), (b, a), (1, a), (1, b), (b, b), (b, 1), (a, 1), (a, b), (0, b)]
        draw.polygon(_polygon(box, [*arms, (0, a), (a, a)]), fill=255)
    elif kind == "disc":
        draw.ellipse((x0, y0, x1 - 1, y1 - 1), fill=255)
    else:  # square
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=255)


def _circle(cx: float, cy: float, r: float, steps: int = 40) -> list[tuple[float, float]]:
    return [
        (cx + r * math.cos(2 * math.pi * k / steps), cy + r * math.sin(2 * math.pi * k / steps))
        for k in range(steps)
    ]


def _rounded(width: float, height: float, r: float) -> list[tuple[float, float]]:
    """A rectangle centred on the origin whose corners are quarter circles of radius ``r``."""
    points = []
    for k, (sx, sy) in enumerate(((1, 1), (-1, 1), (-1, -1), (1, -1))):
        cx, cy = sx * (width / 2 - r), sy * (height / 2 - r)
        points += [
            (
                cx + r * math.cos((k + j / 6) * math.pi / 2),
                cy + r * math.sin((k + j / 6) * math.pi / 2),
            )
            for j in range(7)
        ]
    return points


def _silhouette(kind: str, rng: random.Random) -> list[Part]:
    """The parts of a key, a mushroom, a dumbbell, a disc or a rounded rectangle, in any
    units: ``_turned`` turns and scales them into a box."""
    if kind == "key":  # a ring (the bow), a shaft from it and teeth below the shaft's end
        bow, shaft, half = rng.uniform(0.16, 0.22), rng.uniform(0.7, 0.95), rng.uniform(0.045, 0.07)
        parts = [
            (_circle(0, 0, bow), 255),
            (_circle(0, 0, bow * rng.uniform(0.4, 0.55)), 0),
            ([(bow * 0.8, -half), (shaft, -half), (shaft, half), (bow * 0.8, half)], 255),
        ]
        tooth = rng.uniform(0.06, 0.09)
        for k in range(rng.randint(2, 3)):
            right = shaft - k * tooth * 1.6
            depth = half + rng.uniform(0.06, 0.16)
            parts.append(
                ([(right - tooth, 0), (right, 0), (right, depth), (right - tooth, depth)], 255)
            )
        return parts
    if kind == "mushroom":  # a dome with a shallow underside, on a stem flaring to its foot
        dome, lip = rng.uniform(0.25, 0.4), rng.uniform(0.0, 0.08)
        cap = [
            (0.5 * math.cos(a), dome * math.sin(a)) for a in np.linspace(math.pi, 2 * math.pi, 24)
        ]
        cap += [(0.5 * math.cos(a), lip * math.sin(a)) for a in np.linspace(0, math.pi, 12)]
        top, foot = rng.uniform(0.07, 0.11), rng.uniform(1.0, 1.4)
        stem = rng.uniform(0.35, 0.55)
        return [
            ([(-top, 0), (top, 0), (top * foot, stem), (-top * foot, stem)], 255),
            (cap, 255),
        ]
    if kind == "dumbbell":  # two discs joined by a bar
        disc = rng.uniform(0.13, 0.2)
        half = disc * rng.uniform(0.3, 0.45)
        return [
            (_circle(0, 0, disc), 255),
            (_circle(1, 0, disc), 255),
            ([(0, -half), (1, -half), (1, half), (0, half)], 255),
        ]
    if kind == "sphere":
        return [(_circle(0, 0, 0.5), 255)]
    height = rng.uniform(0.45, 0.9)  # a tile: a rounded rectangle
    return [(_rounded(1.0, height, height * rng.uniform(0.15, 0.4)), 255)]


def _draw_shaded(
    draw: ImageDraw.ImageDraw, kind: str, box: tuple[int, int, int, int], rng: random.Random
) -> None:
    """A key, a mushroom, a dumbbell, a sphere or a tile, turned and scaled into ``box``."""
    _turned(draw, _silhouette(kind, rng), box, rng)


def _turned(
    draw: ImageDraw.ImageDraw,
    parts: list[Part],
    box: tuple[int, int, int, int],
    rng: random.Random,
    tilt: float = 15.0,
) -> None:
    """A silhouette stretched a little across, mirrored or not, turned by 0, 90, 180 or 270
    degrees and half the time tilted by up to ``tilt`` more, and scaled so its longer side
    fills ``box``."""
    stretch, mirror = rng.uniform(0.85, 1.15), rng.choice((-1, 1))
    angle = math.radians(
        rng.choice((0, 90, 180, 270)) + rng.choice((0.0, rng.uniform(-tilt, tilt)))
    )
    cos, sin = math.cos(angle), math.sin(angle)
    turned = [
        (
            [
                (x * cos - y * stretch * mirror * sin, x * sin + y * stretch * mirror * cos)
                for x, y in points
            ],
            value,
        )
        for points, value in parts
    ]
    for points, value in _fitted([turned], box)[0]:
        draw.polygon(points, fill=value)


def _fitted(regions: list[Region], box: tuple[int, int, int, int]) -> list[Region]:
    """``regions`` scaled so the longer side of what their polygons add fills ``box``, and
    centred in it."""
    solid = [p for region in regions for points, value in region if value for p in points]
    left, top = min(x for x, _ in solid), min(y for _, y in solid)
    right, bottom = max(x for x, _ in solid), max(y for _, y in solid)
    side = box[2] - box[0] - 1
    scale = side / max(right - left, bottom - top)
    x0 = box[0] + (side - (right - left) * scale) / 2 - left * scale
    y0 = box[1] + (side - (bottom - top) * scale) / 2 - top * scale
    return [
        [([(x0 + x * scale, y0 + y * scale) for x, y in points], value) for points, value in region]
        for region in regions
    ]


def _pebble(rng: random.Random, steps: int = 24) -> list[tuple[float, float]]:
    """A stone-like outline around the origin, about 0.5 in radius: a circle whose radius
    swells and shrinks smoothly (an oval and a few bumps)."""
    waves = [
        (k, rng.uniform(0, amount), rng.uniform(0, 2 * math.pi))
        for k, amount in ((2, 0.2), (3, 0.08), (4, 0.06))
    ]
    points = []
    for j in range(steps):
        a = 2 * math.pi * j / steps
        r = 0.5 * (1 + sum(amount * math.cos(k * a + phase) for k, amount, phase in waves))
        points.append((r * math.cos(a), r * math.sin(a)))
    return points


def _object(kind: str, rng: random.Random) -> list[Part]:
    """The parts of a cup, a leaf, a bottle, a plate, a stone or a box, upright, in any units:
    ``_turned`` turns and scales them into a box."""
    if kind == "cup":  # a handle ring half hidden by a body narrowing to a bevelled foot
        rim, height = rng.uniform(0.26, 0.34), rng.uniform(0.5, 0.8)
        foot = rim * rng.uniform(0.7, 1.0)
        cy = height * rng.uniform(0.35, 0.5)
        outer = height * rng.uniform(0.24, 0.32)
        cx = rim + (foot - rim) * cy / height + outer * rng.uniform(0.25, 0.45)
        body = [
            (-rim, 0),
            (rim, 0),
            (foot, height * 0.88),
            (foot * 0.85, height),
            (-foot * 0.85, height),
            (-foot, height * 0.88),
        ]
        return [
            (_circle(cx, cy, outer), 255),
            (_circle(cx, cy, outer * rng.uniform(0.55, 0.7)), 0),
            (body, 255),
        ]
    if kind == "leaf":  # a blade pointed at both ends, widest off its middle, on a bent stem
        bulge, lean = rng.uniform(0.16, 0.26), rng.uniform(0.7, 1.4)
        lower = bulge * rng.uniform(0.8, 1.0)
        ts = np.linspace(0, 1, 25)
        blade = [(t, -bulge * math.sin(math.pi * t**lean)) for t in ts]
        blade += [(t, lower * math.sin(math.pi * t**lean)) for t in ts[::-1]]
        length, bend = rng.uniform(0.16, 0.3), rng.uniform(-0.08, 0.08)
        half = rng.uniform(0.03, 0.045)
        path = [(0.04 - length * u, bend * u * u) for u in np.linspace(0, 1, 6)]
        stem = [(x, y - half) for x, y in path] + [(x, y + half) for x, y in path[::-1]]
        return [(blade, 255), (stem, 255)]
    if kind == "bottle":  # a lip, a neck, shoulders curving out to the body, a rounded base
        belly, lip = rng.uniform(0.13, 0.19), rng.uniform(0.18, 0.28)
        half = belly * rng.uniform(0.28, 0.4)
        shoulder = rng.uniform(0.1, 0.2)
        side = [(half * 1.25, 0), (half * 1.25, 0.04), (half, 0.06), (half, lip)]
        side += [
            (half + (belly - half) * math.sin(math.pi / 2 * u), lip + shoulder * u)
            for u in np.linspace(0.1, 1, 8)
        ]
        side += [(belly, 0.95), (belly * 0.85, 1.0)]
        return [(side + [(-x, y) for x, y in side[::-1]], 255)]
    if kind == "plate":
        flat = rng.uniform(0.5, 1.0)
        return [([(x, y * flat) for x, y in _circle(0, 0, 0.5)], 255)]
    if kind == "stone":
        return [(_pebble(rng), 255)]
    height = rng.uniform(0.4, 0.85)  # a box: a rectangle with slightly rounded corners
    return [(_rounded(1.0, height, height * rng.uniform(0.03, 0.1)), 255)]


def _draw_photo(
    draw: ImageDraw.ImageDraw, kind: str, box: tuple[int, int, int, int], rng: random.Random
) -> None:
    """A cup, a leaf, a bottle, a plate, a stone or a box, turned and scaled into ``box``, and
    whatever of it rounding took a pixel past ``box`` cut off, so its side is at most SIDES[1]."""
    _turned(draw, _object(kind, rng), box, rng, tilt=20.0)
    _trimmed(draw, box)


def _trimmed(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    """Cut off whatever was drawn up to two pixels past ``box``."""
    x0, y0, x1, y1 = box
    above, below = (x0 - 2, y0 - 2, x1 + 1, y0 - 1), (x0 - 2, y1, x1 + 1, y1 + 1)
    left, right = (x0 - 2, y0 - 2, x0 - 1, y1 + 1), (x1, y0 - 2, x1 + 1, y1 + 1)
    for edge in (above, below, left, right):
        draw.rectangle(edge, fill=0)


def _box(left: float, top: float, right: float, bottom: float) -> list[tuple[float, float]]:
    return [(left, top), (right, top), (right, bottom), (left, bottom)]


_LOBES = ((-1, 0), (1, 0), (0, 1.1))
"""Where a lobed crown's three discs sit, in radii from the middle of its lower two: two side by
side, one on top of them."""


def _pictogram(kind: str, rng: random.Random) -> list[Region]:
    """The regions of a house, a tree, a car, a flag, a target or a pencil, upright (y down),
    back to front, in any units: ``_upright`` poses and scales them into a box."""
    if kind == "house":  # a wall, a roof (a chimney or not) and a door, a window or both
        half, roof, wall = rng.uniform(0.32, 0.42), rng.uniform(0.28, 0.42), rng.uniform(0.38, 0.55)
        eave, ground = half + rng.uniform(0.0, 0.08), roof + wall
        roofing: Region = [([(-eave, roof + 0.02), (0, 0), (eave, roof + 0.02)], 255)]
        if rng.random() < 0.5:  # a chimney behind the roof
            at = rng.choice((-1, 1)) * half * rng.uniform(0.35, 0.6)
            roofing.insert(0, (_box(at - 0.05, roof * 0.1, at + 0.05, roof * 0.8), 255))
        regions = [[(_box(-half, roof, half, ground), 255)], roofing]
        openings = rng.choice(("door", "window", "both"))
        side = rng.choice((-1, 1))
        if openings != "window":
            width, height = rng.uniform(0.14, 0.2), wall * rng.uniform(0.5, 0.65)
            at = 0.0 if openings == "door" else side * half * 0.45
            regions.append([(_box(at - width / 2, ground - height, at + width / 2, ground), 255)])
        if openings != "door":
            width, middle = rng.uniform(0.13, 0.19), roof + wall * rng.uniform(0.35, 0.45)
            at = 0.0 if openings == "window" else -side * half * 0.45
            window = _box(at - width / 2, middle - width / 2, at + width / 2, middle + width / 2)
            regions.append([(window, 255)])
        return regions
    if kind == "tree":  # a trunk under a round, lobed or tiered crown, fruit on it or not
        half, crown = rng.uniform(0.05, 0.09), rng.uniform(0.6, 0.72)
        trunk = [(-half, crown - 0.1), (half, crown - 0.1), (half * 1.3, 1.0), (-half * 1.3, 1.0)]
        shape = rng.choice(("round", "lobed", "tiered"))
        if shape == "round":
            r, wide = crown / 2, rng.uniform(0.8, 1.1)
            top = [([(x * wide, y) for x, y in _circle(0, r, r)], 255)]
        elif shape == "lobed":
            r = crown * 0.3
            top = [(_circle(dx * r * 0.9, crown - r - dy * r, r), 255) for dx, dy in _LOBES]
        else:
            tiers = rng.randint(2, 3)
            width = rng.uniform(0.3, 0.42)
            top = []
            for k in range(tiers):  # each tier a triangle, wider and lower than the one above
                low = crown * (k + 1) / tiers
                spread = width * (0.6 + 0.4 * (k + 1) / tiers)
                top.append(([(0, low - crown * 0.55), (spread, low), (-spread, low)], 255))
        regions = [[(trunk, 255)], top]
        if shape != "tiered" and rng.random() < 0.4:
            r = crown * rng.uniform(0.05, 0.07)
            spots = [(rng.uniform(-0.15, 0.15), crown * rng.uniform(0.3, 0.7)) for _ in range(4)]
            regions.append([(_circle(x, y, r, 12), 255) for x, y in spots])
        return regions
    if kind == "car":  # wheels under a body with a cabin on top, windows in it, hubcaps or not
        cabin, body = rng.uniform(0.17, 0.26), rng.uniform(0.22, 0.3)
        shell = [(x, y + cabin + body / 2) for x, y in _rounded(1.0, body, body * 0.3)]
        back, front = -rng.uniform(0.25, 0.35), rng.uniform(0.15, 0.28)
        lean = rng.uniform(0.06, 0.12)
        canopy = [(back + lean, 0), (front - lean, 0), (front, cabin + 0.02), (back, cabin + 0.02)]
        pane = cabin * 0.18
        edges = [(back + lean + pane * 0.7, back + pane), (front - lean - pane * 0.7, front - pane)]
        if rng.random() < 0.5:  # two panes either side of a pillar
            pillar = edges[0][0] + (edges[1][0] - edges[0][0]) * rng.uniform(0.4, 0.6)
            edges[1:1] = [(pillar - 0.02, pillar - 0.02), (pillar + 0.02, pillar + 0.02)]
        windows = [  # each pane between a left and a right edge, each edge from top to bottom
            ([(a, pane), (b, pane), (b_foot, cabin), (a_foot, cabin)], 255)
            for (a, a_foot), (b, b_foot) in zip(edges[::2], edges[1::2], strict=True)
        ]
        r, axle = rng.uniform(0.11, 0.14), 0.5 - rng.uniform(0.2, 0.26)
        wheels = [(_circle(x, cabin + body, r), 255) for x in (-axle, axle)]
        regions = [wheels, [(canopy, 255), (shell, 255)], windows]
        if rng.random() < 0.5:
            regions.append([(_circle(x, cabin + body, r * 0.45, 16), 255) for x in (-axle, axle)])
        return regions
    if kind == "flag":  # a pole (with a knob or not), a cloth and a band across it or not
        pole, width, height = rng.uniform(0.04, 0.06), rng.uniform(0.5, 0.7), rng.uniform(0.3, 0.42)
        staff = [(_box(0, 0.04, pole, 1.0), 255)]
        if rng.random() < 0.5:
            staff.append((_circle(pole / 2, 0.04, pole * 1.1, 16), 255))
        notch = rng.choice((0.0, 0.0, width * 0.25))
        cloth = [(pole, 0.08), (pole + width, 0.08), (pole + width - notch, 0.08 + height / 2)]
        cloth += [(pole + width, 0.08 + height), (pole, 0.08 + height)]
        regions = [staff, [(cloth, 255)]]
        if rng.random() < 0.6:
            band = _box(pole, 0.08 + height / 3, pole + width - notch, 0.08 + height * 2 / 3)
            regions.append([(band, 255)])
        return regions
    if kind == "target":  # two or three discs one inside the other
        radii = [0.5, rng.uniform(0.28, 0.38)]
        if rng.random() < 0.5:
            radii.append(rng.uniform(0.1, 0.2))
        return [[(_circle(0, 0, r), 255)] for r in radii]
    # a pencil lying down: an eraser, a body, a sharpened wooden tip and its lead
    half, tip = rng.uniform(0.07, 0.1), rng.uniform(0.15, 0.22)
    eraser = _rounded(0.16, 2 * half, half * 0.5)
    tail = [(x + 0.08, y) for x, y in eraser]
    cone = [(0.8, -half), (0.8 + tip, 0), (0.8, half)]
    lead = [(0.8 + tip * 0.6, -half * 0.4), (0.8 + tip, 0), (0.8 + tip * 0.6, half * 0.4)]
    return [[(tail, 255)], [(_box(0.12, -half, 0.81, half), 255)], [(cone, 255)], [(lead, 255)]]


def _upright(
    regions: list[Region], box: tuple[int, int, int, int], rng: random.Random, tilt: float = 10.0
) -> list[Region]:
    """``regions`` stretched or narrowed a little across (0.8-1.2), mirrored left to right or
    not, half the time tilted by up to ``tilt`` degrees, and scaled and centred so their longer
    side fills ``box``."""
    stretch = rng.uniform(0.8, 1.2) * rng.choice((-1, 1))
    angle = math.radians(rng.choice((0.0, rng.uniform(-tilt, tilt))))
    cos, sin = math.cos(angle), math.sin(angle)
    posed = [
        [
            ([(x * stretch * cos - y * sin, x * stretch * sin + y * cos) for x, y in points], value)
            for points, value in region
        ]
        for region in regions
    ]
    return _fitted(posed, box)


def _draw_icon(
    draw: ImageDraw.ImageDraw, kind: str, box: tuple[int, int, int, int], rng: random.Random
) -> list[Region]:
    """A house, a tree, a car, a flag, a target or a pencil, upright, posed into ``box``, half
    the time with a 1-2 px contour around it (what its regions leave of the mask); its
    regions, back to front."""
    rim = rng.choice((1, 2)) if rng.random() < 0.5 else 0
    x0, y0, x1, y1 = box
    regions = _upright(_pictogram(kind, rng), (x0 + rim, y0 + rim, x1 - rim, y1 - rim), rng)
    for region in regions:
        for points, value in region:
            draw.polygon(points, fill=value)
            if rim and value:
                draw.line([*points, points[0]], fill=255, width=2 * rim + 1, joint="curve")
    _trimmed(draw, box)
    return regions


def _flecks(rng: random.Random, image: Image.Image, count: int) -> None:
    """Strew ``count`` small flat specks over ``image``: squares and dots of 3-9 px with crisp
    edges, each one colour that stands out from the background under it."""
    draw = ImageDraw.Draw(image)
    width, height = image.size
    for _ in range(count):
        side = rng.randint(3, 9)
        x, y = rng.randint(2, width - side - 2), rng.randint(2, height - side - 2)
        spot = (x, y, x + side, y + side)
        colour = _contrasting(rng, image, spot)
        shape = draw.rectangle if rng.random() < 0.5 else draw.ellipse
        shape((x, y, x + side - 1, y + side - 1), fill=colour)


FAMILIES = {
    "marks": Family(
        "marks",
        ("arrow", "crescent", "diamond"),
        ("ellipse", "rectangle"),
        _draw_mark,
        ("textured", "smooth"),
        ("PNG", "JPEG"),
        "marks",
        {"arrow": 0, "crescent": 1, "diamond": 2},
    ),
    "glyphs": Family(
        "glyphs",
        ("A", "G", "4"),
        ("X", "M", "S", "7", "e"),
        _draw_glyph,
        ("textured",),
        ("JPEG",),
        "glyph-labeling-job",
        {"4": 3, "A": 11, "G": 17},
    ),
    "outlines": Family(
        "outlines",
        ("ring", "hexagon", "bar"),
        ("scribble", "blob"),
        _draw_outline,
        ("smooth",),
        ("PNG",),
        "outline-boxes",
        {"bar": 5, "hexagon": 9, "ring": 12},
    ),
    "patterns": Family(
        "patterns",
        ("star", "cross", "triangle"),
        ("disc", "square"),
        _draw_patterned,
        ("textured", "smooth"),
        ("PNG", "JPEG"),
        "patterned-shapes",
        {"cross": 2, "star": 7, "triangle": 15},
        patterned=("star", "cross", "triangle", "disc"),
    ),
    "shaded": Family(
        "shaded",
        ("key", "mushroom", "dumbbell"),
        ("sphere", "tile"),
        _draw_shaded,
        ("textured", "smooth"),
        ("PNG", "JPEG"),
        "shaded-objects-job",
        {"dumbbell": 4, "key": 13, "mushroom": 22},
        shaded=("key", "mushroom", "dumbbell", "sphere", "tile"),
        shadows=0.5,
    ),
    "photos": Family(
        "photos",
        ("cup", "leaf", "bottle"),
        ("plate", "stone", "box"),
        _draw_photo,
        ("textured", "smooth"),
        ("JPEG", "PNG"),
        "photo-objects-job",
        {"bottle": 6, "cup": 19, "leaf": 26},
        fill=_muted,
        soften=(0.5, 1.5),
        clutter=(10, 30),
        finish=_photographic,
    ),
    "icons": Family(
        "icons",
        ("house", "tree", "car"),
        ("flag", "target", "pencil"),
        _draw_icon,
        ("textured", "smooth"),
        ("JPEG", "PNG"),
        "pictogram-boxes",
        {"car": 8, "house": 14, "tree": 21},
        fill=_ink,
        clutter=(0, 6),
        strew=_flecks,
    ),
}
TUNING = ("marks", "patterns", "shaded", "photos")
"""Families the detector was designed on or changed because of: they say nothing of scenes it
was not designed on, so they are never judged."""
JUDGED = ("glyphs", "outlines", "icons")
