"""DetectCustomLabels: image checks and predictions from a trained model."""

from __future__ import annotations

import hashlib
import io
import threading
from typing import Any

from PIL import Image

from . import exceptions as exc
from . import s3io, trainer

MAX_BYTES_INLINE = 4 * 1024 * 1024
MAX_BYTES_S3 = 15 * 1024 * 1024
MIN_PIXELS, MAX_PIXELS = 64, 4096

_models: dict[str, trainer.TrainedModel] = {}
_models_lock = threading.Lock()


def _model(blob: bytes) -> trainer.TrainedModel:
    digest = hashlib.sha1(blob).hexdigest()
    with _models_lock:
        model = _models.get(digest)
        if model is None:
            model = _models[digest] = trainer.TrainedModel.from_bytes(blob)
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
            f"permissions ({e.reason}).") from None


def detect(arn: str, blob: bytes, p: dict[str, Any]) -> dict[str, Any]:
    """Run the model on ``p["Image"]`` and apply MinConfidence / MaxResults."""
    data = _image_bytes(p["Image"])
    try:
        with Image.open(io.BytesIO(data)) as img:
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
    model = _model(blob)
    try:
        features = trainer.image_features(data)
    except Exception:
        raise exc.InvalidImageFormatException("Request has invalid image format.") from None
    scores = model.scores(features[None, :])[0]
    min_conf = p.get("MinConfidence")
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
