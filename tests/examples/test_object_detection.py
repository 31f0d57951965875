"""examples/object-detection through the real CLI against the emulator: annotated scenes in
Pascal VOC become datasets, a detector is trained and runs, and it
finds the objects of scenes it never saw."""

from __future__ import annotations

import json
import re
from pathlib import Path

import globox
import pytest
from PIL import Image

from rcl_demo import detect, report, report_scenes
from rcl_demo.shapes import HOLDOUT_SEED, scene, scene_png, write_shapes
from tests.e2e.stacks import outputs

from .support import client, example_stack, projects_named

pytestmark = pytest.mark.e2e

UNSEEN = HOLDOUT_SEED + 7000


def test_object_detection_trains_runs_and_finds_boxes(
    pulumi_engine: Path, emulator_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "shapes"
    write_shapes(data, train=120, holdout=40)
    for part in ("train", "holdout"):  # boxes as Pascal VOC files beside the images
        coco = data / part / "annotations.json"
        globox.AnnotationSet.from_coco(coco).save_pascal_voc(data / part)
        coco.unlink()
    s, _ = example_stack(
        "object-detection",
        tmp_path,
        emulator_server,
        {
            "train_folder": str(data / "train"),
            "test_folder": str(data / "holdout"),
            "annotation_format": "pascal_voc",
            "running": "true",
        },
    )
    try:
        out = outputs(s.up(on_output=print))
        assert out["model_status"] == "RUNNING"
        assert out["f1_score"] >= 0.8
        assert {m["label"] for m in out["label_metrics"]} == {
            "circle",
            "square",
            "triangle",
            "cross",
        }
        rekognition = client("rekognition", emulator_server)
        found = hits = truth = seen = 0
        for seed in range(UNSEEN, UNSEEN + 10):
            data, boxes = scene_png(seed)
            labels = rekognition.detect_custom_labels(
                ProjectVersionArn=out["model_arn"], Image={"Bytes": data}
            )["CustomLabels"]
            truth += len(boxes)
            if labels:
                seen = seed
            for label in labels:
                b = label["Geometry"]["BoundingBox"]
                found += 1
                hits += any(
                    t.label == label["Name"]
                    and abs(b["Left"] * 256 - t.left) < t.width / 4
                    and abs(b["Top"] * 192 - t.top) < t.height / 4
                    for t in boxes
                )
        assert hits / found >= 0.8 and hits / truth >= 0.8, (hits, found, truth)

        # `make detect` and `make report` on this stack's outputs.
        saved = tmp_path / "outputs.json"
        saved.write_text(json.dumps(out))
        capsys.readouterr()  # what `pulumi up` printed
        image, _ = scene(seen)
        image.save(tmp_path / "scene.png")
        assert detect.main(["--outputs", str(saved), str(tmp_path / "scene.png")]) == 0
        printed = capsys.readouterr().out.splitlines()
        assert printed and all(
            re.search(r"%  box left 0\.\d+ top 0\.\d+ size", x) for x in printed
        ), printed
        assert report.main(["--outputs", str(saved), "--out", str(tmp_path / "r.png")]) == 0
        with Image.open(tmp_path / "r.png") as drawn:
            colours = {c for _, c in drawn.convert("RGB").getcolors(1 << 20)}
        assert {report_scenes.TRUTH, report_scenes.PREDICTED} <= colours
        assert s.preview().change_summary == {"same": 7}
    finally:
        s.destroy(on_output=print)
    assert projects_named(emulator_server, out["project_name"]) == []
