"""`pulumi-resource-rcl`: the resources as a Pulumi provider plugin, for programs in any Pulumi
language. A thin host: requests become the snake_case props the resource providers take, and
their results become camelCase properties."""

from __future__ import annotations

import ast
import asyncio
import contextvars
import functools
import inspect
import itertools
import json
import re
import sys
import types
import typing
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pydantic
from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental import server
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN

from . import __version__, progress
from ._inputs import S3Object, renamed
from ._provider import Provider, is_unknown
from .api_model import Api, member
from .dataset import Dataset
from .image_folder import ImageFolder
from .manifest import OBJECT_DETECTION
from .project import Project
from .project_policy import ProjectPolicy
from .project_version import ProjectVersion
from .providers.dataset import DatasetStats, _DatasetProvider
from .providers.image_folder import _ImageFolderProvider, read_folder
from .providers.project import _ProjectProvider
from .providers.project_policy import _ProjectPolicyProvider
from .providers.project_version import LabelMetric, _ProjectVersionProvider

PACKAGE = "rcl"
REPOSITORY = "https://github.com/rcl-resources/rcl-resources"
RESOURCES: dict[str, tuple[type[Provider], type]] = {
    f"{PACKAGE}:index:Project": (_ProjectProvider, Project),
    f"{PACKAGE}:index:Dataset": (_DatasetProvider, Dataset),
    f"{PACKAGE}:index:ProjectVersion": (_ProjectVersionProvider, ProjectVersion),
    f"{PACKAGE}:index:ProjectPolicy": (_ProjectPolicyProvider, ProjectPolicy),
    f"{PACKAGE}:index:ImageFolder": (_ImageFolderProvider, ImageFolder),
}
# Provider configuration (`rcl:<key>`) and the props they become.
CONFIG = {  # `rcl:<key>` → the prop it becomes
    "region": "region",
    "profile": "profile",
    "endpointUrl": "endpoint_url",
    "s3EndpointUrl": "s3_endpoint_url",
}
# Inputs the dynamic host carries for itself; the plugin takes them from its configuration.
HIDDEN = frozenset({"owner", "profile", "endpoint_url", "s3_endpoint_url", "digest"})
# Every request's blocking work gets its own thread, so long waits (training, slots) never
# queue behind each other; threads are made on demand, so the bound costs nothing until used.
WORKERS = 1024


# --- names ---------------------------------------------------------------------------------------


def camel(name: str) -> str:
    """`min_f1_score` → `minF1Score`."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    """`minF1Score` → `min_f1_score`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


# --- property values -----------------------------------------------------------------------------


def plain(value: PropertyValue) -> Any:
    """A PropertyValue as plain Python; unknowns as the UNKNOWN sentinel the providers know."""
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN
    if isinstance(inner, typing.Mapping):
        return {k: plain(v) for k, v in inner.items()}
    if isinstance(inner, tuple):
        return [plain(v) for v in inner]
    if isinstance(inner, float) and inner.is_integer():
        return int(inner)
    return inner


def wrapped(value: Any) -> PropertyValue:
    """Plain Python as a PropertyValue."""
    if isinstance(value, str) and value == UNKNOWN:
        # The engine reads this sentinel as unknown; the SDK cannot marshal its own Computed.
        return PropertyValue(UNKNOWN)
    if isinstance(value, dict):
        return PropertyValue({k: wrapped(v) for k, v in value.items() if v is not None})
    if isinstance(value, (list, tuple)):
        return PropertyValue([wrapped(v) for v in value])
    if isinstance(value, int) and not isinstance(value, bool):
        return PropertyValue(float(value))
    return PropertyValue(value)


def props_in(values: dict[str, PropertyValue]) -> dict[str, Any]:
    return renamed({k: plain(v) for k, v in values.items()}, snake)


def props_out(
    props: dict[str, Any], *sources: dict[str, PropertyValue]
) -> dict[str, PropertyValue]:
    """Props as properties; a property stays secret when it was secret in any of `sources`
    (the request's inputs or state)."""
    secret = {k for source in sources for k, v in source.items() if v.contains_secret()}
    visible = {k: v for k, v in props.items() if k not in HIDDEN and v is not None}
    return {
        k: wrapped(v).with_secret(True) if k in secret else wrapped(v)
        for k, v in renamed(visible, camel).items()
    }


# --- the provider --------------------------------------------------------------------------------


def is_known(value: Any) -> bool:
    return value is not None and not is_unknown(value)


def owner_of_urn(urn: str) -> str:
    """`urn:pulumi:<stack>::<project>::<type>::<name>` → `<project>/<stack>/<name>`, the owner
    token the dynamic host builds in the program."""
    _, _, rest = urn.partition("urn:pulumi:")
    stack, project, _type, name = rest.split("::", 3)
    return f"{project}/{stack}/{name}"


class RclProvider(api.Provider):
    """The plugin's provider: one per `rcl` provider resource (default or explicit)."""

    def __init__(self) -> None:
        self.connection: dict[str, Any] = {}
        self.pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="rcl")
        self.engine: Any = None

    def core(self, request: Any) -> Provider:
        token = request.urn.split("::")[2].split("$")[-1]
        if token not in RESOURCES:
            raise ValueError(f"unknown resource type {token}")
        return RESOURCES[token][0]()

    async def run(self, urn: str, function: Any, *args: Any) -> Any:
        """`function(*args)` on a worker thread; what it says goes to the engine on `urn`."""
        context = contextvars.copy_context()
        context.run(progress.SINK.set, functools.partial(self.say, urn))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, context.run, function, *args)

    def attach(self, engine_address: str) -> None:
        """Talk back to the engine that started the plugin (for messages on resources)."""
        channel = grpc.insecure_channel(engine_address)
        self.engine = engine_pb2_grpc.EngineStub(channel)

    def say(self, urn: str, severity: str, message: str, ephemeral: bool) -> None:
        if self.engine is None:
            print(f"{severity}: {message}", file=sys.stderr)
            return
        level = engine_pb2.WARNING if severity == "warning" else engine_pb2.INFO
        request = engine_pb2.LogRequest(
            severity=level, message=message, urn=urn, ephemeral=ephemeral
        )
        self.engine.Log(request)

    async def get_schema(self, request: api.GetSchemaRequest) -> api.GetSchemaResponse:
        return api.GetSchemaResponse(json.dumps(schema()))

    async def configure(self, request: api.ConfigureRequest) -> api.ConfigureResponse:
        args = props_in(request.args)
        for key, prop in CONFIG.items():
            value = args.get(prop) or request.variables.get(f"{PACKAGE}:config:{key}")
            if value:
                self.connection[prop] = value
        return api.ConfigureResponse(
            accept_secrets=True, supports_preview=True, accept_resources=True, accept_outputs=True
        )

    def with_connection(self, props: dict[str, Any], urn: str) -> dict[str, Any]:
        base = {k: v for k, v in self.connection.items() if k != "region" or not props.get(k)}
        return {**props, **base, "owner": owner_of_urn(urn)}

    async def check(self, request: api.CheckRequest) -> api.CheckResponse:
        core = self.core(request)
        news = self.with_connection(props_in(request.new_inputs), request.urn)
        if (
            isinstance(core, _ImageFolderProvider)
            and is_known(news.get("folder"))
            and not any(
                is_unknown(news.get(k)) for k in ("kind", "annotations", "annotation_format")
            )
        ):
            # The Python program reads the folder itself; for other languages the plugin does.
            try:
                news.update(read_folder(news))
            except ValueError as err:
                detection = news.get("kind") == OBJECT_DETECTION
                field = "annotations" if detection and "image folder" not in str(err) else "folder"
                return api.CheckResponse(
                    props_out(news, request.new_inputs),
                    [api.CheckFailure(field, f"ImageFolder {field}: {err}")],
                )
        olds = props_in(request.old_inputs)
        result = await self.run(request.urn, core.check, olds, news)
        failures = []
        for failure in result.failures or []:
            path = ".".join(map(camel, failure.property.split(".")))
            # The reason names the property too: in this surface's spelling.
            reason = failure.reason.replace(f" {failure.property} ", f" {path} ", 1)
            failures.append(api.CheckFailure(path, reason))
        return api.CheckResponse(props_out(result.inputs, request.new_inputs), failures)

    async def diff(self, request: api.DiffRequest) -> api.DiffResponse:
        # The recorded inputs complete the state: after an import and a no-op `up`, only they
        # hold what the program declared for inputs AWS cannot report (`write_only`).
        recorded = props_in(OLD_INPUTS.get() or {})
        olds = self.with_connection({**props_in(request.old_state), **recorded}, request.urn)
        news = self.with_connection(props_in(request.new_inputs), request.urn)
        result = await self.run(
            request.urn, self.core(request).diff, request.resource_id, olds, news
        )
        replaces = [camel(k) for k in result.replaces or []]
        return api.DiffResponse(
            changes=bool(result.changes),
            replaces=replaces,
            delete_before_replace=bool(result.delete_before_replace),
            diffs=replaces,
            detailed_diff={},
        )

    async def create(self, request: api.CreateRequest) -> api.CreateResponse:
        props = self.with_connection(props_in(request.properties), request.urn)
        if request.preview:
            return api.CreateResponse(None, props_out(props, request.properties))
        props = with_timeout(props, "create", request.timeout)
        result = await self.run(request.urn, self.core(request).create, props)
        return api.CreateResponse(result.id, props_out(result.outs, request.properties))

    async def read(self, request: api.ReadRequest) -> api.ReadResponse:
        props = self.with_connection(props_in(request.properties), request.urn)
        result = await self.run(request.urn, self.core(request).read, request.resource_id, props)
        if not result.outs:
            return api.ReadResponse(None, {}, {})
        return api.ReadResponse(
            result.id,
            props_out(result.outs, request.properties, request.inputs),
            props_out(result.inputs or result.outs, request.properties, request.inputs),
        )

    async def update(self, request: api.UpdateRequest) -> api.UpdateResponse:
        olds = self.with_connection(props_in(request.olds), request.urn)
        news = self.with_connection(props_in(request.news), request.urn)
        if request.preview:
            return api.UpdateResponse(props_out({**olds, **news}, request.news))
        news = with_timeout(news, "update", request.timeout)
        result = await self.run(
            request.urn, self.core(request).update, request.resource_id, olds, news
        )
        return api.UpdateResponse(props_out(result.outs, request.news))

    async def delete(self, request: api.DeleteRequest) -> None:
        props = self.with_connection(props_in(request.properties), request.urn)
        props = with_timeout(props, "delete", request.timeout)
        await self.run(request.urn, self.core(request).delete, request.resource_id, props)


def with_timeout(props: dict[str, Any], operation: str, seconds: float) -> dict[str, Any]:
    """Pulumi's `customTimeouts` (seconds; 0 when unset) become the resource's `timeouts`."""
    if not seconds:
        return props
    return {**props, "timeouts": {**(props.get("timeouts") or {}), operation: seconds}}


# --- schema --------------------------------------------------------------------------------------


def schema() -> dict[str, Any]:
    """The package schema, generated from the resources' input models and output annotations,
    with their docstrings as descriptions."""
    types_: dict[str, Any] = {}
    resources = {}
    for token, (core, resource) in RESOURCES.items():
        fields = {n: f for n, f in core.inputs_model.model_fields.items() if n not in HIDDEN}
        docs = model_docs(core.inputs_model)
        inputs = {
            camel(name): field_schema(field, types_, docs.get(name))
            for name, field in fields.items()
        }
        outputs = {**inputs}
        # Check fills defaults in, so an input with one is always in the state.
        always = {n for n, f in fields.items() if f.is_required() or f.default is not None}
        namespace = vars(sys.modules[resource.__module__])
        described = attribute_docs(resource)
        for name, annotation in vars(resource).get("__annotations__", {}).items():
            if isinstance(annotation, str):
                annotation = eval(annotation, namespace)  # the class's own output annotations
            inner = typing.get_args(annotation)[0] if typing.get_args(annotation) else Any
            if type(None) in typing.get_args(inner):
                always.discard(name)
            else:
                always.add(name)
            inner = OUTPUT_TYPES.get((token, name), inner)
            outputs[camel(name)] = property_schema(inner, types_, described.get(name))
        resources[token] = {
            "description": inspect.cleandoc(resource.__doc__ or token),
            "inputProperties": inputs,
            "properties": outputs,
            "required": sorted(camel(n) for n in always),
            **non_empty("requiredInputs", [camel(n) for n, f in fields.items() if f.is_required()]),
        }
    config = {
        key: {"type": "string", "description": description}
        for key, description in CONFIG_DESCRIPTIONS.items()
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
        "pluginDownloadURL": "github://api.github.com/rcl-resources/rcl-resources",
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
                "importBasePath": "github.com/rcl-resources/rcl-resources/sdk/go/rcl",
                "respectSchemaVersion": True,
                "generateResourceContainerTypes": True,
            },
            "csharp": {"rootNamespace": "RclResources", "respectSchemaVersion": True},
        },
    }


# The README of the packages on PyPI and npm.
SDK_README = f"""\
# Rekognition Custom Labels for Pulumi

Amazon Rekognition Custom Labels as Pulumi resources: `Project`, `Dataset`, `ProjectVersion`
(trained, evaluated, and running or stopped), `ProjectPolicy` and `ImageFolder` (a local folder
of labelled images uploaded to S3 as a Ground Truth manifest).

```sh
{{install}}
```

The first `pulumi up` downloads the provider plugin `pulumi-resource-rcl`, a self-contained
executable, from the project's GitHub release. Configuration: `rcl:region`, `rcl:profile`,
`rcl:endpointUrl`, `rcl:s3EndpointUrl`, then the AWS default chain. A local emulator that
really trains runs with `pipx run --spec 'rcl-resources[emulator]' rcl-emulator serve`.

Documentation, examples in every language and the changelog: {REPOSITORY}
"""

# Outputs the Python SDK must see as plain dicts (it converts to the annotated type), typed
# precisely for other languages.
OUTPUT_TYPES: dict[tuple[str, str], Any] = {
    (f"{PACKAGE}:index:ImageFolder", "manifest"): S3Object,
    (f"{PACKAGE}:index:Dataset", "dataset_stats"): DatasetStats,
    (f"{PACKAGE}:index:ProjectVersion", "evaluation_summary"): S3Object,
    (f"{PACKAGE}:index:ProjectVersion", "label_metrics"): list[LabelMetric],
}

CONFIG_DESCRIPTIONS = {
    "region": "AWS region of every rcl resource (then aws:region, then the AWS default chain).",
    "profile": "AWS profile to use (then aws:profile, then the AWS default chain).",
    "endpointUrl": "Rekognition endpoint override, e.g. a local rcl-emulator.",
    "s3EndpointUrl": "S3 endpoint override, e.g. a local rcl-emulator.",
}


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
    bases = [c for c in reversed(model.__mro__)
             if issubclass(c, pydantic.BaseModel) and c is not pydantic.BaseModel]
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


# A Diff request's recorded inputs (the SDK's DiffRequest leaves them out).
OLD_INPUTS: contextvars.ContextVar[dict[str, PropertyValue] | None] = contextvars.ContextVar(
    "OLD_INPUTS", default=None
)


class RclServicer(server.ProviderServicer):
    def __init__(self, args: Any, version: str, provider: Any, engine_address: str) -> None:
        super().__init__(args, version, provider, engine_address=engine_address)
        provider.attach(engine_address)

    async def Diff(self, request: Any, context: Any) -> Any:
        OLD_INPUTS.set(PropertyValue.unmarshal_map(request.old_inputs))
        return await super().Diff(request, context)


def main() -> None:
    """Entry point of the `pulumi-resource-rcl` console script."""
    server.ProviderServicer = RclServicer  # type: ignore[misc]  # what server.main serves
    server.main(sys.argv[1:], __version__, RclProvider())
