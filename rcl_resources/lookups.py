"""Finding resources by name and reading names from ARNs: what every resource needs, below
all of them (so the resource modules never import each other in a circle)."""

from __future__ import annotations

from typing import Any

FEATURES = ["CUSTOM_LABELS", "CONTENT_MODERATION"]


def find_project(client: Any, name: str) -> dict[str, Any] | None:
    """The project's description, or None when no project has that name."""
    found = client.describe_projects(ProjectNames=[name], Features=FEATURES)
    return next(iter(found.get("ProjectDescriptions") or []), None)


def project_name_of(arn: str) -> str:
    """`arn:aws:rekognition:r:a:project/<name>/<ts>` → `<name>`."""
    return arn.split(":", 5)[5].split("/")[1]


def project_arn_by_name(client: Any, name: str) -> str | None:
    """The ARN of the project called `name`, or None."""
    found = find_project(client, name)
    return str(found["ProjectArn"]) if found else None
