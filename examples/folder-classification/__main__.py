"""Classify images: a local folder of class-named subfolders → a trained model.

Images added to the folder are added to the TRAIN dataset in place on the next `pulumi up`,
and the model is retrained (the new version replaces the old one).
"""

import pulumi

import rcl_resources as rcl

config = pulumi.Config()
bucket = config.require("bucket")

# Uploads the images (content-addressed, only what is new) and writes a manifest;
# `entries` are its JSON lines.
images = rcl.ImageFolder(
    "images",
    folder=config.require("folder"),
    bucket=bucket,
    prefix="folder-classification",
    include_entries=True,
)

project = rcl.Project("classifier")

# Built from entries rather than a manifest, so new images update the dataset in place.
train = rcl.Dataset("train", project_arn=project.arn, dataset_type="TRAIN", entries=images.entries)
# 20% of the TRAIN dataset, moved once when the TEST dataset is created.
test = rcl.Dataset("test", project_arn=project.arn, dataset_type="TEST", distribute_from=train.arn)

model = rcl.ProjectVersion(
    "model",
    project_arn=project.arn,
    output_config={"s3_bucket": bucket, "s3_key_prefix": "folder-classification/output"},
    datasets=[train.revision, test.revision],  # retrain when a dataset changes
    running=config.get_bool("running") or False,
)

pulumi.export("project_arn", project.arn)
pulumi.export("project_name", project.project_name)
pulumi.export("train_dataset_arn", train.arn)
pulumi.export("test_dataset_arn", test.arn)
pulumi.export("labels", images.labels)
pulumi.export("model_arn", model.arn)
pulumi.export("model_status", model.status)
pulumi.export("f1_score", model.f1_score)
