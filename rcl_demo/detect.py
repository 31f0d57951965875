"""Ask the stack's running model what an image shows (DetectCustomLabels).

``python -m rcl_demo.detect --outputs OUTPUTS_JSON IMAGE [--min-confidence N]`` prints one line
per label (per object, with its box, for an object-detection model), most confident first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from rcl_demo.outputs import DemoError, load_stack_outputs


def detect_custom_labels(
    rekognition: Any, model_arn: str, image: bytes, min_confidence: float | None = None
) -> list[dict[str, Any]]:
    """The model's labels for ``image``, most confident first.

    Without ``min_confidence`` each label is filtered by its own training-time threshold.
    Raises DemoError with a fix for the user when the model cannot answer.
    """
    request: dict[str, Any] = {"ProjectVersionArn": model_arn, "Image": {"Bytes": image}}
    if min_confidence is not None:
        request["MinConfidence"] = min_confidence
    try:
        response = rekognition.detect_custom_labels(**request)
    except ClientError as error:
        raise DemoError(_explain(error, model_arn)) from None
    except BotoCoreError as error:
        raise DemoError(f"cannot reach Rekognition: {error}") from None
    labels: list[dict[str, Any]] = response.get("CustomLabels", [])
    return sorted(labels, key=lambda label: (-label["Confidence"], label["Name"]))


def _explain(error: ClientError, model_arn: str) -> str:
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "")
    if code == "ResourceNotReadyException":
        return (
            f"model {model_arn} is not running; set `running: true` on the model in the "
            "stack config and run `make up`, then try again"
        )
    if code == "ResourceNotFoundException":
        return f"model {model_arn} does not exist; run `make up` to train it"
    if code in ("InvalidImageFormatException", "ImageTooLargeException"):
        return f"the image was rejected ({code}: {message}); use a PNG or JPEG of at most 4 MB"
    return f"DetectCustomLabels failed: {code}: {message}"


def format_labels(labels: Sequence[dict[str, Any]]) -> list[str]:
    """``"<name>  <confidence>%"`` per label, and for an object its box as ratios of the
    image: ``left, top, width x height``."""
    lines = []
    for label in labels:
        line = f"{label['Name']}  {label['Confidence']:.1f}%"
        box = (label.get("Geometry") or {}).get("BoundingBox")
        if box:
            line += (
                f"  box left {box['Left']:.3f} top {box['Top']:.3f} "
                f"size {box['Width']:.3f} x {box['Height']:.3f}"
            )
        lines.append(line)
    return lines


def _confidence(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError("must be between 0 and 100")
    return value


def main(argv: Sequence[str] | None = None, rekognition: Any = None) -> int:
    """Run the command; ``rekognition`` replaces the client built from the stack outputs."""
    parser = argparse.ArgumentParser(prog="python -m rcl_demo.detect", description=__doc__)
    parser.add_argument("--outputs", type=Path, required=True, help="`pulumi stack output --json`")
    parser.add_argument("image", type=Path, help="PNG or JPEG to classify")
    parser.add_argument(
        "--min-confidence",
        type=_confidence,
        default=None,
        help="drop labels below this percentage (default: each label's trained threshold)",
    )
    args = parser.parse_args(argv)
    try:
        outputs = load_stack_outputs(args.outputs)
        model_arn = outputs.require("model_arn", "run `make up` to train the model first")
        try:
            image = args.image.read_bytes()
        except OSError as error:
            raise DemoError(f"cannot read image {args.image}: {error.strerror}") from None
        client = rekognition or outputs.client("rekognition")
        labels = detect_custom_labels(client, model_arn, image, args.min_confidence)
    except DemoError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not labels:
        hint = "" if args.min_confidence == 0 else "; try --min-confidence 0 to see every label"
        print(f"no labels above the confidence threshold for {args.image}{hint}")
        return 0
    for line in format_labels(labels):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
