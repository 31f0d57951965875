"""The synthetic detection data set: reproducible scenes, boxes that hold their objects,
COCO annotations that match the images."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from rcl_demo.shapes import CLASSES, HOLDOUT_SEED, SIZE, main, scene


def test_a_scene_is_a_pure_function_of_its_seed() -> None:
    first, boxes = scene(7)
    again, same = scene(7)
    assert boxes == same
    assert first.tobytes() == again.tobytes()
    assert scene(8)[1] != boxes


def test_boxes_lie_inside_the_image_apart_and_hold_their_object() -> None:
    seen = set()
    for seed in range(40):
        image, boxes = scene(seed)
        pixels = np.asarray(image, dtype=np.int32)
        assert 1 <= len(boxes) <= 4
        for box in boxes:
            seen.add(box.label)
            x0, y0, x1, y1 = box.corners()
            assert 0 <= x0 < x1 <= SIZE[0] and 0 <= y0 < y1 <= SIZE[1]
            # The object's colour differs from the background: the centre pixel is unlike
            # the pixels just outside the box on every side that has room.
            centre = pixels[(y0 + y1) // 2, (x0 + x1) // 2]
            outside = [
                pixels[y, x]
                for x, y in ((x0 - 2, (y0 + y1) // 2), (x1 + 1, (y0 + y1) // 2))
                if 0 <= x < SIZE[0]
            ]
            assert all(np.abs(centre - p).sum() > 60 for p in outside)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                ax0, ay0, ax1, ay1 = a.corners()
                bx0, by0, bx1, by1 = b.corners()
                assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0
    assert seen == set(CLASSES)


def test_the_command_writes_images_and_coco_annotations(tmp_path: Path) -> None:
    assert main([str(tmp_path), "--train", "6", "--holdout", "3"]) == 0
    for part, count, first in (("train", 6, 0), ("holdout", 3, HOLDOUT_SEED)):
        coco = json.loads((tmp_path / part / "annotations.json").read_text())
        assert [c["name"] for c in coco["categories"]] == list(CLASSES)
        assert len(coco["images"]) == count
        for image in coco["images"]:
            with Image.open(tmp_path / part / image["file_name"]) as png:
                assert (png.format, png.size) == ("PNG", SIZE)
        seed = first
        expected = [b for i in range(count) for b in scene(seed + i)[1]]
        assert [a["bbox"] for a in coco["annotations"]] == [
            [b.left, b.top, b.width, b.height] for b in expected
        ]
        assert [coco["categories"][a["category_id"] - 1]["name"] for a in coco["annotations"]] == [
            b.label for b in expected
        ]
