"""What the backend of one account and region holds, and how it is addressed: ARNs minted
and parsed, each kind of resource found by ARN (or ``ResourceNotFoundException``), tag keys
checked, and a resource's job begun.

The jobs themselves run in the world (:mod:`rcl_emulator.world`), reached through
:class:`JobRunner` so that this module does not import the layers above it.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from . import exceptions as exc
from .models import TRANSITIONS, Dataset, Faults, Project, Version, now

_ARN_RE = re.compile(
    r"^arn:aws:rekognition:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):project/(?P<project>[^/]+)"
    r"(?:/(?:dataset/(?P<dtype>train|test)|version/(?P<version>[^/]+)))?/(?P<stamp>\d+)$"
)


class JobRunner(Protocol):
    """Where the backend hands its asynchronous work: the world it belongs to."""

    faults: Faults

    def submit(self, backend: BackendState, kind: str, target: Any) -> None: ...


class BackendState:
    """The Custom Labels resources and tags of one account and region, found by ARN."""

    def __init__(self, world: JobRunner, account: str, region: str) -> None:
        self.world = world
        self.account = account
        self.region = region
        self.projects: dict[str, Project] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self._last_stamp = 0

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("world", None)
        return state

    # ---- identifiers -------------------------------------------------------------------
    def _stamp(self) -> int:
        ms = int(now() * 1000)
        self._last_stamp = max(ms, self._last_stamp + 1)
        return self._last_stamp

    def _arn(self, tail: str) -> str:
        return f"arn:aws:rekognition:{self.region}:{self.account}:project/{tail}"

    def _parse_arn(self, arn: str) -> re.Match[str]:
        m = _ARN_RE.match(arn or "")
        if not m or m["region"] != self.region or m["account"] != self.account:
            raise exc.ResourceNotFoundException(f"The resource {arn} does not exist.")
        return m

    def _project(self, arn: str) -> Project:
        m = self._parse_arn(arn)
        p = self.projects.get(m["project"])
        if p is None or p.arn != arn or m["dtype"] or m["version"]:
            raise exc.ResourceNotFoundException(f"The project {arn} does not exist.")
        return p

    def _dataset(self, arn: str) -> Dataset:
        m = self._parse_arn(arn)
        p = self.projects.get(m["project"])
        d = p.datasets.get(m["dtype"].upper()) if p and m["dtype"] else None
        if d is None or d.arn != arn:
            raise exc.ResourceNotFoundException(f"The dataset {arn} does not exist.")
        return d

    def _version(self, arn: str) -> tuple[Project, Version]:
        m = self._parse_arn(arn)
        p = self.projects.get(m["project"])
        v = p.versions.get(m["version"]) if p and m["version"] else None
        if p is None or v is None or v.arn != arn:
            raise exc.ResourceNotFoundException(f"The project version {arn} does not exist.")
        return p, v

    # ---- jobs --------------------------------------------------------------------------
    def _begin(self, kind: str, target: Any) -> None:
        target.status = TRANSITIONS[kind][0]
        target.pending = kind
        target.job_started = now()
        self.world.submit(self, kind, target)

    # ---- tags --------------------------------------------------------------------------
    def _taggable(self, arn: str) -> str:
        m = self._parse_arn(arn)
        if m["dtype"]:
            return self._dataset(arn).arn
        if m["version"]:
            return self._version(arn)[1].arn
        return self._project(arn).arn

    @staticmethod
    def _check_tag_keys(tags: dict[str, str]) -> None:
        for key in tags:
            if key.lower().startswith("aws:"):
                raise exc.InvalidParameterException("Tag keys may not start with 'aws:'.")

    def forget(self, arn: str) -> None:
        self.tags.pop(arn, None)
