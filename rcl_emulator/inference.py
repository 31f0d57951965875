"""DetectCustomLabels and DetectModerationLabels (adapters): image checks and predictions."""

from __future__ import annotations

import hashlib
import io
import pickle
import threading
from typing import Any

from PIL import Image

from . import detector, s3io, trainer
from . import exceptions as exc
from .models import BASE_MODEL_VERSION

MAX_BYTES_INLINE = 4 * 1024 * 1024
MAX_BYTES_S3 = 15 * 1024 * 1024
MIN_PIXELS, MAX_PIXELS = 64, 4096
MODERATION_MIN_CONFIDENCE = 50.0  # DetectModerationLabels' documented default

Model = trainer.TrainedModel | detector.Detector
_models: dict[str, Model] = {}
_models_lock = threading.Lock()


def _model(blob: bytes) -> Model:
    digest = hashlib.sha1(blob).hexdigest()
    with _models_lock:
        model = _models.get(digest)
        if model is None:
            model = _models[digest] = pickle.loads(blob)
        return model


def _image_bytes(image: dict[str, Any]) -> bytes:
    has_bytes, has_s3 = "Bytes" in image, "S3Object" in image
    if has_bytes == has_s3:
        raise exc.InvalidParameterException("Image needs exactly one of Bytes or S3Object.")
    if has_bytes:
        data = image["Bytes"]
        if len(data) > MAX_BYTES_INLINE:
            raise exc.ImageTooLargeException("The image is larger than 4 MB.")
        return data
    obj = image["S3Object"]
    if not obj.get("Bucket") or not obj.get("Name"):
        raise exc.InvalidS3ObjectException("S3Object needs Bucket and Name.")
    try:
        if s3io.object_size(obj["Bucket"], obj["Name"]) > MAX_BYTES_S3:
            raise exc.ImageTooLargeException("The S3 object is larger than 15 MB.")
        return s3io.get_object(obj["Bucket"], obj["Name"])
    except s3io.S3ReadError as e:
        raise exc.InvalidS3ObjectException(
            f"Unable to get object metadata from S3. Check object key, region and/or access "
            f"permissions ({e.reason})."
        ) from None


def _checked_image(image: dict[str, Any]) -> bytes:
    """The request's image bytes, after the format and size checks the real service makes."""
    return _decoded_image(image)[0]


def _decoded_image(image: dict[str, Any]) -> tuple[bytes, Image.Image]:
    """The request's image, encoded and decoded, after the real service's checks."""
    data = _image_bytes(image)
    try:
        img = Image.open(io.BytesIO(data))
        fmt, (w, h) = img.format, img.size
        img.load()  # decode fully: a truncated or corrupt body fails here, not later
    except Exception:
        raise exc.InvalidImageFormatException("Request has invalid image format.") from None
    if fmt not in ("PNG", "JPEG"):
        raise exc.InvalidImageFormatException("Request has invalid image format.")
    if w > MAX_PIXELS or h > MAX_PIXELS:
        raise exc.ImageTooLargeException("Image dimensions exceed 4096x4096 pixels.")
    if w < MIN_PIXELS or h < MIN_PIXELS:
        raise exc.InvalidParameterException("Image dimensions must be at least 64x64 pixels.")
    if max(w, h) / min(w, h) > 20:
        raise exc.InvalidParameterException("The image aspect ratio exceeds 20:1.")
    return data, img


def _predict(blob: bytes, image: dict[str, Any]) -> tuple[trainer.TrainedModel, Any]:
    """The model and its per-label scores (0..1) for the request's image."""
    model = _model(blob)
    assert isinstance(model, trainer.TrainedModel)
    return model, _scores(model, image)


def _scores(model: trainer.TrainedModel, image: dict[str, Any]) -> Any:
    data = _checked_image(image)
    try:
        features = trainer.image_features(data)
    except Exception:
        raise exc.InvalidImageFormatException("Request has invalid image format.") from None
    return model.scores(features[None, :])[0]


def detect(arn: str, blob: bytes, p: dict[str, Any]) -> dict[str, Any]:
    """Run the model on ``p["Image"]`` and apply MinConfidence / MaxResults."""
    min_conf = p.get("MinConfidence")
    model = _model(blob)
    if isinstance(model, detector.Detector):
        found = _objects(model, p["Image"], min_conf)
    else:
        scores = _scores(model, p["Image"])
        found = []
        for label, score in zip(model.labels, scores, strict=True):
            confidence = float(score) * 100
            limit = min_conf if min_conf is not None else model.thresholds[label] * 100
            if confidence >= limit:
                found.append({"Name": label, "Confidence": round(confidence, 5)})
    found.sort(key=lambda x: -x["Confidence"])
    if p.get("MaxResults") is not None:
        found = found[: p["MaxResults"]]
    return {"CustomLabels": found}


def _objects(
    model: detector.Detector, image: dict[str, Any], min_conf: float | None
) -> list[dict[str, Any]]:
    """A detector's objects as CustomLabels with ratio bounding boxes."""
    _, img = _decoded_image(image)
    width, height = img.size
    found = []
    for d in model.detect(img):
        confidence = d.score * 100
        limit = min_conf if min_conf is not None else model.thresholds[d.label] * 100
        if confidence < limit:
            continue
        x0, y0, x1, y1 = d.box
        found.append(
            {
                "Name": d.label,
                "Confidence": round(confidence, 5),
                "Geometry": {
                    "BoundingBox": {
                        "Width": (x1 - x0) / width,
                        "Height": (y1 - y0) / height,
                        "Left": x0 / width,
                        "Top": y0 / height,
                    }
                },
            }
        )
    return found


def moderation_labels(
    labels: list[str], scores: Any, min_confidence: float
) -> list[dict[str, Any]]:
    """Adapter labels scoring at least ``min_confidence`` (0..100), most confident first, as
    DetectModerationLabels' ``ModerationLabels`` (without ``TaxonomyLevel``).

    Adapter labels are the manifest's names, treated as top-level labels (no parent).
    """
    found = [
        {"Confidence": round(float(score) * 100, 5), "Name": label, "ParentName": ""}
        for label, score in zip(labels, scores, strict=True)
        if float(score) * 100 >= min_confidence
    ]
    return sorted(found, key=lambda x: -x["Confidence"])


def detect_moderation(arn: str, blob: bytes, p: dict[str, Any]) -> dict[str, Any]:
    """DetectModerationLabels with an adapter: its labels at ``MinConfidence`` (default 50)."""
    model, scores = _predict(blob, p["Image"])
    min_conf = p.get("MinConfidence")
    found = moderation_labels(
        model.labels, scores, MODERATION_MIN_CONFIDENCE if min_conf is None else min_conf
    )
    return {
        "ModerationLabels": [{**x, "TaxonomyLevel": 1} for x in found],
        "ModerationModelVersion": BASE_MODEL_VERSION,
        "ProjectVersion": arn,
        "ContentTypes": [],
    }
