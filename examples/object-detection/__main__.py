"""Detect objects: annotated images → TRAIN and TEST datasets → a trained (and running) model.

Each folder holds images and their boxes, in COCO JSON (`annotations.json`), Pascal VOC XML or
YOLO txt files. Every box is checked at preview (inside its image, larger than 1x1 px, at most
50 per image, a known class); the images are uploaded content-addressed with a Ground Truth
object-detection manifest.
"""

import pulumi

import rcl_resources as rcl

config = pulumi.Config()
bucket = config.require("bucket")
annotation_format = config.get("annotation_format") or "coco"

project = rcl.Project("detector")


def dataset(name: str, folder: str, dataset_type: str) -> rcl.Dataset:
    images = rcl.ImageFolder(
        f"{name}-images",
        folder=folder,
        kind="object_detection",
        annotation_format=annotation_format,
        bucket=bucket,
        prefix=f"object-detection/{name}",
    )
    return rcl.Dataset(
        name,
        project_arn=project.arn,
        dataset_type=dataset_type,
        dataset_source={"ground_truth_manifest": {"s3_object": images.manifest}},
    )


train = dataset("train", config.require("train_folder"), "TRAIN")
test = dataset("test", config.require("test_folder"), "TEST")

model = rcl.ProjectVersion(
    "model",
    project_arn=project.arn,
    output_config={"s3_bucket": bucket, "s3_key_prefix": "object-detection/output"},
    datasets=[train.revision, test.revision],  # retrain when a dataset changes
    running=config.get_bool("running") or False,
)

pulumi.export("project_name", project.project_name)
pulumi.export("model_arn", model.arn)
pulumi.export("model_status", model.status)
pulumi.export("f1_score", model.f1_score)
pulumi.export("label_metrics", model.label_metrics)
pulumi.export("evaluation_summary", model.evaluation_summary)
pulumi.export("region", model.region)
pulumi.export("endpoint_url", pulumi.Config("rcl").get("endpointUrl"))
