"""Write a synthetic object-detection data set: shapes on textured backgrounds, with boxes.

Each scene is a 256x192 PNG holding one to four objects of four classes (circle, square,
triangle, cross) at random positions and sizes (24-72 px) in random colours, on a noisy,
streaked background, so a detector has to learn shapes rather than colours. Everything is a
pure function of the seed: the same call writes the same bytes.

``ROOT/train/`` and ``ROOT/holdout/`` each hold the images and ``annotations.json`` in COCO's
format (``bbox`` is ``[left, top, width, height]`` in pixels); the holdout scenes use seeds the
training scenes never do.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from rcl_resources.annotations import Box

CLASSES = ("circle", "square", "triangle", "cross")
SIZE = (256, 192)
OBJECT_SIDES = (24, 72)
MAX_OBJECTS = 4
HOLDOUT_SEED = 1_000_000
"""Holdout scenes are drawn from seeds at and above this one."""


def scene(seed: int, size: tuple[int, int] = SIZE) -> tuple[Image.Image, list[Box]]:
    """The scene for `seed`: an RGB image and its objects' boxes (they never overlap)."""
    rng = random.Random(seed)
    image = _background(rng, size)
    draw = ImageDraw.Draw(image)
    mean = tuple(int(v) for v in np.asarray(image).reshape(-1, 3).mean(axis=0))
    boxes: list[Box] = []
    for _ in range(rng.randint(1, MAX_OBJECTS)):
        side = rng.randint(*OBJECT_SIDES)
        left, top = rng.randint(0, size[0] - side), rng.randint(0, size[1] - side)
        box = Box(rng.choice(CLASSES), left, top, side, side)
        if any(_overlap(box, other) for other in boxes):
            continue
        _draw(draw, box, _contrasting(rng, mean))
        boxes.append(box)
    return image, boxes


def scene_png(seed: int) -> tuple[bytes, list[Box]]:
    """The scene for `seed` encoded as PNG, and its boxes."""
    image, boxes = scene(seed)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue(), boxes


def _background(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    width, height = size
    base = np.array([rng.randint(60, 200) for _ in range(3)], dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(
        0, 18, (height // 8 + 1, width // 8 + 1, 3)
    )
    coarse = Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))
    image = coarse.resize(size, Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 8)):  # streaks, so edges are not only the objects'
        shade = np.clip(base + [rng.randint(-40, 40) for _ in range(3)], 0, 255)
        x, y = rng.randint(0, width), rng.randint(0, height)
        end = (x + rng.randint(-width, width), y + rng.randint(-height, height))
        draw.line([(x, y), end], fill=tuple(int(v) for v in shade), width=rng.randint(1, 4))
    return image


def _contrasting(rng: random.Random, background: tuple[int, ...]) -> tuple[int, int, int]:
    while True:
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        if sum(abs(a - b) for a, b in zip(colour, background, strict=True)) > 150:
            return colour


def _overlap(a: Box, b: Box) -> bool:
    ax0, ay0, ax1, ay1 = a.corners()
    bx0, by0, bx1, by1 = b.corners()
    return ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1


def _draw(draw: ImageDraw.ImageDraw, box: Box, fill: tuple[int, int, int]) -> None:
    x0, y0, x1, y1 = box.corners()
    # PIL's ellipse and rectangle include their right and bottom edges.
    if box.label == "circle":
        draw.ellipse((x0, y0, x1 - 1, y1 - 1), fill=fill)
    elif box.label == "square":
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=fill)
    elif box.label == "triangle":
        draw.polygon([((x0 + x1) / 2, y0), (x1 - 1, y1 - 1), (x0, y1 - 1)], fill=fill)
    else:  # cross
        third_w, third_h = box.width * 0.35, box.height * 0.35
        draw.rectangle((x0 + third_w, y0, x1 - 1 - third_w, y1 - 1), fill=fill)
        draw.rectangle((x0, y0 + third_h, x1 - 1, y1 - 1 - third_h), fill=fill)


def coco(scenes: Sequence[tuple[str, list[Box]]], size: tuple[int, int] = SIZE) -> dict:
    """COCO annotations for `(file name, boxes)` pairs."""
    categories = [{"id": i + 1, "name": name} for i, name in enumerate(CLASSES)]
    images, annotations = [], []
    for image_id, (file_name, boxes) in enumerate(scenes, start=1):
        images.append({"id": image_id, "file_name": file_name, "width": size[0], "height": size[1]})
        for box in boxes:
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": CLASSES.index(box.label) + 1,
                    "bbox": [box.left, box.top, box.width, box.height],
                    "area": box.width * box.height,
                    "iscrowd": 0,
                }
            )
    return {"images": images, "annotations": annotations, "categories": categories}


def write_shapes(root: Path, train: int = 200, holdout: int = 50) -> dict[str, int]:
    """Write `train` and `holdout` scenes under `root`; returns the object count per part."""
    counts = {}
    for part, first, count in (("train", 0, train), ("holdout", HOLDOUT_SEED, holdout)):
        folder = root / part
        folder.mkdir(parents=True, exist_ok=True)
        scenes = []
        for seed in range(first, first + count):
            image, boxes = scene(seed)
            name = f"{seed:07d}.png"
            image.save(folder / name, format="PNG")
            scenes.append((name, boxes))
        (folder / "annotations.json").write_text(json.dumps(coco(scenes), indent=1) + "\n")
        counts[part] = sum(len(boxes) for _, boxes in scenes)
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--train", type=int, default=200)
    parser.add_argument("--holdout", type=int, default=50)
    args = parser.parse_args(argv)
    counts = write_shapes(args.root, args.train, args.holdout)
    print(
        f"{args.train} training scenes ({counts['train']} objects) and {args.holdout} holdout "
        f"scenes ({counts['holdout']} objects) of {len(CLASSES)} classes in {args.root}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
