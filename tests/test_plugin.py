"""The provider plugin's translation layer: names, property values, schema."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.runtime.rpc import UNKNOWN

from rcl_demo.shapes import write_shapes
from rcl_resources._properties import camel, props_in, props_out, snake
from rcl_resources.plugin import RclProvider
from rcl_resources.registry import BY_TOKEN
from rcl_resources.schema import schema


@pytest.mark.parametrize(
    ("python", "schema_name"),
    [
        ("project_arn", "projectArn"),
        ("min_f1_score", "minF1Score"),
        ("s3_object", "s3Object"),
        ("s3_key_prefix", "s3KeyPrefix"),
        ("billable_training_time_in_seconds", "billableTrainingTimeInSeconds"),
    ],
)
def test_property_names_are_the_python_names_in_camel_case(python: str, schema_name: str) -> None:
    assert camel(python) == schema_name and snake(schema_name) == python


def test_tag_keys_are_never_renamed_and_unknowns_survive_the_round_trip() -> None:
    props = {"tags": {"cost_center": "a"}, "output_config": {"s3_bucket": UNKNOWN}}
    out = props_out(props)
    assert out["tags"].value["cost_center"].value == "a"
    assert out["outputConfig"].value["s3Bucket"] == PropertyValue(UNKNOWN)
    assert props_in(dict(out)) == props


def test_the_schema_declares_every_resource_with_camel_case_properties() -> None:
    package = schema()
    assert set(package["resources"]) == set(BY_TOKEN)
    dataset = package["resources"]["rcl:index:Dataset"]
    assert {"projectArn", "datasetType", "datasetSource", "distributeFrom"} <= set(
        dataset["inputProperties"]
    )
    assert dataset["requiredInputs"] == ["projectArn", "datasetType"]
    version = package["resources"]["rcl:index:ProjectVersion"]["properties"]
    assert {"minInferenceUnits", "minF1Score", "f1Score", "labelMetrics"} <= set(version)
    source = package["types"]["rcl:index:GroundTruthManifest"]["properties"]["s3Object"]
    assert source["$ref"] == "#/types/rcl:index:S3Object"
    assert "owner" not in package["resources"]["rcl:index:Project"]["inputProperties"]


def test_every_schema_property_has_a_description() -> None:
    package = schema()
    properties = [
        (token, name, spec)
        for token, resource in package["resources"].items()
        for kind in ("inputProperties", "properties")
        for name, spec in resource[kind].items()
    ] + [
        (token, name, spec)
        for token, shape in package["types"].items()
        for name, spec in shape.get("properties", {}).items()  # enums have none
    ]
    assert properties
    assert [(t, n) for t, n, spec in properties if not spec.get("description")] == []
    # A type's description is more than its name.
    assert [t for t, shape in package["types"].items() if " " not in shape["description"]] == []


def test_enums_come_from_the_service_model_and_outputs_are_typed() -> None:
    package = schema()
    dataset = package["resources"]["rcl:index:Dataset"]
    assert dataset["inputProperties"]["datasetType"]["$ref"] == "#/types/rcl:index:DatasetType"
    values = package["types"]["rcl:index:DatasetType"]["enum"]
    assert {(v["name"], v["value"]) for v in values} == {("Train", "TRAIN"), ("Test", "TEST")}
    project = package["resources"]["rcl:index:Project"]["inputProperties"]
    assert project["feature"]["$ref"] == "#/types/rcl:index:CustomizationFeature"

    stats = dataset["properties"]["datasetStats"]["$ref"].removeprefix("#/types/")
    assert set(package["types"][stats]["properties"]) == {
        "labeledEntries",
        "totalEntries",
        "totalLabels",
        "errorEntries",
    }
    version = package["resources"]["rcl:index:ProjectVersion"]["properties"]
    metric = version["labelMetrics"]["items"]["$ref"].removeprefix("#/types/")
    assert {"label", "f1Score", "precision", "recall", "threshold"} <= set(
        package["types"][metric]["properties"]
    )
    assert version["evaluationSummary"]["$ref"] == "#/types/rcl:index:S3Object"


def test_check_failures_name_the_property_as_the_plugin_spells_it() -> None:
    request = api.CheckRequest(
        urn="urn:pulumi:dev::app::rcl:index:ProjectVersion::model",
        old_inputs={},
        new_inputs=props_out(
            {
                "project_arn": "arn:aws:rekognition:us-east-1:123456789012:project/p/1",
                "output_config": {"s3_bucket": "Not_A_Bucket"},
                "region": "us-east-1",
            }
        ),
        random_seed=b"",
    )
    failures = asyncio.run(RclProvider().check(request)).failures or []
    assert [f.property for f in failures] == ["outputConfig.s3Bucket"]
    assert failures[0].reason.startswith("ProjectVersion outputConfig.s3Bucket "), failures


def test_a_bad_box_in_an_annotated_folder_fails_check_naming_annotations(tmp_path) -> None:
    write_shapes(tmp_path, train=3, holdout=0)
    folder = tmp_path / "train"
    coco = json.loads((folder / "annotations.json").read_text())
    coco["annotations"][0]["bbox"] = [250, 10, 30, 30]
    (folder / "annotations.json").write_text(json.dumps(coco))

    def check(**extra: str) -> api.CheckResponse:
        inputs = {
            "folder": str(folder),
            "bucket": "data",
            "kind": "object_detection",
            "region": "us-east-1",
            **extra,
        }
        return asyncio.run(
            RclProvider().check(
                api.CheckRequest(
                    urn="urn:pulumi:dev::app::rcl:index:ImageFolder::images",
                    old_inputs={},
                    new_inputs=props_out(inputs),
                    random_seed=b"",
                )
            )
        )

    failures = check().failures or []
    assert [f.property for f in failures] == ["annotations"]
    assert "0000000.png box 1" in failures[0].reason and "outside" in failures[0].reason
    coco["annotations"][0]["bbox"] = [10, 10, 30, 30]
    (folder / "annotations.json").write_text(json.dumps(coco))
    assert not check().failures
    wrong_format = check(annotation_format="labelme").failures or []
    assert [f.property for f in wrong_format] == ["annotationFormat"]


def test_long_operations_run_side_by_side_beyond_the_dynamic_hosts_four() -> None:
    provider = RclProvider()
    together = threading.Barrier(16, timeout=10)  # breaks unless all 16 wait at once

    async def sixteen_waits() -> list[int]:
        calls = [provider.run(f"urn:{i}", together.wait) for i in range(16)]
        return await asyncio.gather(*calls)

    assert sorted(asyncio.run(sixteen_waits())) == list(range(16))
