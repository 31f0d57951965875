"""Access to the in-process moto S3 backend that serves the emulator's S3 endpoint."""

from __future__ import annotations

from typing import Any

from moto.backends import get_backend

ACCOUNT_ID = "123456789012"


class S3ReadError(Exception):
    """An S3 object could not be read; ``reason`` is ``NoSuchBucket`` or ``NoSuchKey``."""

    def __init__(self, reason: str, bucket: str, key: str) -> None:
        super().__init__(f"{reason}: s3://{bucket}/{key}")
        self.reason = reason


def backend() -> Any:
    """moto's S3 backend for the emulator account (the same one the S3 endpoint uses)."""
    return get_backend("s3")[ACCOUNT_ID]["aws"]


def bucket_exists(bucket: str) -> bool:
    """Whether ``bucket`` exists."""
    return bucket in backend().buckets


def ensure_bucket(bucket: str, region: str = "us-east-1") -> None:
    """Create ``bucket`` unless it exists."""
    if not bucket_exists(bucket):
        backend().create_bucket(bucket, region)


def get_object(bucket: str, key: str) -> bytes:
    """Object bytes, or :class:`S3ReadError`."""
    be = backend()
    if bucket not in be.buckets:
        raise S3ReadError("NoSuchBucket", bucket, key)
    try:
        obj = be.get_object(bucket, key)
    except Exception:
        obj = None
    if obj is None or getattr(obj, "is_delete_marker", False):
        raise S3ReadError("NoSuchKey", bucket, key)
    return bytes(obj.value)


def object_size(bucket: str, key: str) -> int:
    """Object size in bytes, or :class:`S3ReadError`."""
    be = backend()
    if bucket not in be.buckets:
        raise S3ReadError("NoSuchBucket", bucket, key)
    obj = be.get_object(bucket, key)
    if obj is None:
        raise S3ReadError("NoSuchKey", bucket, key)
    return int(obj.size)


def put_object(bucket: str, key: str, data: bytes) -> None:
    """Write an object; raises :class:`S3ReadError` if the bucket is missing."""
    be = backend()
    if bucket not in be.buckets:
        raise S3ReadError("NoSuchBucket", bucket, key)
    be.put_object(bucket, key, data)


def parse_s3_uri(uri: str) -> tuple[str, str] | None:
    """``s3://bucket/key`` → ``(bucket, key)``; ``None`` when malformed."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        return None
    rest = uri[5:]
    bucket, sep, key = rest.partition("/")
    if not bucket or not sep or not key:
        return None
    return bucket, key


def snapshot() -> dict[str, Any]:
    """All buckets and their latest objects, as plain data (for persistence)."""
    be = backend()
    out: dict[str, Any] = {}
    for name, bucket in list(be.buckets.items()):
        objects = {}
        for key in list(bucket.keys.keys()):
            try:
                obj = bucket.keys[key]
            except KeyError:
                continue
            if getattr(obj, "is_delete_marker", False):
                continue
            objects[key] = bytes(obj.value)
        out[name] = {"region": bucket.region_name, "objects": objects}
    return out


def fingerprint() -> tuple[Any, ...]:
    """Cheap change detector for :func:`snapshot`."""
    be = backend()
    parts: list[tuple[Any, ...]] = []
    for name, bucket in list(be.buckets.items()):
        for key in list(bucket.keys.keys()):
            try:
                obj = bucket.keys[key]
            except KeyError:
                continue
            parts.append((name, key, obj.etag, str(obj.last_modified)))
        parts.append((name,))
    return tuple(sorted(parts))


def restore(snap: dict[str, Any]) -> None:
    """Recreate buckets and objects from :func:`snapshot` output."""
    be = backend()
    for name, data in snap.items():
        if name not in be.buckets:
            be.create_bucket(name, data.get("region") or "us-east-1")
        for key, value in data["objects"].items():
            be.put_object(name, key, value)
