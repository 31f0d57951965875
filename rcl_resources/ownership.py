"""Who made an AWS resource: the owner tag that lets a retried create adopt only what this
stack resource made, the "still creating" tag that marks an interrupted run's leftovers, and
the user's tags beside them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import progress
from ._provider import short_hash
from .api_model import matches
from .errors import NotOwned, RclError, explain

TAG_PREFIX = "rcl-resources:"
OWNER_TAG = f"{TAG_PREFIX}owner"
"""Tag recording which stack resource made an AWS resource, so a retried create adopts only
what it made itself."""
CREATING_TAG = f"{TAG_PREFIX}creating"
"""Tag on a dataset or model until its create returns to Pulumi: one still carrying it when
the project is deleted is a leftover of an interrupted run; one without it was recorded in a
stack, so Pulumi may have retained it."""

SCHEDULE_TAG = f"{TAG_PREFIX}running-schedule"
"""Tag on a model run by a RunningSchedule (`<schedule group>/<name>`): while it is there, the
model's ProjectVersion leaves starting and stopping it to the schedule."""

_TAG_VALUE = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"


def owner_of(props: dict[str, Any]) -> str:
    """The owner tag value for this stack resource: the owner token, made a valid tag value
    (AWS allows letters, digits, spaces and `_.:/=+-@`, up to 256) for any resource name, and
    kept unique by a hash of the original when anything had to change."""
    owner = str(props.get("owner") or "")
    if matches(_TAG_VALUE, owner) and len(owner) <= 256:
        return owner
    readable = re.sub(r"[^\w .:/=+\-@]", "-", owner)[:240]
    return f"{readable}-{short_hash(owner)}"


def stack_of(owner: str) -> str:
    """`<pulumi project>/<stack>/` of an owner tag value."""
    return "/".join(owner.split("/", 2)[:2]) + "/"


def adopt(client: Any, arn: str | None, props: dict[str, Any], what: str, taken: str) -> str:
    """Take over `arn`, found where a create met "already exists", when its owner tag says this
    stack resource made it (a lost response, a killed run); `taken` explains the refusal."""
    if arn is None:
        raise RclError(f"{what} is being deleted; run `pulumi up` again shortly")
    try:
        tags = client.list_tags_for_resource(ResourceArn=arn).get("Tags", {})
    except Exception as err:
        raise explain(err, f"reading the tags of {what}") from err
    if tags.get(OWNER_TAG) != owner_of(props):
        raise NotOwned(
            f"{taken}; or manage it here: import it through the provider plugin "
            f"(`pulumi import rcl:index:<Type> <name> {arn}`)"
        )
    progress.info(f"{what}: adopting it; an interrupted run created it")
    return arn


def user_tags(tags: dict[str, str] | None) -> dict[str, str]:
    """Tags without the ones rcl_resources manages itself."""
    return {k: v for k, v in (tags or {}).items() if not k.startswith(TAG_PREFIX)}


def creation_tags(props: dict[str, Any]) -> dict[str, str]:
    """The tags a create request carries: the user's, the owner, and "still creating"."""
    return {**user_tags(props.get("tags")), OWNER_TAG: owner_of(props), CREATING_TAG: "true"}


def created(client: Any, arn: str) -> None:
    """Mark a dataset or model as handed to Pulumi (see CREATING_TAG). Not being able to is
    no reason to fail a create that worked: it only weakens the leftover check, so it warns."""
    try:
        client.untag_resource(ResourceArn=arn, TagKeys=[CREATING_TAG])
    except Exception as err:
        progress.warn(
            f"could not remove the tag {CREATING_TAG} from {arn} ({err}); remove it yourself "
            "if you retain this resource, or deleting its project will delete it too"
        )


def tag_changes(
    client: Any,
    arn: str,
    old: dict[str, str] | None,
    new: dict[str, str] | None,
    as_sent: Callable[[dict[str, str]], Any] = dict,
) -> None:
    """Apply a diff of the user's tags in place (`as_sent`: the service's form of a tag set)."""
    old, new = user_tags(old), user_tags(new)
    removed = [k for k in old if k not in new]
    added = {k: v for k, v in new.items() if old.get(k) != v}
    if removed:
        client.untag_resource(ResourceArn=arn, TagKeys=removed)
    if added:
        client.tag_resource(ResourceArn=arn, Tags=as_sent(added))
