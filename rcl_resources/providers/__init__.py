"""The resource providers: one module per resource, each its inputs, waits and provider, shared
by both hosts (the dynamic providers of `rcl_resources` and the plugin `pulumi-resource-rcl`)."""
