"""Backend state for Custom Labels: projects, datasets, versions, policies and tags.

State lives per (account, region) in :class:`RekognitionBackend`. Everything asynchronous runs
as a *job* on a thread pool; the job kind is stored on the resource (``pending``) so a restarted
emulator can resume it. All status changes follow :data:`TRANSITIONS`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from . import exceptions as exc
from . import s3io
from .manifests import Entry, ImageChecker, parse_line, split_lines

log = logging.getLogger("rcl_emulator")

ACCOUNT_ID = s3io.ACCOUNT_ID
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
UNDELETABLE_VERSION = {"TRAINING_IN_PROGRESS", "STARTING", "RUNNING", "STOPPING",
                       "COPYING_IN_PROGRESS"}
TRAINED = {"TRAINING_COMPLETED", "STARTING", "RUNNING", "STOPPING", "STOPPED", "FAILED",
           "COPYING_COMPLETED"}
DATASET_BUSY = {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS"}
# A deprecated adapter (older base model) still serves until it expires.
ADAPTER_USABLE = {"TRAINING_COMPLETED", "DEPRECATED"}

MAX_PROJECTS = 100
MAX_VERSIONS_PER_PROJECT = 100
MAX_CONCURRENT_TRAININGS = 2
MAX_RUNNING_MODELS = 2
MAX_INFERENCE_UNITS = 5
MAX_POLICIES = 5
MAX_TAGS = 200
MAX_INVALID_FRACTION = 0.2

_ARN_RE = re.compile(
    r"^arn:aws:rekognition:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):project/(?P<project>[^/]+)"
    r"(?:/(?:dataset/(?P<dtype>train|test)|version/(?P<version>[^/]+)))?/(?P<stamp>\d+)$"
)


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


@dataclass
class Policy:
    name: str
    document: str
    revision: str
    created: float
    updated: float


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


@dataclass
class Timing:
    """Minimum transition durations in seconds (0 = as fast as the work allows)."""

    training_seconds: float = 0.0
    start_seconds: float = 0.0
    stop_seconds: float = 0.0
    # Extension beyond the CLI flags: dataset create/update/distribute jobs.
    dataset_seconds: float = 0.0

    def minimum(self, kind: str) -> float:
        return {"train": self.training_seconds, "copy": self.training_seconds,
                "start": self.start_seconds, "stop": self.stop_seconds,
                "create_dataset": self.dataset_seconds, "update_dataset": self.dataset_seconds,
                "distribute": self.dataset_seconds}.get(kind, 0.0)


@dataclass
class Faults:
    """Injected faults; see the control API."""

    throttle_rate: float = 0.0
    error_rate: float = 0.0
    fail_next_training: bool = False
    lose_next_response: str | None = None


class RekognitionBackend:
    """Custom Labels state of one account and region."""

    def __init__(self, world: World, account: str, region: str) -> None:
        self.world = world
        self.account = account
        self.region = region
        self.projects: dict[str, Project] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self._last_stamp = 0

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("world", None)
        return state

    # ---- identifiers -------------------------------------------------------------------
    def _stamp(self) -> int:
        ms = int(now() * 1000)
        self._last_stamp = max(ms, self._last_stamp + 1)
        return self._last_stamp

    def _arn(self, tail: str) -> str:
        return f"arn:aws:rekognition:{self.region}:{self.account}:project/{tail}"

    def _parse_arn(self, arn: str) -> re.Match[str]:
        m = _ARN_RE.match(arn or "")
        if not m or m["region"] != self.region or m["account"] != self.account:
            raise exc.ResourceNotFoundException(f"The resource {arn} does not exist.")
        return m

    def _project(self, arn: str) -> Project:
        m = self._parse_arn(arn)
        p = self.projects.get(m["project"])
        if p is None or p.arn != arn or m["dtype"] or m["version"]:
            raise exc.ResourceNotFoundException(f"The project {arn} does not exist.")
        return p

    def _dataset(self, arn: str) -> Dataset:
        m = self._parse_arn(arn)
        p = self.projects.get(m["project"])
        d = p.datasets.get(m["dtype"].upper()) if p and m["dtype"] else None
        if d is None or d.arn != arn:
            raise exc.ResourceNotFoundException(f"The dataset {arn} does not exist.")
        return d

    def _version(self, arn: str) -> tuple[Project, Version]:
        m = self._parse_arn(arn)
        p = self.projects.get(m["project"])
        v = p.versions.get(m["version"]) if p and m["version"] else None
        if v is None or v.arn != arn:
            raise exc.ResourceNotFoundException(f"The project version {arn} does not exist.")
        return p, v

    # ---- jobs --------------------------------------------------------------------------
    def _begin(self, kind: str, target: Any) -> None:
        target.status = TRANSITIONS[kind][0]
        target.pending = kind
        target.job_started = now()
        self.world.submit(self, kind, target)

    # ---- projects ----------------------------------------------------------------------
    def create_project(self, p: dict[str, Any]) -> dict[str, Any]:
        name = p["ProjectName"]
        feature = p.get("Feature", CUSTOM_LABELS)
        auto_update = p.get("AutoUpdate")
        if auto_update and feature != CONTENT_MODERATION:
            raise exc.InvalidParameterException(
                "AutoUpdate applies only to projects with Feature CONTENT_MODERATION.")
        if feature == CONTENT_MODERATION and not auto_update:
            raise exc.InvalidParameterException(
                "AutoUpdate (ENABLED or DISABLED) is required for Feature CONTENT_MODERATION.")
        if name in self.projects:
            raise exc.ResourceInUseException(f"The project {name} already exists.")
        if len(self.projects) >= MAX_PROJECTS:
            raise exc.LimitExceededException("You have reached the limit of 100 projects.")
        self._check_tag_keys(p.get("Tags", {}))
        stamp = self._stamp()
        project = Project(name=name, arn=self._arn(f"{name}/{stamp}"), created=stamp / 1000,
                          feature=feature,
                          auto_update=auto_update)
        self.projects[name] = project
        if p.get("Tags"):
            self.tags[project.arn] = dict(p["Tags"])
        self._begin("create_project", project)
        return {"ProjectArn": project.arn}

    def describe_projects(self, p: dict[str, Any]) -> dict[str, Any]:
        features = p.get("Features") or [CUSTOM_LABELS]
        names = p.get("ProjectNames")
        items = sorted(self.projects.values(), key=lambda x: x.created)
        items = [x for x in items if x.feature in features and (not names or x.name in names)]
        page, token = paginate(items, p, 100, f"DescribeProjects:{names}:{features}")
        return _with_token({"ProjectDescriptions": [self._describe_project(x) for x in page]},
                           token)

    def _describe_project(self, x: Project) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ProjectArn": x.arn, "CreationTimestamp": x.created, "Status": x.status,
            "Datasets": [
                {"CreationTimestamp": d.created, "DatasetType": d.type, "DatasetArn": d.arn,
                 "Status": d.status, **_status_message(d)}
                for d in sorted(x.datasets.values(), key=lambda d: d.created)
            ],
        }
        # The real API leaves Feature empty for Custom Labels and AutoUpdate for DISABLED.
        if x.feature != CUSTOM_LABELS:
            out["Feature"] = x.feature
        if x.auto_update == "ENABLED":
            out["AutoUpdate"] = x.auto_update
        return out

    def delete_project(self, p: dict[str, Any]) -> dict[str, Any]:
        project = self._project(p["ProjectArn"])
        if project.status == "DELETING":
            return {"Status": "DELETING"}
        if project.versions:
            raise exc.ResourceInUseException(
                f"The project {project.name} has {len(project.versions)} model version(s); "
                "delete them first.")
        if project.datasets:
            raise exc.ResourceInUseException(
                f"The project {project.name} has datasets; delete them first.")
        if project.status == "CREATING":
            raise exc.ResourceInUseException(f"The project {project.name} is being created.")
        self._begin("delete_project", project)
        return {"Status": "DELETING"}

    # ---- datasets ----------------------------------------------------------------------
    def create_dataset(self, p: dict[str, Any]) -> dict[str, Any]:
        project = self._project(p["ProjectArn"])
        dtype = p["DatasetType"]
        source = p.get("DatasetSource")
        if project.feature != CUSTOM_LABELS:
            raise exc.InvalidParameterException("Datasets are for Custom Labels projects only.")
        if source is not None:
            has_manifest = "GroundTruthManifest" in source
            has_arn = "DatasetArn" in source
            if has_manifest == has_arn:
                raise exc.InvalidParameterException(
                    "DatasetSource needs exactly one of GroundTruthManifest or DatasetArn.")
            if has_manifest:
                obj = source["GroundTruthManifest"].get("S3Object")
                if not obj or not obj.get("Bucket") or not obj.get("Name"):
                    raise exc.InvalidParameterException(
                        "GroundTruthManifest.S3Object needs Bucket and Name.")
                if not s3io.bucket_exists(obj["Bucket"]):
                    raise exc.InvalidS3ObjectException(
                        f"Unable to get object metadata from S3. Bucket {obj['Bucket']} "
                        "does not exist.")
            else:
                src = self._dataset(source["DatasetArn"])
                if src.status in DATASET_BUSY or src.status == "CREATE_FAILED":
                    raise exc.ResourceNotReadyException(
                        f"The source dataset is {src.status}.")
        if dtype in project.datasets:
            raise exc.ResourceAlreadyExistsException(
                f"The project {project.name} already has a {dtype} dataset; delete it first.")
        self._check_tag_keys(p.get("Tags", {}))
        # Observed: the ARN's number is a little earlier than the dataset's CreationTimestamp.
        # The timestamp is now, so no later LastUpdatedTimestamp can come out equal to it.
        stamp = self._stamp() - 150
        created = now()
        ds = Dataset(arn=self._arn(f"{project.name}/dataset/{dtype.lower()}/{stamp}"),
                     project=project.name, type=dtype, created=created, updated=created,
                     source=source)
        project.datasets[dtype] = ds
        if p.get("Tags"):
            self.tags[ds.arn] = dict(p["Tags"])
        self._begin("create_dataset", ds)
        return {"DatasetArn": ds.arn}

    def describe_dataset(self, p: dict[str, Any]) -> dict[str, Any]:
        d = self._dataset(p["DatasetArn"])
        return {"DatasetDescription": {
            "CreationTimestamp": d.created, "LastUpdatedTimestamp": d.updated,
            "Status": d.status, **_status_message(d), "DatasetStats": d.stats()}}

    def delete_dataset(self, p: dict[str, Any]) -> dict[str, Any]:
        d = self._dataset(p["DatasetArn"])
        if d.status in DATASET_BUSY:
            raise exc.ResourceInUseException(
                f"The dataset is {d.status}; wait for it to finish before deleting it.")
        if d.status != "DELETE_IN_PROGRESS":
            self._begin("delete_dataset", d)
        return {}

    def _readable_dataset(self, arn: str) -> Dataset:
        d = self._dataset(arn)
        if d.status in ("CREATE_IN_PROGRESS", "CREATE_FAILED"):
            raise exc.ResourceNotReadyException(f"The dataset is {d.status}.")
        if d.status in ("UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS"):
            raise exc.ResourceInUseException(f"The dataset is {d.status}.")
        return d

    def list_dataset_entries(self, p: dict[str, Any]) -> dict[str, Any]:
        d = self._readable_dataset(p["DatasetArn"])
        wanted = set(p.get("ContainsLabels") or [])
        contains = p.get("SourceRefContains")
        if contains is not None and not contains.strip():
            raise exc.InvalidParameterException("SourceRefContains must not be blank.")
        items = []
        for e in d.entries:
            if wanted and not wanted.intersection(e.labels):
                continue
            if "Labeled" in p and e.labeled != p["Labeled"]:
                continue
            if contains and contains not in (e.source_ref or ""):
                continue
            if p.get("HasErrors") and not e.has_errors:
                continue
            items.append(e)
        key = f"ListDatasetEntries:{d.arn}:{sorted(wanted)}:{p.get('Labeled')}:{contains}:" \
              f"{p.get('HasErrors')}"
        page, token = paginate(items, p, 100, key)
        return _with_token({"DatasetEntries": [e.listing_line() for e in page]}, token)

    def list_dataset_labels(self, p: dict[str, Any]) -> dict[str, Any]:
        d = self._readable_dataset(p["DatasetArn"])
        counts = sorted(d.label_counts().items())
        page, token = paginate(counts, p, 100, f"ListDatasetLabels:{d.arn}")
        out = []
        for name, (entries, boxes) in page:
            stats: dict[str, int] = {"EntryCount": entries}
            if boxes:
                stats["BoundingBoxCount"] = boxes
            out.append({"LabelName": name, "LabelStats": stats})
        return _with_token({"DatasetLabelDescriptions": out}, token)

    def update_dataset_entries(self, p: dict[str, Any]) -> dict[str, Any]:
        d = self._dataset(p["DatasetArn"])
        if d.status in DATASET_BUSY or d.status == "DELETE_IN_PROGRESS":
            raise exc.ResourceInUseException(f"The dataset is {d.status}.")
        if d.status == "CREATE_FAILED":
            raise exc.ResourceNotReadyException("The dataset was not created.")
        d.pending_changes = p["Changes"]["GroundTruth"]
        self._begin("update_dataset", d)
        return {}

    def distribute_dataset_entries(self, p: dict[str, Any]) -> dict[str, Any]:
        arns = [x["Arn"] for x in p["Datasets"]]
        if len(arns) != 2:
            raise exc.InvalidParameterException("Pass exactly two datasets (TRAIN and TEST).")
        a, b = self._dataset(arns[0]), self._dataset(arns[1])
        if a.project != b.project:
            raise exc.InvalidParameterException("Both datasets must belong to the same project.")
        if {a.type, b.type} != {"TRAIN", "TEST"}:
            raise exc.InvalidParameterException("Pass one TRAIN and one TEST dataset.")
        train, test = (a, b) if a.type == "TRAIN" else (b, a)
        for d in (train, test):
            if d.status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_FAILED"):
                raise exc.ResourceNotReadyException(f"The {d.type} dataset is {d.status}.")
        if test.entries:
            raise exc.InvalidParameterException(
                "The TEST dataset must be empty to distribute the TRAIN dataset.")
        train.pending_peer = test.arn
        test.status = TRANSITIONS["distribute"][0]  # the peer moves with the TRAIN dataset
        self._begin("distribute", train)
        return {}

    # ---- project versions --------------------------------------------------------------
    def create_project_version(self, p: dict[str, Any]) -> dict[str, Any]:
        project = self._project(p["ProjectArn"])
        name = p["VersionName"]
        training, testing = p.get("TrainingData"), p.get("TestingData")
        if project.status != "CREATED":
            raise exc.ResourceInUseException(f"The project is {project.status}.")
        if name in project.versions:
            raise exc.ResourceInUseException(f"The version {name} already exists.")
        if len(project.versions) >= MAX_VERSIONS_PER_PROJECT:
            raise exc.LimitExceededException("The project has 100 versions.")
        if p.get("FeatureConfig") is not None and project.feature != CONTENT_MODERATION:
            raise exc.InvalidParameterException(
                "FeatureConfig is only valid for CONTENT_MODERATION projects.")
        if project.feature == CONTENT_MODERATION:
            if not training:
                raise exc.InvalidParameterException("Adapters are trained from TrainingData.")
        elif project.datasets:
            if training or testing:
                raise exc.InvalidParameterException(
                    "The project has datasets; TrainingData and TestingData are not allowed.")
            if "TRAIN" not in project.datasets:
                raise exc.InvalidParameterException("The project has no TRAIN dataset.")
            for d in project.datasets.values():
                if d.status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_FAILED"):
                    raise exc.ResourceNotReadyException(
                        f"The {d.type} dataset is {d.status}.")
        else:
            if not training or not testing:
                raise exc.InvalidParameterException(
                    "The project has no datasets: pass both TrainingData and TestingData "
                    "(TestingData may be {\"AutoCreate\": true}).")
        for data in (training, testing):
            for asset in (data or {}).get("Assets", []):
                obj = asset.get("GroundTruthManifest", {}).get("S3Object")
                if not obj or not obj.get("Bucket") or not obj.get("Name"):
                    raise exc.InvalidParameterException(
                        "Each asset needs GroundTruthManifest.S3Object with Bucket and Name.")
        training_now = sum(1 for x in self.projects.values() for v in x.versions.values()
                           if v.status == "TRAINING_IN_PROGRESS")
        if training_now >= MAX_CONCURRENT_TRAININGS:
            raise exc.LimitExceededException(
                f"Only {MAX_CONCURRENT_TRAININGS} models can train at the same time.")
        self._check_tag_keys(p.get("Tags", {}))
        stamp = self._stamp()
        v = Version(arn=self._arn(f"{project.name}/version/{name}/{stamp}"), project=project.name,
                    name=name, created=stamp / 1000, status="TRAINING_IN_PROGRESS",
                    output_config=p["OutputConfig"], feature=project.feature,
                    description=p.get("VersionDescription"), kms_key_id=p.get("KmsKeyId"),
                    feature_config=p.get("FeatureConfig"),
                    training_input=training or {},
                    testing_input=testing or ({"AutoCreate": False} if not training else {}))
        if project.feature == CONTENT_MODERATION and not testing:
            v.testing_input = {"AutoCreate": True}
        v.message = "The model is being trained."
        v.training_result = {"Input": v.training_input}
        v.testing_result = {"Input": v.testing_input}
        project.versions[name] = v
        if p.get("Tags"):
            self.tags[v.arn] = dict(p["Tags"])
        self._begin("train", v)
        return {"ProjectVersionArn": v.arn}

    def describe_project_versions(self, p: dict[str, Any]) -> dict[str, Any]:
        project = self._project(p["ProjectArn"])
        names = p.get("VersionNames")
        items = sorted(project.versions.values(), key=lambda v: -v.created)
        items = [v for v in items if not names or v.name in names]
        page, token = paginate(items, p, 100, f"DescribeProjectVersions:{project.arn}:{names}")
        return _with_token(
            {"ProjectVersionDescriptions": [self._describe_version(v) for v in page]}, token)

    @staticmethod
    def _describe_version(v: Version) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ProjectVersionArn": v.arn, "CreationTimestamp": v.created, "Status": v.status,
            "StatusMessage": v.message, "OutputConfig": v.output_config,
        }
        optional = {
            "MinInferenceUnits": v.min_iu, "MaxInferenceUnits": v.max_iu,
            "BillableTrainingTimeInSeconds": v.billable_seconds,
            "TrainingEndTimestamp": v.training_end, "TrainingDataResult": v.training_result,
            "TestingDataResult": v.testing_result, "EvaluationResult": v.evaluation,
            "ManifestSummary": v.manifest_summary, "KmsKeyId": v.kms_key_id,
            "SourceProjectVersionArn": v.source_arn, "VersionDescription": v.description,
            "FeatureConfig": v.feature_config,
        }
        out.update({k: val for k, val in optional.items() if val is not None})
        if v.feature == CONTENT_MODERATION:
            out["Feature"] = v.feature
            out["BaseModelVersion"] = BASE_MODEL_VERSION
        return out

    def start_project_version(self, p: dict[str, Any]) -> dict[str, Any]:
        project, v = self._version(p["ProjectVersionArn"])
        if project.feature != CUSTOM_LABELS:
            raise exc.InvalidParameterException("Adapters can't be started; use "
                                                "DetectModerationLabels with the adapter.")
        if v.status not in STARTABLE:
            raise exc.ResourceInUseException(
                f"The model {v.name} is {v.status} and can't be started.")
        min_iu, max_iu = p["MinInferenceUnits"], p.get("MaxInferenceUnits")
        if max_iu is not None and max_iu < min_iu:
            raise exc.InvalidParameterException(
                "MaxInferenceUnits must be greater than or equal to MinInferenceUnits.")
        if max(min_iu, max_iu or 0) > MAX_INFERENCE_UNITS:
            raise exc.LimitExceededException(
                f"A model can use at most {MAX_INFERENCE_UNITS} inference units.")
        running = sum(1 for x in self.projects.values() for o in x.versions.values()
                      if o.status in ("STARTING", "RUNNING"))
        if running >= MAX_RUNNING_MODELS:
            raise exc.LimitExceededException(
                f"At most {MAX_RUNNING_MODELS} models can run at the same time.")
        v.min_iu, v.max_iu = min_iu, max_iu
        v.message = "The model is starting."
        self._begin("start", v)
        return {"Status": "STARTING"}

    def stop_project_version(self, p: dict[str, Any]) -> dict[str, Any]:
        project, v = self._version(p["ProjectVersionArn"])
        if project.feature != CUSTOM_LABELS:
            raise exc.InvalidParameterException("Adapters can't be stopped.")
        if v.status != "RUNNING":
            raise exc.ResourceInUseException(
                f"The model {v.name} is {v.status}; only a RUNNING model can be stopped.")
        v.message = "The model is stopping."
        self._begin("stop", v)
        return {"Status": "STOPPING"}

    def delete_project_version(self, p: dict[str, Any]) -> dict[str, Any]:
        _, v = self._version(p["ProjectVersionArn"])
        if v.status in UNDELETABLE_VERSION:
            raise exc.ResourceInUseException(
                f"The model {v.name} is {v.status}; stop it or wait before deleting.")
        if v.status != "DELETING":
            self._begin("delete_version", v)
        return {"Status": "DELETING"}

    def copy_project_version(self, p: dict[str, Any]) -> dict[str, Any]:
        src_project = self._project(p["SourceProjectArn"])
        s_project, src = self._version(p["SourceProjectVersionArn"])
        if s_project is not src_project:
            raise exc.InvalidParameterException(
                "SourceProjectVersionArn does not belong to SourceProjectArn.")
        dest = self._project(p["DestinationProjectArn"])
        if src_project.feature != CUSTOM_LABELS or dest.feature != CUSTOM_LABELS:
            raise exc.InvalidParameterException("Only Custom Labels models can be copied.")
        if src.status not in TRAINED or src.model_blob is None:
            raise exc.ResourceInUseException(
                f"The source model is {src.status}; only trained models can be copied.")
        name = p["VersionName"]
        if name in dest.versions:
            raise exc.ResourceInUseException(f"The version {name} already exists.")
        self._check_tag_keys(p.get("Tags", {}))
        stamp = self._stamp()
        v = Version(arn=self._arn(f"{dest.name}/version/{name}/{stamp}"), project=dest.name,
                    name=name, created=stamp / 1000, status="COPYING_IN_PROGRESS",
                    output_config=p["OutputConfig"], kms_key_id=p.get("KmsKeyId"),
                    source_arn=src.arn, description=src.description,
                    training_input=src.training_input, testing_input=src.testing_input)
        v.message = "The model is being copied."
        dest.versions[name] = v
        if p.get("Tags"):
            self.tags[v.arn] = dict(p["Tags"])
        self._begin("copy", v)
        return {"ProjectVersionArn": v.arn}

    # ---- policies ----------------------------------------------------------------------
    def put_project_policy(self, p: dict[str, Any]) -> dict[str, Any]:
        project = self._project(p["ProjectArn"])
        if project.feature != CUSTOM_LABELS:
            raise exc.InvalidParameterException("Project policies are for Custom Labels only.")
        name, doc, rev = p["PolicyName"], p["PolicyDocument"], p.get("PolicyRevisionId")
        _check_policy_document(doc)
        existing = project.policies.get(name)
        if existing is None:
            if rev is not None:
                raise exc.InvalidPolicyRevisionIdException(
                    f"The policy {name} does not exist; omit PolicyRevisionId to create it.")
            if len(project.policies) >= MAX_POLICIES:
                raise exc.LimitExceededException("A project can have at most 5 policies.")
            t = now()
            policy = Policy(name, doc, secrets.token_hex(16), t, t)
            project.policies[name] = policy
            return {"PolicyRevisionId": policy.revision}
        if rev is None:
            raise exc.ResourceAlreadyExistsException(
                f"The policy {name} exists; pass its PolicyRevisionId to update it.")
        if rev != existing.revision:
            raise exc.InvalidPolicyRevisionIdException(
                f"The revision id {rev} is not the current revision of policy {name}.")
        existing.document, existing.revision, existing.updated = doc, secrets.token_hex(16), now()
        return {"PolicyRevisionId": existing.revision}

    def list_project_policies(self, p: dict[str, Any]) -> dict[str, Any]:
        project = self._project(p["ProjectArn"])
        items = sorted(project.policies.values(), key=lambda x: x.created)
        page, token = paginate(items, p, 5, f"ListProjectPolicies:{project.arn}")
        return _with_token({"ProjectPolicies": [
            {"ProjectArn": project.arn, "PolicyName": x.name, "PolicyRevisionId": x.revision,
             "PolicyDocument": x.document, "CreationTimestamp": x.created,
             "LastUpdatedTimestamp": x.updated} for x in page]}, token)

    def delete_project_policy(self, p: dict[str, Any]) -> dict[str, Any]:
        project = self._project(p["ProjectArn"])
        policy = project.policies.get(p["PolicyName"])
        if policy is None:
            raise exc.ResourceNotFoundException(f"The policy {p['PolicyName']} does not exist.")
        rev = p.get("PolicyRevisionId")
        if rev is not None and rev != policy.revision:
            raise exc.InvalidPolicyRevisionIdException(
                f"The revision id {rev} is not the current revision.")
        del project.policies[policy.name]
        return {}

    # ---- tags --------------------------------------------------------------------------
    def _taggable(self, arn: str) -> str:
        m = self._parse_arn(arn)
        if m["dtype"]:
            return self._dataset(arn).arn
        if m["version"]:
            return self._version(arn)[1].arn
        return self._project(arn).arn

    @staticmethod
    def _check_tag_keys(tags: dict[str, str]) -> None:
        for key in tags:
            if key.lower().startswith("aws:"):
                raise exc.InvalidParameterException("Tag keys may not start with 'aws:'.")

    def tag_resource(self, p: dict[str, Any]) -> dict[str, Any]:
        arn = self._taggable(p["ResourceArn"])
        self._check_tag_keys(p["Tags"])
        merged = {**self.tags.get(arn, {}), **p["Tags"]}
        if len(merged) > MAX_TAGS:
            raise exc.ServiceQuotaExceededException(f"A resource can have at most {MAX_TAGS} "
                                                    "tags.")
        self.tags[arn] = merged
        return {}

    def untag_resource(self, p: dict[str, Any]) -> dict[str, Any]:
        arn = self._taggable(p["ResourceArn"])
        tags = self.tags.get(arn, {})
        for key in p["TagKeys"]:
            tags.pop(key, None)
        return {}

    def list_tags_for_resource(self, p: dict[str, Any]) -> dict[str, Any]:
        arn = self._taggable(p["ResourceArn"])
        return {"Tags": dict(self.tags.get(arn, {}))}

    # ---- inference ---------------------------------------------------------------------
    def model_for_detection(self, p: dict[str, Any]) -> tuple[str, bytes]:
        """(ARN, model) of the running model DetectCustomLabels addresses."""
        project, v = self._version(p["ProjectVersionArn"])
        if project.feature != CUSTOM_LABELS:
            raise exc.InvalidParameterException(
                "DetectCustomLabels does not accept adapters; use DetectModerationLabels.")
        if v.status != "RUNNING" or v.model_blob is None:
            raise exc.ResourceNotReadyException(
                f"The model {v.name} is {v.status}; start it before calling DetectCustomLabels.")
        return v.arn, v.model_blob

    def adapter_for_detection(self, p: dict[str, Any]) -> tuple[str, bytes]:
        """(ARN, model) of the trained adapter DetectModerationLabels addresses."""
        if p.get("ProjectVersion") is None:
            # Not the caller's fault: the real call is valid, the emulator just can't serve it.
            raise exc.UnknownOperationException(
                "The emulator does not implement the base moderation model: call "
                "DetectModerationLabels with ProjectVersion set to a trained adapter's ARN.")
        project, v = self._version(p["ProjectVersion"])
        if project.feature != CONTENT_MODERATION:
            raise exc.InvalidParameterException(
                "ProjectVersion is a Custom Labels model, not a Content Moderation adapter; "
                "use DetectCustomLabels.")
        if v.status not in ADAPTER_USABLE or v.model_blob is None:
            raise exc.ResourceNotReadyException(
                f"The adapter {v.name} is {v.status}; only a trained adapter "
                "(TRAINING_COMPLETED) can be used.")
        return v.arn, v.model_blob

    def forget(self, arn: str) -> None:
        self.tags.pop(arn, None)


def _status_message(d: Dataset) -> dict[str, str]:
    """StatusMessage/StatusMessageCode, left out while empty (e.g. while in progress)."""
    out = {}
    if d.message:
        out["StatusMessage"] = d.message
    if d.message_code:
        out["StatusMessageCode"] = d.message_code
    return out


def _check_policy_document(doc: str) -> None:
    try:
        parsed = json.loads(doc)
    except ValueError:
        raise exc.MalformedPolicyDocumentException(
            "The policy document is not valid JSON.") from None
    statements = parsed.get("Statement") if isinstance(parsed, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements or not all(
            isinstance(s, dict) and s.get("Effect") in ("Allow", "Deny") for s in statements):
        raise exc.MalformedPolicyDocumentException(
            "The policy document needs a Statement list whose entries have Effect Allow or "
            "Deny.")


def paginate(items: list[Any], p: dict[str, Any], default_max: int,
             key: str) -> tuple[list[Any], str | None]:
    """One page of ``items`` for NextToken/MaxResults; tokens are bound to ``key``."""
    start = 0
    token = p.get("NextToken")
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    if token:
        try:
            data = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
            if data["k"] != digest:
                raise ValueError
            start = int(data["o"])
            if start < 0:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise exc.InvalidPaginationTokenException(
                "The pagination token is invalid or belongs to another request.") from None
    size = p.get("MaxResults") or default_max
    page = items[start:start + size]
    if start + size < len(items):
        nxt = base64.urlsafe_b64encode(
            json.dumps({"o": start + size, "k": digest}).encode()).decode()
        return page, nxt
    return page, None


def _with_token(out: dict[str, Any], token: str | None) -> dict[str, Any]:
    if token:
        out["NextToken"] = token
    return out


class World:
    """Everything the emulator holds: backends per account/region, timing, faults, logs."""

    def __init__(self, timing: Timing | None = None,
                 run_job: Callable[..., None] | None = None) -> None:
        self.lock = threading.RLock()
        # Given by the server (jobs.run_job), so this module never imports the jobs it runs.
        self.run_job = run_job
        self.backends: dict[tuple[str, str], RekognitionBackend] = {}
        self.initial_timing = timing or Timing()
        self.timing = Timing(**vars(self.initial_timing))
        self.faults = Faults()
        self.requests: list[dict[str, Any]] = []
        # One entry per job end, in commit order (see jobs.run_job).
        self.transitions: list[dict[str, Any]] = []
        self.generation = 0
        self.version = 0  # bumped on every mutation, for persistence
        # Jobs mostly sleep out minimum durations; training is capped at 2 by quota.
        self.executor = ThreadPoolExecutor(max_workers=32, thread_name_prefix="rcl-job")
        self.on_change: Callable[[], None] | None = None
        self.closing = threading.Event()  # set at shutdown: jobs stop without committing

    def backend(self, region: str, account: str = ACCOUNT_ID) -> RekognitionBackend:
        with self.lock:
            key = (account, region)
            if key not in self.backends:
                self.backends[key] = RekognitionBackend(self, account, region)
            return self.backends[key]

    def mutated(self) -> None:
        self.version += 1

    def reset(self) -> None:
        with self.lock:
            self.backends.clear()
            self.generation += 1
            self.faults = Faults()
            self.timing = Timing(**vars(self.initial_timing))
            self.requests.clear()
            self.transitions.clear()
            self.mutated()

    def submit(self, backend: RekognitionBackend, kind: str, target: Any) -> None:
        if self.run_job is None:
            raise RuntimeError("this World runs no jobs (no run_job given)")
        self.executor.submit(self.run_job, self, backend, kind, target, self.generation)

    def resume_jobs(self) -> None:
        """Restart jobs that were in progress when the state was saved."""
        with self.lock:
            for backend in self.backends.values():
                backend.world = self
                for project in backend.projects.values():
                    targets: list[Any] = [project, *project.datasets.values(),
                                          *project.versions.values()]
                    for t in targets:
                        if t.pending:
                            self.submit(backend, t.pending, t)

    def shutdown(self) -> None:
        self.closing.set()
        self.executor.shutdown(wait=False, cancel_futures=True)


def apply_changes(entries: list[Entry], new: list[Entry]) -> list[Entry]:
    """UpdateDatasetEntries semantics: replace by source-ref, append otherwise."""
    out = list(entries)
    index = {e.source_ref: i for i, e in enumerate(out) if e.source_ref}
    for e in new:
        ref = e.source_ref
        if ref and ref in index:
            out[index[ref]] = e
        else:
            if ref:
                index[ref] = len(out)
            out.append(e)
    return out


def parse_manifest(data: bytes, images: ImageChecker | None = None,
                   adapter: bool = False) -> tuple[list[Entry], int]:
    """Entries of a manifest (duplicates of a source-ref dropped) and the invalid-line count.

    ``adapter`` reads Content Moderation adapter lines instead of Ground Truth lines.
    """
    entries: list[Entry] = []
    seen: set[str] = set()
    invalid = 0
    images = images or ImageChecker()
    for text in split_lines(data):
        entry = parse_line(text, images, adapter)
        if entry.has_errors:
            invalid += 1
        ref = entry.source_ref
        if ref and ref in seen:
            continue
        if ref:
            seen.add(ref)
        entries.append(entry)
    return entries, invalid
