"""Dataset: the TRAIN or TEST dataset of a project, from a manifest, another dataset, entries,
or a split of the TRAIN dataset."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import TYPE_CHECKING, Any, overload

import pulumi
from pulumi.dynamic import Resource

from ._dynamic import TimeoutsArgs, existing, moved_provider, program_props, provider_of


@dataclasses.dataclass
class S3ObjectArgs:
    """An S3 object: bucket, key (`name`) and optional version."""

    bucket: pulumi.Input[str]
    """The S3 bucket."""
    name: pulumi.Input[str]
    """The object's key."""
    version: pulumi.Input[str] | None = None
    """The object's version, in a versioned bucket."""


@dataclasses.dataclass
class GroundTruthManifestArgs:
    """A SageMaker Ground Truth manifest in S3."""

    s3_object: pulumi.Input[S3ObjectArgs | dict[str, Any]]
    """Where the manifest (JSON Lines) is in S3."""


@dataclasses.dataclass
class DatasetSourceArgs:
    """Exactly one of a manifest or an existing dataset's ARN."""

    ground_truth_manifest: pulumi.Input[GroundTruthManifestArgs | dict[str, Any]] | None = None
    """A Ground Truth manifest in S3 to import."""
    dataset_arn: pulumi.Input[str] | None = None
    """An existing dataset to copy."""


@dataclasses.dataclass
class DatasetArgs:
    """Inputs of a Dataset. Names mirror CreateDataset in snake_case; the rest are ours."""

    project_arn: pulumi.Input[str]
    """The project's ARN. A new project replaces the dataset."""
    dataset_type: pulumi.Input[str]
    """`TRAIN` or `TEST`."""
    dataset_source: pulumi.Input[DatasetSourceArgs | dict[str, Any]] | None = None
    """Exactly one of `ground_truth_manifest` or `dataset_arn`; omitted: an empty dataset. A
    new source replaces the dataset, except a manifest that only grew, which is applied in
    place."""
    tags: pulumi.Input[dict[str, pulumi.Input[str]]] | None = None
    """Tags; changed in place."""
    entries: pulumi.Input[list[pulumi.Input[str]]] | None = None
    """Ground Truth JSON lines to add with UpdateDatasetEntries (added lines update in place)."""
    distribute_from: pulumi.Input[str] | None = None
    """ARN of the TRAIN dataset: create this TEST dataset empty, then move 20% of it here."""
    timeouts: pulumi.Input[TimeoutsArgs | dict[str, Any]] | None = None
    """Seconds to wait for each operation before failing with a clear message."""
    region: pulumi.Input[str] | None = None
    """AWS region; by default the provider's `rcl:region`, then `aws:region`, then the AWS
    default chain. A new region replaces the resource."""


def _digest(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]


class Dataset(Resource, module="rcl", name="Dataset"):
    """The TRAIN or TEST dataset of a project. Source changes replace it (a project holds one
    dataset of each type, so the old one is deleted first); added `entries` and tags update in
    place."""

    arn: pulumi.Output[str]
    """The dataset's ARN."""
    status: pulumi.Output[str]
    """The status of the last operation, e.g. `CREATE_COMPLETE`."""
    status_message: pulumi.Output[str | None]
    """AWS's message about the last operation."""
    status_message_code: pulumi.Output[str | None]
    """`SUCCESS`, `SERVICE_ERROR` or `CLIENT_ERROR`."""
    dataset_stats: pulumi.Output[dict[str, int]]
    """`labeled_entries`, `total_entries`, `total_labels`, `error_entries`."""
    labels: pulumi.Output[list[str]]
    """The labels in the dataset."""
    region: pulumi.Output[str]
    """The AWS region it lives in."""

    @overload
    def __init__(
        self, resource_name: str, args: DatasetArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        project_arn: pulumi.Input[str] | None = None,
        dataset_type: pulumi.Input[str] | None = None,
        dataset_source: pulumi.Input[DatasetSourceArgs | dict[str, Any]] | None = None,
        tags: pulumi.Input[dict[str, pulumi.Input[str]]] | None = None,
        entries: pulumi.Input[list[pulumi.Input[str]]] | None = None,
        distribute_from: pulumi.Input[str] | None = None,
        timeouts: pulumi.Input[TimeoutsArgs | dict[str, Any]] | None = None,
        region: pulumi.Input[str] | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        """Inputs as a `DatasetArgs` (`(name, args, opts)`) or as keyword arguments of the
        same names (`(name, opts, **inputs)`), like pulumi_aws; `DatasetArgs` says what each
        means."""
        props, opts = program_props(Dataset, DatasetArgs, resource_name, args, kwargs)
        super().__init__(provider_of("Dataset"), resource_name, props, opts)
        content = pulumi.Output.from_input(
            {
                "dataset_type": props.get("dataset_type"),
                "dataset_source": props.get("dataset_source"),
                "entries": props.get("entries"),
                "distributed": bool(props.get("distribute_from")),
            }
        )
        # Known at preview whenever the content is, so an in-place change elsewhere does not
        # show a retraining; through the URN it still orders dependents after this dataset.
        self.revision: pulumi.Output[str] = pulumi.Output.all(self.urn, content).apply(
            lambda values: f"{resource_name}@{_digest(values[1])}"
        )

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> Dataset:
        """The existing dataset with this ARN, read into the program (not managed by it)."""
        return existing(Dataset, "Dataset", resource_name, id, opts)


if not TYPE_CHECKING:  # a checker still sees every name this module lacks
    __getattr__ = moved_provider("Dataset")

__all__ = ["Dataset", "DatasetArgs", "DatasetSourceArgs", "GroundTruthManifestArgs", "S3ObjectArgs"]
