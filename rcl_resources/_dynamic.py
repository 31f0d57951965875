"""The dynamic host's program side: the Args and keyword forms become the plain props a
provider takes, and `Resource.get` reads an existing resource."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar, cast

from pulumi.dynamic import Resource, ResourceProvider

from ._provider import Provider, plain

R = TypeVar("R", bound=Resource)


def hosted(provider: Provider) -> ResourceProvider:
    """A core provider as the dynamic `Resource` takes it: it has every method the dynamic
    provider host calls (`pulumi.dynamic.ResourceProvider`'s protocol), without its class."""
    return cast(ResourceProvider, provider)


def merge_args(args: Any, kwargs: dict[str, Any], args_type: type) -> dict[str, Any]:
    """Inputs from an Args object and/or keyword arguments (keywords win), like pulumi_aws."""
    if args is not None and not isinstance(args, args_type):
        raise TypeError(f"expected {args_type.__name__}, got {type(args).__name__}")
    unknown = {k for k in kwargs if k not in {f.name for f in dataclasses.fields(args_type)}}
    if unknown:
        allowed = ", ".join(f.name for f in dataclasses.fields(args_type))
        raise TypeError(f"unexpected argument(s) {sorted(unknown)}; allowed: {allowed}")
    merged = plain(args) if args is not None else {}
    merged.update({k: plain(v) for k, v in kwargs.items() if v is not None})
    return merged


def program_props(
    resource_type: type,
    args_type: type,
    resource_name: str,
    positional: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> tuple[dict[str, Any], Any]:
    """A resource's props and options as the program gives them, in either of pulumi_aws's
    forms: `(name, args, opts)` or `(name, opts, **inputs)` (and `args=`/`opts=` by keyword).
    The props are the inputs, connection settings from the stack config, the owner token, and
    every output (the class's annotations) seeded empty."""
    from pulumi import ResourceOptions

    from ._aws import program_connection

    kwargs = dict(kwargs)
    rest = list(positional)
    args, opts = kwargs.pop("args", None), kwargs.pop("opts", None)
    if rest and (rest[0] is None or isinstance(rest[0], args_type)):
        args = rest.pop(0)
    if rest and (rest[0] is None or isinstance(rest[0], ResourceOptions)):
        opts = rest.pop(0)
    if rest:
        raise TypeError(
            f"{resource_type.__name__}({resource_name!r}, ...) takes a {args_type.__name__} "
            f"and/or ResourceOptions, not {type(rest[0]).__name__}"
        )
    inputs = merge_args(args, kwargs, args_type)
    props = {
        **program_connection(inputs.pop("region", None)),
        **inputs,
        "owner": owner_token(resource_name),
    }
    for output in getattr(resource_type, "__annotations__", {}):
        props.setdefault(output, None)
    return props, opts


def existing(
    resource_type: type[R], provider: Provider, resource_name: str, id_: Any, opts: Any
) -> R:
    """`Resource.get`: the resource with this id, read into the program and not managed by
    it (what `pulumi_aws`'s `get` does)."""
    from pulumi import ResourceOptions

    from ._aws import program_connection

    props: dict[str, Any] = program_connection(None)
    fields = provider.inputs_model.model_fields
    for name in [*fields, *getattr(resource_type, "__annotations__", {})]:
        props.setdefault(name, None)
    resource = resource_type.__new__(resource_type)
    options = ResourceOptions.merge(opts, ResourceOptions(id=id_))
    Resource.__init__(resource, hosted(provider), resource_name, props, options)
    return resource


def owner_token(resource_name: str) -> str:
    """`<pulumi project>/<stack>/<resource name>`: known to the program, not the provider."""
    import pulumi

    return f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}"
