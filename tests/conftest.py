"""Fixtures shared by every test layer: the Pulumi engine and the emulator."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rcl_emulator.digits import write_digits
from tests.e2e.stacks import let_the_engine_stop_its_plugins

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    let_the_engine_stop_its_plugins()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("RCL_ACCEPTANCE_AWS") == "1":
        return
    skip = pytest.mark.skip(reason="real-AWS acceptance test: set RCL_ACCEPTANCE_AWS=1")
    for item in items:
        if "acceptance" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def pulumi_engine() -> Path:
    """The directory holding the Pulumi CLI. Missing engine: skip locally, fail in CI."""
    found = shutil.which("pulumi")
    if found is None:
        if os.environ.get("RCL_REQUIRE_ENGINE") == "1" or os.environ.get("CI"):
            pytest.fail("the Pulumi CLI is not on PATH; run `bash scripts/install-pulumi`")
        pytest.skip("the Pulumi CLI is not on PATH (run `make test`)")
    return Path(found).parent


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[str]:
    """One emulator for the session, on a free loopback port; yields its URL."""
    from rcl_emulator.server import EmulatorServer

    with EmulatorServer(host="127.0.0.1", port=0) as server:
        yield server.url


@pytest.fixture()
def aws_env(emulator_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point every boto3 client at the emulator with throwaway credentials."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return emulator_server


@pytest.fixture(scope="session")
def digits_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("digits")
    write_digits(root)
    return root / "train"


@pytest.fixture(scope="session")
def small_digits(tmp_path_factory: pytest.TempPathFactory, digits_folder: Path) -> Path:
    """Three labels x 25 images: enough to train and distribute, fast."""
    root = tmp_path_factory.mktemp("small-digits")
    for label in ("0", "1", "7"):
        (root / label).mkdir()
        for image in sorted((digits_folder / label).iterdir())[:25]:
            (root / label / image.name).write_bytes(image.read_bytes())
    return root
