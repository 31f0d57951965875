"""Train a model in a source project, allow copying it with a project policy, and copy it
into a destination project (e.g. the project of another team or another account)."""

import pulumi

import rcl_resources as rcl

config = pulumi.Config()
bucket = config.require("bucket")
account = config.get("account") or "123456789012"

images = rcl.ImageFolder(
    "images", folder=config.require("folder"), bucket=bucket, prefix="copy-model"
)

# The source project and its trained model.
source = rcl.Project("source")
train = rcl.Dataset(
    "train",
    project_arn=source.arn,
    dataset_type="TRAIN",
    dataset_source={"ground_truth_manifest": {"s3_object": images.manifest}},
)
test = rcl.Dataset("test", project_arn=source.arn, dataset_type="TEST", distribute_from=train.arn)
model = rcl.ProjectVersion(
    "model",
    project_arn=source.arn,
    output_config={"s3_bucket": bucket, "s3_key_prefix": "copy-model/source"},
    datasets=[train.revision, test.revision],
)

# Who may copy the source project's models.
policy = rcl.ProjectPolicy(
    "allow-copy",
    project_arn=source.arn,
    policy_name="allow-copy",
    policy_document={
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "rekognition:CopyProjectVersion",
                "Resource": model.arn,
            }
        ],
    },
)

# The copy, in its own project. Copying needs the policy in place first.
destination = rcl.Project("destination")
copy = rcl.ProjectVersion(
    "copy",
    project_arn=destination.arn,
    output_config={"s3_bucket": bucket, "s3_key_prefix": "copy-model/destination"},
    copy_from={"source_project_arn": source.arn, "source_project_version_arn": model.arn},
    opts=pulumi.ResourceOptions(depends_on=[policy]),
)

pulumi.export("source_project_name", source.project_name)
pulumi.export("destination_project_name", destination.project_name)
pulumi.export("source_model_arn", model.arn)
pulumi.export("source_model_status", model.status)
pulumi.export("copy_arn", copy.arn)
pulumi.export("copy_status", copy.status)
pulumi.export("copy_f1_score", copy.f1_score)
