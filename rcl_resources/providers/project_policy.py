"""ProjectPolicy: a resource-based policy on a project (e.g. to allow copying its models)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import field_validator

from .._inputs import AlsoAccepts, CommonInputs, api
from .._provider import (
    CreateResult,
    Provider,
    ReadResult,
    UpdateResult,
    import_props,
)
from ..api_model import canonical_json, policy_document_problems
from ..errors import RclError, explain, is_code


class ProjectPolicyInputs(CommonInputs):
    project_arn: Annotated[str, api("PutProjectPolicyRequest.ProjectArn")]
    """The project the policy is attached to."""
    policy_name: Annotated[str, api("PutProjectPolicyRequest.PolicyName")]
    """The policy's name."""
    policy_document: Annotated[
        str, api("PutProjectPolicyRequest.PolicyDocument"), AlsoAccepts(dict[str, Any])
    ]
    """The IAM policy document, as a JSON string or a dict; changed in place with the current
    revision id."""

    @field_validator("policy_document", mode="before")
    @classmethod
    def _canonical_json(cls, value: Any) -> str:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as err:
                raise ValueError(f"is not valid JSON ({err})") from None
        problems = policy_document_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return canonical_json(value)


REPLACE_ON = frozenset({"project_arn", "policy_name", "region"})


def find_policy(client: Any, project_arn: str, name: str) -> dict[str, Any] | None:
    """The named policy of the project, or None."""
    kwargs: dict[str, Any] = {"ProjectArn": project_arn}
    try:
        while True:
            page = client.list_project_policies(**kwargs)
            for policy in page.get("ProjectPolicies") or []:
                if policy["PolicyName"] == name:
                    return dict(policy)
            if not page.get("NextToken"):
                return None
            kwargs["NextToken"] = page["NextToken"]
    except Exception as err:
        if is_code(err, "ResourceNotFoundException"):
            return None
        raise


def _same_document(a: str, b: str) -> bool:
    try:
        return bool(json.loads(a) == json.loads(b))
    except ValueError:
        return a == b


class ProjectPolicyOutputs:
    policy_revision_id: str
    """The policy's current revision id."""


class _ProjectPolicyProvider(Provider):
    """A resource-based policy attached to a project. The document updates in place; a new
    name or project replaces it."""

    summary = "a resource-based policy on a project (e.g. to allow copying its models)."
    id_form = "`<project arn>#<policy name>`"
    outputs = ProjectPolicyOutputs
    kind = "ProjectPolicy"
    inputs_model = ProjectPolicyInputs
    replace_on = REPLACE_ON

    def create(self, props: dict[str, Any]) -> CreateResult:
        revision = self._put(self.connection(props).rekognition(), props, current=None)
        return CreateResult(
            f"{props['project_arn']}#{props['policy_name']}",
            {**props, "policy_revision_id": revision},
        )

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = self.connection(news).rekognition()
        current = find_policy(client, news["project_arn"], news["policy_name"])
        revision = self._put(client, news, current)
        return UpdateResult({**news, "policy_revision_id": revision})

    @staticmethod
    def _put(client: Any, props: dict[str, Any], current: dict[str, Any] | None) -> str:
        """PutProjectPolicy (with the current revision id when updating); returns the new
        revision id."""
        name = props["policy_name"]
        request = {
            "ProjectArn": props["project_arn"],
            "PolicyName": name,
            "PolicyDocument": props["policy_document"],
        }
        if current:
            request["PolicyRevisionId"] = current["PolicyRevisionId"]
        try:
            return str(client.put_project_policy(**request)["PolicyRevisionId"])
        except Exception as err:
            if not is_code(
                err, "ResourceAlreadyExistsException", "InvalidPolicyRevisionIdException"
            ):
                raise explain(err, f"putting project policy {name}") from err
            # A retried call whose first attempt got through: the policy already holds exactly
            # our document (under a new revision). Anything else is someone else's change.
            found = find_policy(client, props["project_arn"], name)
            if not found or not _same_document(found["PolicyDocument"], props["policy_document"]):
                raise RclError(
                    f"project policy {name} was changed by someone else (it holds another "
                    "document or revision); run `pulumi refresh`, or choose another policy_name"
                ) from err
            return str(found["PolicyRevisionId"])

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        props = import_props(id_, props)
        if not props.get("project_arn"):  # import by `<project arn>#<policy name>`
            project_arn, _, name = id_.partition("#")
            props.update(project_arn=project_arn, policy_name=name)
        client = self.connection(props).rekognition()
        found = find_policy(client, props["project_arn"], props["policy_name"])
        if found is None:
            return ReadResult(None, {})
        document = found["PolicyDocument"]
        if not props.get("policy_document") or not _same_document(
            props["policy_document"], document
        ):
            props["policy_document"] = canonical_json(json.loads(document))
        outs = {**props, "policy_revision_id": found["PolicyRevisionId"]}
        return ReadResult(id_, outs, self.input_values(outs))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client = self.connection(props).rekognition()
        try:
            client.delete_project_policy(
                ProjectArn=props["project_arn"], PolicyName=props["policy_name"]
            )
        except Exception as err:
            if is_code(err, "ResourceNotFoundException"):
                return
            raise explain(err, f"deleting project policy {props['policy_name']}") from err
