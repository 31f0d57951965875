"""The seed flow with the generated SDK `pulumi_rcl` (the provider plugin's Python SDK, like
every other language's): images -> project -> TRAIN from the manifest -> TEST by a 20% split
-> a running model. The connection comes from an explicit provider resource."""

import pulumi
import pulumi_rcl as rcl

config = pulumi.Config()
bucket = config.require("bucket")
rcl_config = pulumi.Config("rcl")

# An explicit provider: every resource below names it.
provider = rcl.Provider(
    "emulator",
    region=rcl_config.get("region"),
    endpoint_url=rcl_config.get("endpointUrl"),
    s3_endpoint_url=rcl_config.get("s3EndpointUrl"),
)
uses = pulumi.ResourceOptions(provider=provider)

images = rcl.ImageFolder(
    "images", folder=config.require("folder"), bucket=bucket, prefix="python-sdk", opts=uses
)
project = rcl.Project("project", tags={"team": "vision"}, opts=uses)
train = rcl.Dataset(
    "train",
    project_arn=project.arn,
    dataset_type=rcl.DatasetType.TRAIN,
    dataset_source=rcl.DatasetSourceArgs(
        ground_truth_manifest=rcl.GroundTruthManifestArgs(s3_object=images.manifest)
    ),
    opts=uses,
)
test = rcl.Dataset(
    "test",
    project_arn=project.arn,
    dataset_type=rcl.DatasetType.TEST,
    distribute_from=train.arn,
    opts=uses,
)
model = rcl.ProjectVersion(
    "model",
    project_arn=project.arn,
    output_config=rcl.OutputConfigArgs(s3_bucket=bucket, s3_key_prefix="python-sdk/out"),
    datasets=[train.arn, test.arn],
    running=True,
    opts=uses,
)

pulumi.export("project_name", project.project_name)
pulumi.export("model_status", model.status)
pulumi.export("f1_score", model.f1_score)
pulumi.export("labels", model.label_metrics.apply(lambda ms: sorted(m.label for m in ms)))
pulumi.export("train_entries", train.dataset_stats.apply(lambda s: s.total_entries))
