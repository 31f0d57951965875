"""Dataset: the TRAIN or TEST dataset of a project, from a manifest, another dataset, entries,
or a split of the TRAIN dataset."""

from __future__ import annotations

import contextlib
import itertools
import json
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator, model_validator

from .._inputs import STRICT, CommonInputs, GroundTruthManifest, Tags, api, timeout_of
from .._provider import (
    CreateResult,
    DiffResult,
    Provider,
    ReadResult,
    UpdateResult,
    chunked,
    import_props,
    is_unknown,
    require_s3,
)
from ..errors import RclError, TerminalStatus, already_deleted, explain, is_code
from ..lookups import find_project, project_arn_by_name, project_name_of
from ..manifest import validate_line
from ..ownership import (
    OWNER_TAG,
    adopt,
    created,
    creation_tags,
    tag_changes,
    user_tags,
)
from ..waiters import DEFAULT_POLLER, Deadline
from .dataset_state import (
    IN_PROGRESS,
    dataset_label,
    describe_dataset,
    last_updated,
    wait_dataset,
    wait_dataset_deleted,
)

CREATE_TIMEOUT = 30 * 60
UPDATE_TIMEOUT = 30 * 60
DELETE_TIMEOUT = 10 * 60
# UpdateDatasetEntries accepts at most 5 MiB of JSON lines per call; a batch stays well under
# it, so the request's encoding and a line's UTF-8 escapes never push it over.
MAX_CHANGES_BYTES = 4 * 1024 * 1024


class _DatasetSource(BaseModel):
    """Where a dataset's entries come from: exactly one of a manifest or another dataset."""

    model_config = STRICT
    ground_truth_manifest: GroundTruthManifest | None = None
    """A Ground Truth manifest in S3 to import."""
    dataset_arn: Annotated[str | None, api("DatasetSource.DatasetArn")] = None
    """An existing dataset to copy."""

    @model_validator(mode="after")
    def _exactly_one(self) -> _DatasetSource:
        if (self.ground_truth_manifest is None) == (self.dataset_arn is None):
            raise ValueError(
                "must set exactly one of ground_truth_manifest or dataset_arn "
                "(omit dataset_source for an empty dataset)"
            )
        return self


class DatasetInputs(CommonInputs):
    project_arn: Annotated[str, api("CreateDatasetRequest.ProjectArn")]
    """The project's ARN. A new project replaces the dataset."""
    dataset_type: Annotated[str, api("CreateDatasetRequest.DatasetType")]
    """`TRAIN` or `TEST`; a project holds one of each."""
    dataset_source: _DatasetSource | None = None
    """Exactly one of `ground_truth_manifest` or `dataset_arn`; omitted: an empty dataset. A
    new source replaces the dataset, except a manifest that only grew, which is applied in
    place."""
    tags: Tags | None = None
    """Tags; changed in place."""
    entries: list[Annotated[str, api("DatasetEntry")]] | None = None
    """Ground Truth JSON lines to add with UpdateDatasetEntries (checked at preview); added or
    changed lines apply in place, a removed line replaces the dataset."""
    distribute_from: Annotated[
        str | None, api("DatasetArn"), Field(pattern=r"/dataset/train/\d+$")
    ] = None
    """The TRAIN dataset's ARN: this TEST dataset is created empty, then 20% of TRAIN is moved
    into it (DistributeDatasetEntries)."""

    @field_validator("entries")
    @classmethod
    def _valid_lines(cls, lines: list[str]) -> list[str]:
        for index, line in enumerate(lines):
            try:
                parsed = json.loads(line)
            except ValueError:
                raise ValueError(f"[{index}] is not a JSON object: {line[:80]!r}") from None
            if not isinstance(parsed, dict):
                raise ValueError(f"[{index}] is not a JSON object: {line[:80]!r}")
            problems = validate_line(parsed)
            if problems:
                raise ValueError(f"[{index}] {problems[0]}")
        return lines

    @model_validator(mode="after")
    def _one_way_to_fill(self) -> DatasetInputs:
        if self.distribute_from and self.dataset_type != "TEST":
            raise ValueError(
                "distribute_from is for the TEST dataset (set dataset_type='TEST'); it moves "
                "20% of the TRAIN dataset named by the ARN into this one"
            )
        if self.distribute_from and (self.dataset_source or self.entries):
            raise ValueError(
                "distribute_from makes the dataset from the TRAIN dataset; remove "
                "dataset_source and entries"
            )
        return self


REPLACE_ON = frozenset(
    {"project_arn", "dataset_type", "dataset_source", "distribute_from", "region"}
)


def find_dataset_of_type(client: Any, project_arn: str, dataset_type: str) -> str | None:
    """ARN of the project's dataset of `dataset_type`, if it has one."""
    project = find_project(client, project_name_of(project_arn))
    for dataset in (project or {}).get("Datasets") or []:
        if dataset.get("DatasetType") == dataset_type:
            return str(dataset["DatasetArn"])
    return None


def add_entries(client: Any, arn: str, lines: list[str], until: Deadline) -> None:
    """UpdateDatasetEntries in batches under the 5 MiB limit, each waited for; all of them
    by one deadline."""
    poller = DEFAULT_POLLER
    for batch in chunked(lines, MAX_CHANGES_BYTES):
        changes = {"GroundTruth": ("\n".join(batch) + "\n").encode()}
        for attempt in itertools.count():
            before = last_updated(client, arn)
            try:
                client.update_dataset_entries(DatasetArn=arn, Changes=changes)
                break
            except Exception as err:
                if not is_code(err, "ResourceInUseException") or poller.clock() >= until.at:
                    raise
                # Busy with an earlier update, perhaps this very batch after a lost response.
                # A line replaces the entry with its source-ref, so sending it again is safe.
                wait_dataset(client, arn, operation="finishing an earlier update", until=until)
                # Busy with something else (a training reading it): back off.
                poller.sleep(min(30.0, 0.5 * 2**attempt, until.left(poller.clock())))
        wait_dataset(client, arn, operation="adding entries", until=until, before=before)


def _split_started(client: Any, test: str) -> bool:
    """True when the TEST dataset made for a split has entries or is being filled."""
    found = describe_dataset(client, test) or {}
    entries = (found.get("DatasetStats") or {}).get("TotalEntries", 0)
    return bool(entries) or found.get("Status") == "UPDATE_IN_PROGRESS"


def _source_ref(line: str) -> str:
    return str(json.loads(line).get("source-ref", line))


class DatasetStats(BaseModel):
    """A dataset's entry counts, as DescribeDataset reports them."""

    model_config = STRICT
    labeled_entries: int
    """Entries with at least one label."""
    total_entries: int
    """All entries."""
    total_labels: int
    """Distinct labels."""
    error_entries: int
    """Entries with errors (see the dataset's ListDatasetEntries `HasErrors`)."""


class DatasetOutputs:
    arn: str
    """The dataset's ARN."""
    status: str
    """The status of the last operation, e.g. `CREATE_COMPLETE`."""
    status_message: str | None
    """AWS's message about the last operation."""
    status_message_code: str | None
    """`SUCCESS`, `SERVICE_ERROR` or `CLIENT_ERROR`."""
    dataset_stats: DatasetStats
    """`labeled_entries`, `total_entries`, `total_labels`, `error_entries`."""
    labels: list[str]
    """The labels in the dataset."""
    region: str
    """The AWS region it lives in."""


class _DatasetProvider(Provider):
    """The TRAIN or TEST dataset of a project. Source changes replace it (a project holds one
    dataset of each type, so the old one is deleted first); added `entries` and tags update in
    place."""

    summary = (
        "the TRAIN or TEST dataset of a project, from a manifest, another dataset, entries, or "
        "a split of the TRAIN dataset."
    )
    id_form = "its ARN"
    outputs = DatasetOutputs
    kind = "Dataset"
    inputs_model = DatasetInputs
    replace_on = REPLACE_ON
    # DescribeDataset does not say where a dataset's entries came from.
    write_only = frozenset({"dataset_source", "distribute_from"})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = super().diff(id_, olds, news)
        replaces = set(result.replaces or [])
        # Entries can be added or changed in place; removing one needs a new dataset.
        old_refs = {_source_ref(x) for x in olds.get("entries") or []}
        new_refs = {_source_ref(x) for x in news.get("entries") or [] if isinstance(x, str)}
        if old_refs - new_refs and not is_unknown(news.get("entries")):
            replaces.add("entries")
        # A manifest that only grew (e.g. images added to an ImageFolder) is applied in place.
        if "dataset_source" in replaces and self._manifest_grew(olds, news):
            replaces.discard("dataset_source")
        result.replaces = sorted(replaces)
        result.changes = bool(result.changes or replaces)
        # A project holds one dataset of each type: the old one must go first.
        result.delete_before_replace = bool(replaces)
        return result

    def _manifest_grew(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        old, new = olds.get("dataset_source") or {}, news.get("dataset_source") or {}
        if (
            is_unknown(new)
            or "ground_truth_manifest" not in old
            or ("ground_truth_manifest" not in new)
        ):
            return False
        try:
            s3 = self.connection(news).s3()
            old_refs = {_source_ref(x) for x in _manifest_lines(s3, old)}
            new_refs = {_source_ref(x) for x in _manifest_lines(s3, new)}
        except Exception:  # unreadable: creating a new dataset will report why
            return False
        return old_refs <= new_refs

    def create(self, props: dict[str, Any]) -> CreateResult:
        until = DEFAULT_POLLER.deadline(timeout_of(props, "create", CREATE_TIMEOUT))
        client = self.connection(props).rekognition()
        what = f"dataset {props['dataset_type']} of {project_name_of(props['project_arn'])}"
        request = self._create_request(props)
        try:
            arn = client.create_dataset(**request)["DatasetArn"]
        except Exception as err:
            if not is_code(err, "ResourceAlreadyExistsException"):
                raise explain(err, f"creating {what}") from err
            arn = self._adopt(client, props, what)
        try:
            wait_dataset(client, arn, operation="create", until=until)
            if props.get("entries"):
                add_entries(client, arn, props["entries"], until)
        except Exception as err:
            # Never leave a half-made dataset behind: the next `up` starts from scratch.
            self._delete(client, arn, props)
            if isinstance(err, RclError):
                raise
            raise explain(err, f"creating {what}") from err
        if props.get("distribute_from"):
            try:
                self._distribute(client, props["distribute_from"], arn, until)
            except Exception as err:
                raise RclError(
                    f"{what}: {err}. The dataset is kept: once a split is asked for, it may hold "
                    "entries moved out of the TRAIN dataset, their only copy. Run `pulumi up` "
                    "again: it adopts the dataset and finishes the split"
                ) from err
        created(client, arn)
        return CreateResult(arn, self._outs(client, arn, props))

    def _create_request(self, props: dict[str, Any]) -> dict[str, Any]:
        """CreateDataset's arguments; a source manifest that is missing or unreadable fails
        here, before anything is created."""
        request: dict[str, Any] = {
            "ProjectArn": props["project_arn"],
            "DatasetType": props["dataset_type"],
            "Tags": creation_tags(props),
        }
        if props.get("dataset_source"):
            request["DatasetSource"] = _api_source(props["dataset_source"])
            manifest = (props["dataset_source"].get("ground_truth_manifest") or {}).get("s3_object")
            if manifest:
                require_s3(
                    props,
                    self.kind,
                    "dataset_source.ground_truth_manifest.s3_object",
                    manifest["bucket"],
                    manifest["name"],
                    manifest.get("version"),
                )
        return request

    def _distribute(self, client: Any, train: str, test: str, until: Deadline) -> None:
        """Move 20% of TRAIN into this empty TEST dataset, once."""
        # Adopted after an interrupted run, the split was already asked for: just wait.
        since: dict[str, dict[str, Any]] = {train: {}, test: {}}
        if not _split_started(client, test):
            since = {d: {"before": last_updated(client, d)} for d in (train, test)}
            try:
                client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])
            except Exception as err:
                # A retried call whose first attempt got through meets the split under way
                # (ResourceNotReady) or done (the TEST dataset is no longer empty).
                if not _split_started(client, test):
                    raise explain(err, f"distributing {dataset_label(train)}") from err
        for dataset, before in since.items():
            wait_dataset(client, dataset, operation="distributing entries", until=until, **before)

    def _adopt(self, client: Any, props: dict[str, Any], what: str) -> str:
        arn = find_dataset_of_type(client, props["project_arn"], props["dataset_type"])
        taken = (
            f"the project already has a {props['dataset_type']} dataset ({arn}) that this "
            "resource did not create, and a project holds one dataset of each type; delete it"
        )
        return adopt(client, arn, props, what, taken)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        until = DEFAULT_POLLER.deadline(timeout_of(news, "update", UPDATE_TIMEOUT))
        client = self.connection(news).rekognition()
        old_lines = set(olds.get("entries") or [])
        added = [line for line in news.get("entries") or [] if line not in old_lines]
        if olds.get("dataset_source") != news.get("dataset_source"):
            s3 = self.connection(news).s3()
            known = set(_manifest_lines(s3, olds["dataset_source"]))
            added += [x for x in _manifest_lines(s3, news["dataset_source"]) if x not in known]
        try:
            tag_changes(client, id_, olds.get("tags"), news.get("tags"))
            if added:
                add_entries(client, id_, added, until)
        except TerminalStatus:
            raise
        except Exception as err:
            raise explain(err, f"updating dataset {dataset_label(id_)}") from err
        return UpdateResult(self._outs(client, id_, news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        props = import_props(id_, props)
        client = self.connection(props).rekognition()
        if not props.get("project_arn"):  # import: only the ARN is known
            project_arn = project_arn_by_name(client, project_name_of(id_))
            if project_arn is None:
                return ReadResult(None, {})
            props["project_arn"] = project_arn
            props["dataset_type"] = id_.split("/dataset/")[1].split("/")[0].upper()
        found = describe_dataset(client, id_)
        if found is None:
            return ReadResult(None, {})
        tags = client.list_tags_for_resource(ResourceArn=id_).get("Tags", {})
        props["tags"] = user_tags(tags) or None
        props["owner"] = props.get("owner") or tags.get(OWNER_TAG)
        outs = self._outs(client, id_, props, found)
        return ReadResult(id_, outs, self.input_values(outs))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._delete(self.connection(props).rekognition(), id_, props)

    def _delete(self, client: Any, arn: str, props: dict[str, Any]) -> None:
        until = DEFAULT_POLLER.deadline(timeout_of(props, "delete", DELETE_TIMEOUT))
        try:
            current = describe_dataset(client, arn)
            if current and current["Status"] in IN_PROGRESS - {"DELETE_IN_PROGRESS"}:
                # A dataset cannot be deleted mid-operation: let the operation finish first.
                with contextlib.suppress(TerminalStatus):
                    wait_dataset(client, arn, operation="finishing before delete", until=until)
            client.delete_dataset(DatasetArn=arn)
        except Exception as err:

            def deleting() -> bool:
                return (describe_dataset(client, arn) or {}).get("Status") == "DELETE_IN_PROGRESS"

            if not already_deleted(err, deleting):
                raise explain(err, f"deleting dataset {dataset_label(arn)}") from err
        wait_dataset_deleted(client, arn, until)

    def _outs(
        self, client: Any, arn: str, props: dict[str, Any], found: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        found = found or describe_dataset(client, arn) or {}
        stats = found.get("DatasetStats") or {}
        outs = {
            **props,
            "arn": arn,
            "status": found.get("Status"),
            "status_message": found.get("StatusMessage"),
            "status_message_code": found.get("StatusMessageCode"),
            "dataset_stats": DatasetStats(
                labeled_entries=stats.get("LabeledEntries", 0),
                total_entries=stats.get("TotalEntries", 0),
                total_labels=stats.get("TotalLabels", 0),
                error_entries=stats.get("ErrorEntries", 0),
            ).model_dump(),
            "labels": _labels(client, arn),
        }
        return outs


def _labels(client: Any, arn: str) -> list[str]:
    labels: list[str] = []
    kwargs: dict[str, Any] = {"DatasetArn": arn}
    try:
        while True:
            page = client.list_dataset_labels(**kwargs)
            labels += [d["LabelName"] for d in page.get("DatasetLabelDescriptions") or []]
            if not page.get("NextToken"):
                return sorted(labels)
            kwargs["NextToken"] = page["NextToken"]
    except Exception as err:
        if is_code(err, "ResourceNotReadyException", "ResourceInUseException"):
            return sorted(labels)
        raise


def _manifest_lines(s3: Any, source: dict[str, Any]) -> list[str]:
    """The JSON lines of a dataset_source manifest."""
    obj = source["ground_truth_manifest"]["s3_object"]
    extra = {"VersionId": obj["version"]} if obj.get("version") else {}
    body = s3.get_object(Bucket=obj["bucket"], Key=obj["name"], **extra)["Body"].read()
    return [line for line in body.decode().splitlines() if line.strip()]


def _api_source(source: dict[str, Any]) -> dict[str, Any]:
    if source.get("dataset_arn"):
        return {"DatasetArn": source["dataset_arn"]}
    s3 = source["ground_truth_manifest"]["s3_object"]
    obj = {"Bucket": s3["bucket"], "Name": s3["name"]}
    if s3.get("version"):
        obj["Version"] = s3["version"]
    return {"GroundTruthManifest": {"S3Object": obj}}
