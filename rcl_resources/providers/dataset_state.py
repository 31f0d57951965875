"""A dataset's states: its description, the statuses it passes through and the waits on
them (a failed one names the first entries with errors). The Dataset provider waits on them."""

from __future__ import annotations

import json
from typing import Any

from ..errors import TerminalStatus, is_code
from ..lookups import project_name_of
from ..waiters import DEFAULT_POLLER, Deadline, Wait

IN_PROGRESS = {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS"}


def describe_dataset(client: Any, arn: str) -> dict[str, Any] | None:
    """The dataset's description, or None when it does not exist."""
    try:
        return client.describe_dataset(DatasetArn=arn)["DatasetDescription"]
    except Exception as err:
        if is_code(err, "ResourceNotFoundException"):
            return None
        raise


_STALE = "<complete from before the call>"
STALE_GRACE = 30.0

READY = Wait.of(
    target={"CREATE_COMPLETE", "UPDATE_COMPLETE"},
    pending={"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", _STALE},
    failure={"CREATE_FAILED", "UPDATE_FAILED"},
)


def wait_dataset(
    client: Any, arn: str, *, operation: str, until: Deadline, before: Any = _STALE
) -> dict[str, Any]:
    """Wait for CREATE_COMPLETE/UPDATE_COMPLETE; a *_FAILED status raises with the first
    error entries.

    `before` is the dataset's LastUpdatedTimestamp before an update call: read-after-write is
    eventual, so a COMPLETE that still carries it is the previous operation's, not this one's
    (for up to STALE_GRACE seconds, in case the service keeps the timestamp).
    """
    started = DEFAULT_POLLER.clock()
    moved = before is _STALE

    def status_of(found: dict[str, Any]) -> str:
        nonlocal moved
        status = str(found["Status"])
        moved = moved or status.endswith("_IN_PROGRESS")
        moved = moved or found.get("LastUpdatedTimestamp") != before
        if not moved and DEFAULT_POLLER.clock() - started < STALE_GRACE:
            return _STALE
        return status

    try:
        found = DEFAULT_POLLER.wait(
            f"dataset {dataset_label(arn)} ({operation})",
            lambda: describe_dataset(client, arn),
            READY,
            until=until,
            status_of=status_of,
        )
    except TerminalStatus as err:
        raise TerminalStatus(
            f"{err}{first_error_entries(client, arn)}", err.status, err.status_message
        ) from err
    return found


def first_error_entries(client: Any, arn: str, limit: int = 3) -> str:
    """' First entries with errors: ...' or '' (best effort: the dataset may be unreadable)."""
    try:
        entries = client.list_dataset_entries(DatasetArn=arn, HasErrors=True, MaxResults=limit)
    except Exception:
        return ""
    lines = entries.get("DatasetEntries") or []
    if not lines:
        return ""
    return " First entries with errors: " + " | ".join(_entry_errors(line) for line in lines)


def _entry_errors(line: str) -> str:
    entry = json.loads(line)
    codes = [e.get("code", "") for e in entry.get("cl-errors") or []]
    for key, value in entry.items():
        if key.endswith("-metadata") and isinstance(value, dict):
            codes += [e.get("code", "") for e in value.get("cl-errors") or []]
    return f"{entry.get('source-ref', '?')}: {', '.join(c for c in codes if c) or 'error'}"


def dataset_label(arn: str) -> str:
    """`<project>/<train|test>` for messages."""
    return f"{project_name_of(arn)}/{arn.split('/dataset/')[-1].split('/')[0]}"


def wait_dataset_deleted(client: Any, arn: str, until: Deadline) -> None:
    DEFAULT_POLLER.wait_gone(
        f"deleting dataset {dataset_label(arn)}",
        lambda: describe_dataset(client, arn),
        {"DELETE_IN_PROGRESS"},
        until=until,
    )


def last_updated(client: Any, arn: str) -> Any:
    """The dataset's LastUpdatedTimestamp (None when it has none)."""
    return (describe_dataset(client, arn) or {}).get("LastUpdatedTimestamp")
