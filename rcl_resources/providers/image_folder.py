"""ImageFolder: a local folder of class-named subfolders, uploaded to S3 with its Ground Truth
manifest, ready to become a Dataset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from .. import progress
from .._aws import default_region
from .._inputs import CommonInputs, S3Bucket, S3Object
from .._provider import (
    CheckFailure,
    CreateResult,
    Provider,
    ReadResult,
    UpdateResult,
    is_unknown,
)
from ..annotations import (
    COCO,
    FORMATS,
    annotated_digest,
    default_annotations,
    scan_annotated_images,
    upload_annotated_images,
)
from ..errors import S3_MISSING, RclError, explain, is_code
from ..image_folders import folder_digest, scan_image_folder, upload_image_folder
from ..manifest import (
    CLASSIFICATION,
    CONTENT_MODERATION,
    DETECTION_TYPE,
    FOLDER_KINDS,
    MODERATION_ATTRIBUTE,
    OBJECT_DETECTION,
    labels_of,
    parse_manifest,
)


class ImageFolderInputs(CommonInputs):
    folder: str = Field(min_length=1)
    """A local folder: one subfolder per label, PNG or JPEG images inside."""
    bucket: S3Bucket
    """The S3 bucket to upload to."""
    prefix: str = Field(default="", max_length=900)
    """Key prefix for `images/` (content-addressed) and `manifests/`."""
    include_entries: bool = False
    """Also output the manifest lines as `entries` (for a Dataset's `entries`)."""
    # None is classification: stacks made before `kind` existed see no change.
    kind: Literal["classification", "content_moderation", "object_detection"] | None = None
    """`classification` (default): Ground Truth image-classification lines. `content_moderation`:
    an adapter's lines (`content-moderation-groundtruth`), with a `safe/` subfolder for images
    that show no unsafe content. `object_detection`: the folder holds images whose boxes are in
    `annotations` (Ground Truth object-detection lines)."""
    annotations: str | None = None
    """`object_detection` only: the COCO JSON file (default `<folder>/annotations.json`), or
    the folder of Pascal VOC `.xml` or YOLO `.txt` files (default: `folder`; YOLO also needs a
    `classes.txt` there, naming class 0 on its first line)."""
    annotation_format: Literal["coco", "pascal_voc", "yolo"] | None = None
    """`object_detection` only: `coco` (default), `pascal_voc` or `yolo`."""
    digest: str | None = None
    """The folder's content hash (computed from the folder)."""


class ImageFolderOutputs:
    manifest: S3Object
    """`bucket` and `name` of the manifest: pass it as
    `dataset_source.ground_truth_manifest.s3_object`."""
    manifest_uri: str
    """`s3://bucket/key` of the manifest."""
    labels: list[str]
    """The labels (subfolder names; `safe` is not a label)."""
    image_count: int
    """How many images (manifest lines)."""
    entries: list[str] | None
    """The manifest's lines, when `include_entries`."""


class _ImageFolderProvider(Provider):
    """A local labelled image folder in S3. Unchanged folder: nothing happens; added images are
    uploaded and appear in a new, content-addressed manifest."""

    summary = (
        "a local folder of class-named subfolders, uploaded to S3 with its Ground Truth "
        "manifest, ready to become a Dataset."
    )
    id_form = "the manifest's URI, `s3://bucket/<prefix>/manifests/<digest>.manifest`"
    outputs = ImageFolderOutputs
    kind = "ImageFolder"
    inputs_model = ImageFolderInputs
    # Content-addressed keys make every change an in-place upload of what is new.
    replace_on = frozenset({"region"})
    # An imported manifest does not say which local folder it was made from.
    write_only = frozenset({"folder", "digest", "annotations", "annotation_format"})

    def local_inputs(self, news: dict[str, Any]) -> list[CheckFailure]:
        """The folder read, as the Python program reads it where it declares an ImageFolder."""
        folder = news.get("folder")
        pending = ("folder", "kind", "annotations", "annotation_format")
        if folder is None or any(is_unknown(news.get(k)) for k in pending):
            return []
        try:
            news.update(read_folder(news))
        except ValueError as err:
            detection = news.get("kind") == OBJECT_DETECTION
            field = "annotations" if detection and "image folder" not in str(err) else "folder"
            return [CheckFailure(field, f"ImageFolder {field}: {err}")]
        return []

    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = self._upload(props)
        return CreateResult(f"s3://{props['bucket']}/{outs['manifest']['name']}", outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._upload(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        if not props.get("manifest"):
            return self._import(id_, props)
        manifest = props["manifest"]
        try:
            self.connection(props).s3().head_object(Bucket=manifest["bucket"], Key=manifest["name"])
        except Exception as err:
            if is_code(err, *S3_MISSING):
                return ReadResult(None, {})
            raise
        return ReadResult(id_, props, self.input_values(props))

    def _import(self, uri: str, props: dict[str, Any]) -> ReadResult:
        """Import by the manifest's `s3://bucket/<prefix>/manifests/<digest>.manifest`: what the
        folder holds is read back from the manifest (the folder itself stays the program's)."""
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        prefix, marker, _ = key.rpartition("manifests/")
        if not uri.startswith("s3://") or not marker:
            raise RclError(
                f"cannot import ImageFolder {uri!r}: the id is the manifest's URI, "
                "s3://<bucket>/<prefix>/manifests/<digest>.manifest (the `manifest_uri` output)"
            )
        props = {**props, "region": props.get("region") or default_region(props.get("profile"))}
        try:
            body = self.connection(props).s3().get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as err:
            if is_code(err, *S3_MISSING):
                return ReadResult(None, {})
            raise
        lines = parse_manifest(body.decode())
        if any(MODERATION_ATTRIBUTE in line for line in lines):
            kind = CONTENT_MODERATION
        elif any(DETECTION_TYPE in json.dumps(line) for line in lines):
            kind = OBJECT_DETECTION
        else:
            kind = None
        outs = {
            **props,
            "bucket": bucket,
            "prefix": prefix.rstrip("/"),
            "kind": kind,
            "manifest": {"bucket": bucket, "name": key},
            "manifest_uri": uri,
            "labels": sorted({label for line in lines for label in labels_of(line)}),
            "image_count": len(lines),
        }
        return ReadResult(uri, outs, self.input_values(outs))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # Images are content-addressed and may be shared by other manifests and trained
        # models' evaluation files; they stay with the bucket.
        return None

    def _upload(self, props: dict[str, Any]) -> dict[str, Any]:
        s3 = self.connection(props).s3()
        kind = props.get("kind") or CLASSIFICATION
        prefix = props.get("prefix") or ""
        try:
            if kind == OBJECT_DETECTION:
                images = scan_annotated_images(*_annotated(props))
                result = upload_annotated_images(s3, images, props["bucket"], prefix)
            else:
                result = upload_image_folder(
                    s3, Path(props["folder"]), props["bucket"], prefix, kind=kind
                )
        except ValueError as err:
            raise ValueError(f"ImageFolder folder: {err}") from err
        except Exception as err:
            raise explain(err, f"uploading {props['folder']} to s3://{props['bucket']}") from err
        progress.info(
            f"{props['folder']}: {result.uploaded} image(s) uploaded, {result.skipped} present"
        )
        return {
            **props,
            "manifest": {"bucket": result.bucket, "name": result.manifest_key},
            "manifest_uri": result.manifest_uri,
            "labels": result.labels,
            "image_count": len(result.lines),
            "entries": result.lines if props.get("include_entries") else None,
        }


def read_folder(props: dict[str, Any]) -> dict[str, Any]:
    """The folder (and annotations) as absolute paths, and the digest of what they hold.

    Reading the folder when the program runs (not uploading) lets preview show whether it
    changed; a folder or annotation problem is a ValueError naming the file. An unknown `kind`
    or `annotation_format` is left to check(), which names the field and what is allowed.
    """
    folder = Path(str(props["folder"])).resolve()
    kind = str(props.get("kind") or CLASSIFICATION)
    out: dict[str, Any] = {"folder": str(folder)}
    if kind in FOLDER_KINDS:
        out["digest"] = folder_digest(scan_image_folder(folder, kind), kind)
    elif kind == OBJECT_DETECTION and (props.get("annotation_format") or COCO) in FORMATS:
        folder, annotations, annotation_format = _annotated({**props, **out})
        out["annotations"] = str(annotations)
        out["digest"] = annotated_digest(
            scan_annotated_images(folder, annotations, annotation_format)
        )
    return out


def _annotated(props: dict[str, Any]) -> tuple[Path, Path, str]:
    """Image folder, annotations path and format of an object-detection folder."""
    folder = Path(props["folder"])
    annotation_format = props.get("annotation_format") or COCO
    given = props.get("annotations")
    annotations = Path(given).resolve() if given else default_annotations(folder, annotation_format)
    return folder, annotations, annotation_format
