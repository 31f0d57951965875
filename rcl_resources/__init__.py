"""Amazon Rekognition Custom Labels as Pulumi resources.

`Project`, `Dataset`, `ProjectVersion` and `ProjectPolicy` are Pulumi dynamic resources; each
takes an Args object and/or keyword arguments, like pulumi_aws.
"""

__version__ = "0.1.0"

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
    CopyFromArgs,
    OutputConfigArgs,
    ProjectVersion,
    ProjectVersionArgs,
)

__all__ = [
    "CopyFromArgs",
    "Dataset",
    "DatasetArgs",
    "DatasetSourceArgs",
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
    "WaitTimeout",
]
