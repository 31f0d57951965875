"""Reading ``pulumi stack output --json`` and building AWS clients that point where it says."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config


class DemoError(Exception):
    """A problem the user can fix; the commands print its message on one line and exit 1."""


@dataclass(frozen=True)
class StackOutputs:
    """The stack outputs the demo commands use."""

    values: dict[str, Any]
    source: Path

    @property
    def region(self) -> str:
        """AWS region of the stack (``us-east-1`` when the stack does not say)."""
        return str(self.values.get("region") or "us-east-1")

    @property
    def endpoint_url(self) -> str | None:
        """Local emulator endpoint, or None for real AWS."""
        return self.values.get("endpoint_url") or None

    def require(self, name: str, hint: str) -> Any:
        """The output ``name``; DemoError with ``hint`` when the stack has not produced it."""
        value = self.values.get(name)
        if value in (None, ""):
            raise DemoError(f"stack output {name!r} is missing from {self.source}; {hint}")
        return value

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` in the stack's region and endpoint."""
        session = boto3.Session(region_name=self.region)
        if self.endpoint_url is None:
            return session.client(service)
        if session.get_credentials() is None:
            # The local emulator accepts any signature, so spare the user from configuring keys.
            session = boto3.Session(
                region_name=self.region,
                aws_access_key_id="local",
                aws_secret_access_key="local",
            )
        # "bucket.localhost" does not resolve everywhere; path-style always reaches the emulator.
        config = Config(s3={"addressing_style": "path"})
        return session.client(service, endpoint_url=self.endpoint_url, config=config)


def load_stack_outputs(path: Path) -> StackOutputs:
    """Read a file holding ``pulumi stack output --json``; DemoError when it is unusable."""
    try:
        values = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise DemoError(
            f"{path} does not exist; run `pulumi stack output --json > {path}` (or `make up`)"
        ) from None
    except (OSError, json.JSONDecodeError) as error:
        raise DemoError(f"cannot read stack outputs from {path}: {error}") from None
    if not isinstance(values, dict):
        raise DemoError(f"{path} must hold a JSON object from `pulumi stack output --json`")
    return StackOutputs(values=values, source=Path(path))
