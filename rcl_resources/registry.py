"""The resources, listed once. The dynamic host, the plugin, the schema and the package's
public names are derived from this list.

Each resource is two modules of one name: `rcl_resources.<module>` (its Args and its dynamic
`Resource` class, what a Python program imports) and `rcl_resources.providers.<module>` (the
core both hosts run: inputs, waits, and the provider `_<Name>Provider`). Importing this module
imports neither.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from ._provider import Provider

PACKAGE = "rcl"


@dataclass(frozen=True)
class Kind:
    name: str
    """The resource's class name, and the last part of its plugin token."""
    module: str
    """Its module in `rcl_resources` and in `rcl_resources.providers`."""
    args: tuple[str, ...]
    """The Args classes its program module exports, the resource's own first."""

    @property
    def token(self) -> str:
        """The plugin's type token, e.g. `rcl:index:Project`."""
        return f"{PACKAGE}:index:{self.name}"

    @property
    def provider(self) -> str:
        """The provider class's name in its module (pickled by earlier releases' stacks)."""
        return f"_{self.name}Provider"


KINDS = (
    Kind("Project", "project", ("ProjectArgs",)),
    Kind(
        "Dataset",
        "dataset",
        ("DatasetArgs", "DatasetSourceArgs", "GroundTruthManifestArgs", "S3ObjectArgs"),
    ),
    Kind(
        "ProjectVersion",
        "project_version",
        (
            "ProjectVersionArgs",
            "AssetArgs",
            "ContentModerationConfigArgs",
            "CopyFromArgs",
            "FeatureConfigArgs",
            "OutputConfigArgs",
            "TestingDataArgs",
            "TrainingDataArgs",
        ),
    ),
    Kind("ProjectPolicy", "project_policy", ("ProjectPolicyArgs",)),
    Kind("ImageFolder", "image_folder", ("ImageFolderArgs",)),
    Kind("RunningSchedule", "running_schedule", ("RunningScheduleArgs",)),
)
BY_NAME = {kind.name: kind for kind in KINDS}
BY_TOKEN = {kind.token: kind for kind in KINDS}


def provider_class(kind: str) -> type[Provider]:
    """The provider class of resource `kind`, imported on first use."""
    found = BY_NAME[kind]
    providers = importlib.import_module(f"rcl_resources.providers.{found.module}")
    return cast("type[Provider]", getattr(providers, found.provider))
