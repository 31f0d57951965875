"""rcl-resources with pulumi_aws: the bucket and the KMS key are ordinary pulumi_aws resources,
and their outputs feed the Custom Labels resources. Runs on AWS (`aws:region` is used by both).

With `businessHours` true, pulumi_aws also creates the IAM role EventBridge Scheduler assumes,
and a RunningSchedule runs the model on weekdays from 08:00 to 19:00 only."""

import json

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

if config.get_bool("businessHours"):
    account = aws.get_caller_identity_output().account_id
    # Only EventBridge Scheduler, acting for this account, may assume the role.
    role = aws.iam.Role(
        "rcl-scheduler",
        description="EventBridge Scheduler starts and stops the Custom Labels model",
        assume_role_policy=account.apply(
            lambda account_id: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "scheduler.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                        }
                    ],
                }
            )
        ),
    )
    # ...and start and stop this model, nothing else. A retrained model (a new arn) updates it.
    allowed = aws.iam.RolePolicy(
        "rcl-scheduler-start-stop",
        role=role.id,
        policy=model.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": [
                                "rekognition:StartProjectVersion",
                                "rekognition:StopProjectVersion",
                            ],
                            "Resource": arn,
                        }
                    ],
                }
            )
        ),
    )
    # From its first start or stop on, the window decides when the model runs: `pulumi up`
    # no longer starts or stops it for `running`.
    schedule = rcl.RunningSchedule(
        "business-hours",
        project_version_arn=model.arn,
        role_arn=role.arn,
        start="cron(0 8 ? * MON-FRI *)",
        stop="cron(0 19 ? * MON-FRI *)",
        timezone=config.get("timezone") or "UTC",
        # Created once the role may start and stop the model, deleted before it no longer may.
        opts=pulumi.ResourceOptions(depends_on=[allowed]),
    )
    pulumi.export("scheduler_role_arn", role.arn)
    pulumi.export("next_start", schedule.next_start)
    pulumi.export("next_stop", schedule.next_stop)
    pulumi.export("saved_fraction", schedule.saved_fraction)
