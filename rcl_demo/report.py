"""Draw a model's evaluation summary (the EvaluationResultSummary JSON) as a PNG.

``python -m rcl_demo.report --outputs OUTPUTS_JSON [--out reports/evaluation.png]`` fetches the
summary named by the stack output ``evaluation_summary`` and prints the PNG's absolute path.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from PIL import Image, ImageDraw

from rcl_demo.drawing import (
    BACKGROUND,
    GRID,
    INK,
    MARGIN,
    MUTED,
    WIDTH,
    Canvas,
    Font,
    load_font,
    text_width,
)
from rcl_demo.outputs import DemoError, load_stack_outputs
from rcl_demo.report_scenes import Scene, draw_scenes, fetch_scenes, scenes_height
from rcl_resources.evaluation import LabelMetric
from rcl_resources.evaluation import label_metrics as parsed_label_metrics

HEAT = (31, 90, 170)
METRICS: tuple[tuple[str, str, tuple[int, int, int]], ...] = (
    ("F1Score", "F1", (31, 119, 180)),
    ("Precision", "precision", (255, 127, 14)),
    ("Recall", "recall", (44, 160, 44)),
)
CHART_HEIGHT = 300
MAX_MATRIX_SIDE = 560
TABLE_WIDTH = 460


# --- reading the summary ----------------------------------------------------------------------


# Each summary key the report draws, as a LabelMetric field.
METRIC_FIELDS = {"F1Score": "f1_score", "Precision": "precision", "Recall": "recall"}


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def label_metrics(summary: Mapping[str, Any]) -> list[LabelMetric]:
    """Per-label metrics of a summary (read as the provider reads them), in display order
    (numeric labels numerically)."""
    results = parsed_label_metrics(summary)
    order = {label: i for i, label in enumerate(_display_order(str(r.label) for r in results))}
    return sorted(results, key=lambda r: order[str(r.label)])


def _display_order(labels: Iterable[str]) -> list[str]:
    distinct = set(labels)
    if all(label.lstrip("-").isdigit() for label in distinct):
        return sorted(distinct, key=int)
    return sorted(distinct, key=lambda label: (label.casefold(), label))


def _aggregate(summary: Mapping[str, Any]) -> Mapping[str, Any]:
    aggregated = summary.get("AggregatedEvaluationResults") or {}
    # The reference schema nests the numbers under Metrics; published files keep them flat.
    return aggregated.get("Metrics") or aggregated


def _model_name(summary: Mapping[str, Any]) -> str:
    arn = str((summary.get("EvaluationDetails") or {}).get("ProjectVersionArn") or "")
    parts = arn.split(":", 5)[-1].split("/")
    if len(parts) >= 4 and parts[0] == "project" and parts[2] == "version":
        return f"{parts[1]} / {parts[3]}"
    return arn or "unknown model"


def _confusion_cells(summary: Mapping[str, Any]) -> dict[tuple[str, str], float]:
    cells: dict[tuple[str, str], float] = {}
    matrix = (summary.get("AggregatedEvaluationResults") or {}).get("ConfusionMatrix") or []
    for cell in matrix:
        value = _number(cell.get("Value"))
        if value is not None:
            key = (str(cell.get("GroundTruthLabel")), str(cell.get("PredictedLabel")))
            cells[key] = value
    return cells


# --- drawing ----------------------------------------------------------------------------------


def _fit(draw: ImageDraw.ImageDraw, text: str, font: Font, width: float) -> str:
    """``text`` shortened with '...' until it fits ``width`` pixels."""
    if text_width(draw, text, font) <= width:
        return text
    while text and text_width(draw, text + "...", font) > width:
        text = text[:-1]
    return text + "..." if text else ""


def _format(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _vertical_text(
    image: Image.Image, xy: tuple[int, int], text: str, font: Font, fill: tuple[int, int, int]
) -> None:
    """Text rotated to read bottom-up, its bottom-left corner at ``xy``."""
    probe = ImageDraw.Draw(image)
    left, _, right, bottom = probe.textbbox((0, 0), text, font=font)
    tile = Image.new("RGBA", (int(right - left) + 2, int(bottom) + 2), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((-left + 1, 1), text, font=font, fill=fill)
    rotated = tile.rotate(90, expand=True)
    image.paste(rotated, (xy[0], xy[1] - rotated.height), rotated)


def _draw_header(canvas: Canvas, summary: Mapping[str, Any], labels: list[LabelMetric]) -> None:
    details = summary.get("EvaluationDetails") or {}
    aggregate = _aggregate(summary)
    canvas.text(MARGIN, f"Evaluation: {_model_name(summary)}", 30, gap=12)
    overall = "   ".join(
        f"{name} {_format(_number(aggregate.get(key)))}" for key, name, _ in METRICS
    )
    testing = details.get("NumberOfTestingImages")
    training = details.get("NumberOfTrainingImages")
    counts = [
        f"{testing} test images" if testing is not None else "test image count unknown",
        *([f"{training} training images"] if training is not None else []),
        f"{len(labels)} labels",
    ]
    canvas.text(MARGIN, f"Overall  {overall}", 22, gap=6)
    canvas.text(MARGIN, ", ".join(counts), 18, fill=MUTED, gap=6)
    finished = details.get("EvaluationEndTimestamp")
    if finished:
        canvas.text(MARGIN, f"evaluated {finished}", 15, fill=MUTED, gap=6)
    canvas.y += 14


def _draw_bars(canvas: Canvas, labels: list[LabelMetric]) -> None:
    draw = canvas.draw
    canvas.text(MARGIN, "Per-label metrics", 22, gap=10)
    legend_font = load_font(16)
    x = WIDTH - MARGIN
    for _, name, colour in reversed(METRICS):
        x -= int(text_width(draw, name, legend_font))
        draw.text((x, canvas.y - 30), name, font=legend_font, fill=INK)
        x -= 22
        draw.rectangle((x, canvas.y - 27, x + 14, canvas.y - 13), fill=colour)
        x -= 22
    if not labels:
        canvas.text(MARGIN, "The summary has no LabelEvaluationResults.", 16, fill=MUTED)
        return

    axis_font, value_font, name_font = load_font(13), load_font(12), load_font(15)
    left, right = MARGIN + 40, WIDTH - MARGIN
    bottom = canvas.y + 16 + CHART_HEIGHT
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = bottom - tick * CHART_HEIGHT
        draw.line((left, y, right, y), fill=GRID if tick else MUTED, width=1)
        draw.text((left - 8, y), f"{tick:.2f}", font=axis_font, fill=MUTED, anchor="rm")

    group = (right - left) / len(labels)
    bar = max(min(group * 0.8 / len(METRICS), 40), 2)
    show_values = bar >= text_width(draw, "0.00", value_font) + 2
    rotate_names = max(text_width(draw, r.label, name_font) for r in labels) > group - 4
    for index, result in enumerate(labels):
        start = left + index * group + (group - bar * len(METRICS)) / 2
        for offset, (key, _, colour) in enumerate(METRICS):
            value = getattr(result, METRIC_FIELDS[key])
            if value is None:
                continue
            x0 = start + offset * bar
            y0 = bottom - max(min(value, 1.0), 0.0) * CHART_HEIGHT
            draw.rectangle((x0, y0, x0 + bar - 2, bottom), fill=colour)
            if show_values:
                centre = x0 + (bar - 2) / 2
                draw.text((centre, y0 - 3), f"{value:.2f}", font=value_font, fill=INK, anchor="mb")
        centre = left + (index + 0.5) * group
        if rotate_names:
            name = _fit(draw, result.label, name_font, 110)
            _vertical_text(canvas.image, (int(centre - 8), bottom + 118), name, name_font, INK)
        else:
            draw.text((centre, bottom + 8), result.label, font=name_font, fill=INK, anchor="mt")
            if result.test_images is not None and group >= 40:
                count = f"n={result.test_images}"
                draw.text((centre, bottom + 28), count, font=axis_font, fill=MUTED, anchor="mt")
    canvas.y = bottom + (125 if rotate_names else 55)


def _matrix_layout(labels: Sequence[str]) -> tuple[int, int]:
    """(cell side, label column width) for a confusion matrix of ``labels``."""
    cell = max(min(MAX_MATRIX_SIDE // max(len(labels), 1), 48), 10)
    return cell, 110


def _draw_confusion_matrix(
    canvas: Canvas, cells: Mapping[tuple[str, str], float], order: Sequence[str]
) -> int:
    """Draw the heatmap at ``canvas.y``; returns its right edge."""
    draw = canvas.draw
    cell, label_column = _matrix_layout(order)
    value_font = load_font(max(min(cell // 3, 15), 9))
    label_font = load_font(14)
    left = MARGIN + label_column
    top = canvas.y + 44
    side = cell * len(order)
    draw.text((left + side / 2, canvas.y), "predicted", font=label_font, fill=MUTED, anchor="mt")
    axis_name = "ground truth"
    half = int(text_width(draw, axis_name, label_font) / 2)
    _vertical_text(canvas.image, (MARGIN, top + side // 2 + half), axis_name, label_font, MUTED)

    row_totals = {truth: 0.0 for truth in order}
    for (truth, _), value in cells.items():
        row_totals[truth] = row_totals.get(truth, 0.0) + value
    whole = all(float(v).is_integer() for v in cells.values())
    show_values = cell >= 22
    for column, predicted in enumerate(order):
        x = left + column * cell + cell / 2
        text = _fit(draw, predicted, value_font, cell - 2)
        draw.text((x, top - 4), text, font=value_font, fill=INK, anchor="mb")
    for row, truth in enumerate(order):
        y = top + row * cell
        name = _fit(draw, truth, label_font, label_column - 30)
        draw.text((left - 6, y + cell / 2), name, font=label_font, fill=INK, anchor="rm")
        for column, predicted in enumerate(order):
            x = left + column * cell
            entry = cells.get((truth, predicted))
            share = entry / row_totals[truth] if entry and row_totals[truth] else 0.0
            fill = tuple(round(255 + (c - 255) * share) for c in HEAT)
            draw.rectangle((x, y, x + cell, y + cell), fill=fill, outline=GRID)
            if entry is not None and show_values:
                text = f"{entry:.0f}" if whole else f"{entry:.2f}"
                ink = BACKGROUND if share > 0.55 else INK
                draw.text(
                    (x + cell / 2, y + cell / 2), text, font=value_font, fill=ink, anchor="mm"
                )
    canvas.y = top + cell * len(order) + 20
    return left + cell * len(order)


def _draw_table(canvas: Canvas, x: int, y: int, labels: list[LabelMetric]) -> int:
    """Per-label numbers as a table at (x, y); returns the bottom edge."""
    draw = canvas.draw
    font, head_font = load_font(14), load_font(14)
    columns = [("label", 0), ("test images", 100), ("F1", 195), ("precision", 255)]
    columns += [("recall", 330), ("threshold", 395)]
    for name, dx in columns:
        draw.text((x + dx, y), name, font=head_font, fill=MUTED)
    y += 24
    draw.line((x, y - 4, x + TABLE_WIDTH, y - 4), fill=GRID)
    for result in labels:
        cells = [
            _fit(draw, result.label, font, 92),
            "n/a" if result.test_images is None else str(result.test_images),
            _format(result.f1_score),
            _format(result.precision),
            _format(result.recall),
            _format(result.threshold),
        ]
        for (_, dx), text in zip(columns, cells, strict=True):
            draw.text((x + dx, y), text, font=font, fill=INK)
        y += 21
    return y


def _draw_evaluation(
    canvas: Canvas,
    summary: Mapping[str, Any],
    labels: list[LabelMetric],
    cells: Mapping[tuple[str, str], float],
    order: Sequence[str],
) -> int:
    """The section under the bars: box averages for a detection model, else the confusion
    matrix (or why there is none); each with the per-label table. Returns its bottom edge."""
    if is_detection(summary):
        aggregate = _aggregate(summary)
        canvas.text(MARGIN, "Per bounding box", 22, gap=10)
        canvas.text(
            MARGIN,
            f"average precision {_format(_number(aggregate.get('AveragePrecision')))}   "
            f"average recall {_format(_number(aggregate.get('AverageRecall')))}",
            16,
            fill=MUTED,
            gap=16,
        )
        bottom = _draw_table(canvas, MARGIN, canvas.y, labels) if labels else canvas.y
    elif not cells:
        canvas.text(MARGIN, "Confusion matrix", 22, gap=10)
        canvas.text(
            MARGIN,
            "This summary has no ConfusionMatrix (object-detection models do not report one).",
            16,
            fill=MUTED,
            gap=16,
        )
        bottom = _draw_table(canvas, MARGIN, canvas.y, labels) if labels else canvas.y
    else:
        canvas.text(MARGIN, "Confusion matrix", 22, gap=10)
        section_top = canvas.y
        table_x = _draw_confusion_matrix(canvas, cells, order) + 50
        bottom = canvas.y
        if labels and table_x + TABLE_WIDTH <= WIDTH - MARGIN:
            bottom = max(bottom, _draw_table(canvas, table_x, section_top, labels))
        elif labels:
            bottom = _draw_table(canvas, MARGIN, canvas.y, labels)
    return bottom


def render_report(summary: Mapping[str, Any], out: Path, scenes: Sequence[Scene] = ()) -> Path:
    """Draw ``summary`` (and, for a detection model, ``scenes``) as a PNG at ``out`` (parent
    folders created); returns ``out``."""
    labels = label_metrics(summary)
    cells = _confusion_cells(summary)
    order = _display_order([r.label for r in labels] + [label for pair in cells for label in pair])
    cell, _ = _matrix_layout(order)
    matrix_height = cell * len(order) + 80 if cells else 40
    table_height = 21 * len(labels) + 40
    thumbs_height = scenes_height(scenes)
    # Sized for the tallest layout (table under the matrix); cropped to what was drawn.
    canvas = Canvas(
        height=MARGIN * 2 + 150 + CHART_HEIGHT + 200 + matrix_height + table_height + thumbs_height
    )

    _draw_header(canvas, summary, labels)
    _draw_bars(canvas, labels)
    bottom = _draw_evaluation(canvas, summary, labels, cells, order)
    if scenes:
        canvas.y = bottom + 30
        bottom = draw_scenes(canvas, scenes)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    canvas.image.crop((0, 0, WIDTH, min(bottom + MARGIN, canvas.image.height))).save(out, "PNG")
    return out


# --- fetching ---------------------------------------------------------------------------------


def fetch_summary(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    """Download and parse the evaluation summary at s3://bucket/key."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise DemoError(
            f"cannot read the evaluation summary s3://{bucket}/{key} ({code}); "
            "run `make up` and wait for training to finish"
        ) from None
    except BotoCoreError as error:
        raise DemoError(f"cannot reach S3: {error}") from None
    try:
        summary = json.loads(body)
    except json.JSONDecodeError as error:
        raise DemoError(f"s3://{bucket}/{key} is not JSON: {error}") from None
    if not isinstance(summary, dict):
        raise DemoError(f"s3://{bucket}/{key} is not an evaluation summary object")
    return summary


def is_detection(summary: Mapping[str, Any]) -> bool:
    """Object-detection summaries carry AveragePrecision (and no ConfusionMatrix)."""
    return "AveragePrecision" in _aggregate(summary)


def _overall_line(summary: Mapping[str, Any]) -> str:
    aggregate = _aggregate(summary)
    parts = [f"{name} {_format(_number(aggregate.get(key)))}" for key, name, _ in METRICS]
    testing = (summary.get("EvaluationDetails") or {}).get("NumberOfTestingImages")
    suffix = f" on {testing} test images" if testing is not None else ""
    return f"{_model_name(summary)}: {', '.join(parts)}{suffix}"


def main(argv: Sequence[str] | None = None, s3: Any = None) -> int:
    """Run the command; ``s3`` replaces the client built from the stack outputs."""
    parser = argparse.ArgumentParser(prog="python -m rcl_demo.report", description=__doc__)
    parser.add_argument("--outputs", type=Path, required=True, help="`pulumi stack output --json`")
    parser.add_argument("--out", type=Path, default=Path("reports/evaluation.png"))
    args = parser.parse_args(argv)
    try:
        outputs = load_stack_outputs(args.outputs)
        location = outputs.require(
            "evaluation_summary", "the model has no evaluation yet; run `make up` to train it"
        )
        if not isinstance(location, dict) or not location.get("bucket") or not location.get("name"):
            raise DemoError(
                f'stack output evaluation_summary should be {{"bucket": ..., "name": ...}}, '
                f"got {location!r}"
            )
        s3 = s3 or outputs.client("s3")
        summary = fetch_summary(s3, location["bucket"], location["name"])
        scenes = (
            fetch_scenes(s3, location["bucket"], location["name"]) if is_detection(summary) else []
        )
        path = render_report(summary, args.out, scenes)
    except DemoError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: cannot write {args.out}: {error.strerror}", file=sys.stderr)
        return 1
    print(_overall_line(summary))
    print(path.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
