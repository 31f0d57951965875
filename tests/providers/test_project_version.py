"""ProjectVersion provider: training, the quality gate, running in place, delete rules."""

from __future__ import annotations

from typing import Any

import pytest

from rcl_emulator.control import EmulatorControl
from rcl_resources.errors import QualityGateFailed, TerminalStatus
from rcl_resources.providers.dataset import _DatasetProvider
from rcl_resources.providers.model_state import find_version
from rcl_resources.providers.project import _ProjectProvider
from rcl_resources.providers.project_version import _ProjectVersionProvider

from .conftest import checked, connection, failures, unique


@pytest.fixture()
def provider() -> _ProjectVersionProvider:
    return _ProjectVersionProvider()


@pytest.fixture()
def trainable(aws_env: str, manifest: dict[str, str]) -> dict[str, Any]:
    return _trainable(aws_env, manifest)


def _shuffled_manifest(s3: Any) -> dict[str, str]:
    """The small digits set with labels reassigned at random."""
    import random

    from rcl_resources.manifest import classification_line, dumps_manifest

    bucket = unique("noise")
    s3.create_bucket(Bucket=bucket)
    rng = random.Random(7)
    lines = []
    for i in range(90):
        s3.put_object(Bucket=bucket, Key=f"img/{i}.png", Body=_noise_png(rng))
        lines.append(classification_line(f"s3://{bucket}/img/{i}.png", rng.choice("abc")))
    s3.put_object(Bucket=bucket, Key="noise.manifest", Body=dumps_manifest(lines).encode())
    return {"bucket": bucket, "name": "noise.manifest"}


def _noise_png(rng: Any) -> bytes:
    import io

    from PIL import Image

    image = Image.frombytes("L", (64, 64), bytes(rng.randrange(256) for _ in range(64 * 64)))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _trainable(aws_env: str, manifest: dict[str, str]) -> dict[str, Any]:
    """A project with a TRAIN dataset from the manifest and a distributed TEST dataset."""
    conn = connection(aws_env)
    projects, datasets = _ProjectProvider(), _DatasetProvider()
    project = projects.create(
        checked(projects, {**conn, "project_name": unique("pv"), "owner": "p/s/project"})
    ).outs
    train = datasets.create(
        checked(
            datasets,
            {
                **conn,
                "owner": "p/s/train",
                "project_arn": project["arn"],
                "dataset_type": "TRAIN",
                "dataset_source": {"ground_truth_manifest": {"s3_object": manifest}},
            },
        )
    )
    datasets.create(
        checked(
            datasets,
            {
                **conn,
                "owner": "p/s/test",
                "project_arn": project["arn"],
                "dataset_type": "TEST",
                "distribute_from": train.id,
            },
        )
    )
    return {"project": project, "bucket": manifest["bucket"]}


def version_props(url: str, trainable: dict[str, Any], **inputs: Any) -> dict[str, Any]:
    return {
        **connection(url),
        "owner": "p/s/model",
        "project_arn": trainable["project"]["arn"],
        "output_config": {"s3_bucket": trainable["bucket"], "s3_key_prefix": "out"},
        **inputs,
    }


def test_check_table(provider, aws_env) -> None:
    base = {
        "project": {"arn": "arn:aws:rekognition:us-east-1:123456789012:project/x/1"},
        "bucket": "bucket",
    }
    cases = {
        "min_inference_units": {"min_inference_units": 0},
        "max_inference_units": {"max_inference_units": 0},
        "min_f1_score": {"min_f1_score": 1.5},
        "version_name": {"version_name": "bad name!"},
        "version_description": {"version_description": "x" * 300},
        "output_config.s3_bucket": {"output_config": {"s3_bucket": "b"}},
        "project_arn": {"project_arn": "not-an-arn"},
    }
    for field, bad in cases.items():
        found = failures(provider, version_props(aws_env, base, **bad))
        assert field in found, (field, found)
    no_output = version_props(aws_env, base)
    del no_output["output_config"]
    assert "output_config" in " ".join(failures(provider, no_output).values())
    lonely = failures(
        provider,
        version_props(
            aws_env,
            base,
            training_data={
                "assets": [{"ground_truth_manifest": {"s3_object": {"bucket": "bkt", "name": "m"}}}]
            },
        ),
    )
    assert "testing_data" in " ".join(lonely.values())


def test_train_run_stop_and_delete(provider, aws_env, trainable, rekognition) -> None:
    inputs = checked(provider, version_props(aws_env, trainable, running=True))
    created = provider.create(inputs)
    outs = created.outs
    assert outs["status"] == "RUNNING"
    assert outs["f1_score"] is not None and outs["f1_score"] > 0.5
    assert {m["label"] for m in outs["label_metrics"]} == {"0", "1", "7"}
    assert outs["evaluation_summary"]["bucket"] == trainable["bucket"]

    stopped = checked(provider, {**inputs, "running": False})
    diff = provider.diff(created.id, outs, stopped)
    assert diff.changes and not diff.replaces
    outs = provider.update(created.id, outs, stopped).outs
    assert outs["status"] == "STOPPED"

    rekognition.start_project_version(ProjectVersionArn=created.id, MinInferenceUnits=1)
    refreshed = provider.read(created.id, outs)
    assert refreshed.outs["running"] is True  # drift shows up...
    assert provider.diff(created.id, refreshed.outs, stopped).changes  # ...and `up` fixes it

    provider.delete(created.id, refreshed.outs)  # stops the running model first
    assert find_version(rekognition, inputs["project_arn"], inputs["version_name"]) is None


def test_quality_gate_blocks_start_and_leaves_no_orphan(provider, aws_env, s3, rekognition) -> None:
    trainable = _trainable(aws_env, _shuffled_manifest(s3))  # labels are noise: F1 is poor
    inputs = checked(provider, version_props(aws_env, trainable, running=True, min_f1_score=0.9))
    with pytest.raises(QualityGateFailed, match=r"F1 0\.\d+ below min_f1_score 0\.9"):
        provider.create(inputs)
    assert find_version(rekognition, inputs["project_arn"], inputs["version_name"]) is None


def test_failed_training_raises_and_leaves_no_orphan(
    provider, aws_env, trainable, rekognition
) -> None:
    control = EmulatorControl(aws_env)
    control.set_faults(fail_next_training=True)
    inputs = checked(provider, version_props(aws_env, trainable))
    try:
        with pytest.raises(TerminalStatus, match="TRAINING_FAILED"):
            provider.create(inputs)
    finally:
        control.clear_faults()
    assert find_version(rekognition, inputs["project_arn"], inputs["version_name"]) is None


def test_not_waiting_for_training_then_up_finishes(provider, aws_env, trainable) -> None:
    EmulatorControl(aws_env).set_timing(training_seconds=2)
    try:
        inputs = checked(
            provider, version_props(aws_env, trainable, wait_for_training=False, running=True)
        )
        created = provider.create(inputs)
        assert created.outs["status"] == "TRAINING_IN_PROGRESS"
        diff = provider.diff(created.id, created.outs, inputs)
        assert diff.changes and not diff.replaces
        outs = provider.update(created.id, created.outs, inputs).outs
        assert outs["status"] == "RUNNING" and outs["f1_score"] is not None
    finally:
        EmulatorControl(aws_env).set_timing(training_seconds=0)
    provider.delete(created.id, outs)


def test_training_inputs_replace_and_name_changes(provider, aws_env, trainable) -> None:
    olds = checked(provider, version_props(aws_env, trainable, datasets=["a@1"]))
    news = checked(provider, version_props(aws_env, trainable, datasets=["a@2"]))
    diff = provider.diff("arn", olds, news)
    assert "datasets" in diff.replaces and diff.delete_before_replace is False
    assert olds["version_name"] != news["version_name"]
    same_units = checked(
        provider, version_props(aws_env, trainable, datasets=["a@1"], min_inference_units=2)
    )
    assert provider.diff("arn", olds, same_units).replaces == []


def test_delete_of_a_starting_model_waits_and_stops_it(
    provider, aws_env, trainable, rekognition
) -> None:
    inputs = checked(provider, version_props(aws_env, trainable))
    created = provider.create(inputs)
    control = EmulatorControl(aws_env)
    control.set_timing(start_seconds=2)
    try:
        rekognition.start_project_version(ProjectVersionArn=created.id, MinInferenceUnits=1)
        provider.delete(created.id, created.outs)  # STARTING cannot be stopped yet
    finally:
        control.set_timing(start_seconds=0)
    assert find_version(rekognition, inputs["project_arn"], inputs["version_name"]) is None


def test_failed_training_after_create_is_retrained_by_the_next_up(provider, aws_env, trainable):
    control = EmulatorControl(aws_env)
    control.set_timing(training_seconds=1)
    control.set_faults(fail_next_training=True)
    try:
        inputs = checked(provider, version_props(aws_env, trainable, wait_for_training=False))
        created = provider.create(inputs)
        with pytest.raises(Exception, match=r"TRAINING_FAILED.*pulumi up --refresh"):
            provider.update(created.id, created.outs, inputs)
        diff = provider.diff(created.id, created.outs, inputs)  # sees the live failure
        assert "status" in diff.replaces and diff.delete_before_replace
    finally:
        control.clear_faults()
        control.set_timing(training_seconds=0)
    provider.delete(created.id, created.outs)


def test_copy_from_rejects_fields_copy_does_not_take(provider, aws_env) -> None:
    base = {
        "project": {"arn": "arn:aws:rekognition:us-east-1:123456789012:project/x/1"},
        "bucket": "bucket",
    }
    found = failures(
        provider,
        version_props(
            aws_env,
            base,
            version_description="copy",
            copy_from={
                "source_project_arn": "arn:aws:rekognition:us-east-1:123456789012:project/y/1",
                "source_project_version_arn": (
                    "arn:aws:rekognition:us-east-1:123456789012:project/y/version/v/1"
                ),
            },
        ),
    )
    assert "version_description" in " ".join(found.values())


def test_units_change_restarts_tags_change_does_not(provider, aws_env, trainable) -> None:
    inputs = checked(provider, version_props(aws_env, trainable, running=True))
    outs = provider.create(inputs).outs
    control = EmulatorControl(aws_env)
    control.reset_requests()
    tagged = checked(provider, {**inputs, "tags": {"a": "b"}})
    outs = provider.update(outs["arn"], outs, tagged).outs
    assert "StopProjectVersion" not in [r["operation"] for r in control.requests_log()]
    more = checked(provider, {**tagged, "min_inference_units": 2})
    outs = provider.update(outs["arn"], outs, more).outs
    ops = [r["operation"] for r in control.requests_log()]
    assert ops.count("StopProjectVersion") == 1 and ops.count("StartProjectVersion") == 1
    assert outs["status"] == "RUNNING"
    provider.delete(outs["arn"], outs)


def test_a_freed_training_slot_is_taken_within_2_seconds(provider, aws_env, trainable) -> None:
    """Three trainings, two slots: the third starts within 2 s of the first one ending
    (measured from the emulator's request log and the versions' TrainingEndTimestamp)."""
    from concurrent.futures import ThreadPoolExecutor

    control = EmulatorControl(aws_env)
    control.set_timing(training_seconds=4)
    control.reset_requests()
    try:
        names = [unique("slot") for _ in range(3)]
        with ThreadPoolExecutor(3) as pool:
            created = list(
                pool.map(
                    lambda name: provider.create(
                        checked(provider, version_props(aws_env, trainable, version_name=name))
                    ),
                    names,
                )
            )
    finally:
        control.set_timing(training_seconds=0)
    log = control.requests_log()
    starts = [r for r in log if r["operation"] == "CreateProjectVersion" and r["status"] == 200]
    refused = [r for r in log if r["error"] == "LimitExceededException"]
    assert len(starts) == 3 and refused, "the third training had to wait for a slot"
    ends = sorted(c.outs["training_end_timestamp"] for c in created)
    from datetime import datetime

    freed = datetime.fromisoformat(ends[0]).timestamp()
    delay = starts[-1]["time"] - freed
    print(f"slot taken {delay:.2f} s after it freed")
    assert 0 <= delay <= 2.0
    for c in created:
        provider.delete(c.id, c.outs)
