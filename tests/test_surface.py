"""The typed Python surface, like pulumi_aws's: every resource takes an Args object or keyword
arguments (typed overloads of one constructor), and every input and output is documented."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import inspect
import typing
from typing import Any

import pulumi
import pytest

import rcl_resources as rcl
from rcl_resources._properties import HIDDEN
from rcl_resources.registry import KINDS, Kind, provider_class
from rcl_resources.schema import attribute_docs, model_docs

RESOURCES = [
    (rcl.Project, rcl.ProjectArgs),
    (rcl.Dataset, rcl.DatasetArgs),
    (rcl.ProjectVersion, rcl.ProjectVersionArgs),
    (rcl.ProjectPolicy, rcl.ProjectPolicyArgs),
    (rcl.ImageFolder, rcl.ImageFolderArgs),
]
NESTED_ARGS = [getattr(rcl, name) for name in rcl.__all__ if name.endswith("Args")]


@pytest.mark.parametrize(("resource", "args"), RESOURCES, ids=lambda x: x.__name__)
def test_the_keyword_form_takes_exactly_the_args_fields_with_their_types(
    resource: type, args: type
) -> None:
    by_args, by_keywords = typing.get_overloads(resource.__init__)
    assert list(typing.get_type_hints(by_args, localns=vars(rcl))) == [
        "resource_name",
        "args",
        "opts",
        "return",
    ]
    keywords = {
        name: str(param.annotation)
        for name, param in inspect.signature(by_keywords).parameters.items()
        if param.kind is param.KEYWORD_ONLY
    }
    fields = {
        f.name: str(f.type) if str(f.type).endswith("| None") else f"{f.type} | None"
        for f in dataclasses.fields(args)
    }
    assert keywords == fields


@pytest.mark.parametrize("args", NESTED_ARGS, ids=lambda x: x.__name__)
def test_every_input_is_documented(args: type) -> None:
    documented = attribute_docs(args)
    assert [f.name for f in dataclasses.fields(args) if f.name not in documented] == []


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.inputs[args.name] = dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


def test_args_object_keywords_and_options_in_either_place() -> None:
    recorder = Recorder()
    asyncio.set_event_loop(asyncio.new_event_loop())  # pulumi's mocks run on the current loop
    pulumi.runtime.set_mocks(recorder, project="surface", stack="test", preview=False)
    protect = pulumi.ResourceOptions(protect=True)

    @pulumi.runtime.test
    def program() -> None:
        rcl.Project("by-args", rcl.ProjectArgs(feature="CONTENT_MODERATION"), protect)
        rcl.Project("by-keywords", protect, feature="CONTENT_MODERATION", region="eu-west-1")
        rcl.Project("keywords-win", rcl.ProjectArgs(feature="CUSTOM_LABELS"), feature="X")
        rcl.Project("by-name", args=rcl.ProjectArgs(tags={"a": "b"}), opts=protect)
        with pytest.raises(TypeError, match="takes a ProjectArgs and/or ResourceOptions"):
            rcl.Project("wrong", {"feature": "CUSTOM_LABELS"})  # type: ignore[call-overload]
        with pytest.raises(TypeError, match="unexpected argument"):
            rcl.Project("typo", featur="CUSTOM_LABELS")  # type: ignore[call-overload]

    program()
    inputs = recorder.inputs
    assert inputs["by-args"]["feature"] == "CONTENT_MODERATION"
    assert inputs["by-keywords"]["feature"] == "CONTENT_MODERATION"
    assert inputs["by-keywords"]["region"] == "eu-west-1"
    assert inputs["keywords-win"]["feature"] == "X"
    assert inputs["by-name"]["tags"] == {"a": "b"}


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_each_input_and_output_is_the_core_s_one_declaration(kind: Kind) -> None:
    """The Python surface says what the core declares: every input of the provider's model,
    with its docstring and whether it is required, and every output, with its docstring."""
    core = provider_class(kind.name)
    module = importlib.import_module(f"rcl_resources.{kind.module}")
    args, resource = getattr(module, kind.args[0]), getattr(module, kind.name)
    inputs = {n: f for n, f in core.inputs_model.model_fields.items() if n not in HIDDEN}
    fields = {f.name: f for f in dataclasses.fields(args)}
    assert set(fields) == set(inputs)
    core_docs, surface_docs = model_docs(core.inputs_model), attribute_docs(args)
    for name, field in inputs.items():
        assert surface_docs[name] == core_docs[name], name
        required = fields[name].default is dataclasses.MISSING
        assert required == field.is_required(), name
    outputs = attribute_docs(core.outputs)
    assert attribute_docs(resource) == outputs
    assert list(vars(resource)["__annotations__"]) == list(typing.get_type_hints(core.outputs))
