module github.com/rcl-resources/rcl-resources/examples/go

go 1.25

require (
	github.com/pulumi/pulumi/sdk/v3 v3.259.0
	github.com/rcl-resources/rcl-resources/sdk v0.3.0
)
