"""How a model version comes to be: the CreateProjectVersion or CopyProjectVersion request a
ProjectVersion sends (after checking its S3 inputs), adopting what a retried request already
made, and the inputs an imported model was made with."""

from __future__ import annotations

from typing import Any

from pydantic.alias_generators import to_pascal, to_snake

from .._inputs import renamed
from .._plain import plain
from .._provider import require_s3
from ..errors import QuotaExceeded, explain, is_code
from ..lookups import project_arn_by_name, project_name_of
from ..ownership import adopt, creation_tags
from ..waiters import DEFAULT_POLLER, Deadline
from .model_state import find_version

KIND = "ProjectVersion"


def to_api(value: Any) -> Any:
    """snake_case inputs → the API's PascalCase members (None members dropped)."""
    return renamed(plain(value), to_pascal)


def from_api(value: Any) -> Any:
    """The API's PascalCase members → snake_case inputs."""
    return renamed(value, to_snake)


def start_training(client: Any, props: dict[str, Any], until: Deadline) -> str:
    """Send the training (or copy) request, waiting for a training slot while the account has
    none free; the new version's ARN."""
    name = props["version_name"]
    require_inputs_in_s3(props)
    call, request = _training_request(client, props)

    def exists() -> str | None:
        found = find_version(client, props["project_arn"], name)
        return adopt_version(client, props) if found else None

    try:
        # Two trainings per account by default: wait for a slot, do not fail.
        return DEFAULT_POLLER.retry_while_slot_full(
            f"model {name}",
            lambda: str(call(**request)["ProjectVersionArn"]),
            until=until,
            already=exists,
        )
    except QuotaExceeded:
        raise
    except Exception as err:
        if is_code(err, "ResourceInUseException"):
            return adopt_version(client, props)
        raise explain(err, f"training model {name}") from err


def require_inputs_in_s3(props: dict[str, Any]) -> None:
    """Fail before training when the output bucket or a manifest is missing."""
    output = to_api(props["output_config"])
    require_s3(props, KIND, "output_config.s3_bucket", output["S3Bucket"])
    for key in ("training_data", "testing_data"):
        for index, asset in enumerate((props.get(key) or {}).get("assets") or []):
            obj = asset["ground_truth_manifest"]["s3_object"]
            field = f"{key}.assets[{index}].ground_truth_manifest.s3_object"
            require_s3(props, KIND, field, obj["bucket"], obj["name"], obj.get("version"))


def _training_request(client: Any, props: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The call (CopyProjectVersion or CreateProjectVersion) and its request."""
    common = {
        "VersionName": props["version_name"],
        "OutputConfig": to_api(props["output_config"]),
        "Tags": creation_tags(props),
    }
    if props.get("kms_key_id"):
        common["KmsKeyId"] = props["kms_key_id"]
    copy = props.get("copy_from")
    if copy:
        return client.copy_project_version, {
            "SourceProjectArn": copy["source_project_arn"],
            "SourceProjectVersionArn": copy["source_project_version_arn"],
            "DestinationProjectArn": props["project_arn"],
            **common,
        }
    request = {"ProjectArn": props["project_arn"], **common}
    for key in ("training_data", "testing_data", "feature_config"):
        if props.get(key):
            request[to_pascal(key)] = to_api(props[key])
    if props.get("version_description"):
        request["VersionDescription"] = props["version_description"]
    return client.create_project_version, request


def adopt_version(client: Any, props: dict[str, Any]) -> str:
    """The version a retried request already made, when its owner tag says it is ours."""
    name = props["version_name"]
    found = find_version(client, props["project_arn"], name)
    taken = (
        f"a model named {name} already exists in this project and was not created by "
        "this resource; choose another version_name"
    )
    arn = str(found["ProjectVersionArn"]) if found else None
    return adopt(client, arn, props, f"model {name}", taken)


def recorded_inputs(client: Any, found: dict[str, Any]) -> dict[str, Any]:
    """The inputs a model was made with, as DescribeProjectVersions records them (for an
    import; `datasets` is not recorded anywhere)."""
    inputs: dict[str, Any] = {
        "version_description": found.get("VersionDescription"),
        "kms_key_id": found.get("KmsKeyId"),
        "feature_config": from_api(found["FeatureConfig"]) if found.get("FeatureConfig") else None,
    }
    # With the project's datasets the training input is empty; with manifests it lists them.
    training = (found.get("TrainingDataResult") or {}).get("Input") or {}
    if training.get("Assets"):
        testing = (found.get("TestingDataResult") or {}).get("Input") or {}
        inputs["training_data"] = from_api({"Assets": training["Assets"]})
        inputs["testing_data"] = from_api(
            {k: v for k, v in testing.items() if v} or {"AutoCreate": False}
        )
    source = found.get("SourceProjectVersionArn")
    # The source project's ARN is only found in this account; otherwise `copy_from` stays
    # unrecorded, like `datasets`.
    source_project = source and project_arn_by_name(client, project_name_of(source))
    if source_project:
        inputs["copy_from"] = {
            "source_project_arn": source_project,
            "source_project_version_arn": source,
        }
    return {k: v for k, v in inputs.items() if v is not None}
