"""The yardstick of preview overhead: a dynamic resource that does nothing."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class TrivialProvider(ResourceProvider):
    """Creates nothing, anywhere."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_="trivial", outs=props)


class Trivial(Resource):
    """A dynamic resource with one input, as cheap as Pulumi makes one."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__(TrivialProvider(), name, {"value": value})
