// The seed flow in TypeScript, through the provider plugin `pulumi-resource-rcl` and its
// generated SDK: images -> project -> TRAIN from the manifest -> TEST by a 20% split -> a
// running model.
import * as pulumi from "@pulumi/pulumi";
import * as rcl from "@rcl-resources/pulumi-rcl";

const config = new pulumi.Config();
const bucket = config.require("bucket");

const images = new rcl.ImageFolder("images", {
    folder: config.require("folder"),
    bucket,
    prefix: "typescript",
});
const project = new rcl.Project("project", { tags: { team: "vision" } });
const train = new rcl.Dataset("train", {
    projectArn: project.arn,
    datasetType: rcl.DatasetType.Train,
    datasetSource: { groundTruthManifest: { s3Object: images.manifest } },
});
const test = new rcl.Dataset("test", {
    projectArn: project.arn,
    datasetType: rcl.DatasetType.Test,
    distributeFrom: train.arn,
});
const model = new rcl.ProjectVersion("model", {
    projectArn: project.arn,
    outputConfig: { s3Bucket: bucket, s3KeyPrefix: "typescript/out" },
    datasets: [train.arn, test.arn],
    running: true,
});

export const projectName = project.projectName;
export const modelStatus = model.status;
export const f1Score = model.f1Score;
export const labels = model.labelMetrics.apply(metrics => metrics.map(m => m.label).sort());
export const trainEntries = train.datasetStats.totalEntries;
