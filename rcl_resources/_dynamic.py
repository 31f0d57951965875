"""The dynamic host's program side: the Args and keyword forms become the plain props a
provider takes, each resource names its provider without importing it, and `Resource.get`
reads an existing resource.

A program imports only this and the resource modules it uses (`rcl_resources.project`, ...).
The providers, with pydantic and botocore, are imported by the provider host, and in a program
only where it needs them: an ImageFolder reads its folder as it is declared, and `get` lists
a resource's input fields.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pulumi
from pulumi.dynamic import Resource, ResourceProvider

from ._plain import plain
from .registry import BY_NAME, provider_class

if TYPE_CHECKING:
    from ._provider import Provider

R = TypeVar("R", bound=Resource)


def load_provider(kind: str) -> Provider:
    """A new provider of resource `kind`. Stacks pickle this function's path and `kind`
    (`rcl_resources._dynamic.load_provider`): keep both."""
    return provider_class(kind)()


class _ProviderRef:
    """A resource's provider as its program hands it to Pulumi: pickled as a call to
    `load_provider`, so declaring the resource imports none of the provider's code."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __reduce__(self) -> tuple[Any, ...]:
        return load_provider, (self.kind,)


def provider_of(kind: str) -> ResourceProvider:
    """What the dynamic `Resource` takes as its provider: the provider host unpickles it into
    `load_provider(kind)`, which has every method that host calls."""
    return cast(ResourceProvider, _ProviderRef(kind))


def moved_provider(kind: str) -> Callable[[str], Any]:
    """A resource module's `__getattr__` that keeps its provider class importable from where
    earlier releases pickled it (`rcl_resources.project._ProjectProvider`, ...)."""
    found = BY_NAME[kind]

    def __getattr__(attribute: str) -> Any:
        if attribute != found.provider:
            raise AttributeError(
                f"module 'rcl_resources.{found.module}' has no attribute {attribute!r}"
            )
        return provider_class(kind)

    return __getattr__


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
    from ._aws import program_connection

    kwargs = dict(kwargs)
    rest = list(positional)
    args, opts = kwargs.pop("args", None), kwargs.pop("opts", None)
    if rest and (rest[0] is None or isinstance(rest[0], args_type)):
        args = rest.pop(0)
    if rest and (rest[0] is None or isinstance(rest[0], pulumi.ResourceOptions)):
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


def read_local(kind: str, props: dict[str, Any]) -> None:
    """Complete `props` with what only the machine running the program can read (an
    ImageFolder's files), as it is declared: the provider's code, loaded only here."""
    failures = provider_class(kind)().local_inputs(props)
    if failures:
        raise ValueError("; ".join(failure.reason for failure in failures))


def dataset_revision(dataset: Resource, resource_name: str, props: dict[str, Any]) -> Any:
    """A Dataset's `revision`: `<resource name>@<digest of what it holds>`. Known at preview
    whenever the content is, so an in-place change elsewhere does not show a retraining;
    through the URN it still orders a model trained on it after the dataset."""
    content = pulumi.Output.from_input(
        {
            "dataset_type": props.get("dataset_type"),
            "dataset_source": props.get("dataset_source"),
            "entries": props.get("entries"),
            "distributed": bool(props.get("distribute_from")),
        }
    )
    return pulumi.Output.all(dataset.urn, content).apply(
        lambda values: f"{resource_name}@{_digest(values[1])}"
    )


def _digest(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]


PROGRAM_OUTPUTS: dict[str, dict[str, Callable[[Resource, str, dict[str, Any]], Any]]] = {
    "Dataset": {"revision": dataset_revision},
}
"""Outputs a resource's program computes itself (the Python surface only), each of type
`pulumi.Output[str]`: name and function, per resource."""


def existing(resource_type: type[R], kind: str, resource_name: str, id_: Any, opts: Any) -> R:
    """`Resource.get`: the resource with this id, read into the program and not managed by
    it (what `pulumi_aws`'s `get` does)."""
    from ._aws import program_connection

    props: dict[str, Any] = program_connection(None)
    fields = provider_class(kind).inputs_model.model_fields
    for name in [*fields, *getattr(resource_type, "__annotations__", {})]:
        props.setdefault(name, None)
    resource = resource_type.__new__(resource_type)
    options = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id_))
    Resource.__init__(resource, provider_of(kind), resource_name, props, options)
    return resource


def owner_token(resource_name: str) -> str:
    """`<pulumi project>/<stack>/<resource name>`: known to the program, not the provider."""
    return f"{pulumi.get_project()}/{pulumi.get_stack()}/{resource_name}"
