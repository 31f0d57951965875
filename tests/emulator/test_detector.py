"""The detector's own edge cases: labels only the tuning images show, images no window fits,
and test labels the model never learned."""

from __future__ import annotations

import pytest
from PIL import Image

from rcl_demo.shapes import scene_png
from rcl_emulator import detector


def annotated(seed: int, rename: str | None = None) -> detector.Annotated:
    data, boxes = scene_png(seed)
    return detector.Annotated(data, tuple((rename or b.label, *b.corners()) for b in boxes))


@pytest.fixture(scope="module")
def trained() -> tuple[detector.Detector, list[detector.Annotated]]:
    # Image 4 is held back for tuning thresholds, and only it shows "rare".
    images = [annotated(seed, "rare" if i == 4 else None) for i, seed in enumerate(range(40))]
    return detector.fit(images), images


def test_a_label_only_the_tuning_images_show_does_not_shift_the_others(trained):
    model, images = trained
    assert "rare" in model.labels
    said = [d.label for image in images[20:] for d in model.detect(image.data, floor=0.5)]
    assert said and "rare" not in said
    hits = sum(
        m is not None
        for image in images[20:]
        for m in detector.match(model.detect(image.data, floor=0.5), image.objects)
    )
    assert hits >= 0.6 * len(said)


def test_an_image_no_window_fits_has_no_objects(trained):
    model, _ = trained
    assert model.detect(Image.new("RGB", (1280, 64), (90, 120, 40))) == []


def test_boxes_of_labels_the_model_never_learned_count_as_missed(trained):
    model, images = trained
    seen = detector.evaluate(model, images[20:30])
    unknown = [
        detector.Annotated(i.data, tuple(("zebra", *o[1:]) for o in i.objects))
        for i in images[20:30]
    ]
    both = detector.evaluate(model, images[20:30] + unknown)
    assert both.aggregate["Recall"] < seen.aggregate["Recall"]
    assert {x["Label"] for x in both.labels} == set(model.labels)


@pytest.mark.parametrize("pattern", ["vertical", "horizontal"])
def test_a_striped_object_is_one_proposal(pattern: str) -> None:
    """Each stripe is a region of its own; the object as a whole must still be proposed, with
    its own box, or the detector never sees it."""
    import numpy as np

    from rcl_emulator.regions import _regions, colour_regions

    pixels = np.full((160, 200, 3), (0.85, 0.85, 0.8), np.float32)
    x0, y0, x1, y1 = 50, 40, 122, 100
    ys, xs = np.mgrid[y0:y1, x0:x1]
    dark = ((xs if pattern == "vertical" else ys) // 6) % 2 == 0
    pixels[y0:y1, x0:x1] = np.where(dark[..., None], (0.1, 0.2, 0.6), (0.9, 0.5, 0.1))

    def best_iou(boxes: np.ndarray) -> float:
        ix = np.clip(np.minimum(boxes[:, 2], x1) - np.maximum(boxes[:, 0], x0), 0, None)
        iy = np.clip(np.minimum(boxes[:, 3], y1) - np.maximum(boxes[:, 1], y0), 0, None)
        areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        inter = ix * iy
        return float((inter / (areas + (x1 - x0) * (y1 - y0) - inter)).max())

    assert best_iou(_regions(pixels)) < 0.5  # the pieces alone: no whole-object proposal
    assert best_iou(colour_regions(pixels)) >= 0.8


def test_an_object_shaded_from_light_to_dark_is_one_proposal() -> None:
    """A gradient fill is many colour bands; its outline still makes it one proposal."""
    import numpy as np

    from rcl_emulator.regions import _outlined, colour_regions

    pixels = np.full((160, 200, 3), (0.9, 0.9, 0.85), np.float32)
    x0, y0, x1, y1 = 40, 30, 130, 110
    ys, xs = np.mgrid[0:160, 0:200]
    inside = ((xs - 85) / 45) ** 2 + ((ys - 70) / 40) ** 2 <= 1
    shade = np.clip((xs - x0) / (x1 - x0), 0, 1)[..., None]
    light, dark = np.array((0.95, 0.6, 0.2)), np.array((0.35, 0.1, 0.05))
    pixels[inside] = (light * (1 - shade) + dark * shade)[inside]

    def best_iou(boxes: np.ndarray) -> float:
        ix = np.clip(np.minimum(boxes[:, 2], x1) - np.maximum(boxes[:, 0], x0), 0, None)
        iy = np.clip(np.minimum(boxes[:, 3], y1) - np.maximum(boxes[:, 1], y0), 0, None)
        areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        inter = ix * iy
        return float((inter / (areas + (x1 - x0) * (y1 - y0) - inter)).max())

    assert best_iou(_outlined(pixels)) >= 0.8
    assert best_iou(colour_regions(pixels)) >= 0.8
