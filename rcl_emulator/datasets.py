"""The dataset operations of one account and region: create, describe and delete a
dataset, list its entries and labels, update its entries and distribute a TRAIN dataset's
entries with its TEST dataset.

Each change runs as a job begun on the dataset (:meth:`BackendState._begin`);
:class:`~rcl_emulator.backend.RekognitionBackend` serves these with the other operations.
"""

from __future__ import annotations

from typing import Any

from . import exceptions as exc
from . import s3io
from .models import CUSTOM_LABELS, DATASET_BUSY, TRANSITIONS, Dataset, now
from .paging import paginate, with_token
from .state import BackendState


class DatasetOperations(BackendState):
    """The dataset operations of one account and region, with their preconditions."""

    def create_dataset(self, p: dict[str, Any]) -> dict[str, Any]:
        project = self._project(p["ProjectArn"])
        dtype = p["DatasetType"]
        source = p.get("DatasetSource")
        if project.feature != CUSTOM_LABELS:
            raise exc.InvalidParameterException("Datasets are for Custom Labels projects only.")
        if source is not None:
            self._check_source(source)
        if dtype in project.datasets:
            raise exc.ResourceAlreadyExistsException(
                f"The project {project.name} already has a {dtype} dataset; delete it first."
            )
        self._check_tag_keys(p.get("Tags", {}))
        # Observed: the ARN's number is a little earlier than the dataset's CreationTimestamp.
        # The timestamp is now, so no later LastUpdatedTimestamp can come out equal to it.
        stamp = self._stamp() - 150
        created = now()
        ds = Dataset(
            arn=self._arn(f"{project.name}/dataset/{dtype.lower()}/{stamp}"),
            project=project.name,
            type=dtype,
            created=created,
            updated=created,
            source=source,
        )
        project.datasets[dtype] = ds
        if p.get("Tags"):
            self.tags[ds.arn] = dict(p["Tags"])
        self._begin("create_dataset", ds)
        return {"DatasetArn": ds.arn}

    def _check_source(self, source: dict[str, Any]) -> None:
        """A DatasetSource: a manifest in an existing bucket, or a dataset ready to copy."""
        has_manifest = "GroundTruthManifest" in source
        has_arn = "DatasetArn" in source
        if has_manifest == has_arn:
            raise exc.InvalidParameterException(
                "DatasetSource needs exactly one of GroundTruthManifest or DatasetArn."
            )
        if has_manifest:
            obj = source["GroundTruthManifest"].get("S3Object")
            if not obj or not obj.get("Bucket") or not obj.get("Name"):
                raise exc.InvalidParameterException(
                    "GroundTruthManifest.S3Object needs Bucket and Name."
                )
            if not s3io.bucket_exists(obj["Bucket"]):
                raise exc.InvalidS3ObjectException(
                    f"Unable to get object metadata from S3. Bucket {obj['Bucket']} does not exist."
                )
        else:
            src = self._dataset(source["DatasetArn"])
            if src.status in DATASET_BUSY or src.status == "CREATE_FAILED":
                raise exc.ResourceNotReadyException(f"The source dataset is {src.status}.")

    def describe_dataset(self, p: dict[str, Any]) -> dict[str, Any]:
        d = self._dataset(p["DatasetArn"])
        return {"DatasetDescription": d.to_json()}

    def delete_dataset(self, p: dict[str, Any]) -> dict[str, Any]:
        d = self._dataset(p["DatasetArn"])
        if d.status in DATASET_BUSY:
            raise exc.ResourceInUseException(
                f"The dataset is {d.status}; wait for it to finish before deleting it."
            )
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
        key = (
            f"ListDatasetEntries:{d.arn}:{sorted(wanted)}:{p.get('Labeled')}:{contains}:"
            f"{p.get('HasErrors')}"
        )
        page, token = paginate(items, p, 100, key)
        return with_token({"DatasetEntries": [e.listing_line() for e in page]}, token)

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
        return with_token({"DatasetLabelDescriptions": out}, token)

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
                "The TEST dataset must be empty to distribute the TRAIN dataset."
            )
        train.pending_peer = test.arn
        test.status = TRANSITIONS["distribute"][0]  # the peer moves with the TRAIN dataset
        self._begin("distribute", train)
        return {}
