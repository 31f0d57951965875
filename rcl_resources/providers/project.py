"""Project: a Rekognition Custom Labels project (or a content-moderation adapter project)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import model_validator

from .. import progress
from .._inputs import CommonInputs, Tags, api, timeout_of
from .._provider import (
    CheckFailure,
    CreateResult,
    Provider,
    ReadResult,
    UpdateResult,
    import_props,
    iso_timestamp,
)
from ..errors import RclError, already_deleted, explain, is_code
from ..lookups import find_project, project_arn_by_name, project_name_of
from ..ownership import (
    CREATING_TAG,
    OWNER_TAG,
    adopt,
    owner_of,
    stack_of,
    tag_changes,
    user_tags,
)
from ..waiters import DEFAULT_POLLER, Deadline, Wait

CREATE_TIMEOUT = 10 * 60
DELETE_TIMEOUT = 10 * 60


class ProjectInputs(CommonInputs):
    project_name: Annotated[str | None, api("CreateProjectRequest.ProjectName")] = None
    """The project's name; when omitted, `<resource name>-<7 hex>`, stable across updates. A
    new name replaces the project."""
    feature: Annotated[str, api("CreateProjectRequest.Feature")] = "CUSTOM_LABELS"
    """`CUSTOM_LABELS` (default) or `CONTENT_MODERATION` (an adapter project). Replaces the
    project when changed."""
    auto_update: Annotated[str | None, api("CreateProjectRequest.AutoUpdate")] = None
    """`ENABLED` or `DISABLED` (default): whether AWS retrains the adapter on new base models.
    Content-moderation projects only; replaces the project when changed."""
    tags: Tags | None = None
    """Tags; changed in place."""

    @model_validator(mode="after")
    def _auto_update_needs_moderation(self) -> ProjectInputs:
        if self.feature == "CONTENT_MODERATION" and self.auto_update is None:
            self.auto_update = "DISABLED"  # the API requires it for content moderation
        if self.auto_update and self.feature != "CONTENT_MODERATION":
            raise ValueError(
                "auto_update applies only to feature CONTENT_MODERATION; remove it or set "
                "feature='CONTENT_MODERATION'"
            )
        return self


REPLACE_ON = frozenset({"project_name", "feature", "auto_update", "region"})

CREATED = Wait.of(target={"CREATED"}, pending={"CREATING"})
DELETING = {"DELETING", "CREATED", "CREATING"}


def wait_project_created(client: Any, name: str, until: Deadline) -> dict[str, Any]:
    return DEFAULT_POLLER.wait(
        f"project {name}", lambda: find_project(client, name), CREATED, until=until
    )


def wait_project_deleted(client: Any, name: str, until: Deadline) -> None:
    DEFAULT_POLLER.wait_gone(
        f"deleting project {name}", lambda: find_project(client, name), DELETING, until=until
    )


class ProjectOutputs:
    arn: str
    """The project's ARN."""
    project_name: str
    """The project's name."""
    feature: str
    """`CUSTOM_LABELS` or `CONTENT_MODERATION`."""
    auto_update: str | None
    """`ENABLED` or `DISABLED` (content-moderation projects)."""
    status: str
    """`CREATING`, `CREATED` or `DELETING`."""
    creation_timestamp: str
    """When the project was created (ISO 8601, UTC)."""
    tags: dict[str, str] | None
    """The user's tags."""
    region: str
    """The AWS region it lives in."""


class _ProjectProvider(Provider):
    """A Rekognition Custom Labels project. Replaced when its name, feature, auto_update or
    region changes; tags update in place."""

    summary = "a Rekognition Custom Labels project (or a content-moderation adapter project)."
    id_form = "its ARN"
    outputs = ProjectOutputs
    kind = "Project"
    inputs_model = ProjectInputs
    replace_on = REPLACE_ON

    def finish_inputs(self, olds, inputs, unknown_keys, failures: list[CheckFailure]) -> None:
        self.auto_name(inputs, unknown_keys, "project_name")

    def must_delete_first(self, olds, news) -> bool:
        # Same explicit name: the new project cannot be created while the old one exists.
        return olds.get("project_name") == news.get("project_name")

    def create(self, props: dict[str, Any]) -> CreateResult:
        until = DEFAULT_POLLER.deadline(timeout_of(props, "create", CREATE_TIMEOUT))
        conn = self.connection(props)
        client = conn.rekognition()
        name = props["project_name"]
        request: dict[str, Any] = {
            "ProjectName": name,
            "Tags": {**user_tags(props.get("tags")), OWNER_TAG: owner_of(props)},
        }
        if props.get("feature", "CUSTOM_LABELS") != "CUSTOM_LABELS":
            request["Feature"] = props["feature"]
        if props.get("auto_update"):
            request["AutoUpdate"] = props["auto_update"]
        try:
            client.create_project(**request)
        except Exception as err:
            if not is_code(err, "ResourceInUseException"):
                raise explain(err, f"creating project {name}") from err
            self._adopt(client, name, props)
        found = wait_project_created(client, name, until)
        return CreateResult(found["ProjectArn"], self._outs(props, found))

    def _adopt(self, client: Any, name: str, props: dict[str, Any]) -> None:
        """A project with our name exists: ours from a lost response or killed run, or not."""
        arn = project_arn_by_name(client, name)
        taken = f"a project named {name} already exists and was not created by this resource"
        adopt(client, arn, props, f"project {name}", f"{taken}; choose another project_name")

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        props = _with_identity(id_, props)
        client = self.connection(props).rekognition()
        found = find_project(client, props["project_name"])
        if found is None:
            return ReadResult(None, {})
        tags = client.list_tags_for_resource(ResourceArn=found["ProjectArn"]).get("Tags", {})
        props = {
            **props,
            "feature": found.get("Feature") or "CUSTOM_LABELS",
            "tags": user_tags(tags) or None,
            "owner": props.get("owner") or tags.get(OWNER_TAG),
        }
        if props["feature"] == "CONTENT_MODERATION":
            # AWS leaves AutoUpdate out when it is DISABLED.
            props["auto_update"] = found.get("AutoUpdate") or "DISABLED"
        outs = self._outs(props, found)
        return ReadResult(found["ProjectArn"], outs, self.input_values(outs))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = self.connection(news).rekognition()
        try:
            tag_changes(client, id_, olds.get("tags"), news.get("tags"))
        except Exception as err:
            raise explain(err, f"tagging project {news['project_name']}") from err
        found = find_project(client, news["project_name"])
        if found is None:
            raise RclError(f"project {news['project_name']} vanished; run `pulumi refresh`")
        return UpdateResult(self._outs(news, found))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        until = DEFAULT_POLLER.deadline(timeout_of(props, "delete", DELETE_TIMEOUT))
        client = self.connection(props).rekognition()
        name = props.get("project_name") or project_name_of(id_)
        try:
            self._delete_project(client, id_, name)
        except Exception as err:
            if not is_code(err, "ResourceInUseException"):
                raise explain(err, f"deleting project {name}") from err
            self._delete_leftovers(client, id_, props)
            try:
                self._delete_project(client, id_, name)
            except Exception as again:
                raise explain(again, f"deleting project {name}") from again
        wait_project_deleted(client, name, until)

    @staticmethod
    def _delete_project(client: Any, arn: str, name: str) -> None:
        """DeleteProject; already deleting (a retry whose first attempt got through) or gone
        is done too."""
        try:
            client.delete_project(ProjectArn=arn)
        except Exception as err:

            def deleting() -> bool:
                return (find_project(client, name) or {}).get("Status") == "DELETING"

            if not already_deleted(err, deleting):
                raise

    def _delete_leftovers(self, client: Any, arn: str, props: dict[str, Any]) -> None:
        """Delete the models and datasets an interrupted run of this stack made but never
        handed to Pulumi. Anything else left in the project stops the delete, naming it,
        before anything is deleted."""
        from .dataset import _DatasetProvider  # only here: previews of projects skip them
        from .project_version import _ProjectVersionProvider

        stack_prefix = stack_of(owner_of(props))
        name = props.get("project_name") or project_name_of(arn)
        children: list[tuple[str, Any]] = []
        pages = client.get_paginator("describe_project_versions").paginate(ProjectArn=arn)
        for page in pages:
            for version in page.get("ProjectVersionDescriptions") or []:
                if version.get("Status") == "DELETING":
                    continue
                varn = version["ProjectVersionArn"]
                children.append(
                    (
                        varn,
                        lambda varn=varn: _ProjectVersionProvider().delete(
                            varn, {**props, "project_arn": arn, "version_name": None}
                        ),
                    )
                )
        for dataset in (find_project(client, name) or {}).get("Datasets") or []:
            if dataset.get("Status") == "DELETE_IN_PROGRESS":
                continue
            darn = dataset["DatasetArn"]
            children.append(
                (darn, lambda darn=darn: _DatasetProvider()._delete(client, darn, props))
            )
        leftovers: list[tuple[str, Any]] = []
        kept: list[tuple[str, Any]] = []
        for child, delete in children:
            try:
                tags = client.list_tags_for_resource(ResourceArn=child).get("Tags", {})
            except Exception as err:
                if is_code(err, "ResourceNotFoundException"):
                    continue  # deleted a moment ago; listings are eventually consistent
                raise explain(err, f"reading the tags of {child}") from err
            ours = str(tags.get(OWNER_TAG, "")).startswith(stack_prefix)
            (leftovers if ours and CREATING_TAG in tags else kept).append((child, delete))
        if kept:
            raise RclError(
                f"project {name} cannot be deleted: it still holds "
                f"{', '.join(child for child, _ in kept)}, which this stack does not manage "
                "(retained by Pulumi with retain_on_delete, made elsewhere, or made by an "
                "earlier release of rcl-resources and lost track of). Either retain the project "
                "too (retain_on_delete=True, then `pulumi destroy` again), or delete those "
                "first (aws rekognition delete-project-version / delete-dataset) and run "
                "`pulumi destroy` again. Nothing was deleted"
            )
        for child, delete in leftovers:
            progress.info(f"project {name}: deleting {child}, left by an interrupted run")
            delete()

    @staticmethod
    def _outs(props: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
        return {
            **props,
            "arn": found["ProjectArn"],
            "feature": found.get("Feature") or props.get("feature") or "CUSTOM_LABELS",
            "status": found.get("Status"),
            "creation_timestamp": iso_timestamp(found.get("CreationTimestamp")),
        }


def _with_identity(id_: str, props: dict[str, Any]) -> dict[str, Any]:
    """Props for read: on import only the ARN is known; region and name come from it."""
    props = import_props(id_, props)
    props["project_name"] = props.get("project_name") or project_name_of(id_)
    return props
