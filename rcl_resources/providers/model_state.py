"""A model version's states: the statuses it passes through, the waits on them (each with the
describe call it polls), and the moves between stopped and running. The ProjectVersion provider
drives a model through them."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..errors import (
    RUNNING_SLOTS,
    TRAINING_SLOTS,
    QuotaExceeded,
    RclError,
    TerminalStatus,
    already_deleted,
    explain,
    is_code,
)
from ..lookups import project_arn_by_name, project_name_of
from ..ownership import SCHEDULE_TAG
from ..waiters import DEFAULT_POLLER, Deadline, Wait

START_TIMEOUT = 60 * 60

TRAINING = {"TRAINING_IN_PROGRESS", "COPYING_IN_PROGRESS"}
TRAINED = {
    "TRAINING_COMPLETED",
    "COPYING_COMPLETED",
    "STOPPED",
    "RUNNING",
    "STARTING",
    "STOPPING",
    "FAILED",
    "DEPRECATED",
}
TRAINING_FAILED = {"TRAINING_FAILED", "COPYING_FAILED"}
UP = {"RUNNING", "STARTING"}

TRAINING_ENDED = Wait.of(
    target=TRAINED, pending=TRAINING, failure=TRAINING_FAILED, frees=TRAINING_SLOTS
)
STARTED = Wait.of(target={"RUNNING"}, pending={"STARTING"}, failure={"FAILED"})
# A STARTING model cannot be stopped yet and a stop may not take: _stop re-sends it.
STOPPED = Wait.of(
    target={"STOPPED", "TRAINING_COMPLETED", "COPYING_COMPLETED", "FAILED"},
    pending={"STOPPING", "RUNNING", "STARTING"},
    frees=RUNNING_SLOTS,
)


def find_version(client: Any, project_arn: str, version_name: str) -> dict[str, Any] | None:
    """The version's description, or None when the project has no version of that name."""
    try:
        found = client.describe_project_versions(
            ProjectArn=project_arn, VersionNames=[version_name]
        )
    except Exception as err:
        if is_code(err, "ResourceNotFoundException"):
            return None
        raise
    return next(iter(found.get("ProjectVersionDescriptions") or []), None)


def version_name_of(arn: str) -> str:
    """`…:project/<p>/version/<v>/<ts>` → `<v>`."""
    return arn.split("/version/")[1].rsplit("/", 1)[0]


def version_of(client: Any, props: dict[str, Any]) -> Callable[[], dict[str, Any] | None]:
    """The describe call that every wait on this model polls."""
    return lambda: find_version(client, props["project_arn"], props["version_name"])


def wait_trained(client: Any, props: dict[str, Any], until: Deadline) -> dict[str, Any]:
    """Wait for a training (or copy) to end, at any status it ends at."""
    name = props["version_name"]
    return DEFAULT_POLLER.wait(
        f"training model {name}",
        version_of(client, props),
        TRAINING_ENDED,
        until=until,
    )


def converge(
    client: Any,
    props: dict[str, Any],
    found: dict[str, Any],
    until: Deadline,
    olds: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Stop or start the trained model as `running` asks; new inference units restart it."""
    name = props["version_name"]
    arn = found["ProjectVersionArn"]
    want = bool(props.get("running"))
    units = units_of(props)
    status = found["Status"]
    # There is no API to change the units of a running model: stop, then start again, but
    # only when the inputs asked for new units (10-20 minutes without a model on AWS).
    new_units = olds is not None and units != units_of(olds)
    if status == "STOPPING" or (status in UP and (not want or new_units)):
        found = stop(client, props, arn, until)
        status = found["Status"]
    if not want:
        return found
    starting = until.within(START_TIMEOUT, DEFAULT_POLLER.clock())
    if status not in UP:
        start(client, props, arn, units, starting)
    return DEFAULT_POLLER.wait(
        f"starting model {name}",
        version_of(client, props),
        STARTED,
        until=starting,
    )


def start(
    client: Any,
    props: dict[str, Any],
    arn: str,
    units: tuple[int, int | None],
    until: Deadline,
) -> None:
    """StartProjectVersion, waiting for a running slot while the account has none free."""
    name = props["version_name"]
    request = {"ProjectVersionArn": arn, "MinInferenceUnits": units[0]}
    if units[1]:
        request["MaxInferenceUnits"] = units[1]
    try:
        DEFAULT_POLLER.retry_while_slot_full(
            f"model {name}",
            lambda: client.start_project_version(**request),
            until=until,
            already=lambda: True if starting(client, props) else None,
        )
    except QuotaExceeded:
        raise
    except Exception as err:
        # A retried request whose first attempt got through finds the model starting.
        if not (is_code(err, "ResourceInUseException") and starting(client, props)):
            raise explain(err, f"starting model {name}") from err


def starting(client: Any, props: dict[str, Any]) -> bool:
    """Whether the model is RUNNING or STARTING."""
    found = version_of(client, props)() or {}
    return found.get("Status") in UP


def stop(client: Any, props: dict[str, Any], arn: str, until: Deadline) -> dict[str, Any]:
    """Stop the model and wait for STOPPED. A STARTING model cannot be stopped yet: wait for
    it to run first; a stop that did not take (still RUNNING after a while) is re-sent."""
    name = props["version_name"]
    sent_at: list[float] = []

    def fetch() -> dict[str, Any] | None:
        found = version_of(client, props)()
        status = (found or {}).get("Status")
        if status == "RUNNING" and (not sent_at or time.monotonic() - sent_at[-1] > 30):
            try:
                client.stop_project_version(ProjectVersionArn=arn)
            except Exception as err:
                if not is_code(err, "ResourceInUseException"):  # already stopping
                    raise explain(err, f"stopping model {name}") from err
            sent_at.append(time.monotonic())
        return found

    return DEFAULT_POLLER.wait(f"stopping model {name}", fetch, STOPPED, until=until)


def delete_version(client: Any, arn: str, props: dict[str, Any], until: Deadline) -> None:
    """Delete the version: a training is waited out (it cannot be cancelled), a running
    model stopped; a retried delete finds it deleting or gone."""
    name = props.get("version_name") or version_name_of(arn)
    props = {**props, "version_name": name}
    project_arn = props["project_arn"]
    found = find_version(client, project_arn, name)
    if found is None:
        return
    status = found["Status"]
    if status in TRAINING:
        # A training cannot be cancelled; wait it out, then delete.
        try:
            found = wait_trained(client, props, until)
        except TerminalStatus:
            pass
        except Exception as err:
            raise RclError(
                f"model {name} is still training and cannot be deleted until it ends; "
                f"raise timeouts.delete or run `pulumi destroy` again later ({err})"
            ) from err
        found = find_version(client, project_arn, name) or {}
        status = found.get("Status", "")
    if status in UP or status == "STOPPING":
        stop(client, props, arn, until)
    try:
        client.delete_project_version(ProjectVersionArn=arn)
    except Exception as err:

        def deleting() -> bool:
            return (find_version(client, project_arn, name) or {}).get("Status") == "DELETING"

        if not already_deleted(err, deleting):
            raise explain(err, f"deleting model {name}") from err
    DEFAULT_POLLER.wait_gone(
        f"deleting model {name}",
        lambda: find_version(client, project_arn, name),
        {"DELETING"},
        until=until,
    )


def scheduled_by(client: Any, arn: str) -> str | None:
    """The RunningSchedule (`<schedule group>/<name>`) that decides when the model runs, from
    the tag it puts on the model, or None."""
    tags = client.list_tags_for_resource(ResourceArn=arn).get("Tags") or {}
    return tags.get(SCHEDULE_TAG)


def status_of(client: Any, arn: str) -> str | None:
    """The status of the model version `arn`, or None when there is no such version."""
    try:
        project = project_arn_by_name(client, project_name_of(arn))
    except Exception as err:
        if is_code(err, "ResourceNotFoundException"):
            return None
        raise
    found = find_version(client, project, version_name_of(arn)) if project else None
    if not found or found.get("ProjectVersionArn") != arn:
        return None
    return str(found["Status"])


def hand_to_schedule(client: Any, arn: str, schedule: str) -> None:
    """Tag the model as run by `schedule` (see `scheduled_by`)."""
    try:
        client.tag_resource(ResourceArn=arn, Tags={SCHEDULE_TAG: schedule})
    except Exception as err:
        raise explain(err, f"tagging model {version_name_of(arn)}") from err


def take_from_schedule(client: Any, arn: str | None, schedule: str) -> None:
    """Remove `schedule`'s tag from the model, if the model is there and has it."""
    if not arn:
        return
    try:
        tags = client.list_tags_for_resource(ResourceArn=arn).get("Tags") or {}
        if tags.get(SCHEDULE_TAG) == schedule:
            client.untag_resource(ResourceArn=arn, TagKeys=[SCHEDULE_TAG])
    except Exception as err:
        if not is_code(err, "ResourceNotFoundException"):
            raise explain(err, f"untagging model {version_name_of(arn)}") from err


def units_of(props: dict[str, Any]) -> tuple[int, int | None]:
    """(min, max) inference units of the inputs; Pulumi carries numbers as floats."""
    return (
        int(props.get("min_inference_units") or 1),
        int(props["max_inference_units"]) if props.get("max_inference_units") else None,
    )
