"""A model that runs during business hours only: EventBridge Scheduler starts it on weekdays at
08:00 and stops it at 19:00 (`mode` `window`, the default), or, for a development model, stops
it `stopAfter` after each `pulumi up` that finds it running (`mode` `dev`).

A running model is billed per inference unit-hour whether or not it is called: the window keeps
it running 55 of the week's 168 hours.
"""

import pulumi

import rcl_resources as rcl

config = pulumi.Config()
bucket = config.require("bucket")
mode = config.get("mode") or "window"
if mode not in ("window", "dev"):
    raise ValueError(f"config `mode` is {mode!r}: use `window` or `dev`")
# Trusted by scheduler.amazonaws.com, allowed rekognition:StartProjectVersion and
# StopProjectVersion on the model (the repository README gives both policies). The emulator
# checks only that it is a role's ARN.
role_arn = config.get("schedulerRoleArn") or "arn:aws:iam::123456789012:role/rcl-scheduler"

images = rcl.ImageFolder(
    "images",
    folder=config.require("folder"),
    bucket=bucket,
    prefix="business-hours",
    include_entries=True,
)
project = rcl.Project("classifier")
train = rcl.Dataset("train", project_arn=project.arn, dataset_type="TRAIN", entries=images.entries)
test = rcl.Dataset("test", project_arn=project.arn, dataset_type="TEST", distribute_from=train.arn)

# Started when it is created. With a window, the schedule decides from then on: `pulumi up`
# leaves the model running or stopped as the schedule left it, whatever `running` says.
model = rcl.ProjectVersion(
    "model",
    project_arn=project.arn,
    output_config={"s3_bucket": bucket, "s3_key_prefix": "business-hours/output"},
    datasets=[train.revision, test.revision],
    running=True,
)

# One resource name for both modes: switching `mode` changes the schedules in place.
if mode == "window":
    schedule = rcl.RunningSchedule(
        "schedule",
        project_version_arn=model.arn,
        role_arn=role_arn,
        start="cron(0 8 ? * MON-FRI *)",
        stop="cron(0 19 ? * MON-FRI *)",
        timezone=config.get("timezone") or "Europe/Berlin",
    )
else:
    # No window: `running` is enforced as usual, and a model found running gets a one-time
    # stop `stopAfter` ahead.
    schedule = rcl.RunningSchedule(
        "schedule",
        project_version_arn=model.arn,
        role_arn=role_arn,
        stop_after=config.get("stopAfter") or "8h",
    )


def saving(hours: float | None, saved: float | None, armed: str | None) -> str:
    if hours is None or saved is None:
        return f"no window: a stop is armed for {armed}" if armed else "no window, no stop armed"
    return f"{hours:.1f} of 168 hours a week: {saved:.0%} of an always-on model's unit-hours saved"


pulumi.export("project_name", project.project_name)
pulumi.export("model_arn", model.arn)
pulumi.export("model_status", model.status)
pulumi.export("model_running", model.running)
pulumi.export("running_schedule", model.running_schedule)
pulumi.export("f1_score", model.f1_score)
pulumi.export("schedule_group", schedule.schedule_group)
pulumi.export("next_start", schedule.next_start)
pulumi.export("next_stop", schedule.next_stop)
pulumi.export("stop_after_at", schedule.stop_after_at)
pulumi.export("running_hours_per_week", schedule.running_hours_per_week)
pulumi.export("saved_fraction", schedule.saved_fraction)
pulumi.export(
    "saving",
    pulumi.Output.all(
        schedule.running_hours_per_week, schedule.saved_fraction, schedule.stop_after_at
    ).apply(lambda values: saving(*values)),
)
