"""ImageFolder: a local folder of class-named subfolders, uploaded to S3 with its Ground Truth
manifest, ready to become a Dataset."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, overload

import pulumi
from pulumi.dynamic import Resource

from ._dynamic import TimeoutsArgs, existing, moved_provider, program_props, provider_of


@dataclasses.dataclass
class ImageFolderArgs:
    """Inputs of an ImageFolder."""

    folder: pulumi.Input[str]
    """Local folder: one subfolder per label, PNG or JPEG images inside."""
    bucket: pulumi.Input[str]
    """The S3 bucket to upload to."""
    prefix: pulumi.Input[str] | None = None
    """Key prefix for `images/` (content-addressed) and `manifests/`."""
    include_entries: pulumi.Input[bool] | None = None
    """Also output the manifest lines as `entries` (for `Dataset(entries=...)`)."""
    kind: pulumi.Input[str] | None = None
    """`classification` (default): Ground Truth image-classification lines. `content_moderation`:
    an adapter's lines (`content-moderation-groundtruth`), with a `safe/` subfolder for images
    that show no unsafe content. `object_detection`: the folder holds images whose boxes are in
    `annotations` (Ground Truth object-detection lines)."""
    annotations: pulumi.Input[str] | None = None
    """`object_detection` only: the COCO JSON file (default `<folder>/annotations.json`), or
    the folder of Pascal VOC `.xml` or YOLO `.txt` files (default: `folder`; YOLO also needs a
    `classes.txt` there, naming class 0 on its first line)."""
    annotation_format: pulumi.Input[str] | None = None
    """`object_detection` only: `coco` (default), `pascal_voc` or `yolo`."""
    timeouts: pulumi.Input[TimeoutsArgs | dict[str, Any]] | None = None
    """Seconds to wait: `{"create", "update", "delete"}`."""
    region: pulumi.Input[str] | None = None
    """AWS region; by default the provider's `rcl:region`, then `aws:region`, then the AWS
    default chain. A new region replaces the resource."""


class ImageFolder(Resource, module="rcl", name="ImageFolder"):
    """A local labelled image folder in S3. Unchanged folder: nothing happens; added images are
    uploaded and appear in a new, content-addressed manifest."""

    manifest: pulumi.Output[dict[str, str]]
    """`bucket` and `name` of the manifest: pass it as
    `dataset_source.ground_truth_manifest.s3_object`."""
    manifest_uri: pulumi.Output[str]
    """`s3://bucket/key` of the manifest."""
    labels: pulumi.Output[list[str]]
    """The labels (subfolder names; `safe` is not a label)."""
    image_count: pulumi.Output[int]
    """How many images (manifest lines)."""
    entries: pulumi.Output[list[str] | None]
    """The manifest's lines, when `include_entries`."""

    @overload
    def __init__(
        self, resource_name: str, args: ImageFolderArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        folder: pulumi.Input[str] | None = None,
        bucket: pulumi.Input[str] | None = None,
        prefix: pulumi.Input[str] | None = None,
        include_entries: pulumi.Input[bool] | None = None,
        kind: pulumi.Input[str] | None = None,
        annotations: pulumi.Input[str] | None = None,
        annotation_format: pulumi.Input[str] | None = None,
        timeouts: pulumi.Input[TimeoutsArgs | dict[str, Any]] | None = None,
        region: pulumi.Input[str] | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        """Inputs as a `ImageFolderArgs` (`(name, args, opts)`) or as keyword arguments of
        the same names (`(name, opts, **inputs)`), like pulumi_aws; `ImageFolderArgs` says
        what each means."""
        props, opts = program_props(ImageFolder, ImageFolderArgs, resource_name, args, kwargs)
        # Reading the folder is the provider's code (manifests, annotations): only a program
        # that declares an ImageFolder loads it.
        from .providers.image_folder import read_folder

        props.update(read_folder(props))
        super().__init__(provider_of("ImageFolder"), resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> ImageFolder:
        """The manifest an image folder made, by its URI
        (`s3://bucket/<prefix>/manifests/<digest>.manifest`), read into the program (not
        managed by it)."""
        return existing(ImageFolder, "ImageFolder", resource_name, id, opts)


if not TYPE_CHECKING:  # a checker still sees every name this module lacks
    __getattr__ = moved_provider("ImageFolder")

__all__ = ["ImageFolder", "ImageFolderArgs"]
