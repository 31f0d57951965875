"""Amazon Rekognition Custom Labels as Pulumi resources.

`Project`, `Dataset`, `ProjectVersion`, `ProjectPolicy` and `RunningSchedule` are Pulumi
dynamic resources; each takes an Args object and/or keyword arguments, like pulumi_aws.
`ImageFolder` turns a local folder of labelled images into S3 objects and a Ground Truth
manifest.
"""

import importlib.metadata
from typing import TYPE_CHECKING, Any

from .registry import KINDS

# pyproject.toml holds the one version; the installed metadata carries it here.
__version__ = importlib.metadata.version("rcl-resources")

# Each name is imported from its module on first use, so a program that declares only
# Projects does not pay for importing the other resources (nor does the provider host).
_HOME = {
    **{name: kind.module for kind in KINDS for name in (kind.name, *kind.args)},
    "TimeoutsArgs": "_args",
    **dict.fromkeys(("QualityGateFailed", "RclError", "TerminalStatus", "WaitTimeout"), "errors"),
}

if TYPE_CHECKING:
    from ._args import TimeoutsArgs
    from .dataset import (
        Dataset,
        DatasetArgs,
        DatasetSourceArgs,
        GroundTruthManifestArgs,
        S3ObjectArgs,
    )
    from .errors import QualityGateFailed, RclError, TerminalStatus, WaitTimeout
    from .image_folder import ImageFolder, ImageFolderArgs
    from .project import Project, ProjectArgs
    from .project_policy import ProjectPolicy, ProjectPolicyArgs
    from .project_version import (
        AssetArgs,
        ContentModerationConfigArgs,
        CopyFromArgs,
        FeatureConfigArgs,
        OutputConfigArgs,
        ProjectVersion,
        ProjectVersionArgs,
        TestingDataArgs,
        TrainingDataArgs,
    )
    from .running_schedule import RunningSchedule, RunningScheduleArgs


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "AssetArgs",
    "ContentModerationConfigArgs",
    "CopyFromArgs",
    "Dataset",
    "DatasetArgs",
    "DatasetSourceArgs",
    "FeatureConfigArgs",
    "GroundTruthManifestArgs",
    "ImageFolder",
    "ImageFolderArgs",
    "OutputConfigArgs",
    "Project",
    "ProjectArgs",
    "ProjectPolicy",
    "ProjectPolicyArgs",
    "ProjectVersion",
    "ProjectVersionArgs",
    "QualityGateFailed",
    "RclError",
    "RunningSchedule",
    "RunningScheduleArgs",
    "S3ObjectArgs",
    "TerminalStatus",
    "TestingDataArgs",
    "TimeoutsArgs",
    "TrainingDataArgs",
    "WaitTimeout",
]
