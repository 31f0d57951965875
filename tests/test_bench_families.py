"""The scene families object detection is judged on: the same seed draws the same scene, boxes
lie inside their images, shaded objects are not flat and their shadows lie outside their boxes,
and manifests are in Ground Truth's own format."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image

from benchmarks.families import FAMILIES, JUDGED, SHAPES, SIDES, TUNING, _place, _shading


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_a_scene_is_a_function_of_its_seed_and_its_boxes_fit_its_image(name):
    family = FAMILIES[name]
    kinds = set(family.classes) | set(family.distractors)
    assert set(family.patterned) <= kinds and set(family.shaded) <= kinds
    assert not set(family.patterned) & set(family.shaded) and 0 <= family.shadows <= 1
    for seed in range(8):
        data, size, boxes = family.scene(seed)
        assert family.scene(seed) == (data, size, boxes)
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == size in SHAPES
        assert 1 <= len(boxes) <= 4
        for label, left, top, width, height in boxes:
            assert label in family.classes
            assert left >= 0 and top >= 0 and left + width <= size[0] and top + height <= size[1]
            assert max(width, height) <= SIDES[1]


def test_the_judged_families_are_not_the_tuned_ones_and_share_no_object_kind():
    assert set(TUNING) <= set(FAMILIES) and set(JUDGED) <= set(FAMILIES)
    assert not set(TUNING) & set(JUDGED)
    kinds = [set(FAMILIES[n].classes) | set(FAMILIES[n].distractors) for n in FAMILIES]
    assert all(not (a & b) for i, a in enumerate(kinds) for b in kinds[i + 1 :])


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_a_manifest_line_uses_the_job_attribute_and_class_map_ids(name):
    family = FAMILIES[name]
    line = family.manifest_line("s3://bucket/scene.png", 3)
    _, size, boxes = family.scene(3)
    attribute = line[family.attribute]
    assert attribute["image_size"][0]["width"] == size[0]
    class_map = line[f"{family.attribute}-metadata"]["class-map"]
    assert [class_map[str(a["class_id"])] for a in attribute["annotations"]] == [
        b[0] for b in boxes
    ]
    assert {int(i) for i in class_map} <= set(family.class_ids.values())


def test_shaded_scenes_hold_objects_of_24_to_96_px_in_both_formats_and_both_backgrounds():
    family = FAMILIES["shaded"]
    assert set(family.shaded) == set(family.classes) | set(family.distractors)
    formats, sides = set(), []
    for seed in range(40):
        data, _, boxes = family.scene(seed)
        with Image.open(io.BytesIO(data)) as image:
            formats.add(image.format)
        sides += [max(width, height) for _, _, _, width, height in boxes]
    assert formats == {"PNG", "JPEG"} and family.backgrounds == ("textured", "smooth")
    assert SIDES[0] <= min(sides) and max(sides) <= SIDES[1]


@pytest.mark.parametrize("kind", ["key", "mushroom", "dumbbell", "sphere", "tile"])
def test_a_shaded_object_is_not_one_colour_and_its_box_leaves_out_its_shadow(kind):
    family = FAMILIES["shaded"]
    grey = (128, 128, 128)
    for seed in range(6):
        image = Image.new("RGB", (200, 200), grey)
        rng = random.Random(seed)
        box = _place(image, kind, family.draw, rng, [], _shading, (5, 4, 2.0, 0.6))
        assert box is not None
        x0, y0, x1, y1 = box
        assert SIDES[0] <= max(x1 - x0, y1 - y0) <= SIDES[1]
        drawn = np.abs(np.asarray(image, np.int16) - grey).sum(axis=2) > 30
        inside = drawn[y0:y1, x0:x1]
        # tight: each edge of the box touches the object, and nothing is drawn above or left
        assert inside[0].any() and inside[-1].any() and inside[:, 0].any() and inside[:, -1].any()
        assert not drawn[:y0].any() and not drawn[:, :x0].any()
        # the shadow falls below and to the right of the object, outside its box
        assert drawn[y1:].any() or drawn[:, x1:].any()
        colours = np.asarray(image.crop(box)).reshape(-1, 3)[inside.reshape(-1)]
        assert len(np.unique(colours, axis=0)) > 10
        assert np.ptp(colours.astype(np.int16), axis=0).max() > 40


@pytest.mark.parametrize("kind", ["house", "tree", "car", "flag", "target", "pencil"])
def test_an_icon_is_several_colours_inside_one_tight_box(kind):
    family = FAMILIES["icons"]
    grey = (128, 128, 128)
    for seed in range(6):
        image = Image.new("RGB", (200, 200), grey)
        box = _place(image, kind, family.draw, random.Random(seed), [], family.fill)
        assert box is not None
        x0, y0, x1, y1 = box
        painted = np.abs(np.asarray(image, np.int16) - grey).sum(axis=2) > 0
        ys, xs = np.nonzero(painted)
        assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == box
        colours = {tuple(c) for c in np.asarray(image)[y0:y1, x0:x1][painted[y0:y1, x0:x1]]}
        assert len(colours) >= 2


@pytest.mark.parametrize("kind", ["cup", "leaf", "bottle"])
def test_a_photographed_object_stands_out_only_moderately_and_its_soft_edge_stays_near_its_box(
    kind,
):
    family = FAMILIES["photos"]
    for seed in range(6):
        rng = random.Random(seed)
        image = Image.new("RGB", (200, 200), (90, 140, 70))
        box = _place(image, kind, family.draw, rng, [], family.fill, None, 1.5)
        assert box is not None
        x0, y0, x1, y1 = box
        pixels = np.asarray(image, np.int16)
        changed = np.abs(pixels - (90, 140, 70)).sum(axis=2) > 0
        ys, xs = np.nonzero(changed)
        assert x0 - 4 <= xs.min() and xs.max() < x1 + 4 and y0 - 4 <= ys.min() and ys.max() < y1 + 4
        assert changed.sum() > changed[y0:y1, x0:x1].sum()  # the blurred edge spreads out
        # A soft edge stands out less than the surface; the surface's grain a little more.
        contrast = np.abs(pixels - (90, 140, 70)).sum(axis=2)[changed]
        assert 60 <= np.percentile(contrast, 75) <= 150
