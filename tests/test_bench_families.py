"""The scene families object detection is judged on: the same seed draws the same scene, boxes
lie inside their images, and manifests are in Ground Truth's own format."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from benchmarks.families import FAMILIES, JUDGED, SHAPES, SIDES, TUNING


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_a_scene_is_a_function_of_its_seed_and_its_boxes_fit_its_image(name):
    family = FAMILIES[name]
    assert set(family.patterned) <= set(family.classes) | set(family.distractors)
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


def test_the_judged_families_are_not_the_tuned_one_and_share_no_object_kind():
    assert TUNING not in JUDGED
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
