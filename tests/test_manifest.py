"""Ground Truth manifests: building, validating, and uploading labelled image folders."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from rcl_resources.image_folders import (
    FolderImage,
    folder_digest,
    image_key,
    scan_image_folder,
    upload_image_folder,
)
from rcl_resources.manifest import (
    CLASSIFICATION_TYPE,
    classification_line,
    dumps_manifest,
    label_attribute,
    labels_of,
    moderation_line,
    parse_manifest,
    validate_line,
)

BUCKET = "rcl-manifest-test"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _write_image(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG_MAGIC + content)


@pytest.fixture
def digits_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "digits"
    for label in ("0", "1", "2"):
        for index in range(4):
            _write_image(folder / label / f"{index:02d}.png", f"{label}-{index}".encode())
    return folder


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


class _CountingS3:
    """Passes calls through to a real client, counting HEADs and PUTs; can refuse listing."""

    def __init__(self, client: Any, *, deny_listing: bool = False) -> None:
        self._client = client
        self._deny_listing = deny_listing
        self.heads: list[str] = []
        self.puts: list[str] = []

    def get_paginator(self, name: str) -> Any:
        if self._deny_listing:
            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "ListObjectsV2"
            )
        return self._client.get_paginator(name)

    def head_object(self, **kwargs: Any) -> Any:
        self.heads.append(kwargs["Key"])
        return self._client.head_object(**kwargs)

    def put_object(self, **kwargs: Any) -> Any:
        self.puts.append(kwargs["Key"])
        return self._client.put_object(**kwargs)


# --- lines ------------------------------------------------------------------------------------


def test_classification_line_basic() -> None:
    line = classification_line("s3://bucket/images/a.png", "cat")
    assert line == {
        "source-ref": "s3://bucket/images/a.png",
        "cat": 1,
        "cat-metadata": {
            "confidence": 1,
            "class-name": "cat",
            "human-annotated": "yes",
            "creation-date": "2020-01-01T00:00:00.000Z",
            "type": CLASSIFICATION_TYPE,
            "job-name": "rcl-resources",
        },
    }
    assert validate_line(line) == []
    assert labels_of(line) == ["cat"]


def test_classification_line_is_deterministic_without_creation_date() -> None:
    first = dumps_manifest([classification_line("s3://bucket/a.png", ["b", "a"])])
    second = dumps_manifest([classification_line("s3://bucket/a.png", ["b", "a"])])
    assert first == second


def test_classification_line_creation_date_is_utc_iso() -> None:
    moment = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)
    line = classification_line("s3://bucket/a.png", "cat", creation_date=moment, job_name="j")
    assert line["cat-metadata"]["creation-date"] == "2024-05-06T07:08:09.123Z"
    assert line["cat-metadata"]["job-name"] == "j"


def test_multi_label_line_has_one_attribute_per_label() -> None:
    line = classification_line("s3://bucket/a.png", ["with leaves", "camellia", "camellia"])
    assert labels_of(line) == ["camellia", "with leaves"]
    attribute = label_attribute("with leaves")
    assert attribute.startswith("with_leaves_")
    assert line[attribute + "-metadata"]["class-name"] == "with leaves"
    assert line["camellia"] == 1
    assert validate_line(line) == []


def test_label_attribute_never_collides() -> None:
    labels = ["a b", "a-b", "a_b", "source-ref", "x-metadata", "日本", "猫"]
    attributes = [label_attribute(label) for label in labels]
    assert len(set(attributes)) == len(labels)
    assert "source-ref" not in attributes
    assert not any(a.endswith("-metadata") for a in attributes)


@pytest.mark.parametrize(
    ("source_ref", "labels", "message"),
    [
        ("bucket/a.png", "cat", "S3 URI"),
        ("s3://bucket/a.png", [], "at least one label"),
        ("s3://bucket/a.png", "x" * 256, "ERROR_INVALID_LABEL_NAME_LENGTH"),
        ("s3://bucket/a.png", [str(i) for i in range(51)], "at most 50"),
    ],
)
def test_classification_line_rejects_bad_input(
    source_ref: str, labels: list[str] | str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        classification_line(source_ref, labels)


def test_dumps_and_parse_round_trip() -> None:
    lines = [
        classification_line("s3://bucket/a.png", "cat"),
        classification_line("s3://bucket/b.png", "dog"),
    ]
    text = dumps_manifest(lines)
    assert text.endswith("}\n")
    assert text.count("\n") == 2
    assert ", " not in text and '": ' not in text
    assert text.splitlines()[0].startswith('{"cat":1,"cat-metadata":{"class-name":"cat"')
    assert parse_manifest(text + "\n\n") == lines


def test_parse_manifest_names_the_bad_line() -> None:
    with pytest.raises(ValueError, match="ERROR_INVALID_JSON_LINE: manifest line 2"):
        parse_manifest('{"source-ref":"s3://b/a.png"}\n{not json}\n')
    with pytest.raises(ValueError, match="line 1 is a JSON list"):
        parse_manifest("[1, 2]\n")


# --- validation -------------------------------------------------------------------------------


def _codes(problems: list[str]) -> list[str]:
    return [problem.split(":", 1)[0] for problem in problems]


def test_validate_missing_source_ref_says_how_to_fix() -> None:
    line = classification_line("s3://bucket/a.png", "cat")
    del line["source-ref"]
    problems = validate_line(line)
    assert _codes(problems) == ["ERROR_MISSING_SOURCE_REF"]
    assert "s3://<bucket>/<key>" in problems[0]


def test_validate_bad_source_ref() -> None:
    line = classification_line("s3://bucket/a.png", "cat")
    line["source-ref"] = "https://example.com/a.png"
    problems = validate_line(line)
    assert _codes(problems) == ["ERROR_INVALID_SOURCE_REF_FORMAT"]
    assert "https://example.com/a.png" in problems[0]


def test_a_line_with_only_a_source_ref_is_a_valid_unlabeled_entry() -> None:
    assert validate_line({"source-ref": "s3://bucket/a.png"}) == []


def test_validate_ignores_service_keys() -> None:
    line = classification_line("s3://bucket/a.png", "cat")
    line["cl-metadata"] = {"is_labeled": True}
    assert validate_line(line) == []


def test_validate_attribute_without_metadata() -> None:
    problems = validate_line({"source-ref": "s3://bucket/a.png", "cat": 1})
    assert _codes(problems) == ["ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT"]
    assert '"cat-metadata"' in problems[0]


def test_validate_incomplete_metadata_lists_each_field() -> None:
    line = {
        "source-ref": "s3://bucket/a.png",
        "cat": 1,
        "cat-metadata": {"type": CLASSIFICATION_TYPE, "confidence": 2},
    }
    problems = " | ".join(validate_line(line))
    for field in ("human-annotated", "creation-date", "confidence", "class-name"):
        assert field in problems
    assert set(_codes(validate_line(line))) == {"ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT"}


def test_validate_unknown_type_and_long_label() -> None:
    line = classification_line("s3://bucket/a.png", "cat")
    line["cat-metadata"]["class-name"] = "c" * 300
    assert "ERROR_INVALID_LABEL_NAME_LENGTH" in _codes(validate_line(line))
    line["cat-metadata"]["type"] = "groundtruth/semantic-segmentation"
    assert "ERROR_UNSUPPORTED_USE_CASE_TYPE" in _codes(validate_line(line))


def _detection_line(**overrides: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "source-ref": "s3://bucket/a.png",
        "boxes": {
            "image_size": [{"width": 100, "height": 80, "depth": 3}],
            "annotations": [
                {"class_id": 0, "top": 5, "left": 10, "width": 20, "height": 30},
                {"class_id": 1, "top": 40, "left": 50, "width": 10, "height": 10},
            ],
        },
        "boxes-metadata": {
            "objects": [{"confidence": 1}, {"confidence": 0.9}],
            "class-map": {"0": "helmet", "1": "vest", "2": "unused"},
            "type": "groundtruth/object-detection",
            "human-annotated": "yes",
            "creation-date": "2020-01-01T00:00:00.000Z",
            "job-name": "boxes",
        },
    }
    line.update(overrides)
    return line


def test_validate_object_detection_line() -> None:
    line = _detection_line()
    assert validate_line(line) == []
    assert labels_of(line) == ["helmet", "vest"]


def test_validate_object_detection_structure() -> None:
    line = _detection_line()
    line["boxes"]["annotations"][0]["left"] = 95
    line["boxes"]["annotations"][1]["class_id"] = 7
    line["boxes-metadata"]["objects"] = [{"confidence": 1}]
    codes = _codes(validate_line(line))
    assert "ERROR_INVALID_BOUNDING_BOX" in codes
    assert "ERROR_MISSING_CLASS_MAP_ID" in codes
    assert "ERROR_MISSING_BOUNDING_BOX_CONFIDENCE" in codes
    assert _codes(validate_line(_detection_line(boxes=[1, 2]))) == [
        "ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT"
    ]


# --- folders ----------------------------------------------------------------------------------


def test_scan_image_folder_is_sorted_and_filtered(digits_folder: Path) -> None:
    (digits_folder / "README.txt").write_text("ignored")
    (digits_folder / "top.png").write_bytes(PNG_MAGIC)
    _write_image(digits_folder / "1" / "UPPER.JPEG", b"jpeg")
    (digits_folder / "1" / "notes.txt").write_text("ignored")
    (digits_folder / "empty").mkdir()
    images = scan_image_folder(digits_folder)
    assert [(i.label, i.path.name) for i in images][:6] == [
        ("0", "00.png"),
        ("0", "01.png"),
        ("0", "02.png"),
        ("0", "03.png"),
        ("1", "00.png"),
        ("1", "01.png"),
    ]
    assert {i.label for i in images} == {"0", "1", "2"}
    assert len(images) == 13
    jpeg = next(i for i in images if i.path.name == "UPPER.JPEG")
    assert jpeg.extension == ".jpeg"
    assert len(jpeg.sha256) == 64


def test_scan_image_folder_missing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=str(tmp_path / "nope")):
        scan_image_folder(tmp_path / "nope")


def test_scan_image_folder_without_subfolders(tmp_path: Path) -> None:
    _write_image(tmp_path / "a.png", b"a")
    with pytest.raises(ValueError, match="no label subfolders"):
        scan_image_folder(tmp_path)


def test_scan_image_folder_needs_two_labels(tmp_path: Path) -> None:
    _write_image(tmp_path / "cat" / "a.png", b"a")
    (tmp_path / "dog").mkdir()
    with pytest.raises(ValueError, match=r"1 label\(s\) \(cat\).*at least 2"):
        scan_image_folder(tmp_path)


def test_folder_digest_ignores_file_names(digits_folder: Path) -> None:
    before = folder_digest(scan_image_folder(digits_folder))
    (digits_folder / "0" / "00.png").rename(digits_folder / "0" / "renamed.png")
    assert folder_digest(scan_image_folder(digits_folder)) == before
    _write_image(digits_folder / "2" / "new.png", b"new")
    assert folder_digest(scan_image_folder(digits_folder)) != before


def test_image_key_prefix_handling() -> None:
    image = FolderImage(Path("x/1/a.PNG"), "1", "ab" * 32, ".png")
    assert image_key("/demo/train/", image) == f"demo/train/images/{'ab' * 16}.png"
    assert image_key("", image) == f"images/{'ab' * 16}.png"


# --- upload -----------------------------------------------------------------------------------


def test_upload_image_folder_writes_images_and_manifest(digits_folder: Path, s3: Any) -> None:
    result = upload_image_folder(s3, digits_folder, BUCKET, "demo/train")
    assert (result.uploaded, result.skipped) == (12, 0)
    assert result.labels == ["0", "1", "2"]
    assert result.manifest_key.startswith("demo/train/manifests/")
    assert result.manifest_key.endswith(".manifest")
    assert result.manifest_uri == f"s3://{BUCKET}/{result.manifest_key}"

    body = s3.get_object(Bucket=BUCKET, Key=result.manifest_key)["Body"].read().decode()
    assert body == "".join(line + "\n" for line in result.lines)
    lines = parse_manifest(body)
    assert len(lines) == 12
    for line in lines:
        assert validate_line(line) == []
        key = line["source-ref"].removeprefix(f"s3://{BUCKET}/")
        assert key.startswith("demo/train/images/")
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().startswith(PNG_MAGIC)


def test_upload_is_idempotent(digits_folder: Path, s3: Any) -> None:
    first = upload_image_folder(s3, digits_folder, BUCKET, "demo")
    counting = _CountingS3(s3)
    second = upload_image_folder(counting, digits_folder, BUCKET, "demo")
    assert counting.puts == []
    assert counting.heads == [first.manifest_key]
    assert (second.uploaded, second.skipped) == (0, 12)
    assert second.manifest_key == first.manifest_key
    assert second.lines == first.lines


def test_added_image_uploads_once_and_changes_manifest_key(digits_folder: Path, s3: Any) -> None:
    first = upload_image_folder(s3, digits_folder, BUCKET, "demo")
    _write_image(digits_folder / "2" / "extra.png", b"extra")
    counting = _CountingS3(s3)
    second = upload_image_folder(counting, digits_folder, BUCKET, "demo")
    assert second.manifest_key != first.manifest_key
    assert (second.uploaded, second.skipped) == (1, 12)
    image_puts = [key for key in counting.puts if "/images/" in key]
    assert len(image_puts) == 1
    assert counting.puts == [*image_puts, second.manifest_key]


def test_upload_without_list_permission_checks_each_image(digits_folder: Path, s3: Any) -> None:
    first = upload_image_folder(s3, digits_folder, BUCKET, "demo")
    _write_image(digits_folder / "0" / "extra.png", b"extra")
    counting = _CountingS3(s3, deny_listing=True)
    second = upload_image_folder(counting, digits_folder, BUCKET, "demo")
    assert (second.uploaded, second.skipped) == (1, 12)
    assert len(counting.heads) == 14  # 13 images and the manifest
    assert second.manifest_key != first.manifest_key


def test_identical_image_in_two_label_folders_is_one_multi_label_line(
    tmp_path: Path, s3: Any
) -> None:
    _write_image(tmp_path / "cat" / "a.png", b"shared")
    _write_image(tmp_path / "pet" / "b.png", b"shared")
    _write_image(tmp_path / "dog" / "c.png", b"dog")
    result = upload_image_folder(s3, tmp_path, BUCKET, "")
    lines = [json.loads(line) for line in result.lines]
    assert sorted(labels_of(line) for line in lines) == [["cat", "pet"], ["dog"]]
    assert result.manifest_key.startswith("manifests/")


def test_upload_propagates_access_errors(digits_folder: Path, s3: Any) -> None:
    with pytest.raises(s3.exceptions.ClientError):
        upload_image_folder(s3, digits_folder, "bucket-that-does-not-exist", "demo")


# --- content-moderation adapters ------------------------------------------------------------


def test_moderation_lines_are_in_aws_adapter_format() -> None:
    assert moderation_line("s3://bucket/a.png", ["Alcohol", "Gambling"]) == {
        "source-ref": "s3://bucket/a.png",
        "content-moderation-groundtruth": {
            "ModerationLabels": [{"Name": "Alcohol"}, {"Name": "Gambling"}]
        },
    }
    safe = moderation_line("s3://bucket/b.png")
    assert safe["content-moderation-groundtruth"] == {"ModerationLabels": []}
    assert validate_line(safe) == []
    assert labels_of(moderation_line("s3://bucket/a.png", "Alcohol")) == ["Alcohol"]


@pytest.mark.parametrize(
    "groundtruth",
    [{"ModerationLabels": "Alcohol"}, {"Labels": []}, {"ModerationLabels": [{"Name": ""}]}],
)
def test_malformed_moderation_lines_are_refused(groundtruth: Any) -> None:
    line = {"source-ref": "s3://bucket/a.png", "content-moderation-groundtruth": groundtruth}
    assert validate_line(line)


def test_a_moderation_line_with_classification_attributes_is_refused() -> None:
    line = {
        **classification_line("s3://bucket/a.png", "cat"),
        **moderation_line("s3://bucket/a.png"),
    }
    assert "only" in " ".join(validate_line(line))


def test_moderation_folder_safe_images_get_no_label(tmp_path: Path, s3: Any) -> None:
    _write_image(tmp_path / "Alcohol" / "a.png", b"bottle")
    _write_image(tmp_path / "Alcohol" / "b.png", b"bottles")
    _write_image(tmp_path / "safe" / "c.png", b"tree")
    result = upload_image_folder(s3, tmp_path, BUCKET, "cm", kind="content_moderation")
    lines = {json.loads(line)["source-ref"][-36:]: json.loads(line) for line in result.lines}
    assert result.labels == ["Alcohol"]
    assert sorted(
        len(line["content-moderation-groundtruth"]["ModerationLabels"]) for line in lines.values()
    ) == [0, 1, 1]
    assert all(validate_line(line) == [] for line in lines.values())
    classification = upload_image_folder(s3, tmp_path, BUCKET, "cm")
    assert classification.manifest_key != result.manifest_key  # same images, other manifest


def test_moderation_folder_needs_a_label_besides_safe(tmp_path: Path) -> None:
    _write_image(tmp_path / "safe" / "c.png", b"tree")
    with pytest.raises(ValueError, match="no moderation label"):
        scan_image_folder(tmp_path, "content_moderation")


def test_adapter_label_metrics_come_from_the_counts_at_the_input_threshold() -> None:
    from rcl_resources.evaluation import label_metrics

    counts = {"TruePositive": 8, "TrueNegative": 10, "FalsePositive": 2, "FalseNegative": 0}
    none = {"TruePositive": 0, "TrueNegative": 12, "FalsePositive": 0, "FalseNegative": 8}
    summary = {
        "InputConfidenceThresholdEvalResults": {
            "ConfidenceThreshold": 60.0,
            "LabelEvaluationResults": [{"Label": "Alcohol", "BaseModel": none, "Adapter": counts}],
        },
        "AllConfidenceThresholdsEvalResults": [],
    }
    [metrics] = label_metrics({"ContentModeration": summary})
    assert metrics.label == "Alcohol" and metrics.threshold == 0.6
    assert (metrics.precision, metrics.recall) == (0.8, 1.0)
    assert metrics.f1_score == pytest.approx(2 * 0.8 / 1.8)
    assert metrics.test_images == 20
