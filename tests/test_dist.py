"""The release: one version everywhere, plugin metadata that names the download server, and the
artefacts `make dist` writes, each as a user or a package index receives it."""

from __future__ import annotations

import email.parser
import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.newuser.support import DIST, PLUGIN_ARCHIVE, VERSION, artefact

REPO = Path(__file__).resolve().parent.parent
SDK = REPO / "sdk"
SCHEMA = json.loads((SDK / "schema.json").read_text())
SERVER = "github://api.github.com/rcl-resources/rcl-resources"
PLUGIN_METADATA = [
    SDK / "python" / "pulumi_rcl" / "pulumi-plugin.json",
    SDK / "go" / "rcl" / "pulumi-plugin.json",
    SDK / "dotnet" / "pulumi-plugin.json",
]


def test_every_version_is_the_one_in_pyproject() -> None:
    import rcl_resources

    package = json.loads((SDK / "nodejs" / "package.json").read_text())
    found = {
        "rcl_resources.__version__": rcl_resources.__version__,
        "schema": SCHEMA["version"],
        "package.json": package["version"],
        "package.json pulumi": package["pulumi"]["version"],
        "sdk/python/pyproject.toml": re.search(
            r'(?m)^\s*version = "(.+)"$', (SDK / "python" / "pyproject.toml").read_text()
        )[1],  # type: ignore[index]
        "sdk/dotnet/version.txt": (SDK / "dotnet" / "version.txt").read_text().strip(),
        **{str(p.relative_to(REPO)): json.loads(p.read_text())["version"] for p in PLUGIN_METADATA},
    }
    assert found == dict.fromkeys(found, VERSION)
    assert f"## [{VERSION}] - " in (REPO / "CHANGELOG.md").read_text()


def test_every_sdk_names_the_plugin_download_server() -> None:
    """What makes `pulumi up` fetch the plugin by itself, in every language."""
    assert SCHEMA["pluginDownloadURL"] == SERVER
    package = json.loads((SDK / "nodejs" / "package.json").read_text())
    assert package["pulumi"]["server"] == SERVER
    for metadata in PLUGIN_METADATA:
        assert json.loads(metadata.read_text())["server"] == SERVER, metadata
    # The releases named there are the repository's, as are the Go module and the links.
    repository = "https://github.com/rcl-resources/rcl-resources"
    assert SCHEMA["repository"] == SCHEMA["homepage"] == repository
    assert SCHEMA["language"]["go"]["importBasePath"].startswith(
        repository.removeprefix("https://")
    )


def test_registry_metadata_uses_the_registry_s_vocabulary() -> None:
    categories = [k for k in SCHEMA["keywords"] if k.startswith("category/")]
    assert categories and set(categories) <= {
        f"category/{c}"
        for c in ("cloud", "database", "infrastructure", "monitoring", "network", "utility", "vcs")
    }
    for field in ("displayName", "publisher", "logoUrl", "license", "description"):
        assert SCHEMA.get(field), field
    assert (REPO / "docs" / "logo.png").is_file()
    for page in ("_index.md", "installation-configuration.md"):
        front = (REPO / "docs" / page).read_text().split("---\n")[1]
        assert re.search(r"(?m)^title: \S", front) and re.search(r"(?m)^meta_desc: \S", front)
        assert "layout: package" in front


def test_the_library_wheel_carries_complete_metadata() -> None:
    wheel = artefact(f"rcl_resources-{VERSION}-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        info = f"rcl_resources-{VERSION}.dist-info"
        metadata = email.parser.Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
        names = archive.namelist()
    assert metadata["Version"] == VERSION
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "# rcl-resources" in metadata.get_payload()
    assert {u.split(",")[0] for u in metadata.get_all("Project-URL")} >= {
        "Homepage",
        "Repository",
        "Changelog",
        "Issues",
    }
    assert len(metadata.get_all("Classifier")) >= 5
    assert set(metadata.get_all("Provides-Extra")) >= {"emulator", "detection"}
    assert "pulumi-resource-rcl = rcl_resources.plugin:main" in entry_points
    assert "rcl-emulator = rcl_emulator.__main__:main" in entry_points
    assert f"{info}/licenses/LICENSE" in names


def test_the_python_distributions_pass_twine_check() -> None:
    """`twine check` over every Python distribution in dist/ (it rejects the plugin archive,
    the npm package and SHA256SUMS as unknown formats)."""
    dists = [
        artefact(f"rcl_resources-{VERSION}-py3-none-any.whl"),
        artefact(f"rcl_resources-{VERSION}.tar.gz"),
        artefact(f"pulumi_rcl-{VERSION}-py3-none-any.whl"),
    ]
    twine = Path(sys.prefix) / "bin" / "twine"
    done = subprocess.run(
        [str(twine), "check", "--strict", *map(str, dists)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_node_package_is_compiled_javascript() -> None:
    with tarfile.open(artefact(f"rcl-resources-pulumi-rcl-{VERSION}.tgz")) as archive:
        names = set(archive.getnames())
        package = json.load(archive.extractfile("package/package.json"))  # type: ignore[arg-type]
    assert {"package/index.js", "package/index.d.ts", "package/LICENSE"} <= names
    assert "package/types/input.d.ts" in names
    sources = [n for n in names if n.endswith(".ts") and not n.endswith(".d.ts")]
    assert sources == []
    assert package["name"] == "@rcl-resources/pulumi-rcl" and package["version"] == VERSION
    assert package["pulumi"] == {
        "resource": True,
        "name": "rcl",
        "version": VERSION,
        "server": SERVER,
    }


def test_the_plugin_archive_has_pulumi_s_layout(tmp_path: Path) -> None:
    """The executable at the root, regular files and folders only (the CLI refuses links), and
    every shared library finds what it needs inside the archive."""
    with tarfile.open(artefact(PLUGIN_ARCHIVE)) as archive:
        members = archive.getmembers()
        archive.extractall(tmp_path, filter="data")
    assert all(m.isfile() or m.isdir() for m in members), [
        m.name for m in members if not (m.isfile() or m.isdir())
    ]
    executable = next(m for m in members if m.name == "pulumi-resource-rcl")
    assert executable.mode & stat.S_IXUSR
    assert {"LICENSE", "README.md"} <= {m.name for m in members}
    unresolved = []
    for library in tmp_path.rglob("*.so*"):
        done = subprocess.run(
            ["ldd", str(library)], capture_output=True, text=True, env={"PATH": os.environ["PATH"]}
        )
        unresolved += [
            f"{library.name}: {line.strip()}"
            for line in done.stdout.splitlines()
            if "not found" in line
        ]
    assert unresolved == []


def test_the_packaged_plugin_runs_with_nothing_of_ours_installed(
    pulumi_engine: Path, tmp_path: Path
) -> None:
    """Unpacked, with only the Pulumi CLI on PATH (no venv, no PYTHONPATH): it serves the
    committed schema."""
    with tarfile.open(artefact(PLUGIN_ARCHIVE)) as archive:
        archive.extractall(tmp_path / "plugin", filter="data")
    env = {
        "PATH": f"{pulumi_engine}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PULUMI_HOME": str(tmp_path / "home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    done = subprocess.run(
        ["pulumi", "package", "get-schema", str(tmp_path / "plugin" / "pulumi-resource-rcl")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == SCHEMA


def test_sha256sums_covers_every_artefact() -> None:
    listed = {}
    for line in artefact("SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        listed[name] = digest
    present = {p.name for p in DIST.iterdir() if p.name != "SHA256SUMS"}
    assert set(listed) == present
    assert {
        f"rcl_resources-{VERSION}-py3-none-any.whl",
        f"rcl_resources-{VERSION}.tar.gz",
        f"pulumi_rcl-{VERSION}-py3-none-any.whl",
        f"rcl-resources-pulumi-rcl-{VERSION}.tgz",
        PLUGIN_ARCHIVE,
    } <= present
    for name, digest in listed.items():
        assert hashlib.sha256((DIST / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("example", ["typescript", "yaml", "python-sdk", "go", "business-hours"])
def test_the_examples_stand_alone(example: str) -> None:
    """An example's README and files never point into the checkout."""
    folder = REPO / "examples" / example
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in {".md", ".json", ".yaml", ".txt", ".mod", ".ts"}:
            text = path.read_text()
            assert "../../" not in text, path
            assert "make setup" not in text and "repository root" not in text, path
