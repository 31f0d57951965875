"""examples/folder-classification through the real CLI against the emulator."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.stacks import outputs

from .support import client, example_stack, projects_named

pytestmark = pytest.mark.e2e


def test_folder_classification_grows_in_place_then_destroys(
    pulumi_engine: Path,
    emulator_server: str,
    small_digits: Path,
    digits_folder: Path,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "images"
    shutil.copytree(small_digits, folder)
    s, _ = example_stack(
        "folder-classification",
        tmp_path,
        emulator_server,
        {"folder": str(folder), "running": "true"},
    )
    try:
        first = outputs(s.up(on_output=print))
        assert first["model_status"] == "RUNNING"
        assert first["f1_score"] > 0
        assert first["labels"] == ["0", "1", "7"]
        rekognition = client("rekognition", emulator_server)

        def entries(arn: str) -> int:
            found = rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]
            return int(found["DatasetStats"]["TotalEntries"])

        train_before = entries(first["train_dataset_arn"])
        test_before = entries(first["test_dataset_arn"])
        assert (train_before, test_before) == (60, 15)  # 80/20 of 3 labels x 25 images

        # Ten new images of "7": the TRAIN dataset grows in place, the model is retrained.
        for image in sorted((digits_folder / "7").iterdir())[25:35]:
            shutil.copy(image, folder / "7" / image.name)
        result = s.up(on_output=print)
        second = outputs(result)
        changes = result.summary.resource_changes or {}
        assert second["train_dataset_arn"] == first["train_dataset_arn"]
        assert entries(second["train_dataset_arn"]) == train_before + 10
        assert entries(second["test_dataset_arn"]) == test_before
        assert changes.get("update", 0) >= 2  # the image folder and the TRAIN dataset
        assert changes.get("replace") == 1  # the model only
        assert second["model_arn"] != first["model_arn"]
        assert second["model_status"] == "RUNNING"
    finally:
        s.destroy(on_output=print)
    assert projects_named(emulator_server, first["project_name"]) == []
