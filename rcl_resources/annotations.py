"""Annotated images for object detection: COCO JSON, Pascal VOC XML or YOLO txt annotations,
read with globox, every box checked against its image before anything is uploaded."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .detection_lines import MAX_BOUNDING_BOXES
from .image_folders import FolderUpload, image_key, put_manifest, upload_images
from .manifest import IMAGE_CONTENT_TYPES, detection_line, dumps_line
from .manifest_values import label_name_problem

COCO, PASCAL_VOC, YOLO = "coco", "pascal_voc", "yolo"
FORMATS = (COCO, PASCAL_VOC, YOLO)
COCO_FILE = "annotations.json"
YOLO_CLASSES = "classes.txt"
TRAINING_SIDE = 1280
"""Custom Labels scales an image whose longer side is over this many pixels down to it for
training; a box must still be larger than 1x1 pixels then."""
EDGE_TOLERANCE = 0.5
"""Pixels a box may overshoot the image (rounding in relative formats) before it is refused."""


@dataclass(frozen=True)
class Box:
    """One object in pixels: what the annotation formats, the synthetic scenes and the
    detector's evaluation all speak of."""

    label: str
    left: int
    top: int
    width: int
    height: int

    def corners(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1)."""
        return self.left, self.top, self.left + self.width, self.top + self.height


@dataclass(frozen=True)
class AnnotatedImage:
    """An image file, its content hash and size, and the objects in it."""

    path: Path
    sha256: str
    extension: str
    width: int
    height: int
    boxes: tuple[Box, ...]


def default_annotations(folder: Path, annotation_format: str) -> Path:
    """Where annotations are looked for when not given: ``<folder>/annotations.json`` for COCO,
    the image folder itself for Pascal VOC and YOLO."""
    return folder / COCO_FILE if annotation_format == COCO else folder


def scan_annotated_images(
    folder: Path, annotations: Path, annotation_format: str
) -> list[AnnotatedImage]:
    """The annotated images under ``folder``, ordered by file name.

    Raises ValueError naming the file and the problem: a missing image or annotation file, an
    image that is not PNG/JPEG or whose size disagrees with its annotation, a box outside its
    image or too small, more than 50 boxes on an image, or an unknown class.
    """
    if annotation_format not in FORMATS:
        raise ValueError(
            f"annotation_format {annotation_format!r} is not one of {', '.join(FORMATS)}"
        )
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"image folder {folder} does not exist or is not a directory")
    if not annotations.exists():
        raise ValueError(
            f"{annotations} does not exist; give `annotations` as the {_WHAT[annotation_format]}"
        )
    images = [
        _checked(folder, a, annotations) for a in _read(folder, annotations, annotation_format)
    ]
    if not images:
        raise ValueError(f"{annotations} annotates no images")
    if not any(image.boxes for image in images):
        raise ValueError(
            f"{annotations} has no bounding boxes; object detection needs at "
            "least one labelled object"
        )
    return sorted(images, key=lambda image: image.path.name)


_NAMES = {COCO: "COCO JSON", PASCAL_VOC: "Pascal VOC XML", YOLO: "YOLO txt"}
_WHAT = {
    COCO: "COCO JSON file",
    PASCAL_VOC: "folder of Pascal VOC XML files",
    YOLO: f"folder of YOLO .txt files with a {YOLO_CLASSES}",
}


def _read(folder: Path, annotations: Path, annotation_format: str) -> Iterable[Any]:
    """globox annotations (image file name, size, boxes) in the given format."""
    try:  # imported here: globox pulls in rich, and only detection folders need it
        from globox import Annotation, AnnotationSet
    except ImportError as err:
        raise ValueError(
            "object_detection folders need globox: pip install 'rcl-resources[detection]'"
        ) from err

    try:
        if annotation_format == COCO:
            return list(AnnotationSet.from_coco(annotations))
        if annotation_format == PASCAL_VOC:
            return list(AnnotationSet.from_pascal_voc(annotations))
        names = _yolo_classes(annotations)

        def parse(path: Path) -> Any:
            image = _yolo_image(folder, path)
            annotation = Annotation.from_yolo_v5(
                path, image_size=_image_size(image), image_id=image.name
            )
            for box in annotation.boxes:
                index = int(box.label)
                if not 0 <= index < len(names):
                    raise ValueError(
                        f"{path}: class {index} is not in {YOLO_CLASSES} "
                        f"(classes 0 to {len(names) - 1})"
                    )
                box.label = names[index]
            return annotation

        return list(
            AnnotationSet.from_folder(
                annotations,
                parser=parse,
                is_ann_file=lambda p: p.suffix == ".txt" and p.name != YOLO_CLASSES,
            )
        )
    except ValueError:
        raise
    except Exception as err:  # globox raises bare KeyErrors, ParsingErrors, ...
        raise ValueError(
            f"{annotations} is not valid {_NAMES[annotation_format]}: {str(err) or repr(err)}"
        ) from err


def _yolo_classes(folder: Path) -> list[str]:
    path = folder / YOLO_CLASSES
    if not path.is_file():
        raise ValueError(
            f"{path} is missing: YOLO class ids need names, one per line (line 1 names class 0)"
        )
    # Line n names class n - 1: only trailing blank lines are dropped, so ids never shift.
    return [line.strip() for line in path.read_text().rstrip().splitlines()]


def _yolo_image(folder: Path, label_file: Path) -> Path:
    for extension in IMAGE_CONTENT_TYPES:
        candidate = folder / (label_file.stem + extension)
        if candidate.is_file():
            return candidate
    raise ValueError(f"{label_file}: no image {label_file.stem}.png or .jpg in {folder}")


def _image_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    try:
        with Image.open(path) as image:
            if image.format not in ("PNG", "JPEG"):
                raise ValueError(f"{path} is {image.format}; use PNG or JPEG")
            return image.size
    except OSError as err:
        raise ValueError(f"{path} is not a readable PNG or JPEG image ({err})") from err


def _checked(folder: Path, annotation: Any, source: Path) -> AnnotatedImage:
    path = folder / annotation.image_id
    if not path.is_file() or path.suffix.lower() not in IMAGE_CONTENT_TYPES:
        raise ValueError(
            f"{source} annotates {annotation.image_id}, but {path} is not a PNG or JPEG file"
        )
    width, height = _image_size(path)
    declared = annotation.image_size
    if declared is not None and tuple(declared) != (width, height):
        raise ValueError(
            f"{path} is {width}x{height} pixels, but {source} says {declared[0]}x{declared[1]}"
        )
    if len(annotation.boxes) > MAX_BOUNDING_BOXES:
        raise ValueError(
            f"{path} has {len(annotation.boxes)} boxes; an image may have at most "
            f"{MAX_BOUNDING_BOXES}"
        )
    boxes = tuple(_box(path, i, b, width, height) for i, b in enumerate(annotation.boxes))
    return AnnotatedImage(
        path,
        hashlib.sha256(path.read_bytes()).hexdigest(),
        path.suffix.lower(),
        width,
        height,
        boxes,
    )


def _box(path: Path, index: int, box: Any, width: int, height: int) -> Box:
    where = f"{path} box {index + 1} ({box.label})"
    problem = label_name_problem(box.label)
    if problem:
        raise ValueError(f"{where}: {problem}")
    x0, y0, x1, y1 = box.ltrb
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"{where}: the box has no area ({x0}, {y0}) to ({x1}, {y1})")
    tol = EDGE_TOLERANCE
    if x0 < -tol or y0 < -tol or x1 > width + tol or y1 > height + tol:
        raise ValueError(
            f"{where}: ({x0:g}, {y0:g}) to ({x1:g}, {y1:g}) is outside the {width}x{height} image"
        )
    left, top = max(0, round(x0)), max(0, round(y0))
    right, bottom = min(width, round(x1)), min(height, round(y1))
    shrink = min(1.0, TRAINING_SIDE / max(width, height))
    if (right - left) * shrink <= 1 or (bottom - top) * shrink <= 1:
        raise ValueError(
            f"{where}: {right - left}x{bottom - top} pixels is too small; a box "
            f"must be larger than 1x1 pixels once the image is at most "
            f"{TRAINING_SIDE} pixels on its longer side"
        )
    return Box(str(box.label), left, top, right - left, bottom - top)


def annotated_digest(images: Iterable[AnnotatedImage]) -> str:
    """SHA-256 over each image's content and boxes (independent of file names)."""
    digest = hashlib.sha256(b"object_detection\n")
    for entry in sorted({f"{image.sha256}\0{image.boxes!r}\n" for image in images}):
        digest.update(entry.encode())
    return digest.hexdigest()


def class_map(images: Iterable[AnnotatedImage]) -> Mapping[str, int]:
    """Class ids by label, in label order."""
    return {
        label: i for i, label in enumerate(sorted({b.label for im in images for b in im.boxes}))
    }


def upload_annotated_images(
    s3_client: Any, images: list[AnnotatedImage], bucket: str, prefix: str, *, max_workers: int = 8
) -> FolderUpload:
    """Upload annotated images (content-addressed, only when absent) and their Ground Truth
    object-detection manifest. Identical image files annotated twice keep the first."""
    ids = class_map(images)
    by_key: dict[str, AnnotatedImage] = {}
    for image in images:
        by_key.setdefault(image_key(prefix, image), image)
    written = upload_images(
        s3_client, bucket, prefix, {key: image.path for key, image in by_key.items()}, max_workers
    )
    lines = [
        dumps_line(
            detection_line(
                f"s3://{bucket}/{key}",
                (image.width, image.height),
                [(b.label, b.left, b.top, b.width, b.height) for b in image.boxes],
                ids,
            )
        )
        for key, image in sorted(by_key.items())
    ]
    key = put_manifest(s3_client, bucket, prefix, annotated_digest(images), lines)
    return FolderUpload(
        bucket=bucket,
        manifest_key=key,
        lines=lines,
        uploaded=sum(written),
        skipped=len(written) - sum(written),
        labels=sorted(ids),
    )
