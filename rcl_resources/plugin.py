"""`pulumi-resource-rcl`: the resources as a Pulumi provider plugin, for programs in any Pulumi
language. A thin host: requests become the snake_case props the resource providers take, and
their results become camelCase properties."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental import server
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from . import __version__, progress
from ._properties import camel, props_in, props_out
from ._provider import CheckFailure, Provider
from .registry import BY_TOKEN, PACKAGE, provider_class
from .schema import CONFIG, schema

# Every request's blocking work gets its own thread, so long waits (training, slots) never
# queue behind each other; threads are made on demand, so the bound costs nothing until used.
WORKERS = 1024


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
        if token not in BY_TOKEN:
            raise ValueError(f"unknown resource type {token}")
        return provider_class(BY_TOKEN[token].name)()

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
        for key, setting in CONFIG.items():
            value = args.get(setting.prop) or request.variables.get(f"{PACKAGE}:config:{key}")
            if value:
                self.connection[setting.prop] = value
        return api.ConfigureResponse(
            accept_secrets=True, supports_preview=True, accept_resources=True, accept_outputs=True
        )

    def with_connection(self, props: dict[str, Any], urn: str) -> dict[str, Any]:
        base = {k: v for k, v in self.connection.items() if k != "region" or not props.get(k)}
        return {**props, **base, "owner": owner_of_urn(urn)}

    async def check(self, request: api.CheckRequest) -> api.CheckResponse:
        core = self.core(request)
        news = self.with_connection(props_in(request.new_inputs), request.urn)
        local = core.local_inputs(news)
        if local:
            return api.CheckResponse(props_out(news, request.new_inputs), failures_out(local))
        olds = props_in(request.old_inputs)
        result = await self.run(request.urn, core.check, olds, news)
        return api.CheckResponse(
            props_out(result.inputs, request.new_inputs), failures_out(result.failures or [])
        )

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


def failures_out(failures: list[CheckFailure]) -> list[api.CheckFailure]:
    """Check failures in this surface's spelling: the path, and the property the reason names."""
    out = []
    for failure in failures:
        path = ".".join(map(camel, failure.property.split(".")))
        reason = failure.reason.replace(f" {failure.property} ", f" {path} ", 1)
        out.append(api.CheckFailure(path, reason))
    return out


def with_timeout(props: dict[str, Any], operation: str, seconds: float) -> dict[str, Any]:
    """Pulumi's `customTimeouts` (seconds; 0 when unset) become the resource's `timeouts`."""
    if not seconds:
        return props
    return {**props, "timeouts": {**(props.get("timeouts") or {}), operation: seconds}}


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
