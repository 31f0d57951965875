"""The release workflow: actionlint finds nothing in it, it builds the plugin on all six
platforms, publishes every artefact `scripts/dist` names, and its shell steps do what they say
(the tag gate and the release notes are run here as GitHub would run them)."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
RELEASE = WORKFLOWS / "release.yml"

PLATFORMS = {
    ("linux", "amd64"),
    ("linux", "arm64"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "amd64"),
    ("windows", "arm64"),
}
PYTHON_PACKAGES = [
    "rcl_resources-{v}-py3-none-any.whl",
    "rcl_resources-{v}.tar.gz",
    "pulumi_rcl-{v}-py3-none-any.whl",
]
NPM_PACKAGE = "rcl-resources-pulumi-rcl-{v}.tgz"
PLUGIN_ARCHIVE = "pulumi-resource-rcl-v{v}-{os}-{arch}.tar.gz"
SAMPLE = "9.8.7"  # a version no release has, so nothing passes by accident


# ---------------------------------------------------------------------------------------------
# actionlint


@pytest.fixture(scope="module")
def actionlint() -> Path:
    """actionlint, built once into the cache outside the clone by scripts/install-actionlint."""
    if shutil.which("go") is None:
        pytest.fail("Go is needed to build actionlint (scripts/install-actionlint)")
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "install-actionlint")],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "GOTOOLCHAIN": "local"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    binary = Path(done.stdout.strip().splitlines()[-1]) / "actionlint"
    assert os.access(binary, os.X_OK), f"{binary} is not executable"
    return binary


def lint(actionlint: Path, root: Path) -> subprocess.CompletedProcess[str]:
    workflows = (root / ".github" / "workflows").glob("*.y*ml")
    files = sorted(str(p.relative_to(root)) for p in workflows)
    assert files, f"no workflow under {root}"
    return subprocess.run(
        [str(actionlint), "-no-color", "-oneline", *files],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_actionlint_finds_nothing_in_the_workflows(actionlint: Path) -> None:
    done = lint(actionlint, REPO)
    assert done.returncode == 0, "actionlint:\n" + done.stdout + done.stderr


def test_actionlint_reports_a_broken_workflow(actionlint: Path, tmp_path: Path) -> None:
    """The lint can fail: a copy with a job that needs a missing job and a misspelt output."""
    text = RELEASE.read_text()
    breakages = {
        "needs: [version, plugin, packages]": "needs: [version, plugins, packages]",
        "${{ needs.version.outputs.version }}": "${{ needs.version.outputs.versoin }}",
    }
    for good, bad in breakages.items():
        assert good in text, f"release.yml no longer holds {good!r}; update this test"
        text = text.replace(good, bad, 1)
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "release.yml").write_text(text)

    done = lint(actionlint, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert '"plugins"' in done.stdout, done.stdout
    assert "versoin" in done.stdout, done.stdout


# ---------------------------------------------------------------------------------------------
# What the workflow builds and publishes


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    loaded = yaml.safe_load(RELEASE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def render(text: str, job: dict[str, Any], matrix: dict[str, str] | None = None) -> str:
    """`text` with the version, matrix values and the job's env filled in, as the runner would."""
    values = {"needs.version.outputs.version": SAMPLE, "env.VERSION": SAMPLE}
    values |= {f"matrix.{k}": str(v) for k, v in (matrix or {}).items()}
    for name, value in (job.get("env") or {}).items():
        if name != "VERSION":
            values[f"env.{name}"] = render(str(value), {}, matrix)

    def expression(m: re.Match[str]) -> str:
        return values.get(m.group(1).strip(), m.group(0))

    text = re.sub(r"\$\{\{([^}]*)\}\}", expression, text)
    return re.sub(r"\$\{?VERSION\}?", SAMPLE, text)


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if str(s.get("uses", "")).split("@")[0] == action]


def scripts(job: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) for s in job["steps"])


def uploaded(job: dict[str, Any], matrix: dict[str, str] | None = None) -> dict[str, set[str]]:
    """Artifact name -> the file names it holds (rendered)."""
    found: dict[str, set[str]] = {}
    for step in steps_using(job, "actions/upload-artifact"):
        name = render(step["with"]["name"], job, matrix)
        paths = render(step["with"]["path"], job, matrix).split()
        found.setdefault(name, set()).update(Path(p).name for p in paths)
    return found


def test_it_runs_on_version_tags_only(workflow: dict[Any, Any]) -> None:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert on == {"push": {"tags": ["v*"]}}


def test_the_plugin_is_built_on_six_native_runners(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["plugin"]
    include = job["strategy"]["matrix"]["include"]
    assert {(m["os"], m["arch"]) for m in include} == PLATFORMS
    assert len(include) == len(PLATFORMS)
    assert job["runs-on"] == "${{ matrix.runner }}"
    for m in include:
        runner = m["runner"]
        # The runner is that OS and architecture: PyInstaller cannot cross-compile.
        family = {"ubuntu": "linux", "macos": "darwin", "windows": "windows"}[runner.split("-")[0]]
        assert family == m["os"], m
        arm = runner.endswith("-arm") or (m["os"] == "darwin" and not runner.endswith("-intel"))
        assert ("arm64" if arm else "amd64") == m["arch"], m
    assert "bash scripts/dist plugin" in scripts(job)
    setup = steps_using(job, "actions/setup-python")
    assert setup and setup[0]["with"]["python-version"] == "3.11"

    archives = set()
    for m in include:
        for name, files in uploaded(job, m).items():
            assert name == f"plugin-{m['os']}-{m['arch']}"
            archives |= files
    assert archives == {
        PLUGIN_ARCHIVE.format(v=SAMPLE, os=os_, arch=arch) for os_, arch in PLATFORMS
    }


def test_the_packages_job_uploads_the_wheels_the_sdist_and_the_npm_tarball(
    workflow: dict[str, Any],
) -> None:
    job = workflow["jobs"]["packages"]
    assert "bash scripts/dist packages" in scripts(job)
    node = steps_using(job, "actions/setup-node")
    assert node and str(node[0]["with"]["node-version"]) == "20"
    assert uploaded(job) == {
        "python-packages": {p.format(v=SAMPLE) for p in PYTHON_PACKAGES},
        "npm-package": {NPM_PACKAGE.format(v=SAMPLE)},
    }


def test_the_release_holds_every_artefact_and_the_checksums(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["release"]
    assert set(job["needs"]) >= {"version", "plugin", "packages"}
    download = steps_using(job, "actions/download-artifact")
    assert download and "name" not in download[0]["with"], "the release takes every artifact"
    assert download[0]["with"]["path"] == "dist"
    script = render(scripts(job), job)
    assert "bash scripts/dist sums" in script
    assert script.index("bash scripts/dist sums") < script.index("gh release create")
    assert re.search(r'gh release create "v9\.8\.7" dist/\*', script), script
    expected = (
        [p.format(v=SAMPLE) for p in PYTHON_PACKAGES]
        + [NPM_PACKAGE.format(v=SAMPLE), "SHA256SUMS"]
        + [PLUGIN_ARCHIVE.format(v=SAMPLE, os=o, arch=a) for o, a in sorted(PLATFORMS)]
    )
    for name in expected:  # the release job refuses to publish while one is missing
        assert name in script, f"the release does not check for {name}"
    assert job["permissions"] == {"contents": "write"}


def test_pypi_npm_and_go_are_published_after_the_release(workflow: dict[str, Any]) -> None:
    jobs = workflow["jobs"]
    for name in ("pypi", "npm", "go-sdk"):
        assert "release" in jobs[name]["needs"], f"{name} must wait for the plugin's release"

    pypi = jobs["pypi"]
    assert pypi["permissions"] == {"id-token": "write"}
    assert [s["with"]["name"] for s in steps_using(pypi, "actions/download-artifact")] == [
        "python-packages"
    ]
    assert steps_using(pypi, "pypa/gh-action-pypi-publish")

    npm = jobs["npm"]
    assert [s["with"]["name"] for s in steps_using(npm, "actions/download-artifact")] == [
        "npm-package"
    ]
    publish = render(scripts(npm), npm)
    assert f'npm publish "dist/{NPM_PACKAGE.format(v=SAMPLE)}" --access public' in publish
    assert any(
        s.get("env", {}).get("NODE_AUTH_TOKEN", "").startswith("${{ secrets.") for s in npm["steps"]
    )

    go = jobs["go-sdk"]
    assert 'git push origin "refs/tags/sdk/v9.8.7"' in render(scripts(go), go)


def test_every_job_states_its_permissions_and_actions_are_pinned(
    workflow: dict[str, Any],
) -> None:
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"job {name} inherits its permissions"
        for step in job["steps"]:
            if "uses" in step:
                assert re.search(r"@(v\d+|release/v\d+|[0-9a-f]{40})$", step["uses"]), step


# ---------------------------------------------------------------------------------------------
# The workflow's own shell, run as the runner runs it

# The version step reads pyproject.toml with tomllib, as on the runner's Python 3.11.
needs_tomllib = pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is Python 3.11+")


def run_step(
    job: dict[str, Any], step_id_or_name: str, cwd: Path, scratch: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    """One `run:` step of `job` in `cwd`, its script written to `scratch`."""
    step = next(s for s in job["steps"] if step_id_or_name in (s.get("id"), s.get("name")))
    script = scratch / f"step-{len(list(scratch.glob('step-*.sh')))}.sh"
    script.write_text(step["run"])
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PATH": path, **env},
    )


def fake_repo(root: Path, version: str, changelog: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(f'[project]\nname = "x"\nversion = "{version}"\n')
    (root / "CHANGELOG.md").write_text(changelog)
    return root


CHANGELOG = """# Changelog

## [Unreleased]

## [1.2.3] - 2026-12-05

### Added
- One thing.

## [1.2.2] - 2026-11-24

### Fixed
- Another.

[Unreleased]: https://example.com/compare/v1.2.3...HEAD
[1.2.3]: https://example.com/compare/v1.2.2...v1.2.3
"""


@needs_tomllib
def test_the_tag_must_be_v_and_pyproject_version(workflow: dict[str, Any], tmp_path: Path) -> None:
    job = workflow["jobs"]["version"]
    repo = fake_repo(tmp_path / "repo", "1.2.3", CHANGELOG)
    out = tmp_path / "github_output"
    out.write_text("")

    ok = run_step(job, "version", repo, tmp_path, GITHUB_REF_NAME="v1.2.3", GITHUB_OUTPUT=str(out))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert out.read_text() == "version=1.2.3\n"

    for tag in ("v1.2.4", "1.2.3", "v1.2.3-rc1"):
        bad = run_step(job, "version", repo, tmp_path, GITHUB_REF_NAME=tag, GITHUB_OUTPUT=str(out))
        assert bad.returncode == 1, tag
        assert "does not match pyproject.toml's version 1.2.3" in bad.stdout, bad.stdout

    no_section = fake_repo(tmp_path / "no-section", "1.2.4", CHANGELOG)
    missing = run_step(
        job, "version", no_section, tmp_path, GITHUB_REF_NAME="v1.2.4", GITHUB_OUTPUT=str(out)
    )
    assert missing.returncode == 1
    assert "CHANGELOG.md has no section" in missing.stdout


@needs_tomllib
def test_this_checkout_would_pass_the_tag_gate(workflow: dict[str, Any], tmp_path: Path) -> None:
    """pyproject.toml's version has its CHANGELOG.md section, so tagging it can release."""
    found = re.search(r'^version = "([^"]+)"$', (REPO / "pyproject.toml").read_text(), re.M)
    assert found, "pyproject.toml has no version line"
    version = found.group(1)
    out = tmp_path / "github_output"
    done = run_step(
        workflow["jobs"]["version"],
        "version",
        REPO,
        tmp_path,
        GITHUB_REF_NAME=f"v{version}",
        GITHUB_OUTPUT=str(out),
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_release_notes_are_the_versions_changelog_section(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    job = workflow["jobs"]["release"]
    repo = fake_repo(tmp_path / "repo", "1.2.3", CHANGELOG)
    sections = {"1.2.3": "\n### Added\n- One thing.\n\n", "1.2.2": "\n### Fixed\n- Another.\n\n"}
    for version, notes in sections.items():
        done = run_step(
            job,
            "Release notes from CHANGELOG.md",
            repo,
            tmp_path,
            VERSION=version,
            RUNNER_TEMP=str(tmp_path),
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert (tmp_path / "notes.md").read_text() == notes

    empty = run_step(
        job,
        "Release notes from CHANGELOG.md",
        repo,
        tmp_path,
        VERSION="0.0.1",
        RUNNER_TEMP=str(tmp_path),
    )
    assert empty.returncode == 1
    assert "section for 0.0.1 is empty" in empty.stdout


def test_a_plugin_build_refuses_an_interpreter_of_another_architecture(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    job = workflow["jobs"]["plugin"]
    machine = platform.machine().lower()
    here = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine)
    if here is None:
        pytest.skip(f"no plugin archive is built for {machine}")
    other = "arm64" if here == "amd64" else "amd64"

    ok = run_step(job, "Check the interpreter is native", tmp_path, tmp_path, PLUGIN_ARCH=here)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = run_step(job, "Check the interpreter is native", tmp_path, tmp_path, PLUGIN_ARCH=other)
    assert bad.returncode == 1
    assert f"not {other}" in bad.stdout, bad.stdout
