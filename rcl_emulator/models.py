"""The Custom Labels resources (projects, datasets, versions, policies), each with its
describe shape (``to_json``, as moto's models have), and the one table of status transitions.

The backend (:mod:`rcl_emulator.backend`) holds them per account and region; jobs
(:mod:`rcl_emulator.jobs`) move their status as :data:`TRANSITIONS` says.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .manifests import Entry

CUSTOM_LABELS = "CUSTOM_LABELS"
CONTENT_MODERATION = "CONTENT_MODERATION"
BASE_MODEL_VERSION = "7.0"

# The one place that says which status a job moves a resource to: kind -> (start, success,
# failure); ``None`` as success means the resource disappears.
TRANSITIONS: dict[str, tuple[str, str | None, str | None]] = {
    "create_project": ("CREATING", "CREATED", None),
    "delete_project": ("DELETING", None, None),
    "create_dataset": ("CREATE_IN_PROGRESS", "CREATE_COMPLETE", "CREATE_FAILED"),
    "update_dataset": ("UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_FAILED"),
    "distribute": ("UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_FAILED"),
    "delete_dataset": ("DELETE_IN_PROGRESS", None, None),
    "train": ("TRAINING_IN_PROGRESS", "TRAINING_COMPLETED", "TRAINING_FAILED"),
    "copy": ("COPYING_IN_PROGRESS", "COPYING_COMPLETED", "COPYING_FAILED"),
    "start": ("STARTING", "RUNNING", "FAILED"),
    "stop": ("STOPPING", "STOPPED", None),
    "delete_version": ("DELETING", None, None),
}
# What a job returns: the change it made, applied later under the world lock.
Commit = Callable[[], None]


def ended(kind: str, ok: bool = True) -> str:
    """The status a finished job of `kind` leaves its resource in (from TRANSITIONS)."""
    status = TRANSITIONS[kind][1 if ok else 2]
    assert status is not None, f"a {kind} job has no {'success' if ok else 'failure'} status"
    return status


STARTABLE = {"TRAINING_COMPLETED", "STOPPED", "COPYING_COMPLETED", "FAILED"}
UNDELETABLE_VERSION = {
    "TRAINING_IN_PROGRESS",
    "STARTING",
    "RUNNING",
    "STOPPING",
    "COPYING_IN_PROGRESS",
}
TRAINED = {
    "TRAINING_COMPLETED",
    "STARTING",
    "RUNNING",
    "STOPPING",
    "STOPPED",
    "FAILED",
    "COPYING_COMPLETED",
}
DATASET_BUSY = {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS"}
# A deprecated adapter (older base model) still serves until it expires.
ADAPTER_USABLE = {"TRAINING_COMPLETED", "DEPRECATED"}


def now() -> float:
    return time.time()


def touch(ds: Dataset) -> None:
    """Set ``LastUpdatedTimestamp`` to now, never earlier than ``CreationTimestamp``."""
    ds.updated = max(now(), ds.created)


@dataclass
class Dataset:
    arn: str
    project: str
    type: str
    created: float
    updated: float
    status: str = "CREATE_IN_PROGRESS"
    message: str = ""
    message_code: str = ""
    entries: list[Entry] = field(default_factory=list)
    source: dict[str, Any] | None = None
    pending: str | None = None
    pending_changes: bytes = b""
    pending_peer: str | None = None
    job_started: float = 0.0

    def stats(self) -> dict[str, int]:
        return {
            "LabeledEntries": sum(1 for e in self.entries if e.labeled),
            "TotalEntries": len(self.entries),
            "TotalLabels": len(self.label_counts()),
            "ErrorEntries": sum(1 for e in self.entries if e.has_errors),
        }

    def label_counts(self) -> dict[str, tuple[int, int]]:
        counts: dict[str, list[int]] = {}
        for e in self.entries:
            for lab in e.labels:
                c = counts.setdefault(lab, [0, 0])
                c[0] += 1
                c[1] += e.boxes.get(lab, 0)
        return {k: (v[0], v[1]) for k, v in counts.items()}

    def to_json(self) -> dict[str, Any]:
        """DescribeDataset's ``DatasetDescription``."""
        return {
            "CreationTimestamp": self.created,
            "LastUpdatedTimestamp": self.updated,
            "Status": self.status,
            **self._status_message(),
            "DatasetStats": self.stats(),
        }

    def to_metadata_json(self) -> dict[str, Any]:
        """The ``DatasetMetadata`` DescribeProjects lists for each of a project's datasets."""
        return {
            "CreationTimestamp": self.created,
            "DatasetType": self.type,
            "DatasetArn": self.arn,
            "Status": self.status,
            **self._status_message(),
        }

    def _status_message(self) -> dict[str, str]:
        """StatusMessage/StatusMessageCode, left out while empty (e.g. while in progress)."""
        out = {}
        if self.message:
            out["StatusMessage"] = self.message
        if self.message_code:
            out["StatusMessageCode"] = self.message_code
        return out


@dataclass
class Version:
    arn: str
    project: str
    name: str
    created: float
    status: str
    output_config: dict[str, Any]
    feature: str = CUSTOM_LABELS
    message: str = ""
    description: str | None = None
    kms_key_id: str | None = None
    feature_config: dict[str, Any] | None = None
    training_input: dict[str, Any] = field(default_factory=dict)
    testing_input: dict[str, Any] = field(default_factory=dict)
    training_result: dict[str, Any] | None = None
    testing_result: dict[str, Any] | None = None
    evaluation: dict[str, Any] | None = None
    manifest_summary: dict[str, Any] | None = None
    billable_seconds: int | None = None
    training_end: float | None = None
    min_iu: int | None = None
    max_iu: int | None = None
    source_arn: str | None = None
    model_blob: bytes | None = None
    pending: str | None = None
    job_started: float = 0.0
    injected_failure: bool = False
    """`fail_next_training` was set when this training was requested: it fails."""

    def to_json(self) -> dict[str, Any]:
        """DescribeProjectVersions' ``ProjectVersionDescription``; unset fields left out."""
        out: dict[str, Any] = {
            "ProjectVersionArn": self.arn,
            "CreationTimestamp": self.created,
            "Status": self.status,
            "StatusMessage": self.message,
            "OutputConfig": self.output_config,
        }
        optional = {
            "MinInferenceUnits": self.min_iu,
            "MaxInferenceUnits": self.max_iu,
            "BillableTrainingTimeInSeconds": self.billable_seconds,
            "TrainingEndTimestamp": self.training_end,
            "TrainingDataResult": self.training_result,
            "TestingDataResult": self.testing_result,
            "EvaluationResult": self.evaluation,
            "ManifestSummary": self.manifest_summary,
            "KmsKeyId": self.kms_key_id,
            "SourceProjectVersionArn": self.source_arn,
            "VersionDescription": self.description,
            "FeatureConfig": self.feature_config,
        }
        out.update({k: val for k, val in optional.items() if val is not None})
        if self.feature == CONTENT_MODERATION:
            out["Feature"] = self.feature
            out["BaseModelVersion"] = BASE_MODEL_VERSION
        return out


@dataclass
class Policy:
    name: str
    document: str
    revision: str
    created: float
    updated: float

    def to_json(self, project_arn: str) -> dict[str, Any]:
        """ListProjectPolicies' ``ProjectPolicy``."""
        return {
            "ProjectArn": project_arn,
            "PolicyName": self.name,
            "PolicyRevisionId": self.revision,
            "PolicyDocument": self.document,
            "CreationTimestamp": self.created,
            "LastUpdatedTimestamp": self.updated,
        }


@dataclass
class Project:
    name: str
    arn: str
    created: float
    feature: str = CUSTOM_LABELS
    auto_update: str | None = None
    status: str = "CREATING"
    datasets: dict[str, Dataset] = field(default_factory=dict)
    versions: dict[str, Version] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    pending: str | None = None
    job_started: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """DescribeProjects' ``ProjectDescription``."""
        out: dict[str, Any] = {
            "ProjectArn": self.arn,
            "CreationTimestamp": self.created,
            "Status": self.status,
            "Datasets": [
                d.to_metadata_json()
                for d in sorted(self.datasets.values(), key=lambda d: d.created)
            ],
        }
        # The real API leaves Feature empty for Custom Labels and AutoUpdate for DISABLED.
        if self.feature != CUSTOM_LABELS:
            out["Feature"] = self.feature
        if self.auto_update == "ENABLED":
            out["AutoUpdate"] = self.auto_update
        return out


@dataclass
class Timing:
    """Minimum transition durations in seconds (0 = as fast as the work allows)."""

    training_seconds: float = 0.0
    start_seconds: float = 0.0
    stop_seconds: float = 0.0
    # Extension beyond the CLI flags: dataset create/update/distribute jobs.
    dataset_seconds: float = 0.0

    def minimum(self, kind: str) -> float:
        return {
            "train": self.training_seconds,
            "copy": self.training_seconds,
            "start": self.start_seconds,
            "stop": self.stop_seconds,
            "create_dataset": self.dataset_seconds,
            "update_dataset": self.dataset_seconds,
            "distribute": self.dataset_seconds,
        }.get(kind, 0.0)


@dataclass
class Faults:
    """Injected faults; see the control API."""

    throttle_rate: float = 0.0
    error_rate: float = 0.0
    fail_next_training: bool = False
    lose_next_response: str | None = None
