"""The package schema (`sdk/schema.json`, served by the plugin's GetSchema), generated from the
resources' input models and output annotations, with their docstrings as descriptions."""

from __future__ import annotations

import ast
import inspect
import itertools
import types
import typing
from typing import Any, NamedTuple

import pydantic

from . import __version__
from ._properties import HIDDEN, camel
from .api_model import Api, member
from .registry import KINDS, PACKAGE, Kind, provider_class

SLUG = "rcl-resources/rcl-resources"
"""The project's repository on GitHub: its releases carry the plugin, its tags the Go SDK."""
REPOSITORY = f"https://github.com/{SLUG}"
PLUGIN_DOWNLOAD_URL = f"github://api.github.com/{SLUG}"


class Setting(NamedTuple):
    prop: str
    """The prop it becomes in every resource's props."""
    description: str


# Provider configuration: `rcl:<key>`.
CONFIG = {
    "region": Setting(
        "region", "AWS region of every rcl resource (then aws:region, then the AWS default chain)."
    ),
    "profile": Setting(
        "profile", "AWS profile to use (then aws:profile, then the AWS default chain)."
    ),
    "endpointUrl": Setting(
        "endpoint_url", "Rekognition endpoint override, e.g. a local rcl-emulator."
    ),
    "s3EndpointUrl": Setting("s3_endpoint_url", "S3 endpoint override, e.g. a local rcl-emulator."),
    "schedulerEndpointUrl": Setting(
        "scheduler_endpoint_url",
        "EventBridge Scheduler endpoint override (RunningSchedule), e.g. a local rcl-emulator.",
    ),
}


def schema() -> dict[str, Any]:
    """The package schema, generated from the resources' input models and outputs, with their
    docstrings as descriptions."""
    types_: dict[str, Any] = {}
    resources = {kind.token: resource_schema(kind, types_) for kind in KINDS}
    config = {
        key: {"type": "string", "description": setting.description}
        for key, setting in CONFIG.items()
    }
    return {
        "name": PACKAGE,
        "displayName": "Rekognition Custom Labels",
        "version": __version__,
        "description": "Amazon Rekognition Custom Labels: projects, datasets, trained models.",
        "publisher": "rcl-resources",
        "homepage": REPOSITORY,
        "repository": REPOSITORY,
        "logoUrl": f"{REPOSITORY}/raw/main/docs/logo.png",
        # The plugin archive of each release: `pulumi up` downloads it by itself.
        "pluginDownloadURL": PLUGIN_DOWNLOAD_URL,
        "config": {"variables": config},
        "provider": {"inputProperties": config},
        "resources": resources,
        "types": types_,
        "license": "Apache-2.0",
        "keywords": ["aws", "rekognition", "custom-labels", "category/cloud", "kind/native"],
        "language": {
            "python": {
                "packageName": "pulumi_rcl",
                "readme": SDK_README.format(install="pip install pulumi-rcl"),
                "respectSchemaVersion": True,
                "pyproject": {"enabled": True},
            },
            "nodejs": {
                "packageName": "@rcl-resources/pulumi-rcl",
                "readme": SDK_README.format(install="npm install @rcl-resources/pulumi-rcl"),
                "respectSchemaVersion": True,
            },
            "go": {
                "importBasePath": f"github.com/{SLUG}/sdk/go/rcl",
                "respectSchemaVersion": True,
                "generateResourceContainerTypes": True,
            },
            "csharp": {"rootNamespace": "RclResources", "respectSchemaVersion": True},
        },
    }


def resource_schema(kind: Kind, types_: dict[str, Any]) -> dict[str, Any]:
    """One resource's schema; the types it uses are added to `types_`."""
    core = provider_class(kind.name)
    fields = {n: f for n, f in core.inputs_model.model_fields.items() if n not in HIDDEN}
    docs = model_docs(core.inputs_model)
    inputs = {
        camel(name): field_schema(field, types_, docs.get(name)) for name, field in fields.items()
    }
    outputs = {**inputs}
    # Check fills defaults in, so an input with one is always in the state.
    always = {n for n, f in fields.items() if f.is_required() or f.default is not None}
    described = attribute_docs(core.outputs)
    for name, annotation in typing.get_type_hints(core.outputs).items():
        if type(None) in typing.get_args(annotation):
            always.discard(name)
        else:
            always.add(name)
        outputs[camel(name)] = property_schema(annotation, types_, described.get(name))
    return {
        "description": inspect.cleandoc(core.__doc__ or kind.token),
        "inputProperties": inputs,
        "properties": outputs,
        "required": sorted(camel(n) for n in always),
        **non_empty("requiredInputs", [camel(n) for n, f in fields.items() if f.is_required()]),
    }


# The README of the packages on PyPI and npm.
SDK_README = f"""\
# Rekognition Custom Labels for Pulumi

Amazon Rekognition Custom Labels as Pulumi resources: `Project`, `Dataset`, `ProjectVersion`
(trained, evaluated, and running or stopped), `ProjectPolicy`, `ImageFolder` (a local folder
of labelled images uploaded to S3 as a Ground Truth manifest) and `RunningSchedule` (when a
model runs, through EventBridge Scheduler).

```sh
{{install}}
```

The first `pulumi up` downloads the provider plugin `pulumi-resource-rcl`, a self-contained
executable, from the project's GitHub release. Configuration: `rcl:region`, `rcl:profile`,
`rcl:endpointUrl`, `rcl:s3EndpointUrl`, `rcl:schedulerEndpointUrl`, then the AWS default
chain. A local emulator that
really trains runs with `pipx run --spec 'rcl-resources[emulator]' rcl-emulator serve`.

Documentation, examples in every language and the changelog: {REPOSITORY}
"""


def non_empty(key: str, names: list[str]) -> dict[str, list[str]]:
    """`{key: names}`, or nothing when there are none (the engine drops empty lists)."""
    return {key: names} if names else {}


def attribute_docs(cls: type) -> dict[str, str]:
    """The docstrings written under a class's annotated attributes."""
    tree = ast.parse(inspect.cleandoc("\n" + inspect.getsource(cls)))
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, after in itertools.pairwise(body):
        is_doc = isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and is_doc:
            docs[node.target.id] = inspect.cleandoc(str(after.value.value))  # type: ignore[attr-defined]
    return docs


def model_docs(model: type[pydantic.BaseModel]) -> dict[str, str]:
    """An input model's field docstrings, its bases' included. Read here, not by pydantic at
    class creation, so that importing the resources does not parse their source."""
    bases = [
        c
        for c in reversed(model.__mro__)
        if issubclass(c, pydantic.BaseModel) and c is not pydantic.BaseModel
    ]
    return {name: doc for c in bases for name, doc in attribute_docs(c).items()}


def field_schema(
    field: pydantic.fields.FieldInfo, types_: dict[str, Any], doc: str | None
) -> dict[str, Any]:
    """An input's schema: an enum when the service model lists the API member's values."""
    description = field.description or doc
    rules = [m.func for m in field.metadata if isinstance(getattr(m, "func", None), Api)]
    enum = enum_schema(rules[0], types_) if rules else None
    if enum is None:
        return property_schema(field.annotation, types_, description)
    return {**enum, "description": inspect.cleandoc(description or "")}


def property_schema(
    annotation: Any, types_: dict[str, Any], description: str | None
) -> dict[str, Any]:
    spec = type_schema(annotation, types_)
    return {**spec, "description": inspect.cleandoc(description)} if description else spec


def type_schema(annotation: Any, types_: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin is typing.Annotated:
        return type_schema(args[0], types_)
    if origin in (typing.Union, types.UnionType):
        return type_schema(args[0], types_) if len(args) == 1 else {"$ref": "pulumi.json#/Any"}
    if origin is typing.Literal:
        return {"type": "string"}
    if origin in (list, typing.List):  # noqa: UP006
        return {"type": "array", "items": type_schema(args[0] if args else Any, types_)}
    if origin in (dict, typing.Dict):  # noqa: UP006
        value = args[1] if len(args) > 1 else Any
        return {"type": "object", "additionalProperties": type_schema(value, types_)}
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        name = annotation.__name__.lstrip("_")
        token = f"{PACKAGE}:index:{name}"
        if token not in types_:
            types_[token] = {}  # recursion guard
            docs = model_docs(annotation)
            types_[token] = {
                "type": "object",
                "description": inspect.cleandoc(annotation.__doc__ or name),
                "properties": {
                    camel(n): field_schema(f, types_, docs.get(n))
                    for n, f in annotation.model_fields.items()
                },
                **non_empty(
                    "required",
                    [camel(n) for n, f in annotation.model_fields.items() if f.is_required()],
                ),
            }
        return {"$ref": f"#/types/{token}"}
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if annotation in simple:
        return {"type": simple[annotation]}
    return {"$ref": "pulumi.json#/Any"}


def enum_schema(rules: Api, types_: dict[str, Any]) -> dict[str, Any] | None:
    """An enum type for an API member the service model gives values for (named after its
    shape, e.g. `DatasetType`); None for any other member."""
    shape = member(rules.address)
    values = shape.metadata.get("enum")
    if not values:
        return None
    token = f"{PACKAGE}:index:{shape.name}"
    types_[token] = {
        "type": "string",
        "description": f"The values of the Rekognition API's {shape.name}.",
        "enum": [
            {"name": "".join(w.capitalize() for w in value.split("_")), "value": value}
            for value in values
        ],
    }
    return {"$ref": f"#/types/{token}"}
