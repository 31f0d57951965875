"""Bad inputs fail `pulumi preview` with the field named and the fix, and call nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from rcl_emulator.control import EmulatorControl

from .stacks import stack, write_project

pytestmark = pytest.mark.e2e

PROGRAM = """
import json
import rcl_resources as rcl

case = json.load(open("case.json"))
getattr(rcl, case["resource"])("subject", **case["inputs"])
"""

PROJECT = "arn:aws:rekognition:us-east-1:123456789012:project/demo/1700000000000"
TRAIN = "arn:aws:rekognition:us-east-1:123456789012:project/demo/dataset/train/1700000000000"
OUT = {"s3_bucket": "results-bucket"}
S3 = {"ground_truth_manifest": {"s3_object": {"bucket": "data-bucket", "name": "m.manifest"}}}

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    # (case id, resource, inputs, text the error must contain)
    ("project-name-charset", "Project", {"project_name": "my project"}, "project_name"),
    ("project-name-length", "Project", {"project_name": "p" * 256}, "project_name"),
    ("feature-enum", "Project", {"feature": "FACES"}, "feature"),
    (
        "auto-update-enum",
        "Project",
        {"feature": "CONTENT_MODERATION", "auto_update": "ON"},
        "auto_update",
    ),
    ("auto-update-needs-moderation", "Project", {"auto_update": "ENABLED"}, "CONTENT_MODERATION"),
    ("reserved-tag", "Project", {"tags": {"aws:owner": "me"}}, "tags"),
    ("tag-value-length", "Project", {"tags": {"k": "v" * 300}}, "tags"),
    ("unknown-argument", "Project", {"projectname": "x"}, "projectname"),
    (
        "dataset-type-enum",
        "Dataset",
        {"project_arn": PROJECT, "dataset_type": "VALIDATION"},
        "dataset_type",
    ),
    (
        "dataset-project-arn",
        "Dataset",
        {"project_arn": "demo", "dataset_type": "TRAIN"},
        "project_arn",
    ),
    (
        "both-sources",
        "Dataset",
        {
            "project_arn": PROJECT,
            "dataset_type": "TRAIN",
            "dataset_source": {**S3, "dataset_arn": TRAIN},
        },
        "dataset_source",
    ),
    (
        "manifest-bucket",
        "Dataset",
        {
            "project_arn": PROJECT,
            "dataset_type": "TRAIN",
            "dataset_source": {
                "ground_truth_manifest": {"s3_object": {"bucket": "b", "name": "m"}}
            },
        },
        "s3_object.bucket",
    ),
    (
        "distribute-into-train",
        "Dataset",
        {"project_arn": PROJECT, "dataset_type": "TRAIN", "distribute_from": TRAIN},
        "distribute_from",
    ),
    (
        "distribute-and-source",
        "Dataset",
        {
            "project_arn": PROJECT,
            "dataset_type": "TEST",
            "distribute_from": TRAIN,
            "dataset_source": S3,
        },
        "distribute_from",
    ),
    (
        "entry-not-json",
        "Dataset",
        {"project_arn": PROJECT, "dataset_type": "TRAIN", "entries": ["{not json"]},
        "entries",
    ),
    (
        "entry-without-source-ref",
        "Dataset",
        {"project_arn": PROJECT, "dataset_type": "TRAIN", "entries": ['{"label": 1}']},
        "source-ref",
    ),
    ("missing-output-config", "ProjectVersion", {"project_arn": PROJECT}, "output_config"),
    (
        "min-units-zero",
        "ProjectVersion",
        {"project_arn": PROJECT, "output_config": OUT, "min_inference_units": 0},
        "min_inference_units",
    ),
    (
        "max-units-zero",
        "ProjectVersion",
        {"project_arn": PROJECT, "output_config": OUT, "max_inference_units": 0},
        "max_inference_units",
    ),
    (
        "max-below-min",
        "ProjectVersion",
        {
            "project_arn": PROJECT,
            "output_config": OUT,
            "min_inference_units": 3,
            "max_inference_units": 2,
        },
        "max_inference_units",
    ),
    (
        "f1-out-of-range",
        "ProjectVersion",
        {"project_arn": PROJECT, "output_config": OUT, "min_f1_score": 1.5},
        "min_f1_score",
    ),
    (
        "version-name-charset",
        "ProjectVersion",
        {"project_arn": PROJECT, "output_config": OUT, "version_name": "v1/final"},
        "version_name",
    ),
    (
        "description-charset",
        "ProjectVersion",
        {"project_arn": PROJECT, "output_config": OUT, "version_description": "ok <script>"},
        "version_description",
    ),
    (
        "training-without-testing",
        "ProjectVersion",
        {"project_arn": PROJECT, "output_config": OUT, "training_data": {"assets": [S3]}},
        "testing_data",
    ),
    (
        "copy-and-train",
        "ProjectVersion",
        {
            "project_arn": PROJECT,
            "output_config": OUT,
            "training_data": {"assets": [S3]},
            "testing_data": {"auto_create": True},
            "copy_from": {
                "source_project_arn": PROJECT,
                "source_project_version_arn": PROJECT.replace("/17", "/version/v1/17"),
            },
        },
        "copy_from",
    ),
    (
        "output-bucket-length",
        "ProjectVersion",
        {"project_arn": PROJECT, "output_config": {"s3_bucket": "ab"}},
        "output_config.s3_bucket",
    ),
    (
        "negative-timeout",
        "ProjectVersion",
        {"project_arn": PROJECT, "output_config": OUT, "timeouts": {"create": -5}},
        "timeouts.create",
    ),
    (
        "policy-not-json",
        "ProjectPolicy",
        {"project_arn": PROJECT, "policy_name": "copy", "policy_document": "{Version: 2012"},
        "policy_document",
    ),
    (
        "policy-name-charset",
        "ProjectPolicy",
        {
            "project_arn": PROJECT,
            "policy_name": "my policy",
            "policy_document": {"Version": "2012-10-17"},
        },
        "policy_name",
    ),
]


@pytest.fixture(scope="module")
def preview_stack(
    pulumi_engine: Path, emulator_server: str, tmp_path_factory: pytest.TempPathFactory
) -> auto.Stack:
    root = tmp_path_factory.mktemp("bad-inputs")
    s = stack(
        write_project(root / "project", PROGRAM, name="rcl-bad-inputs"),
        root / "state",
        env={"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"},
    )
    s.set_all_config(
        {
            "rcl:endpointUrl": auto.ConfigValue(emulator_server),
            "rcl:s3EndpointUrl": auto.ConfigValue(emulator_server),
            "rcl:region": auto.ConfigValue("us-east-1"),
        }
    )
    return s


@pytest.mark.parametrize(
    ("resource", "inputs", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_preview_rejects(
    preview_stack: auto.Stack,
    emulator_server: str,
    resource: str,
    inputs: dict[str, Any],
    expected: str,
) -> None:
    control = EmulatorControl(emulator_server)
    control.reset_requests()
    # A file, not stack config: one CLI call per case instead of three.
    work_dir = Path(preview_stack.workspace.work_dir)
    (work_dir / "case.json").write_text(json.dumps({"resource": resource, "inputs": inputs}))
    with pytest.raises(auto.errors.CommandError) as failure:
        preview_stack.preview()
    message = str(failure.value)
    assert expected in message, message[-2000:]
    assert control.requests_log() == []
