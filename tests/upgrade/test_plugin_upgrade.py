"""Upgrades of the plugin: a stack that the 0.2.0 plugin deployed refreshes, plans nothing,
updates in place and destroys with this release's plugin.

The 0.2.0 plugin is that release's `rcl_resources` (`releases/rcl_resources-43709f8.tar.gz`,
the commit "Version 0.2.0") run by this interpreter, as `pip install rcl-resources==0.2.0`
put it on PATH: an ambient plugin, which the CLI uses whatever version a program asks for.
A stack it deployed holds one of two default providers:

- `default`, with no version: the YAML example of 0.2.0 pinned none;
- `default_0_2_0`, version "0.2.0": what every 0.2.0 SDK (and a YAML program that pinned it)
  asked for.

The user then upgrades as the release notes say, on a machine where `pulumi-resource-rcl` is no
longer on PATH: either the program pins `version: 0.3.0` with the release's
`pluginDownloadURL` and the CLI downloads the plugin (from the mirror of dist/ that
PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES names), or, air-gapped, they run `pulumi plugin install
resource rcl 0.3.0 --file <the release's archive>` and keep the unpinned program. Nobody
serves a 0.2.0 plugin archive: the 0.2.0 plugin was never published as one.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.examples.support import client, projects_named
from tests.newuser.support import (
    PLUGIN_ARCHIVE,
    VERSION,
    Mirror,
    UserStack,
    artefact,
    emulator_config,
    installed_plugins,
    machine_env,
    run,
)

pytestmark = pytest.mark.e2e

RELEASES = Path(__file__).parent / "releases"
OLD_RELEASE = "43709f8"  # "Version 0.2.0"
OLD_VERSION = "0.2.0"
OLD_ARCHIVE = f"pulumi-resource-rcl-v{OLD_VERSION}-linux-amd64.tar.gz"  # never published
DOWNLOAD_URL = "github://api.github.com/rcl-resources/rcl-resources"
# The default provider a program pinning this release (with its download URL) gets.
NEW_PROVIDER = f"default_{VERSION.replace('.', '_')}_{DOWNLOAD_URL.replace('://', '_/')}"

# examples/yaml/Pulumi.yaml as 0.2.0 shipped it (`git show 43709f8:examples/yaml/Pulumi.yaml`),
# with a tag on the model and its ARN as an output; @OPTIONS@ is where the program pins the
# provider, on one resource as the example does now.
PROGRAM = """\
name: rcl-upgrade
runtime: yaml
configuration:
  bucket:
    type: String
  folder:
    type: String
resources:
  images:
    type: rcl:index:ImageFolder
    properties:
      folder: ${folder}
      bucket: ${bucket}
      prefix: @PREFIX@
  project:
    type: rcl:index:Project
@OPTIONS@    properties:
      tags:
        team: vision
  train:
    type: rcl:index:Dataset
    properties:
      projectArn: ${project.arn}
      datasetType: TRAIN
      datasetSource:
        groundTruthManifest:
          s3Object: ${images.manifest}
  test:
    type: rcl:index:Dataset
    properties:
      projectArn: ${project.arn}
      datasetType: TEST
      distributeFrom: ${train.arn}
  model:
    type: rcl:index:ProjectVersion
    properties:
      projectArn: ${project.arn}
      outputConfig:
        s3Bucket: ${bucket}
        s3KeyPrefix: @PREFIX@/out
      datasets:
        - ${train.arn}
        - ${test.arn}
      running: @RUNNING@
      tags:
        stage: @STAGE@
outputs:
  projectName: ${project.projectName}
  modelArn: ${model.arn}
  modelStatus: ${model.status}
"""


def program(
    prefix: str,
    *,
    version: str | None,
    download_url: str | None = None,
    running: bool = True,
    stage: str = "one",
) -> str:
    options = ""
    if version or download_url:
        options = "    options:\n"
        options += f"      version: {version}\n" if version else ""
        options += f"      pluginDownloadURL: {download_url}\n" if download_url else ""
    return (
        PROGRAM.replace("@PREFIX@", prefix)
        .replace("@OPTIONS@", options)
        .replace("@RUNNING@", "true" if running else "false")
        .replace("@STAGE@", stage)
    )


@pytest.fixture(scope="session")
def old_plugin(tmp_path_factory: pytest.TempPathFactory, pulumi_engine: Path) -> Path:
    """A bin directory holding the 0.2.0 plugin `pulumi-resource-rcl`: that release's code run
    by this interpreter (its dependencies are the same ranges as this release's)."""
    root = tmp_path_factory.mktemp("plugin-0.2.0")
    code = root / "code"
    with tarfile.open(RELEASES / f"rcl_resources-{OLD_RELEASE}.tar.gz") as archive:
        archive.extractall(code, filter="data")
    launcher = root / "bin" / "pulumi-resource-rcl"
    launcher.parent.mkdir()
    # -P: the plugin's working directory (the project's) never shadows the release's code.
    launcher.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={shlex.quote(str(code))} exec {shlex.quote(sys.executable)} -P -c "
        "'from rcl_resources.plugin import main; main()' \"$@\"\n"
    )
    launcher.chmod(0o755)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(pulumi_engine), os.environ["PATH"]]),
        "PULUMI_HOME": str(root / "pulumi-home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    schema = json.loads(
        run("pulumi", "package", "get-schema", str(launcher), cwd=root, env=env).stdout
    )
    assert schema["version"] == OLD_VERSION  # really the 0.2.0 plugin
    return launcher.parent


def rcl_providers(stack: UserStack) -> dict[str, dict[str, Any]]:
    """The stack's `rcl` provider resources in its state: name → inputs."""
    state = json.loads(stack.pulumi("stack", "export").stdout)
    return {
        r["urn"].rsplit("::", 1)[-1]: r.get("inputs", {})
        for r in state["deployment"].get("resources") or []
        if r["type"] == "pulumi:providers:rcl"
    }


def steps_of(events: Path) -> dict[str, str]:
    """What a preview's event log plans for each resource: name → op."""
    steps = {}
    for event in map(json.loads, events.read_text().splitlines()):
        if "resourcePreEvent" in event:
            metadata = event["resourcePreEvent"]["metadata"]
            steps[metadata["urn"].rsplit("::", 1)[-1]] = metadata["op"]
    return steps


def model(emulator: str, project_name: str, arn: str) -> tuple[str, dict[str, str]]:
    """The model's status and tags, as the service has them."""
    rekognition = client("rekognition", emulator)
    [project] = projects_named(emulator, project_name)
    versions = rekognition.describe_project_versions(ProjectArn=project["ProjectArn"])
    [status] = [
        v["Status"] for v in versions["ProjectVersionDescriptions"] if v["ProjectVersionArn"] == arn
    ]
    return status, rekognition.list_tags_for_resource(ResourceArn=arn)["Tags"]


@pytest.mark.parametrize(
    ("old_pin", "upgrade"),
    [
        # The 0.2.0 YAML example as shipped, then the 0.3.0 one: pinned, downloaded.
        pytest.param(None, "download", id="unpinned-then-download"),
        # The same stack, upgraded air-gapped: `plugin install --file`, the program unchanged.
        pytest.param(None, "install-file", id="unpinned-then-install-file"),
        # The state every 0.2.0 SDK wrote (default_0_2_0), then the 0.3.0 pin.
        pytest.param(OLD_VERSION, "download", id="pinned-0.2.0-then-download"),
    ],
)
def test_a_stack_of_the_0_2_0_plugin_upgrades_to_this_plugin(
    old_pin: str | None,
    upgrade: str,
    old_plugin: Path,
    pulumi_engine: Path,
    plugin_mirror: Mirror,
    wheel_emulator: str,
    small_digits: Path,
    tmp_path: Path,
) -> None:
    if not (pulumi_engine / "pulumi-language-yaml").exists():
        pytest.fail("pulumi-language-yaml is missing; run `bash scripts/install-pulumi`")
    archive = artefact(PLUGIN_ARCHIVE)
    prefix = f"upgrade-{tmp_path.name}"
    work = tmp_path / "rcl-upgrade"
    work.mkdir()
    asked = len(plugin_mirror.requested)

    # --- 0.2.0: the plugin on PATH, as `pip install rcl-resources==0.2.0` left it.
    (work / "Pulumi.yaml").write_text(program(prefix, version=old_pin))
    old_env = machine_env(tmp_path, pulumi_engine, plugin_mirror, path=(old_plugin,))
    stack = UserStack(work, old_env).create(emulator_config(wheel_emulator, small_digits))
    try:
        done = stack.pulumi("up", "--yes")
        assert f"using pulumi-resource-rcl from $PATH at {old_plugin}" in done.stdout + done.stderr
        before = stack.outputs()
        assert before["modelstatus"] == "RUNNING"
        assert installed_plugins(old_env) == []  # nothing downloaded, nothing installed
        assert plugin_mirror.requested[asked:] == []
        old_provider = f"default_{old_pin.replace('.', '_')}" if old_pin else "default"
        providers = rcl_providers(stack)
        assert list(providers) == [old_provider], providers
        # The version the engine records is the one the program asked for, not the plugin's.
        assert providers[old_provider].get("version") == old_pin

        # --- 0.3.0: the old plugin gone from PATH.
        new_env = machine_env(tmp_path, pulumi_engine, plugin_mirror)
        assert shutil.which("pulumi-resource-rcl", path=new_env["PATH"]) is None
        stack = UserStack(work, new_env)
        pin: dict[str, Any] = {"version": old_pin}
        if upgrade == "download":
            pin = {"version": VERSION, "download_url": DOWNLOAD_URL}
            (work / "Pulumi.yaml").write_text(program(prefix, **pin))
            # A refresh that does not run the program knows only the state's provider, whose
            # plugin (0.2.0, or no version at all) nobody serves; running the program is what
            # names 0.3.0 and where to download it.
            stack.pulumi("refresh", "--yes", "--run-program")
            assert plugin_mirror.requested[asked:].count(f"/{PLUGIN_ARCHIVE}") == 1
            # The resources moved to the pinned release's default provider; the old one stays
            # in the state until the next update deletes it.
            expected = {NEW_PROVIDER: "same", old_provider: "delete"}
        else:
            stack.pulumi("plugin", "install", "resource", "rcl", VERSION, "--file", str(archive))
            stack.pulumi("refresh", "--yes")
            expected = {old_provider: "same"}
        assert installed_plugins(new_env) == [f"resource-rcl-v{VERSION}"]

        # The unchanged program plans nothing. A default provider's steps are not changes.
        events = tmp_path / "preview.jsonl"
        stack.env["PULUMI_DEBUG_COMMANDS"] = "true"  # enables --event-log
        stack.pulumi("preview", "--expect-no-changes", "--event-log", str(events))
        steps = steps_of(events)
        providers_planned = {k: v for k, v in steps.items() if k.startswith("default")}
        assert providers_planned == expected, steps
        assert {v for k, v in steps.items() if k not in providers_planned} == {"same"}, steps

        # Updates in place: a model tag changes, and the model stops.
        (work / "Pulumi.yaml").write_text(program(prefix, running=False, stage="two", **pin))
        stack.pulumi("up", "--yes")
        after = stack.outputs()
        assert after["modelarn"] == before["modelarn"]  # not replaced
        assert after["modelstatus"] == "STOPPED"
        status, tags = model(wheel_emulator, before["projectname"], before["modelarn"])
        assert status == "STOPPED"
        assert tags["stage"] == "two"
        providers = rcl_providers(stack)
        if upgrade == "download":
            assert list(providers) == [NEW_PROVIDER], providers
            assert providers[NEW_PROVIDER]["version"] == VERSION
        else:
            assert list(providers) == [old_provider], providers
            assert plugin_mirror.requested[asked:] == []  # air-gapped: nothing downloaded
    finally:
        print("mirror asked for:", plugin_mirror.requested[asked:])
        destroyed = stack.pulumi("destroy", "--yes", ok=False)
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert projects_named(wheel_emulator, before["projectname"]) == []
