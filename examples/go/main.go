// The seed flow in Go, through the provider plugin `pulumi-resource-rcl` and its generated SDK:
// images -> project -> TRAIN from the manifest -> TEST by a 20% split -> a running model.
package main

import (
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"github.com/rcl-resources/rcl-resources/sdk/go/rcl"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		bucket := cfg.Require("bucket")

		images, err := rcl.NewImageFolder(ctx, "images", &rcl.ImageFolderArgs{
			Folder: pulumi.String(cfg.Require("folder")),
			Bucket: pulumi.String(bucket),
			Prefix: pulumi.String("go"),
		})
		if err != nil {
			return err
		}
		project, err := rcl.NewProject(ctx, "project", &rcl.ProjectArgs{
			Tags: pulumi.StringMap{"team": pulumi.String("vision")},
		})
		if err != nil {
			return err
		}
		train, err := rcl.NewDataset(ctx, "train", &rcl.DatasetArgs{
			ProjectArn:  project.Arn,
			DatasetType: rcl.DatasetTypeTrain,
			DatasetSource: &rcl.DatasetSourceArgs{
				GroundTruthManifest: &rcl.GroundTruthManifestArgs{S3Object: images.Manifest},
			},
		})
		if err != nil {
			return err
		}
		test, err := rcl.NewDataset(ctx, "test", &rcl.DatasetArgs{
			ProjectArn:     project.Arn,
			DatasetType:    rcl.DatasetTypeTest,
			DistributeFrom: train.Arn,
		})
		if err != nil {
			return err
		}
		model, err := rcl.NewProjectVersion(ctx, "model", &rcl.ProjectVersionArgs{
			ProjectArn: project.Arn,
			OutputConfig: &rcl.OutputConfigArgs{
				S3Bucket:    pulumi.String(bucket),
				S3KeyPrefix: pulumi.String("go/out"),
			},
			Datasets: pulumi.StringArray{train.Arn, test.Arn},
			Running:  pulumi.Bool(true),
		})
		if err != nil {
			return err
		}

		ctx.Export("projectName", project.ProjectName)
		ctx.Export("modelStatus", model.Status)
		ctx.Export("f1Score", model.F1Score)
		ctx.Export("labels", model.LabelMetrics.ApplyT(func(metrics []rcl.LabelMetric) []string {
			labels := make([]string, 0, len(metrics))
			for _, metric := range metrics {
				labels = append(labels, metric.Label)
			}
			sort.Strings(labels)
			return labels
		}).(pulumi.StringArrayOutput))
		ctx.Export("trainEntries", train.DatasetStats.TotalEntries())
		return nil
	})
}
