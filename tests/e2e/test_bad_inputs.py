"""Bad inputs fail `pulumi preview` with the field named and the fix, and call nothing."""

from __future__ import annotations

import json
import os
import queue
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from rcl_emulator.control import EmulatorControl

from .stacks import engine_env, stack, write_project

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

VERSION = PROJECT.replace("/demo/", "/demo/version/v1/")
LINE = (
    '{"source-ref": "s3://data-bucket/a.png", "cat": 1, "cat-metadata": {"confidence": 1, '
    '"class-name": "cat", "human-annotated": "yes", "creation-date": '
    '"2020-01-01T00:00:00.000Z", "type": "groundtruth/image-classification"}}'
)
BOX_LINE = (
    '{"source-ref": "s3://data-bucket/a.png", "box": {"image_size": [{"width": 100, '
    '"height": 100, "depth": 3}], "annotations": [{"class_id": 0, "top": 10, "left": 10, '
    '"width": 20, "height": 20}]}, "box-metadata": {"objects": [{"confidence": 1}], '
    '"class-map": {"0": "cat"}, "type": "groundtruth/object-detection", '
    '"human-annotated": "yes", "creation-date": "2020-01-01T00:00:00.000Z"}}'
)


def manifest_in(bucket: str, **s3_object: str) -> dict[str, Any]:
    obj = {"bucket": bucket, "name": "m.manifest", **s3_object}
    return train_from({"ground_truth_manifest": {"s3_object": obj}})


def train_from(source: dict[str, Any]) -> dict[str, Any]:
    return {"project_arn": PROJECT, "dataset_type": "TRAIN", "dataset_source": source}


def train_with(entries: Any) -> dict[str, Any]:
    return {"project_arn": PROJECT, "dataset_type": "TRAIN", "entries": entries}


def version(**inputs: Any) -> dict[str, Any]:
    return {"project_arn": PROJECT, "output_config": OUT, **inputs}


def statement(**changes: Any) -> dict[str, Any]:
    base = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "rekognition:CopyProjectVersion",
        "Resource": "*",
    }
    merged = {k: v for k, v in {**base, **changes}.items() if v is not None}
    return {"Version": "2012-10-17", "Statement": [merged]}


def policy(document: Any) -> dict[str, Any]:
    return {"project_arn": PROJECT, "policy_name": "copy", "policy_document": document}


def folder(**inputs: Any) -> dict[str, Any]:
    return {"folder": "FOLDER", "bucket": "images-bucket", **inputs}


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
    # -- Project ---------------------------------------------------------------------------
    ("project-name-empty", "Project", {"project_name": ""}, "project_name"),
    ("feature-lowercase", "Project", {"feature": "custom_labels"}, "feature"),
    (
        "auto-update-lowercase",
        "Project",
        {"feature": "CONTENT_MODERATION", "auto_update": "enabled"},
        "auto_update",
    ),
    ("tag-value-charset", "Project", {"tags": {"k": "v#1"}}, "tags"),
    ("tag-key-charset", "Project", {"tags": {"bad#key": "v"}}, "tags"),
    ("tag-key-length", "Project", {"tags": {"k" * 129: "v"}}, "tags"),
    ("tag-key-empty", "Project", {"tags": {"": "v"}}, "tags"),
    ("tag-our-prefix", "Project", {"tags": {"rcl-resources:owner": "me"}}, "tags"),
    ("too-many-tags", "Project", {"tags": {f"k{i}": "v" for i in range(199)}}, "tags"),
    ("tags-not-a-map", "Project", {"tags": ["env"]}, "tags"),
    ("timeouts-unknown-key", "Project", {"timeouts": {"creat": 60}}, "timeouts.creat"),
    ("timeouts-zero", "Project", {"timeouts": {"delete": 0}}, "timeouts.delete"),
    # -- Dataset ---------------------------------------------------------------------------
    ("manifest-bucket-spaces", "Dataset", manifest_in("my bucket"), "s3_object.bucket"),
    ("manifest-bucket-uppercase", "Dataset", manifest_in("MyBucket"), "s3_object.bucket"),
    ("manifest-bucket-ip", "Dataset", manifest_in("192.168.1.1"), "s3_object.bucket"),
    ("manifest-bucket-periods", "Dataset", manifest_in("my..bucket"), "s3_object.bucket"),
    ("manifest-bucket-long", "Dataset", manifest_in("b" * 64), "s3_object.bucket"),
    ("manifest-bucket-hyphen-end", "Dataset", manifest_in("bucket-"), "s3_object.bucket"),
    ("manifest-bucket-xn", "Dataset", manifest_in("xn--bucket"), "s3_object.bucket"),
    ("manifest-key-empty", "Dataset", manifest_in("data-bucket", name=""), "s3_object.name"),
    (
        "manifest-key-long",
        "Dataset",
        manifest_in("data-bucket", name="k" * 1025),
        "s3_object.name",
    ),
    (
        "manifest-version-empty",
        "Dataset",
        manifest_in("data-bucket", version=""),
        "s3_object.version",
    ),
    (
        "dataset-arn-type",
        "Dataset",
        train_from({"dataset_arn": TRAIN.replace("/train/", "/validation/")}),
        "dataset_source.dataset_arn",
    ),
    ("dataset-source-empty", "Dataset", train_from({}), "dataset_source"),
    ("dataset-source-unknown-key", "Dataset", train_from({"s3": "x"}), "dataset_source.s3"),
    (
        "dataset-project-is-dataset",
        "Dataset",
        {"project_arn": TRAIN, "dataset_type": "TRAIN"},
        "project_arn",
    ),
    (
        "dataset-project-account",
        "Dataset",
        {"project_arn": PROJECT.replace("123456789012", "1234"), "dataset_type": "TRAIN"},
        "project_arn",
    ),
    (
        "dataset-tag-value",
        "Dataset",
        {"project_arn": PROJECT, "dataset_type": "TRAIN", "tags": {"k": "<v>"}},
        "tags",
    ),
    (
        "dataset-type-lowercase",
        "Dataset",
        {"project_arn": PROJECT, "dataset_type": "train"},
        "dataset_type",
    ),
    (
        "distribute-from-project",
        "Dataset",
        {"project_arn": PROJECT, "dataset_type": "TEST", "distribute_from": PROJECT},
        "distribute_from",
    ),
    (
        "distribute-from-test",
        "Dataset",
        {
            "project_arn": PROJECT,
            "dataset_type": "TEST",
            "distribute_from": TRAIN.replace("/train/", "/test/"),
        },
        "distribute_from",
    ),
    (
        "distribute-and-entries",
        "Dataset",
        {
            "project_arn": PROJECT,
            "dataset_type": "TEST",
            "distribute_from": TRAIN,
            "entries": [LINE],
        },
        "distribute_from",
    ),
    ("entries-not-a-list", "Dataset", train_with("not a list"), "entries"),
    (
        "entry-source-ref-http",
        "Dataset",
        train_with(['{"source-ref": "https://example.com/a.png"}']),
        "source-ref",
    ),
    (
        "entry-unsupported-type",
        "Dataset",
        train_with([LINE.replace("image-classification", "semantic-segmentation")]),
        "ERROR_UNSUPPORTED_USE_CASE_TYPE",
    ),
    (
        "entry-attribute-without-metadata",
        "Dataset",
        train_with(['{"source-ref": "s3://data-bucket/a.png", "cat": 1}']),
        "cat-metadata",
    ),
    (
        "entry-box-outside-image",
        "Dataset",
        train_with([BOX_LINE.replace('"left": 10', '"left": 90')]),
        "ERROR_INVALID_BOUNDING_BOX",
    ),
    (
        "entry-too-long",
        "Dataset",
        train_with([LINE[:-1] + ', "pad": "' + "x" * 100_000 + '"}']),
        "entries",
    ),
    ("entry-json-array", "Dataset", train_with(["[1, 2]"]), "entries"),
    (
        "dataset-timeouts-negative",
        "Dataset",
        {"project_arn": PROJECT, "dataset_type": "TRAIN", "timeouts": {"update": -1}},
        "timeouts.update",
    ),
    # -- ProjectVersion --------------------------------------------------------------------
    ("kms-key-spaces", "ProjectVersion", version(kms_key_id="my key"), "kms_key_id"),
    ("kms-key-empty", "ProjectVersion", version(kms_key_id=""), "kms_key_id"),
    ("version-name-empty", "ProjectVersion", version(version_name=""), "version_name"),
    ("version-name-long", "ProjectVersion", version(version_name="v" * 256), "version_name"),
    (
        "description-empty",
        "ProjectVersion",
        version(version_description=""),
        "version_description",
    ),
    (
        "description-long",
        "ProjectVersion",
        version(version_description="d" * 256),
        "version_description",
    ),
    (
        "output-bucket-uppercase",
        "ProjectVersion",
        version(output_config={"s3_bucket": "Results"}),
        "output_config.s3_bucket",
    ),
    (
        "output-bucket-spaces",
        "ProjectVersion",
        version(output_config={"s3_bucket": "my results"}),
        "output_config.s3_bucket",
    ),
    (
        "output-bucket-ip",
        "ProjectVersion",
        version(output_config={"s3_bucket": "10.0.0.1"}),
        "output_config.s3_bucket",
    ),
    (
        "output-prefix-long",
        "ProjectVersion",
        version(output_config={"s3_bucket": "results-bucket", "s3_key_prefix": "p" * 1025}),
        "output_config.s3_key_prefix",
    ),
    (
        "output-config-unknown-key",
        "ProjectVersion",
        version(output_config={"bucket": "results-bucket"}),
        "output_config",
    ),
    (
        "training-assets-empty",
        "ProjectVersion",
        version(training_data={"assets": []}, testing_data={"auto_create": True}),
        "training_data.assets",
    ),
    (
        "training-asset-bucket",
        "ProjectVersion",
        version(
            training_data={"assets": [manifest_in("Bad_Bucket")["dataset_source"]]},
            testing_data={"auto_create": True},
        ),
        "s3_object.bucket",
    ),
    (
        "testing-asset-key",
        "ProjectVersion",
        version(
            training_data={"assets": [S3]},
            testing_data={"assets": [manifest_in("data-bucket", name="")["dataset_source"]]},
        ),
        "s3_object.name",
    ),
    (
        "confidence-above-100",
        "ProjectVersion",
        version(feature_config={"content_moderation": {"confidence_threshold": 150}}),
        "confidence_threshold",
    ),
    (
        "confidence-negative",
        "ProjectVersion",
        version(feature_config={"content_moderation": {"confidence_threshold": -1}}),
        "confidence_threshold",
    ),
    (
        "adapter-running",
        "ProjectVersion",
        version(feature_config={"content_moderation": {}}, running=True),
        "running",
    ),
    (
        "copy-source-project",
        "ProjectVersion",
        version(copy_from={"source_project_arn": "demo", "source_project_version_arn": VERSION}),
        "copy_from.source_project_arn",
    ),
    (
        "copy-source-version",
        "ProjectVersion",
        version(copy_from={"source_project_arn": PROJECT, "source_project_version_arn": PROJECT}),
        "copy_from.source_project_version_arn",
    ),
    (
        "copy-and-description",
        "ProjectVersion",
        version(
            copy_from={"source_project_arn": PROJECT, "source_project_version_arn": VERSION},
            version_description="copy",
        ),
        "copy_from",
    ),
    ("min-units-text", "ProjectVersion", version(min_inference_units="two"), "min_inference_units"),
    ("f1-negative", "ProjectVersion", version(min_f1_score=-0.1), "min_f1_score"),
    ("running-not-bool", "ProjectVersion", version(running="maybe"), "running"),
    ("version-tag-value", "ProjectVersion", version(tags={"k": "v" * 257}), "tags"),
    ("version-project-arn", "ProjectVersion", version(project_arn="demo"), "project_arn"),
    ("version-project-is-version", "ProjectVersion", version(project_arn=VERSION), "project_arn"),
    ("datasets-not-a-list", "ProjectVersion", version(datasets="train@1"), "datasets"),
    ("version-unknown-argument", "ProjectVersion", version(min_units=1), "min_units"),
    # -- ProjectPolicy ---------------------------------------------------------------------
    ("policy-no-statement", "ProjectPolicy", policy({"Version": "2012-10-17"}), "Statement"),
    ("policy-statement-empty", "ProjectPolicy", policy({"Statement": []}), "Statement"),
    ("policy-effect", "ProjectPolicy", policy(statement(Effect="Permit")), "Effect"),
    (
        "policy-unknown-top-level",
        "ProjectPolicy",
        policy({"Statements": [statement()["Statement"]]}),
        "Statements",
    ),
    (
        "policy-version",
        "ProjectPolicy",
        policy({**statement(), "Version": "2020-01-01"}),
        "Version",
    ),
    ("policy-no-principal", "ProjectPolicy", policy(statement(Principal=None)), "Principal"),
    ("policy-no-action", "ProjectPolicy", policy(statement(Action=None)), "Action"),
    (
        "policy-too-long",
        "ProjectPolicy",
        policy(statement(Sid="s" * 2000)),
        "policy_document",
    ),
    ("policy-document-list", "ProjectPolicy", policy([statement()]), "policy_document"),
    (
        "policy-name-long",
        "ProjectPolicy",
        {**policy(statement()), "policy_name": "p" * 129},
        "policy_name",
    ),
    (
        "policy-name-empty",
        "ProjectPolicy",
        {**policy(statement()), "policy_name": ""},
        "policy_name",
    ),
    (
        "policy-project-arn",
        "ProjectPolicy",
        {**policy(statement()), "project_arn": TRAIN},
        "project_arn",
    ),
    (
        "policy-missing-name",
        "ProjectPolicy",
        {k: v for k, v in policy(statement()).items() if k != "policy_name"},
        "policy_name",
    ),
    # -- ImageFolder -----------------------------------------------------------------------
    ("folder-bucket-spaces", "ImageFolder", folder(bucket="my bucket"), "bucket"),
    ("folder-bucket-uppercase", "ImageFolder", folder(bucket="Images"), "bucket"),
    ("folder-bucket-short", "ImageFolder", folder(bucket="ab"), "bucket"),
    ("folder-bucket-ip", "ImageFolder", folder(bucket="127.0.0.1"), "bucket"),
    ("folder-bucket-s3alias", "ImageFolder", folder(bucket="images-s3alias"), "bucket"),
    ("folder-prefix-long", "ImageFolder", folder(prefix="p" * 901), "prefix"),
    ("folder-missing", "ImageFolder", folder(folder="/nonexistent/images"), "folder"),
    ("folder-include-entries", "ImageFolder", folder(include_entries="maybe"), "include_entries"),
    ("folder-unknown-argument", "ImageFolder", folder(bucket_name="b"), "bucket_name"),
    ("folder-kind", "ImageFolder", folder(kind="segmentation"), "kind"),
]


WORKERS = 4


class Previewer:
    """`pulumi preview` of one stack, run directly: the Automation API's own calls around each
    preview would triple the time of this table."""

    def __init__(self, work_dir: Path, env: dict[str, str]) -> None:
        self.work_dir, self.env = work_dir, env

    def preview(self, case: dict[str, Any]) -> str:
        """The CLI's output of a preview that must fail (an empty string if it passed)."""
        # A file, not stack config: one CLI call per case instead of three.
        (self.work_dir / "case.json").write_text(json.dumps(case))
        result = subprocess.run(
            ["pulumi", "preview", "--non-interactive", "--stack", "test"],
            cwd=self.work_dir,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        return "" if result.returncode == 0 else result.stdout + result.stderr


def previewer(root: Path, emulator_server: str) -> Previewer:
    env = {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}
    s = stack(
        write_project(root / "project", PROGRAM, name="rcl-bad-inputs"), root / "state", env=env
    )
    s.set_all_config(
        {
            "rcl:endpointUrl": auto.ConfigValue(emulator_server),
            "rcl:s3EndpointUrl": auto.ConfigValue(emulator_server),
            "rcl:region": auto.ConfigValue("us-east-1"),
        }
    )
    return Previewer(Path(s.workspace.work_dir), engine_env(root / "state", env))


@pytest.fixture(scope="module")
def rejections(
    pulumi_engine: Path,
    emulator_server: str,
    small_digits: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Every case previewed, a few stacks at a time (a preview mostly waits on the engine):
    the CLI output per case id, and the Rekognition calls all of them made."""
    control = EmulatorControl(emulator_server)
    control.reset_requests()
    root = tmp_path_factory.mktemp("bad-inputs")
    pool = queue.Queue[Previewer]()
    for index in range(WORKERS):
        pool.put(previewer(root / str(index), emulator_server))

    def run(case: tuple[str, str, dict[str, Any], str]) -> tuple[str, str]:
        case_id, resource, inputs, _ = case
        if inputs.get("folder") == "FOLDER":
            inputs = {**inputs, "folder": str(small_digits)}
        worker = pool.get()
        try:
            return case_id, worker.preview({"resource": resource, "inputs": inputs})
        finally:
            pool.put(worker)

    with ThreadPoolExecutor(WORKERS) as threads:
        outputs = dict(threads.map(run, CASES))
    return outputs, control.requests_log()


@pytest.mark.parametrize(
    ("case_id", "expected"), [(c[0], c[3]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_preview_rejects(
    rejections: tuple[dict[str, str], list[dict[str, Any]]], case_id: str, expected: str
) -> None:
    message = rejections[0][case_id]
    assert message, "the preview passed"
    assert expected in message, message[-2000:]


def test_no_bad_input_reaches_aws(rejections: tuple[dict[str, str], list[dict[str, Any]]]) -> None:
    assert rejections[1] == []


def test_the_table_covers_every_resource_with_80_cases() -> None:
    assert len(CASES) >= 80
    assert {c[1] for c in CASES} == {
        "Project",
        "Dataset",
        "ProjectVersion",
        "ProjectPolicy",
        "ImageFolder",
    }
