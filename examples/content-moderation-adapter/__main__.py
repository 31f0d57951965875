"""Train a content-moderation adapter: DetectModerationLabels tuned on your own images.

Adapters are trained like Custom Labels models but never started: pass the adapter's ARN as
`ProjectVersion` to DetectModerationLabels.
"""

import pulumi

import rcl_resources as rcl

config = pulumi.Config()
bucket = config.require("bucket")

# One subfolder per moderation label and a `safe/` one for images with nothing unsafe: the
# manifest holds AWS's adapter lines ("content-moderation-groundtruth").
images = rcl.ImageFolder(
    "images",
    folder=config.require("folder"),
    bucket=bucket,
    prefix="moderation-adapter",
    kind="content_moderation",
)

project = rcl.Project("moderation", feature="CONTENT_MODERATION", auto_update="ENABLED")

adapter = rcl.ProjectVersion(
    "adapter",
    project_arn=project.arn,
    output_config={"s3_bucket": bucket, "s3_key_prefix": "moderation-adapter/output"},
    training_data={"assets": [{"ground_truth_manifest": {"s3_object": images.manifest}}]},
    testing_data={"auto_create": True},  # hold out part of the training data for evaluation
    feature_config={"content_moderation": {"confidence_threshold": 60}},
)

pulumi.export("project_name", project.project_name)
pulumi.export("labels", images.labels)
pulumi.export("adapter_arn", adapter.arn)
pulumi.export("adapter_status", adapter.status)
pulumi.export("f1_score", adapter.f1_score)
pulumi.export("label_metrics", adapter.label_metrics)
