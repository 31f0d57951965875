"""The default stack: digits → S3 → project → TRAIN/TEST datasets → trained, running model.

Configuration (`pulumi config set rcl:<key> <value>`):
  target     `emulator` (default: the local rcl-emulator) or `aws`
  bucket     S3 bucket for images and training results (on AWS: an existing bucket of yours)
  running    `true` (default) to keep the model running; `false` to stop it (no hourly cost)
  minF1      the F1 score below which the model is not deployed (default 0.8)
"""

from pathlib import Path

import pulumi

import rcl_resources as rcl
from rcl_demo.bucket import DemoBucket

config = pulumi.Config("rcl")
target = config.get("target") or "emulator"
running = config.get_bool("running")
running = True if running is None else running

if target == "emulator":
    bucket = DemoBucket("data", bucket=config.get("bucket") or "rcl-demo-data").bucket
else:
    bucket = config.require("bucket")

digits = rcl.ImageFolder(
    "digits",
    folder=str(Path(__file__).parent / ".data" / "digits" / "train"),
    bucket=bucket,
    prefix="digits",
)

project = rcl.Project("digits", tags={"app": "rcl-demo"})

train = rcl.Dataset(
    "train",
    project_arn=project.arn,
    dataset_type="TRAIN",
    dataset_source={"ground_truth_manifest": {"s3_object": digits.manifest}},
)
test = rcl.Dataset("test", project_arn=project.arn, dataset_type="TEST", distribute_from=train.arn)

model = rcl.ProjectVersion(
    "model",
    project_arn=project.arn,
    output_config={"s3_bucket": bucket, "s3_key_prefix": "training-output"},
    datasets=[train.revision, test.revision],
    running=running,
    min_inference_units=1,
    min_f1_score=config.get_float("minF1") or 0.8,
)

pulumi.export("project_arn", project.arn)
pulumi.export("train_dataset_arn", train.arn)
pulumi.export("test_dataset_arn", test.arn)
pulumi.export("model_arn", model.arn)
pulumi.export("model_status", model.status)
pulumi.export("f1_score", model.f1_score)
pulumi.export("label_metrics", model.label_metrics)
pulumi.export("evaluation_summary", model.evaluation_summary)
pulumi.export("region", model.region)
pulumi.export("endpoint_url", pulumi.Config("rcl").get("endpointUrl"))
