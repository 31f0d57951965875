"""rcl-resources with pulumi_aws: the bucket and the KMS key are ordinary pulumi_aws resources,
and their outputs feed the Custom Labels resources. Runs on AWS (`aws:region` is used by both)."""

import pulumi
import pulumi_aws as aws

import rcl_resources as rcl

config = pulumi.Config()

# Images, manifests and training results. force_destroy: `pulumi destroy` also removes the
# images and evaluation files the Custom Labels resources leave in it.
bucket = aws.s3.Bucket("rcl-data", force_destroy=True)
# Encrypts the trained model (and the copies of the images Rekognition keeps for it).
key = aws.kms.Key(
    "rcl-model", description="Rekognition Custom Labels model", deletion_window_in_days=7
)

images = rcl.ImageFolder(
    "images", folder=config.require("folder"), bucket=bucket.bucket, prefix="images"
)
project = rcl.Project("classifier")
train = rcl.Dataset(
    "train",
    project_arn=project.arn,
    dataset_type="TRAIN",
    dataset_source={"ground_truth_manifest": {"s3_object": images.manifest}},
)
test = rcl.Dataset("test", project_arn=project.arn, dataset_type="TEST", distribute_from=train.arn)
model = rcl.ProjectVersion(
    "model",
    project_arn=project.arn,
    output_config={"s3_bucket": bucket.bucket, "s3_key_prefix": "output"},
    kms_key_id=key.arn,
    datasets=[train.revision, test.revision],
    running=config.get_bool("running") or False,
)

pulumi.export("bucket", bucket.bucket)
pulumi.export("kms_key_arn", key.arn)
pulumi.export("model_arn", model.arn)
pulumi.export("model_status", model.status)
pulumi.export("f1_score", model.f1_score)
