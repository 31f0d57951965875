"""ProjectVersion: a trained (or copied) model, evaluated, and running or stopped."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, model_validator

from .._inputs import (
    STRICT,
    CommonInputs,
    GroundTruthManifest,
    S3Object,
    Tags,
    api,
    check_units,
    timeout_of,
)
from .._provider import (
    CheckFailure,
    CreateResult,
    DiffResult,
    Provider,
    ReadResult,
    UpdateResult,
    import_props,
    iso_timestamp,
)
from ..api_model import s3_bucket_name
from ..errors import (
    QualityGateFailed,
    RclError,
    TerminalStatus,
    explain,
)
from ..evaluation import LabelMetric, read_label_metrics
from ..lookups import project_arn_by_name, project_name_of
from ..ownership import (
    OWNER_TAG,
    SCHEDULE_TAG,
    created,
    tag_changes,
    user_tags,
)
from ..waiters import DEFAULT_POLLER, Deadline
from .model_state import (
    TRAINING,
    TRAINING_FAILED,
    UP,
    converge,
    delete_version,
    find_version,
    scheduled_by,
    starting,
    units_of,
    version_name_of,
    wait_trained,
)
from .model_training import from_api, recorded_inputs, start_training

TRAINING_TIMEOUT = 24 * 60 * 60  # AWS: "30 minutes to 24 hours"
DELETE_TIMEOUT = 60 * 60


class _OutputConfig(BaseModel):
    """Where training writes its output: the evaluation, manifests and the model's files."""

    model_config = STRICT
    s3_bucket: Annotated[str, api("OutputConfig.S3Bucket"), AfterValidator(s3_bucket_name)]
    """The bucket that receives the training results (evaluation summary, manifests)."""
    s3_key_prefix: Annotated[str | None, api("OutputConfig.S3KeyPrefix")] = None
    """The key prefix of those files."""


class _Asset(BaseModel):
    """One training or testing input: a Ground Truth manifest."""

    model_config = STRICT
    ground_truth_manifest: GroundTruthManifest
    """A Ground Truth manifest in S3."""


class _TrainingData(BaseModel):
    """Training data given as manifests instead of the project's TRAIN dataset."""

    model_config = STRICT
    assets: list[_Asset] = Field(min_length=1)
    """The manifests to train on."""


class _TestingData(BaseModel):
    """Testing data given as manifests, or split automatically from the training data."""

    model_config = STRICT
    assets: list[_Asset] | None = None
    """The manifests to test on."""
    auto_create: bool | None = None
    """Split 20% off the training data to test on instead."""


class _ContentModerationConfig(BaseModel):
    """How an adapter is trained: the confidence threshold its evaluation uses."""

    model_config = STRICT
    confidence_threshold: Annotated[
        float | None, api("CustomizationFeatureContentModerationConfig.ConfidenceThreshold")
    ] = None
    """The confidence (0-100) you plan to use with the adapter; its evaluation is reported at
    it."""


class _FeatureConfig(BaseModel):
    """Settings for adapters (content-moderation projects)."""

    model_config = STRICT
    content_moderation: _ContentModerationConfig
    """Settings of a content-moderation adapter."""


class _CopyFrom(BaseModel):
    """The model version this one is a copy of (CopyProjectVersion)."""

    model_config = STRICT
    source_project_arn: Annotated[str, api("CopyProjectVersionRequest.SourceProjectArn")]
    """The project of the version to copy."""
    source_project_version_arn: Annotated[
        str, api("CopyProjectVersionRequest.SourceProjectVersionArn")
    ]
    """The version to copy."""


class ProjectVersionInputs(CommonInputs):
    project_arn: Annotated[str, api("CreateProjectVersionRequest.ProjectArn")]
    """The project's ARN."""
    version_name: Annotated[str | None, api("CreateProjectVersionRequest.VersionName")] = None
    """The version's name; when omitted, `<resource name>-<7 hex of what is trained>`."""
    output_config: _OutputConfig | None = None
    """Where training results go: `s3_bucket` (required) and `s3_key_prefix`."""
    training_data: _TrainingData | None = None
    """Manifests to train on, for projects without datasets (with `testing_data`)."""
    testing_data: _TestingData | None = None
    """Manifests to test on, or `auto_create` to split the training data."""
    kms_key_id: Annotated[str | None, api("CreateProjectVersionRequest.KmsKeyId")] = None
    """The KMS key that encrypts the model and the training copies of the images."""
    version_description: Annotated[
        str | None, api("CreateProjectVersionRequest.VersionDescription")
    ] = None
    """A description of the version."""
    feature_config: _FeatureConfig | None = None
    """Adapter settings (content-moderation projects)."""
    tags: Tags | None = None
    """Tags; changed in place."""
    copy_from: _CopyFrom | None = None
    """Copy this trained version (CopyProjectVersion) instead of training."""
    running: bool = False
    """Start the model (billed per inference unit and hour) or keep it stopped; changed in
    place."""
    # AWS's default quota is 5 units per model; it can be raised, so AWS has the last word.
    min_inference_units: Annotated[int, api("StartProjectVersionRequest.MinInferenceUnits")] = 1
    """Inference units while running (default 1); a change restarts the model."""
    max_inference_units: Annotated[
        int | None, api("StartProjectVersionRequest.MaxInferenceUnits")
    ] = None
    """Upper bound for autoscaling; a change restarts the model."""
    min_f1_score: float | None = Field(default=None, ge=0, le=1)
    """The F1 score (0-1) below which the update fails and the model is never started."""
    wait_for_training: bool = True
    """Wait for training to end (default true); false returns once it has started."""
    datasets: list[str] | None = None
    """Identities of the datasets trained on (e.g. their ARNs or revisions): a change retrains,
    and training waits for them. AWS does not record them: after an import, the program's value
    is recorded as it is."""

    @model_validator(mode="after")
    def _consistent(self) -> ProjectVersionInputs:
        if self.output_config is None:
            raise ValueError(
                "output_config is required: {'s3_bucket': <bucket for training results>, "
                "'s3_key_prefix': <optional prefix>}"
            )
        if (self.training_data is None) != (self.testing_data is None):
            raise ValueError(
                "training_data and testing_data go together (use testing_data={'auto_create': "
                "True} to split the training data); omit both to train on the project's datasets"
            )
        check_units(self.min_inference_units, self.max_inference_units)
        if self.copy_from and (
            self.training_data
            or self.testing_data
            or self.feature_config
            or self.version_description
        ):
            raise ValueError(
                "copy_from copies a trained model; remove training_data/testing_data/"
                "feature_config/version_description (CopyProjectVersion takes none of them)"
            )
        if self.running and self.feature_config:
            raise ValueError(
                "content-moderation adapters are not started (inference goes through "
                "DetectModerationLabels); remove running=True"
            )
        return self


# Everything that changes what is trained; the rest (tags, running, units, the quality gate,
# waiting) changes in place.
REPLACE_ON = frozenset(
    {
        "project_arn",
        "version_name",
        "output_config",
        "training_data",
        "testing_data",
        "kms_key_id",
        "version_description",
        "feature_config",
        "copy_from",
        "datasets",
        "region",
    }
)


class ProjectVersionOutputs:
    arn: str
    """The version's ARN."""
    version_name: str
    """The version's name."""
    status: str
    """E.g. `TRAINING_COMPLETED`, `RUNNING`, `STOPPED`."""
    status_message: str | None
    """AWS's message about the status."""
    f1_score: float | None
    """The F1 score of the evaluation (0-1)."""
    evaluation_summary: S3Object | None
    """`bucket` and `name` of the evaluation summary file."""
    label_metrics: list[LabelMetric]
    """Per label: `label`, `f1_score`, `precision`, `recall`, `threshold`, `test_images`."""
    billable_training_time_in_seconds: int | None
    """Billed training time."""
    training_end_timestamp: str | None
    """When training ended (ISO 8601, UTC)."""
    running: bool
    """Whether the model is RUNNING or STARTING."""
    running_schedule: str | None
    """The RunningSchedule with a window that decides when the model runs
    (`<schedule group>/<name>`), if any. While there is one, `pulumi up` leaves the model
    running or stopped as the schedule left it, whatever `running` says."""
    region: str
    """The AWS region it lives in."""


class _ProjectVersionProvider(Provider):
    """A trained model version. Anything that changes what is trained replaces it (the new
    version is trained, and started when `running`, before the old one is stopped and
    deleted); tags, `running` and inference units change in place."""

    summary = "a trained (or copied) model, evaluated, and running or stopped."
    id_form = "its ARN"
    outputs = ProjectVersionOutputs
    kind = "ProjectVersion"
    inputs_model = ProjectVersionInputs
    replace_on = REPLACE_ON
    write_only = frozenset({"datasets", "copy_from"})

    def finish_inputs(self, olds, inputs, unknown_keys, failures: list[CheckFailure]) -> None:
        self.auto_name(inputs, unknown_keys, "version_name")

    def must_delete_first(self, olds, news) -> bool:
        return olds.get("version_name") == news.get("version_name") and olds.get(
            "project_arn"
        ) == news.get("project_arn")

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if _running_changes(olds, news) and self._scheduled(id_, olds):
            news = {**news, **_running_of(olds)}  # the schedule decides
        result = super().diff(id_, olds, news)
        status = olds.get("status")
        if status in TRAINING:
            # Created with wait_for_training=False: look at how the training went.
            status = self._live_status(olds) or status
        if status in TRAINING_FAILED:
            # Like a tainted resource: the next `up` trains it again.
            result.replaces = sorted({*(result.replaces or []), "status"})
            result.delete_before_replace = self.must_delete_first(olds, news)
        if status in TRAINING or status in TRAINING_FAILED:
            result.changes = True
        return result

    def _scheduled(self, arn: str, olds: dict[str, Any]) -> bool:
        try:
            return scheduled_by(self.connection(olds).rekognition(), arn) is not None
        except Exception:  # no credentials at preview, say: as the last refresh saw it
            return bool(olds.get("running_schedule"))

    def _live_status(self, olds: dict[str, Any]) -> str | None:
        try:
            client = self.connection(olds).rekognition()
            found = find_version(client, olds["project_arn"], olds["version_name"])
        except Exception:  # no credentials at preview, say: the recorded status stands
            return None
        return found["Status"] if found else None

    # -- create ------------------------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self.connection(props).rekognition()
        name = props["version_name"]
        until = DEFAULT_POLLER.deadline(timeout_of(props, "create", TRAINING_TIMEOUT))
        arn = start_training(client, props, until)
        if not props.get("wait_for_training", True):
            # Read-after-write may not see the new version yet; the create response is enough.
            found = find_version(client, props["project_arn"], name) or {
                "ProjectVersionArn": arn,
                "Status": "COPYING_IN_PROGRESS"
                if props.get("copy_from")
                else "TRAINING_IN_PROGRESS",
            }
            created(client, arn)
            return CreateResult(arn, self._outs(props, found))
        try:
            found = self._finish(client, props, until, just_trained=True)
        except (TerminalStatus, QualityGateFailed):
            # A failed or rejected model is deleted, so nothing is left that no state tracks.
            delete_version(client, arn, props, self._delete_deadline(props))
            raise
        created(client, arn)
        return CreateResult(arn, self._outs(props, found))

    def _finish(
        self,
        client: Any,
        props: dict[str, Any],
        until: Deadline,
        *,
        just_trained: bool = False,
        olds: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The three steps after a training starts: wait for it to end, hold the result to
        the quality gate, then converge on the running state the inputs ask for."""
        found = wait_trained(client, props, until)
        self._gate(props, found, just_trained=just_trained)
        return converge(client, props, found, until, olds=olds)

    def _gate(self, props: dict[str, Any], found: dict[str, Any], *, just_trained: bool) -> None:
        """Fail when the model scored below `min_f1_score`, naming its weakest labels."""
        f1 = (found.get("EvaluationResult") or {}).get("F1Score")
        gate = props.get("min_f1_score")
        if gate is None or (f1 is not None and f1 >= gate):
            return
        metrics = read_label_metrics(self.connection(props), found)
        worst = ", ".join(
            f"{m['label']} {m['f1_score']:.3f}"
            for m in sorted(metrics, key=lambda m: m["f1_score"] or 0)[:3]
        )
        fate = (
            "it was not started and has been deleted"
            if just_trained
            else f"it was not started (it is {found['Status']})"
        )
        raise QualityGateFailed(
            f"model {props['version_name']} scored F1 {f1 if f1 is None else f'{f1:.3f}'} "
            f"below min_f1_score {gate}; {fate}. Weakest labels: "
            f"{worst or 'n/a'}. Improve the training data, or lower min_f1_score."
        )

    # -- update / read / delete --------------------------------------------------------------
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = self.connection(news).rekognition()
        until = DEFAULT_POLLER.deadline(timeout_of(news, "update", TRAINING_TIMEOUT))
        try:
            tag_changes(client, id_, olds.get("tags"), news.get("tags"))
            schedule = scheduled_by(client, id_)
        except Exception as err:
            raise explain(err, f"tagging model {news['version_name']}") from err
        if schedule:  # the model stays as the schedule left it, with its units
            news = {**news, **_running_of(olds), "running": starting(client, news)}
        try:
            found = self._finish(client, news, until, olds=olds)
        except TerminalStatus as err:
            if err.status in TRAINING_FAILED:
                raise RclError(
                    f"{err}. Fix the cause and run `pulumi up --refresh`: the failed version is "
                    "then trained again"
                ) from err
            raise
        return UpdateResult({**self._outs(news, found), "running_schedule": schedule})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        props = import_props(id_, props)
        client = self.connection(props).rekognition()
        importing = not props.get("project_arn")
        if importing:
            project_arn = project_arn_by_name(client, project_name_of(id_))
            if project_arn is None:
                return ReadResult(None, {})
            props["project_arn"] = project_arn
        props["version_name"] = props.get("version_name") or version_name_of(id_)
        found = find_version(client, props["project_arn"], props["version_name"])
        if found is None or found.get("ProjectVersionArn") != id_:
            return ReadResult(None, {})
        tags = client.list_tags_for_resource(ResourceArn=id_).get("Tags", {})
        props["tags"] = user_tags(tags) or None
        props["owner"] = props.get("owner") or tags.get(OWNER_TAG)
        if found.get("OutputConfig") and not props.get("output_config"):
            props["output_config"] = from_api(found["OutputConfig"])
        if importing:
            props.update(recorded_inputs(client, found))
        outs = self._outs(props, found)
        # What is live becomes the recorded input, so `up` sees drift and restores it.
        outs["running"] = found.get("Status") in UP
        outs["running_schedule"] = tags.get(SCHEDULE_TAG)
        if found.get("Status") in UP:
            live_min = found.get("MinInferenceUnits") or 1
            live_max = found.get("MaxInferenceUnits")
            outs["min_inference_units"] = live_min
            # Without autoscaling AWS may echo max == min: that is not drift.
            if props.get("max_inference_units") or (live_max and live_max != live_min):
                outs["max_inference_units"] = live_max
        return ReadResult(id_, outs, self.input_values(outs))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client = self.connection(props).rekognition()
        delete_version(client, id_, props, self._delete_deadline(props))

    @staticmethod
    def _delete_deadline(props: dict[str, Any]) -> Deadline:
        return DEFAULT_POLLER.deadline(timeout_of(props, "delete", DELETE_TIMEOUT))

    def _outs(self, props: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
        evaluation = found.get("EvaluationResult") or {}
        summary = (evaluation.get("Summary") or {}).get("S3Object") or {}
        return {
            **props,
            "arn": found.get("ProjectVersionArn"),
            "status": found.get("Status"),
            "status_message": found.get("StatusMessage"),
            "f1_score": evaluation.get("F1Score"),
            "evaluation_summary": (
                {"bucket": summary.get("Bucket"), "name": summary.get("Name")} if summary else None
            ),
            "label_metrics": read_label_metrics(self.connection(props), found) if summary else [],
            "billable_training_time_in_seconds": found.get("BillableTrainingTimeInSeconds"),
            "training_end_timestamp": iso_timestamp(found.get("TrainingEndTimestamp")),
        }


# What a RunningSchedule with a window decides instead of the inputs.
SCHEDULED = ("running", "min_inference_units", "max_inference_units")


def _running_of(props: dict[str, Any]) -> dict[str, Any]:
    return {key: props.get(key) for key in SCHEDULED}


def _running_changes(olds: dict[str, Any], news: dict[str, Any]) -> bool:
    return bool(news.get("running")) != bool(olds.get("running")) or units_of(news) != units_of(
        olds
    )
