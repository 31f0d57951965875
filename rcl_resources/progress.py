"""What the resources say while they work: progress lines and warnings.

The dynamic host passes them to `pulumi.log` (they land on the stack's row); the plugin host
routes each request's messages to the engine on the resource being worked on.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable

Sink = Callable[[str, str, bool], None]
"""`(severity, message, ephemeral)`; severity is `info` or `warning`."""

SINK: contextvars.ContextVar[Sink | None] = contextvars.ContextVar("rcl_progress", default=None)


def info(message: str, *, ephemeral: bool = False) -> None:
    """A progress line; `ephemeral` ones only show as the resource's current status."""
    _say("info", message, ephemeral)


def warn(message: str) -> None:
    _say("warning", message, False)


def _say(severity: str, message: str, ephemeral: bool) -> None:
    sink = SINK.get()
    if sink is not None:
        sink(severity, message, ephemeral)
        return
    import pulumi

    (pulumi.log.warn if severity == "warning" else pulumi.log.info)(message)
