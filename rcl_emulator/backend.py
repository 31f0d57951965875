"""The Custom Labels operations of one account and region: each one's preconditions, quotas
and answer.

Everything asynchronous runs as a *job* (:mod:`rcl_emulator.jobs`) handed to the world; the job
kind is stored on the resource (``pending``) so a restarted emulator can resume it. All status
changes follow :data:`~rcl_emulator.models.TRANSITIONS`.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from . import exceptions as exc
from .datasets import DatasetOperations
from .models import (
    ADAPTER_USABLE,
    CONTENT_MODERATION,
    CUSTOM_LABELS,
    STARTABLE,
    TRAINED,
    UNDELETABLE_VERSION,
    Policy,
    Project,
    Version,
    now,
)
from .paging import paginate, with_token

MAX_PROJECTS = 100
MAX_VERSIONS_PER_PROJECT = 100
MAX_CONCURRENT_TRAININGS = 2
MAX_RUNNING_MODELS = 2
MAX_INFERENCE_UNITS = 5
MAX_POLICIES = 5
MAX_TAGS = 200


class RekognitionBackend(DatasetOperations):
    """The Custom Labels operations of one account and region, with their preconditions
    and quotas (the dataset operations are :class:`~rcl_emulator.datasets.DatasetOperations`)."""

    # ---- projects ----------------------------------------------------------------------
    def create_project(self, p: dict[str, Any]) -> dict[str, Any]:
        name = p["ProjectName"]
        feature = p.get("Feature", CUSTOM_LABELS)
        auto_update = p.get("AutoUpdate")
        if auto_update and feature != CONTENT_MODERATION:
            raise exc.InvalidParameterException(
                "AutoUpdate applies only to projects with Feature CONTENT_MODERATION."
            )
        if feature == CONTENT_MODERATION and not auto_update:
            raise exc.InvalidParameterException(
                "AutoUpdate (ENABLED or DISABLED) is required for Feature CONTENT_MODERATION."
            )
        if name in self.projects:
            raise exc.ResourceInUseException(f"The project {name} already exists.")
        if len(self.projects) >= MAX_PROJECTS:
            raise exc.LimitExceededException("You have reached the limit of 100 projects.")
        self._check_tag_keys(p.get("Tags", {}))
        stamp = self._stamp()
        project = Project(
            name=name,
            arn=self._arn(f"{name}/{stamp}"),
            created=stamp / 1000,
            feature=feature,
            auto_update=auto_update,
        )
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
        return with_token({"ProjectDescriptions": [x.to_json() for x in page]}, token)

    def delete_project(self, p: dict[str, Any]) -> dict[str, Any]:
        project = self._project(p["ProjectArn"])
        if project.status == "DELETING":
            return {"Status": "DELETING"}
        if project.versions:
            raise exc.ResourceInUseException(
                f"The project {project.name} has {len(project.versions)} model version(s); "
                "delete them first."
            )
        if project.datasets:
            raise exc.ResourceInUseException(
                f"The project {project.name} has datasets; delete them first."
            )
        if project.status == "CREATING":
            raise exc.ResourceInUseException(f"The project {project.name} is being created.")
        self._begin("delete_project", project)
        return {"Status": "DELETING"}

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
                "FeatureConfig is only valid for CONTENT_MODERATION projects."
            )
        _check_training_data(project, training, testing)
        training_now = sum(
            1
            for x in self.projects.values()
            for v in x.versions.values()
            if v.status == "TRAINING_IN_PROGRESS"
        )
        if training_now >= MAX_CONCURRENT_TRAININGS:
            raise exc.LimitExceededException(
                f"Only {MAX_CONCURRENT_TRAININGS} models can train at the same time."
            )
        self._check_tag_keys(p.get("Tags", {}))
        stamp = self._stamp()
        v = Version(
            arn=self._arn(f"{project.name}/version/{name}/{stamp}"),
            project=project.name,
            name=name,
            created=stamp / 1000,
            status="TRAINING_IN_PROGRESS",
            output_config=p["OutputConfig"],
            feature=project.feature,
            description=p.get("VersionDescription"),
            kms_key_id=p.get("KmsKeyId"),
            feature_config=p.get("FeatureConfig"),
            training_input=training or {},
            testing_input=testing or ({"AutoCreate": False} if not training else {}),
        )
        if project.feature == CONTENT_MODERATION and not testing:
            v.testing_input = {"AutoCreate": True}
        v.message = "The model is being trained."
        v.training_result = {"Input": v.training_input}
        v.testing_result = {"Input": v.testing_input}
        project.versions[name] = v
        if p.get("Tags"):
            self.tags[v.arn] = dict(p["Tags"])
        # The fault belongs to the next training requested, not to whichever job runs next.
        v.injected_failure = self.world.faults.fail_next_training
        self.world.faults.fail_next_training = False
        self._begin("train", v)
        return {"ProjectVersionArn": v.arn}

    def describe_project_versions(self, p: dict[str, Any]) -> dict[str, Any]:
        project = self._project(p["ProjectArn"])
        names = p.get("VersionNames")
        items = sorted(project.versions.values(), key=lambda v: -v.created)
        items = [v for v in items if not names or v.name in names]
        page, token = paginate(items, p, 100, f"DescribeProjectVersions:{project.arn}:{names}")
        return with_token({"ProjectVersionDescriptions": [v.to_json() for v in page]}, token)

    def start_project_version(self, p: dict[str, Any]) -> dict[str, Any]:
        project, v = self._version(p["ProjectVersionArn"])
        if project.feature != CUSTOM_LABELS:
            raise exc.InvalidParameterException(
                "Adapters can't be started; use DetectModerationLabels with the adapter."
            )
        if v.status not in STARTABLE:
            raise exc.ResourceInUseException(
                f"The model {v.name} is {v.status} and can't be started."
            )
        min_iu, max_iu = p["MinInferenceUnits"], p.get("MaxInferenceUnits")
        if max_iu is not None and max_iu < min_iu:
            raise exc.InvalidParameterException(
                "MaxInferenceUnits must be greater than or equal to MinInferenceUnits."
            )
        if max(min_iu, max_iu or 0) > MAX_INFERENCE_UNITS:
            raise exc.LimitExceededException(
                f"A model can use at most {MAX_INFERENCE_UNITS} inference units."
            )
        running = sum(
            1
            for x in self.projects.values()
            for o in x.versions.values()
            if o.status in ("STARTING", "RUNNING")
        )
        if running >= MAX_RUNNING_MODELS:
            raise exc.LimitExceededException(
                f"At most {MAX_RUNNING_MODELS} models can run at the same time."
            )
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
                f"The model {v.name} is {v.status}; only a RUNNING model can be stopped."
            )
        v.message = "The model is stopping."
        self._begin("stop", v)
        return {"Status": "STOPPING"}

    def delete_project_version(self, p: dict[str, Any]) -> dict[str, Any]:
        _, v = self._version(p["ProjectVersionArn"])
        if v.status in UNDELETABLE_VERSION:
            raise exc.ResourceInUseException(
                f"The model {v.name} is {v.status}; stop it or wait before deleting."
            )
        if v.status != "DELETING":
            self._begin("delete_version", v)
        return {"Status": "DELETING"}

    def copy_project_version(self, p: dict[str, Any]) -> dict[str, Any]:
        src_project = self._project(p["SourceProjectArn"])
        s_project, src = self._version(p["SourceProjectVersionArn"])
        if s_project is not src_project:
            raise exc.InvalidParameterException(
                "SourceProjectVersionArn does not belong to SourceProjectArn."
            )
        dest = self._project(p["DestinationProjectArn"])
        if src_project.feature != CUSTOM_LABELS or dest.feature != CUSTOM_LABELS:
            raise exc.InvalidParameterException("Only Custom Labels models can be copied.")
        if src.status not in TRAINED or src.model_blob is None:
            raise exc.ResourceInUseException(
                f"The source model is {src.status}; only trained models can be copied."
            )
        name = p["VersionName"]
        if name in dest.versions:
            raise exc.ResourceInUseException(f"The version {name} already exists.")
        self._check_tag_keys(p.get("Tags", {}))
        stamp = self._stamp()
        v = Version(
            arn=self._arn(f"{dest.name}/version/{name}/{stamp}"),
            project=dest.name,
            name=name,
            created=stamp / 1000,
            status="COPYING_IN_PROGRESS",
            output_config=p["OutputConfig"],
            kms_key_id=p.get("KmsKeyId"),
            source_arn=src.arn,
            description=src.description,
            training_input=src.training_input,
            testing_input=src.testing_input,
        )
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
                    f"The policy {name} does not exist; omit PolicyRevisionId to create it."
                )
            if len(project.policies) >= MAX_POLICIES:
                raise exc.LimitExceededException("A project can have at most 5 policies.")
            t = now()
            policy = Policy(name, doc, secrets.token_hex(16), t, t)
            project.policies[name] = policy
            return {"PolicyRevisionId": policy.revision}
        if rev is None:
            raise exc.ResourceAlreadyExistsException(
                f"The policy {name} exists; pass its PolicyRevisionId to update it."
            )
        if rev != existing.revision:
            raise exc.InvalidPolicyRevisionIdException(
                f"The revision id {rev} is not the current revision of policy {name}."
            )
        existing.document, existing.revision, existing.updated = doc, secrets.token_hex(16), now()
        return {"PolicyRevisionId": existing.revision}

    def list_project_policies(self, p: dict[str, Any]) -> dict[str, Any]:
        project = self._project(p["ProjectArn"])
        items = sorted(project.policies.values(), key=lambda x: x.created)
        page, token = paginate(items, p, 5, f"ListProjectPolicies:{project.arn}")
        return with_token({"ProjectPolicies": [x.to_json(project.arn) for x in page]}, token)

    def delete_project_policy(self, p: dict[str, Any]) -> dict[str, Any]:
        project = self._project(p["ProjectArn"])
        policy = project.policies.get(p["PolicyName"])
        if policy is None:
            raise exc.ResourceNotFoundException(f"The policy {p['PolicyName']} does not exist.")
        rev = p.get("PolicyRevisionId")
        if rev is not None and rev != policy.revision:
            raise exc.InvalidPolicyRevisionIdException(
                f"The revision id {rev} is not the current revision."
            )
        del project.policies[policy.name]
        return {}

    # ---- tags --------------------------------------------------------------------------
    def tag_resource(self, p: dict[str, Any]) -> dict[str, Any]:
        arn = self._taggable(p["ResourceArn"])
        self._check_tag_keys(p["Tags"])
        merged = {**self.tags.get(arn, {}), **p["Tags"]}
        if len(merged) > MAX_TAGS:
            raise exc.ServiceQuotaExceededException(f"A resource can have at most {MAX_TAGS} tags.")
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
                "DetectCustomLabels does not accept adapters; use DetectModerationLabels."
            )
        if v.status != "RUNNING" or v.model_blob is None:
            raise exc.ResourceNotReadyException(
                f"The model {v.name} is {v.status}; start it before calling DetectCustomLabels."
            )
        return v.arn, v.model_blob

    def adapter_for_detection(self, p: dict[str, Any]) -> tuple[str, bytes]:
        """(ARN, model) of the trained adapter DetectModerationLabels addresses."""
        if p.get("ProjectVersion") is None:
            # Not the caller's fault: the real call is valid, the emulator just can't serve it.
            raise exc.UnknownOperationException(
                "The emulator does not implement the base moderation model: call "
                "DetectModerationLabels with ProjectVersion set to a trained adapter's ARN."
            )
        project, v = self._version(p["ProjectVersion"])
        if project.feature != CONTENT_MODERATION:
            raise exc.InvalidParameterException(
                "ProjectVersion is a Custom Labels model, not a Content Moderation adapter; "
                "use DetectCustomLabels."
            )
        if v.status not in ADAPTER_USABLE or v.model_blob is None:
            raise exc.ResourceNotReadyException(
                f"The adapter {v.name} is {v.status}; only a trained adapter "
                "(TRAINING_COMPLETED) can be used."
            )
        return v.arn, v.model_blob


def _check_policy_document(doc: str) -> None:
    try:
        parsed = json.loads(doc)
    except ValueError:
        raise exc.MalformedPolicyDocumentException(
            "The policy document is not valid JSON."
        ) from None
    statements = parsed.get("Statement") if isinstance(parsed, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if (
        not isinstance(statements, list)
        or not statements
        or not all(isinstance(s, dict) and s.get("Effect") in ("Allow", "Deny") for s in statements)
    ):
        raise exc.MalformedPolicyDocumentException(
            "The policy document needs a Statement list whose entries have Effect Allow or Deny."
        )


def _check_training_data(
    project: Project, training: dict[str, Any] | None, testing: dict[str, Any] | None
) -> None:
    """What a new version trains from: an adapter's TrainingData, else the project's datasets
    (when it has any, and ready), else both TrainingData and TestingData; each asset names
    its manifest."""
    if project.feature == CONTENT_MODERATION:
        if not training:
            raise exc.InvalidParameterException("Adapters are trained from TrainingData.")
    elif project.datasets:
        if training or testing:
            raise exc.InvalidParameterException(
                "The project has datasets; TrainingData and TestingData are not allowed."
            )
        if "TRAIN" not in project.datasets:
            raise exc.InvalidParameterException("The project has no TRAIN dataset.")
        for d in project.datasets.values():
            if d.status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_FAILED"):
                raise exc.ResourceNotReadyException(f"The {d.type} dataset is {d.status}.")
    else:
        if not training or not testing:
            raise exc.InvalidParameterException(
                "The project has no datasets: pass both TrainingData and TestingData "
                '(TestingData may be {"AutoCreate": true}).'
            )
    for data in (training, testing):
        for asset in (data or {}).get("Assets", []):
            obj = asset.get("GroundTruthManifest", {}).get("S3Object")
            if not obj or not obj.get("Bucket") or not obj.get("Name"):
                raise exc.InvalidParameterException(
                    "Each asset needs GroundTruthManifest.S3Object with Bucket and Name."
                )
