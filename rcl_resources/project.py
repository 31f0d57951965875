"""Project: a Rekognition Custom Labels project (or a content-moderation adapter project)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, overload

import pulumi
from pulumi.dynamic import Resource

from ._dynamic import TimeoutsArgs, existing, moved_provider, program_props, provider_of


@dataclasses.dataclass
class ProjectArgs:
    """Inputs of a Project. Names mirror CreateProject in snake_case."""

    project_name: pulumi.Input[str] | None = None
    """Physical name; when omitted, `<resource name>-<7 hex>` (stable across updates)."""
    feature: pulumi.Input[str] | None = None
    """`CUSTOM_LABELS` (default) or `CONTENT_MODERATION`."""
    auto_update: pulumi.Input[str] | None = None
    """`ENABLED` or `DISABLED`; content-moderation projects only."""
    tags: pulumi.Input[dict[str, pulumi.Input[str]]] | None = None
    """Tags; changed in place."""
    timeouts: pulumi.Input[TimeoutsArgs | dict[str, Any]] | None = None
    """Seconds to wait: `{"create", "update", "delete"}`."""
    region: pulumi.Input[str] | None = None
    """AWS region override; see "Connection settings" in the README."""


class Project(Resource, module="rcl", name="Project"):
    """A Rekognition Custom Labels project. Replaced when its name, feature, auto_update or
    region changes; tags update in place."""

    arn: pulumi.Output[str]
    """The project's ARN."""
    project_name: pulumi.Output[str]
    """The project's name."""
    feature: pulumi.Output[str]
    """`CUSTOM_LABELS` or `CONTENT_MODERATION`."""
    auto_update: pulumi.Output[str | None]
    """`ENABLED` or `DISABLED` (content-moderation projects)."""
    status: pulumi.Output[str]
    """`CREATING`, `CREATED` or `DELETING`."""
    creation_timestamp: pulumi.Output[str]
    """When the project was created (ISO 8601, UTC)."""
    tags: pulumi.Output[dict[str, str] | None]
    """The user's tags."""
    region: pulumi.Output[str]
    """The AWS region it lives in."""

    @overload
    def __init__(
        self, resource_name: str, args: ProjectArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        project_name: pulumi.Input[str] | None = None,
        feature: pulumi.Input[str] | None = None,
        auto_update: pulumi.Input[str] | None = None,
        tags: pulumi.Input[dict[str, pulumi.Input[str]]] | None = None,
        timeouts: pulumi.Input[TimeoutsArgs | dict[str, Any]] | None = None,
        region: pulumi.Input[str] | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        """Inputs as a `ProjectArgs` (`(name, args, opts)`) or as keyword arguments of the
        same names (`(name, opts, **inputs)`), like pulumi_aws; `ProjectArgs` says what each
        means."""
        props, opts = program_props(Project, ProjectArgs, resource_name, args, kwargs)
        super().__init__(provider_of("Project"), resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> Project:
        """The existing project with this ARN, read into the program (not managed by it)."""
        return existing(Project, "Project", resource_name, id, opts)


if not TYPE_CHECKING:  # a checker still sees every name this module lacks
    __getattr__ = moved_provider("Project")

__all__ = ["Project", "ProjectArgs"]
