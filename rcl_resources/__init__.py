"""Amazon Rekognition Custom Labels as Pulumi resources.

`Project`, `Dataset`, `ProjectVersion` and `ProjectPolicy` are Pulumi dynamic resources; each
takes an Args object and/or keyword arguments, like pulumi_aws. `ImageFolder` turns a local
folder of labelled images into S3 objects and a Ground Truth manifest.
"""

__version__ = "0.2.0"

from ._inputs import TimeoutsArgs
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
    "S3ObjectArgs",
    "TerminalStatus",
    "TestingDataArgs",
    "TimeoutsArgs",
    "TrainingDataArgs",
    "WaitTimeout",
]
