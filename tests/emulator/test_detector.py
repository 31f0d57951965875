"""The detector's own edge cases: labels only the tuning images show, images no window fits,
and test labels the model never learned."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from rcl_demo.shapes import scene_png
from rcl_emulator import detector
from rcl_emulator.box_features import ImageMaps


def best_iou(boxes: np.ndarray, box: tuple[int, int, int, int]) -> float:
    return float(detector.iou(np.asarray(boxes, np.float32), np.array([box], np.float32)).max())


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
    from rcl_emulator.regions import _regions, colour_regions

    pixels = np.full((160, 200, 3), (0.85, 0.85, 0.8), np.float32)
    x0, y0, x1, y1 = 50, 40, 122, 100
    ys, xs = np.mgrid[y0:y1, x0:x1]
    dark = ((xs if pattern == "vertical" else ys) // 6) % 2 == 0
    pixels[y0:y1, x0:x1] = np.where(dark[..., None], (0.1, 0.2, 0.6), (0.9, 0.5, 0.1))

    # The pieces alone: no whole-object proposal.
    assert best_iou(_regions(pixels), (x0, y0, x1, y1)) < 0.5
    assert best_iou(colour_regions(pixels), (x0, y0, x1, y1)) >= 0.8


def test_an_object_shaded_from_light_to_dark_is_one_proposal() -> None:
    """A gradient fill is many colour bands; its outline still makes it one proposal."""
    from rcl_emulator.regions import _outlined, colour_regions

    pixels = np.full((160, 200, 3), (0.9, 0.9, 0.85), np.float32)
    x0, y0, x1, y1 = 40, 30, 130, 110
    ys, xs = np.mgrid[0:160, 0:200]
    inside = ((xs - 85) / 45) ** 2 + ((ys - 70) / 40) ** 2 <= 1
    shade = np.clip((xs - x0) / (x1 - x0), 0, 1)[..., None]
    light, dark = np.array((0.95, 0.6, 0.2)), np.array((0.35, 0.1, 0.05))
    pixels[inside] = (light * (1 - shade) + dark * shade)[inside]

    assert best_iou(_outlined(pixels), (x0, y0, x1, y1)) >= 0.8
    assert best_iou(colour_regions(pixels), (x0, y0, x1, y1)) >= 0.8


@pytest.mark.parametrize("plain, turned", [(0.8, 0.9), (0.9, 0.8), (0.8, 0.8)])
def test_the_held_back_images_choose_whether_turned_copies_are_learned_from(
    monkeypatch: pytest.MonkeyPatch, plain: float, turned: float
) -> None:
    """Turned copies help where objects lie any way up and may mislead where a label means a
    direction: of the two detectors fitted, the one with the better F1 on the held-back fifth
    of the images is kept, the plain one on a tie."""
    images = [annotated(seed) for seed in range(10)]
    real = detector._tuned
    judged_on = []

    def tuned(model: detector.Detector, held_back: list[detector.Annotated]):
        judged_on.append(held_back)
        return real(model, held_back)[0], turned if model.learned_from_turned else plain

    monkeypatch.setattr(detector, "_tuned", tuned)
    model = detector.fit(images)
    assert model.learned_from_turned is (turned > plain)
    assert judged_on == [images[4::5]] * 2


def test_with_too_few_images_to_hold_back_no_turned_copies_are_learned_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(*args: object) -> None:
        raise AssertionError("turned copies with nothing held back to judge them")

    monkeypatch.setattr(detector, "_turned_examples", refused)
    assert not detector.fit([annotated(seed) for seed in range(9)]).learned_from_turned


@pytest.mark.parametrize("turn", range(len(detector.TURNS)))
def test_a_turned_box_lands_on_the_turned_object(turn: int) -> None:
    image = Image.new("RGB", (200, 120), (230, 230, 230))
    box = (30, 20, 90, 50)
    ImageDraw.Draw(image).rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=(20, 40, 200))
    how, move = detector.TURNS[turn]
    turned = image.transpose(how)
    moved = move(np.array([box], np.float32), *image.size)[0]
    drawn = Image.eval(turned.convert("L"), lambda v: 255 if v < 128 else 0).getbbox()
    assert tuple(int(v) for v in moved) == drawn


def test_turned_copies_of_a_large_image_are_described_at_working_size() -> None:
    """Boxes are given in the image's pixels; the detector sees an image larger than its
    working size scaled down, so a turned box must be scaled with it."""
    image = Image.new("RGB", (800, 480), (230, 230, 230))
    box = (60, 40, 180, 100)
    ImageDraw.Draw(image).rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=(20, 40, 200))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    examples = detector._turned_examples(
        [detector.Annotated(buf.getvalue(), (("r", *box),))], {"r": 1}, np.random.default_rng(0)
    )
    for (how, move), (described, classes) in zip(detector.TURNS, examples, strict=True):
        maps = ImageMaps(image.transpose(how))
        assert maps.scale == 0.5
        expected = move(np.array([box], np.float32), *image.size) * maps.scale
        assert np.allclose(described[0], maps.describe(expected)[0])
        assert classes[0] == 1
