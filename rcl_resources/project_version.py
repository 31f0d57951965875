"""ProjectVersion: a trained (or copied) model, evaluated, and running or stopped."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, overload

import pulumi
from pulumi.dynamic import Resource

from ._dynamic import TimeoutsArgs, existing, moved_provider, program_props, provider_of


@dataclasses.dataclass
class OutputConfigArgs:
    """Where training results (evaluation summary, manifests) are written."""

    s3_bucket: pulumi.Input[str]
    """The bucket that receives the training results (evaluation summary, manifests)."""
    s3_key_prefix: pulumi.Input[str] | None = None
    """The key prefix of those files."""


@dataclasses.dataclass
class AssetArgs:
    """One training or testing asset: a Ground Truth manifest,
    `{"s3_object": {"bucket", "name", "version"?}}`."""

    ground_truth_manifest: pulumi.Input[dict[str, Any]]
    """A Ground Truth manifest in S3."""


@dataclasses.dataclass
class TrainingDataArgs:
    """Manifests to train on (only for projects without datasets)."""

    assets: pulumi.Input[list[pulumi.Input[AssetArgs | dict[str, Any]]]]
    """The manifests to train on."""


@dataclasses.dataclass
class TestingDataArgs:
    """Manifests to test on, or `auto_create=True` to split 20% off the training data."""

    assets: pulumi.Input[list[pulumi.Input[AssetArgs | dict[str, Any]]]] | None = None
    """The manifests to test on."""
    auto_create: pulumi.Input[bool] | None = None
    """Split 20% off the training data to test on instead."""


@dataclasses.dataclass
class ContentModerationConfigArgs:
    """The confidence (0-100) you plan to use with the adapter at inference."""

    confidence_threshold: pulumi.Input[float] | None = None
    """The confidence (0-100) you plan to use with the adapter; its evaluation is reported
    at it."""


@dataclasses.dataclass
class FeatureConfigArgs:
    """Settings of a content-moderation adapter."""

    content_moderation: pulumi.Input[ContentModerationConfigArgs | dict[str, Any]]
    """Settings of a content-moderation adapter."""


@dataclasses.dataclass
class CopyFromArgs:
    """The version to copy instead of training (CopyProjectVersion)."""

    source_project_arn: pulumi.Input[str]
    """The project of the version to copy."""
    source_project_version_arn: pulumi.Input[str]
    """The version to copy."""


@dataclasses.dataclass
class ProjectVersionArgs:
    """Inputs of a ProjectVersion. Names mirror CreateProjectVersion in snake_case; `copy_from`,
    `running`, the inference units, `min_f1_score`, `wait_for_training`, `datasets` and
    `timeouts` are ours."""

    project_arn: pulumi.Input[str]
    """The project's ARN."""
    output_config: pulumi.Input[OutputConfigArgs | dict[str, Any]] | None = None
    """Where training results go: `s3_bucket` (required) and `s3_key_prefix`."""
    version_name: pulumi.Input[str] | None = None
    """The version's name; when omitted, `<resource name>-<7 hex of what is trained>`."""
    training_data: pulumi.Input[TrainingDataArgs | dict[str, Any]] | None = None
    """Manifests to train on, for projects without datasets (with `testing_data`)."""
    testing_data: pulumi.Input[TestingDataArgs | dict[str, Any]] | None = None
    """Manifests to test on, or `auto_create` to split the training data."""
    kms_key_id: pulumi.Input[str] | None = None
    """The KMS key that encrypts the model and the training copies of the images."""
    version_description: pulumi.Input[str] | None = None
    """A description of the version."""
    feature_config: pulumi.Input[FeatureConfigArgs | dict[str, Any]] | None = None
    """Adapter settings (content-moderation projects)."""
    tags: pulumi.Input[dict[str, pulumi.Input[str]]] | None = None
    """Tags; changed in place."""
    copy_from: pulumi.Input[CopyFromArgs | dict[str, Any]] | None = None
    """Copy this trained version (CopyProjectVersion) instead of training."""
    running: pulumi.Input[bool] | None = None
    """Start the model (billed per inference unit and hour) or keep it stopped; changed in
    place."""
    min_inference_units: pulumi.Input[int] | None = None
    """Inference units while running (default 1); a change restarts the model."""
    max_inference_units: pulumi.Input[int] | None = None
    """Upper bound for autoscaling; a change restarts the model."""
    min_f1_score: pulumi.Input[float] | None = None
    """The F1 score (0-1) below which the update fails and the model is never started."""
    wait_for_training: pulumi.Input[bool] | None = None
    """Wait for training to end (default true); false returns once it has started."""
    datasets: pulumi.Input[list[pulumi.Input[str]]] | None = None
    """Identities of the datasets this version trains on (e.g. `[train.revision,
    test.revision]`): a change retrains. Also orders training after the datasets."""
    timeouts: pulumi.Input[TimeoutsArgs | dict[str, Any]] | None = None
    """Seconds to wait for each operation before failing with a clear message."""
    region: pulumi.Input[str] | None = None
    """AWS region; by default the provider's `rcl:region`, then `aws:region`, then the AWS
    default chain. A new region replaces the resource."""


class ProjectVersion(Resource, module="rcl", name="ProjectVersion"):
    """A trained model version. Anything that changes what is trained replaces it (the new
    version is trained, and started when `running`, before the old one is stopped and
    deleted); tags, `running` and inference units change in place."""

    arn: pulumi.Output[str]
    """The version's ARN."""
    version_name: pulumi.Output[str]
    """The version's name."""
    status: pulumi.Output[str]
    """E.g. `TRAINING_COMPLETED`, `RUNNING`, `STOPPED`."""
    status_message: pulumi.Output[str | None]
    """AWS's message about the status."""
    f1_score: pulumi.Output[float | None]
    """The F1 score of the evaluation (0-1)."""
    evaluation_summary: pulumi.Output[dict[str, str] | None]
    """`bucket` and `name` of the evaluation summary file."""
    label_metrics: pulumi.Output[list[dict[str, Any]]]
    """Per label: `label`, `f1_score`, `precision`, `recall`, `threshold`, `test_images`."""
    billable_training_time_in_seconds: pulumi.Output[int | None]
    """Billed training time."""
    training_end_timestamp: pulumi.Output[str | None]
    """When training ended (ISO 8601, UTC)."""
    running: pulumi.Output[bool]
    """Whether the model is RUNNING or STARTING."""
    region: pulumi.Output[str]
    """The AWS region it lives in."""

    @overload
    def __init__(
        self,
        resource_name: str,
        args: ProjectVersionArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        project_arn: pulumi.Input[str] | None = None,
        output_config: pulumi.Input[OutputConfigArgs | dict[str, Any]] | None = None,
        version_name: pulumi.Input[str] | None = None,
        training_data: pulumi.Input[TrainingDataArgs | dict[str, Any]] | None = None,
        testing_data: pulumi.Input[TestingDataArgs | dict[str, Any]] | None = None,
        kms_key_id: pulumi.Input[str] | None = None,
        version_description: pulumi.Input[str] | None = None,
        feature_config: pulumi.Input[FeatureConfigArgs | dict[str, Any]] | None = None,
        tags: pulumi.Input[dict[str, pulumi.Input[str]]] | None = None,
        copy_from: pulumi.Input[CopyFromArgs | dict[str, Any]] | None = None,
        running: pulumi.Input[bool] | None = None,
        min_inference_units: pulumi.Input[int] | None = None,
        max_inference_units: pulumi.Input[int] | None = None,
        min_f1_score: pulumi.Input[float] | None = None,
        wait_for_training: pulumi.Input[bool] | None = None,
        datasets: pulumi.Input[list[pulumi.Input[str]]] | None = None,
        timeouts: pulumi.Input[TimeoutsArgs | dict[str, Any]] | None = None,
        region: pulumi.Input[str] | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        """Inputs as a `ProjectVersionArgs` (`(name, args, opts)`) or as keyword arguments
        of the same names (`(name, opts, **inputs)`), like pulumi_aws; `ProjectVersionArgs`
        says what each means."""
        props, opts = program_props(ProjectVersion, ProjectVersionArgs, resource_name, args, kwargs)
        super().__init__(provider_of("ProjectVersion"), resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> ProjectVersion:
        """The existing model version with this ARN, read into the program (not managed by it)."""
        return existing(ProjectVersion, "ProjectVersion", resource_name, id, opts)


if not TYPE_CHECKING:  # a checker still sees every name this module lacks
    __getattr__ = moved_provider("ProjectVersion")

__all__ = [
    "AssetArgs",
    "ContentModerationConfigArgs",
    "CopyFromArgs",
    "FeatureConfigArgs",
    "OutputConfigArgs",
    "ProjectVersion",
    "ProjectVersionArgs",
    "TestingDataArgs",
    "TrainingDataArgs",
]
