"""Image folders in S3: a folder of class-named subfolders scanned, uploaded as
content-addressed objects, and described by a Ground Truth manifest (see `manifest`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from .errors import S3_MISSING, error_code
from .manifest import (
    CLASSIFICATION,
    CONTENT_MODERATION,
    DEFAULT_JOB_NAME,
    FOLDER_KINDS,
    IMAGE_CONTENT_TYPES,
    MANIFEST_CONTENT_TYPE,
    SAFE_FOLDER,
    classification_line,
    dumps_line,
    moderation_line,
)
from .manifest_values import label_name_problem

_LIST_DENIED_CODES = frozenset({"AccessDenied", "AllAccessDisabled"})


@dataclass(frozen=True)
class FolderImage:
    """One image of a labelled folder: ``<folder>/<label>/<file>``."""

    path: Path
    label: str
    sha256: str
    extension: str
    """Lower-case file extension including the dot, e.g. ``.png``."""


def scan_image_folder(folder: Path, kind: str = CLASSIFICATION) -> list[FolderImage]:
    """The PNG and JPEG images of a folder whose subfolders are named after labels.

    Files directly in ``folder``, hidden subfolders, nested folders and other file types are
    ignored; empty label folders are skipped. Images are ordered by label, then file name.
    For ``kind="content_moderation"`` a ``safe/`` subfolder holds images with no unsafe
    content. Raises ValueError naming the folder when it is missing or has too few labels
    (two for classification, one besides ``safe`` for content moderation).
    """
    folder = Path(folder)
    images: list[FolderImage] = []
    labels: list[str] = []
    for label_dir in _label_dirs(folder):
        files = sorted(
            (
                p
                for p in label_dir.iterdir()
                if p.is_file() and p.suffix.lower() in IMAGE_CONTENT_TYPES
            ),
            key=lambda p: p.name,
        )
        if not files:
            continue
        problem = label_name_problem(label_dir.name)
        if problem:
            raise ValueError(f"{label_dir}: {problem}")
        labels.append(label_dir.name)
        for path in files:
            images.append(
                FolderImage(
                    path=path,
                    label=label_dir.name,
                    sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                    extension=path.suffix.lower(),
                )
            )
    _require_labels(folder, kind, labels)
    return images


def _label_dirs(folder: Path) -> list[Path]:
    """The folder's visible subfolders by name; ValueError when there is none."""
    if not folder.is_dir():
        raise ValueError(
            f"image folder {folder} does not exist or is not a directory; create it with one "
            "subfolder per label, e.g. <folder>/cat/1.png"
        )
    label_dirs = sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )
    if not label_dirs:
        raise ValueError(
            f"image folder {folder} has no label subfolders; put each image in "
            f"{folder}/<label>/<image>.png"
        )
    return label_dirs


def _require_labels(folder: Path, kind: str, labels: list[str]) -> None:
    """ValueError unless ``labels`` (those with images) are enough for a ``kind`` manifest."""
    if kind not in FOLDER_KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(FOLDER_KINDS)}")
    found = ", ".join(labels) or "none"
    if kind == CONTENT_MODERATION and not set(labels) - {SAFE_FOLDER}:
        raise ValueError(
            f"image folder {folder} has no moderation label subfolder ({found}); put images "
            f"in {folder}/<moderation label>/ (e.g. Alcohol/) and safe ones in "
            f"{folder}/{SAFE_FOLDER}/"
        )
    if kind == CLASSIFICATION and len(labels) < 2:
        raise ValueError(
            f"image folder {folder} has images for {len(labels)} label(s) ({found}); "
            "classification needs at least 2 label subfolders with PNG or JPEG images"
        )


def folder_digest(images: Iterable[FolderImage], kind: str = CLASSIFICATION) -> str:
    """SHA-256 over the distinct (label, image sha256) pairs, independent of file names (and
    over the kind of manifest made from them, when it is not classification)."""
    digest = hashlib.sha256(b"" if kind == CLASSIFICATION else f"{kind}\n".encode())
    for label, sha in sorted({(image.label, image.sha256) for image in images}):
        digest.update(f"{label}\0{sha}\n".encode())
    return digest.hexdigest()


def image_key(prefix: str, image: FolderImage | Any) -> str:
    """Content-addressed S3 key of an image (anything with ``sha256`` and ``extension``):
    ``{prefix}/images/{sha256[:32]}{ext}``."""
    return _join_key(prefix, f"images/{image.sha256[:32]}{image.extension}")


def manifest_key(prefix: str, digest: str) -> str:
    """Content-addressed S3 key of a folder's manifest: ``{prefix}/manifests/{digest[:32]}``."""
    return _join_key(prefix, f"manifests/{digest[:32]}.manifest")


def _join_key(prefix: str, name: str) -> str:
    prefix = prefix.strip("/")
    return f"{prefix}/{name}" if prefix else name


@dataclass(frozen=True)
class FolderUpload:
    """What ``upload_image_folder`` put in S3."""

    bucket: str
    manifest_key: str
    lines: list[str]
    """The manifest's JSON lines, without newlines."""
    uploaded: int
    """Images written by this call."""
    skipped: int
    """Images already present in S3."""
    labels: list[str]

    @property
    def manifest_uri(self) -> str:
        """``s3://bucket/key`` of the manifest."""
        return f"s3://{self.bucket}/{self.manifest_key}"


def upload_image_folder(
    s3_client: Any,
    folder: Path,
    bucket: str,
    prefix: str,
    *,
    kind: str = CLASSIFICATION,
    job_name: str = DEFAULT_JOB_NAME,
    max_workers: int = 8,
) -> FolderUpload:
    """Upload a labelled image folder and its manifest to S3.

    ``kind`` is ``"classification"`` (Ground Truth image-classification lines) or
    ``"content_moderation"`` (adapter lines; images in ``safe/`` get no label). Images are
    stored once each under content-addressed keys and only uploaded when absent (one listing of
    ``{prefix}/images/``, or a HEAD per image when listing is denied), so re-running with an
    unchanged folder uploads nothing and returns the same manifest key. Identical images in
    several label folders become one multi-label line.
    """
    images = scan_image_folder(folder, kind)
    labels_by_key: dict[str, list[str]] = {}
    path_by_key: dict[str, Path] = {}
    for image in images:
        key = image_key(prefix, image)
        path_by_key.setdefault(key, image.path)
        labels_by_key.setdefault(key, [])
        if image.label not in labels_by_key[key]:
            labels_by_key[key].append(image.label)

    written = upload_images(s3_client, bucket, prefix, path_by_key, max_workers)

    def line(key: str, labels: list[str]) -> dict[str, Any]:
        uri = f"s3://{bucket}/{key}"
        if kind == CONTENT_MODERATION:
            return moderation_line(uri, sorted(set(labels) - {SAFE_FOLDER}))
        return classification_line(uri, sorted(labels), job_name=job_name)

    lines = [dumps_line(line(key, labels)) for key, labels in sorted(labels_by_key.items())]
    key = put_manifest(s3_client, bucket, prefix, folder_digest(images, kind), lines)
    return FolderUpload(
        bucket=bucket,
        manifest_key=key,
        lines=lines,
        uploaded=sum(written),
        skipped=len(written) - sum(written),
        labels=sorted({image.label for image in images} - _not_labels(kind)),
    )


def upload_images(
    s3_client: Any, bucket: str, prefix: str, path_by_key: Mapping[str, Path], max_workers: int = 8
) -> list[bool]:
    """Put each file at its content-addressed key unless it is there already (one listing of
    ``{prefix}/images/``, or a HEAD per image when listing is denied); True for each written."""
    existing = _existing_keys(s3_client, bucket, _join_key(prefix, "images/"))

    def upload(key: str) -> bool:
        path = path_by_key[key]
        content_type = IMAGE_CONTENT_TYPES[path.suffix.lower()]
        if existing is None:
            return _put_if_absent(s3_client, bucket, key, path.read_bytes, content_type)
        if key in existing:
            return False
        s3_client.put_object(
            Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type
        )
        return True

    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(upload, sorted(path_by_key)))


def put_manifest(s3_client: Any, bucket: str, prefix: str, digest: str, lines: list[str]) -> str:
    """Write the manifest's lines at its content-addressed key (once); returns the key."""
    key = manifest_key(prefix, digest)
    text = "".join(line + "\n" for line in lines)
    _put_if_absent(s3_client, bucket, key, text.encode, MANIFEST_CONTENT_TYPE)
    return key


def _not_labels(kind: str) -> set[str]:
    return {SAFE_FOLDER} if kind == CONTENT_MODERATION else set()


def _existing_keys(s3_client: Any, bucket: str, prefix: str) -> set[str] | None:
    """Keys under ``prefix``, or None when the caller may not list the bucket.

    One listing replaces a HEAD per image, which matters for thousands of small images.
    """
    keys: set[str] = set()
    try:
        pages = s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            keys.update(item["Key"] for item in page.get("Contents", []))
    except ClientError as error:
        if error_code(error) not in _LIST_DENIED_CODES:
            raise
        return None
    return keys


def _put_if_absent(
    s3_client: Any, bucket: str, key: str, body: Callable[[], bytes], content_type: str
) -> bool:
    """Put ``body()`` at ``key`` unless an object exists there; True when it was written."""
    try:
        s3_client.head_object(Bucket=bucket, Key=key)
        return False
    except ClientError as error:
        if error_code(error) not in S3_MISSING:
            raise
    s3_client.put_object(Bucket=bucket, Key=key, Body=body(), ContentType=content_type)
    return True
