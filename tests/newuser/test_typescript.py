"""A TypeScript team installs the SDK from npm (here: the release's .tgz) and runs
examples/typescript from its own directory: `pulumi up` downloads the plugin by itself."""

from __future__ import annotations

import shutil

import pytest

from .support import VERSION, Newcomer, artefact, run

pytestmark = pytest.mark.e2e


def test_typescript_program_installs_the_sdk_and_the_plugin_and_trains_a_model(
    newcomer: Newcomer,
) -> None:
    if shutil.which("npm") is None:
        pytest.fail("Node.js with npm is needed to run the TypeScript program")
    work = newcomer.example("typescript")
    env = newcomer.env()
    sdk = artefact(f"rcl-resources-pulumi-rcl-{VERSION}.tgz")
    run("npm", "--no-audit", "--no-fund", "install", str(sdk), cwd=work, env=env)
    package = work / "node_modules" / "@rcl-resources" / "pulumi-rcl"
    assert (package / "index.js").is_file() and (package / "index.d.ts").is_file()
    run("npx", "tsc", "--noEmit", cwd=work, env=env)  # the program type-checks against it

    newcomer.up_again_and_destroy(newcomer.stack(work))
