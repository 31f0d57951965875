"""ProjectPolicy: a resource-based policy on a project (e.g. to allow copying its models)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, overload

import pulumi
from pulumi.dynamic import Resource

from ._dynamic import TimeoutsArgs, existing, moved_provider, program_props, provider_of


@dataclasses.dataclass
class ProjectPolicyArgs:
    """Inputs of a ProjectPolicy. Names mirror PutProjectPolicy in snake_case."""

    project_arn: pulumi.Input[str]
    """The project the policy is attached to."""
    policy_name: pulumi.Input[str]
    """The policy's name."""
    policy_document: pulumi.Input[str | dict[str, Any]]
    """The IAM policy as a JSON string or a dict."""
    timeouts: pulumi.Input[TimeoutsArgs | dict[str, Any]] | None = None
    """Seconds to wait: `{"create", "update", "delete"}`."""
    region: pulumi.Input[str] | None = None
    """AWS region; by default the provider's `rcl:region`, then `aws:region`, then the AWS
    default chain. A new region replaces the resource."""


class ProjectPolicy(Resource, module="rcl", name="ProjectPolicy"):
    """A resource-based policy attached to a project. The document updates in place; a new
    name or project replaces it."""

    policy_revision_id: pulumi.Output[str]
    """The policy's current revision id."""

    @overload
    def __init__(
        self,
        resource_name: str,
        args: ProjectPolicyArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        project_arn: pulumi.Input[str] | None = None,
        policy_name: pulumi.Input[str] | None = None,
        policy_document: pulumi.Input[str | dict[str, Any]] | None = None,
        timeouts: pulumi.Input[TimeoutsArgs | dict[str, Any]] | None = None,
        region: pulumi.Input[str] | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        """Inputs as a `ProjectPolicyArgs` (`(name, args, opts)`) or as keyword arguments of
        the same names (`(name, opts, **inputs)`), like pulumi_aws; `ProjectPolicyArgs` says
        what each means."""
        props, opts = program_props(ProjectPolicy, ProjectPolicyArgs, resource_name, args, kwargs)
        super().__init__(provider_of("ProjectPolicy"), resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> ProjectPolicy:
        """The existing policy with this id (`<project arn>#<policy name>`), read into the program
        (not managed by it)."""
        return existing(ProjectPolicy, "ProjectPolicy", resource_name, id, opts)


if not TYPE_CHECKING:  # a checker still sees every name this module lacks
    __getattr__ = moved_provider("ProjectPolicy")

__all__ = ["ProjectPolicy", "ProjectPolicyArgs"]
