"""Annotated images (COCO, Pascal VOC, YOLO) becoming a Ground Truth object-detection
manifest: the same boxes from every format, and each bad box refused naming its file."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import globox
import pytest
from moto import mock_aws

from rcl_demo.shapes import CLASSES, write_shapes
from rcl_resources.annotations import (
    annotated_digest,
    default_annotations,
    scan_annotated_images,
    upload_annotated_images,
)
from rcl_resources.manifest import parse_manifest, validate_line


@pytest.fixture
def coco_folder(tmp_path: Path) -> Path:
    write_shapes(tmp_path, train=6, holdout=0)
    return tmp_path / "train"


def convert(folder: Path, annotation_format: str, out: Path) -> Path:
    """The folder's COCO annotations rewritten by globox in another format."""
    out.mkdir()
    annotations = globox.AnnotationSet.from_coco(folder / "annotations.json")
    if annotation_format == "pascal_voc":
        annotations.save_pascal_voc(out)
    else:
        annotations.save_yolo_v5(out, label_to_id={c: i for i, c in enumerate(CLASSES)})
        (out / "classes.txt").write_text("\n".join(CLASSES) + "\n")
    return out


def boxes_by_file(folder: Path, annotations: Path, annotation_format: str) -> dict:
    return {
        image.path.name: sorted(image.boxes, key=lambda b: (b.left, b.top))
        for image in scan_annotated_images(folder, annotations, annotation_format)
    }


def test_coco_voc_and_yolo_give_the_same_boxes(coco_folder, tmp_path):
    coco = boxes_by_file(coco_folder, default_annotations(coco_folder, "coco"), "coco")
    truth = json.loads((coco_folder / "annotations.json").read_text())
    assert sum(len(b) for b in coco.values()) == len(truth["annotations"])
    for fmt in ("pascal_voc", "yolo"):
        other = boxes_by_file(coco_folder, convert(coco_folder, fmt, tmp_path / fmt), fmt)
        assert other == coco, fmt


def test_the_manifest_is_valid_ground_truth_and_uploads_once(coco_folder):
    images = scan_annotated_images(coco_folder, coco_folder / "annotations.json", "coco")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="data")
        first = upload_annotated_images(s3, images, "data", "shapes")
        again = upload_annotated_images(s3, images, "data", "shapes")
        body = s3.get_object(Bucket="data", Key=first.manifest_key)["Body"].read().decode()
    assert (first.uploaded, again.uploaded, again.skipped) == (6, 0, 6)
    assert again.manifest_key == first.manifest_key
    assert first.manifest_key.endswith(annotated_digest(images)[:32] + ".manifest")
    lines = parse_manifest(body)
    assert len(lines) == 6 and all(validate_line(line) == [] for line in lines)
    line = lines[0]
    boxes = line["bounding-box"]["annotations"]
    class_map = line["bounding-box-metadata"]["class-map"]
    assert {class_map[str(b["class_id"])] for b in boxes} <= set(CLASSES)
    assert line["bounding-box"]["image_size"] == [{"width": 256, "height": 192, "depth": 3}]


def edit_coco(folder: Path, change) -> None:
    path = folder / "annotations.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["annotations"][0].update(bbox=[240, 10, 30, 30]), "outside the 256x192"),
        (lambda d: d["annotations"][0].update(bbox=[10, 10, 0.5, 30]), "too small"),
        (lambda d: d["annotations"][0].update(bbox=[10, 10, -4, 30]), "xmax` must be greater"),
        (
            lambda d: d["annotations"].extend(
                {**d["annotations"][0], "id": 1000 + i} for i in range(51)
            ),
            "at most 50",
        ),
        (lambda d: d["annotations"][0].update(category_id=99), "not valid COCO JSON: 99"),
        (lambda d: d["images"][0].update(file_name="missing.png"), "missing.png"),
        (lambda d: d["images"][0].update(width=300), "says 300x192"),
    ],
    ids=["outside", "tiny", "negative", "too-many", "unknown-class", "missing-image", "size"],
)
def test_a_bad_annotation_is_refused_naming_the_file(coco_folder, change, message):
    edit_coco(coco_folder, change)
    with pytest.raises(ValueError, match=message) as err:
        scan_annotated_images(coco_folder, coco_folder / "annotations.json", "coco")
    assert "annotations.json" in str(err.value) or ".png" in str(err.value)


def test_a_yolo_class_without_a_name_is_refused(coco_folder, tmp_path):
    labels = convert(coco_folder, "yolo", tmp_path / "yolo")
    (labels / "classes.txt").write_text("circle\nsquare\n")
    with pytest.raises(ValueError, match=r"class [23] is not in classes.txt"):
        scan_annotated_images(coco_folder, labels, "yolo")
    (labels / "classes.txt").unlink()
    with pytest.raises(ValueError, match=r"classes\.txt is missing"):
        scan_annotated_images(coco_folder, labels, "yolo")


def test_importing_a_detection_manifest_reads_back_its_kind_and_labels(coco_folder):
    from rcl_resources.providers.image_folder import _ImageFolderProvider

    images = scan_annotated_images(coco_folder, coco_folder / "annotations.json", "coco")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="data")
        upload = upload_annotated_images(s3, images, "data", "shapes")
        found = _ImageFolderProvider().read(upload.manifest_uri, {"region": "us-east-1"})
    assert found.id == upload.manifest_uri
    assert found.outs["kind"] == "object_detection"
    assert found.outs["labels"] == upload.labels
    assert found.outs["image_count"] == 6


def test_one_image_file_annotated_twice_still_has_a_digest(coco_folder):
    images = scan_annotated_images(coco_folder, coco_folder / "annotations.json", "coco")
    twin = type(images[0])(
        images[0].path,
        images[0].sha256,
        images[0].extension,
        images[0].width,
        images[0].height,
        images[1].boxes,
    )
    assert annotated_digest([*images, twin]) != annotated_digest(images)
