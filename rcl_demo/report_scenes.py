"""The evaluation report's test images: a detection model's true and predicted boxes, read from
the evaluation snapshot beside the summary and drawn as thumbnails under the report."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from PIL import Image, ImageDraw

from rcl_demo.drawing import BACKGROUND, MARGIN, Canvas, load_font, text_width
from rcl_demo.outputs import DemoError


@dataclass(frozen=True)
class Scene:
    """A test image with its true boxes and the model's predictions, from the evaluation
    snapshot (TestingGroundTruth): boxes are (label, confidence, x0, y0, x1, y1) in pixels."""

    image: Image.Image
    truth: list[tuple[str, float, float, float, float, float]]
    predicted: list[tuple[str, float, float, float, float, float]]


TRUTH, PREDICTED = (44, 160, 44), (230, 97, 1)
THUMB_WIDTH = 270
MAX_SCENES = 12


def scene_of(line: Mapping[str, Any], image: Image.Image) -> Scene:
    """A snapshot line's true boxes and its predictions above their thresholds (true and false
    positives), on ``image``."""

    def boxes(attribute: str, keep: Any) -> list[tuple[str, float, float, float, float, float]]:
        value, meta = line.get(attribute) or {}, line.get(f"{attribute}-metadata") or {}
        names, objects = meta.get("class-map") or {}, meta.get("objects") or []
        out = []
        for box, obj in zip(value.get("annotations") or [], objects, strict=False):
            if keep(obj):
                x0, y0 = box["left"], box["top"]
                out.append(
                    (
                        str(names.get(str(box["class_id"]), "?")),
                        float(obj["confidence"]),
                        x0,
                        y0,
                        x0 + box["width"],
                        y0 + box["height"],
                    )
                )
        return out

    def shown(obj: Mapping[str, Any]) -> bool:
        details = obj.get("rekognition-custom-labels-evaluation-details") or {}
        return bool(details.get("is-true-positive") or details.get("is-false-positive"))

    return Scene(
        image,
        boxes("rekognition-custom-labels-training-0", lambda _: True),
        boxes("rekognition-custom-labels-evaluation", shown),
    )


def draw_scenes(canvas: Canvas, scenes: Sequence[Scene]) -> int:
    """Thumbnails, four to a row: true boxes in green, predictions in orange with confidence."""
    canvas.text(MARGIN, "Test images: true boxes (green), predictions (orange)", 22, gap=10)
    bottom = row_top = int(canvas.y)
    font = load_font(12)
    for i, scene in enumerate(scenes[:MAX_SCENES]):
        scale = THUMB_WIDTH / scene.image.width
        thumb = scene.image.convert("RGB").resize(
            (THUMB_WIDTH, round(scene.image.height * scale)), Image.Resampling.BILINEAR
        )
        draw = ImageDraw.Draw(thumb)
        for colour, boxes in ((TRUTH, scene.truth), (PREDICTED, scene.predicted)):
            for label, confidence, *box in boxes:
                x0, y0, x1, y1 = (v * scale for v in box)
                draw.rectangle((x0, y0, x1, y1), outline=colour, width=2)
                if colour == PREDICTED:
                    caption = f"{label} {confidence:.2f}"
                    above = max(0.0, y0 - 15)
                    draw.rectangle(
                        (x0, above, x0 + text_width(draw, caption, font) + 4, above + 14),
                        fill=colour,
                    )
                    draw.text((x0 + 2, above + 1), caption, fill=BACKGROUND, font=font)
        if i % 4 == 0:  # a new row starts below the tallest thumbnail of the last one
            row_top = bottom + (10 if i else 0)
        canvas.image.paste(thumb, (MARGIN + (i % 4) * (THUMB_WIDTH + 10), row_top))
        bottom = max(bottom, row_top + thumb.height)
    canvas.y = bottom + 20
    return bottom


def scenes_height(scenes: Sequence[Scene]) -> int:
    """The most height ``draw_scenes`` takes for ``scenes``: a title and rows of four."""
    shown = scenes[:MAX_SCENES]
    return 60 + sum(
        max(round(s.image.height * THUMB_WIDTH / s.image.width) for s in shown[i : i + 4]) + 10
        for i in range(0, len(shown), 4)
    )


def fetch_scenes(s3: Any, bucket: str, summary_key: str) -> list[Scene]:
    """The first test images of a detection model's evaluation snapshot, which AWS writes
    beside the summary as ``TestingGroundTruth-<project>-<version>.json``."""
    folder, _, name = summary_key.rpartition("/")
    key = (f"{folder}/" if folder else "") + name.replace(
        "EvaluationResultSummary-", "TestingGroundTruth-", 1
    )
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        scenes = []
        for text in body.splitlines()[:MAX_SCENES]:
            line = json.loads(text)
            image_bucket, _, image_key = line["source-ref"].removeprefix("s3://").partition("/")
            data = s3.get_object(Bucket=image_bucket, Key=image_key)["Body"].read()
            scenes.append(scene_of(line, Image.open(io.BytesIO(data))))
    except (ClientError, BotoCoreError, ValueError, KeyError, OSError) as error:
        raise DemoError(
            f"cannot read the test images' boxes from s3://{bucket}/{key}: {error}"
        ) from None
    return scenes
