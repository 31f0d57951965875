"""One poller for every status wait: deadline, backoff with jitter, progress lines."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, TypeVar

from . import progress
from .errors import QuotaExceeded, TerminalStatus, WaitTimeout, error_message, quota_of

T = TypeVar("T")

GONE = "<gone>"
"""Target meaning "the describe call no longer finds it"."""


def _log_info(message: str) -> None:
    progress.info(message, ephemeral=True)


def format_elapsed(seconds: float) -> str:
    """'45 s', '12 m', '1 h 05 m'."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} m"
    return f"{seconds // 3600:.0f} h {(seconds % 3600) // 60:02.0f} m"


@dataclass(frozen=True)
class Wait:
    """A status wait as data: the statuses it ends at, may pass through, and fails at. Any
    other status is unexpected and fails too, naming it."""

    target: frozenset[str]
    pending: frozenset[str]
    failure: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls, target: Collection[str], pending: Collection[str], failure: Collection[str] = ()
    ) -> Wait:
        return cls(frozenset(target), frozenset(pending), frozenset(failure))


@dataclass
class Poller:
    """Polls a describe function until a target status, a failure status or the deadline.

    `fetch` returns the described object, or None when the service does not find it.
    Clock and sleep are injectable so tests run without waiting.
    """

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    log: Callable[[str], None] = _log_info
    first_delay: float = 0.2
    max_delay: float = 20.0
    growth: float = 1.5
    progress_every: float = 60.0
    not_found_grace: float = 60.0
    """Seconds a just-made resource may stay invisible (read-after-write is eventual)."""
    slot_retry: float = 1.0
    """Seconds between attempts while a concurrency quota is full: a freed slot is taken
    within this (plus jitter), as AWS has no notification for it."""
    slot_log_every: float = 30.0
    rng: random.Random = field(default_factory=random.Random)

    def retry_while_slot_full(
        self,
        what: str,
        call: Callable[[], T],
        *,
        deadline: float,
        already: Callable[[], T | None] = lambda: None,
    ) -> T:
        """`call()`, again and again while it fails on a concurrency quota (a training or
        running slot), until `deadline` (a `clock()` value). A lasting quota fails at once.

        `already()` tells whether the call's effect exists anyway: an attempt whose response
        was lost may hold the very slot its retry waits for."""
        start = self.clock()
        last_report: float | None = None
        while True:
            try:
                return call()
            except Exception as err:
                quota = quota_of(err)
                if quota is None:
                    raise
                done = already()
                if done is not None:
                    return done
                message = error_message(err)
                if not quota.slot:
                    raise QuotaExceeded(
                        f'{what}: the quota "{quota.name}" is reached ({message}); free some '
                        f"of it, or {quota.advice()}"
                    ) from err
                now = self.clock()
                if now >= deadline:
                    raise QuotaExceeded(
                        f'{what}: no slot of "{quota.name}" became free in '
                        f"{format_elapsed(now - start)} ({message}); stop or wait for another "
                        f"model, raise the `timeouts` input, or {quota.advice()}"
                    ) from err
                if last_report is None or now - last_report >= self.slot_log_every:
                    self.log(
                        f'{what}: waiting for a free slot of "{quota.name}", '
                        f"{format_elapsed(now - start)} elapsed"
                    )
                    last_report = now
                pause = self.slot_retry * self.rng.uniform(0.75, 1.25)
                self.sleep(max(0.0, min(pause, deadline - now)))

    def wait(
        self,
        what: str,
        fetch: Callable[[], dict[str, Any] | None],
        spec: Wait,
        *,
        timeout: float,
        status_of: Callable[[dict[str, Any]], str] = lambda obj: obj["Status"],
        message_of: Callable[[dict[str, Any]], str | None] = lambda obj: obj.get("StatusMessage"),
    ) -> dict[str, Any] | None:
        """Wait for `what` to reach one of `spec.target`; returns the last described object."""
        target, pending, failure = spec.target, spec.pending, spec.failure
        start = self.clock()
        deadline = start + timeout
        delay = self.first_delay
        last_status: str | None = None
        last_report = start
        missing_since: float | None = None
        while True:
            obj = fetch()
            now = self.clock()
            if obj is None:
                if GONE in target:
                    return None
                status = GONE
                missing_since = now if missing_since is None else missing_since
                if now - missing_since > self.not_found_grace:
                    raise TerminalStatus(f"{what} disappeared while waiting for it", GONE)
            else:
                missing_since = None
                status = status_of(obj)
                if status in target:
                    return obj
                if status in failure:
                    reason = message_of(obj) or "no status message"
                    raise TerminalStatus(f"{what} ended {status}: {reason}", status, reason)
                if status not in pending:
                    raise TerminalStatus(
                        f"{what} is {status}, expected one of {sorted(set(pending) | set(target))}",
                        status,
                        message_of(obj),
                    )
            if status != last_status or now - last_report >= self.progress_every:
                self.log(f"{what}: {status}, {format_elapsed(now - start)} elapsed")
                last_status, last_report = status, now
            if now >= deadline:
                raise WaitTimeout(
                    f"{what} was still {status} after {format_elapsed(now - start)}; raise the "
                    f"`timeouts` input if this is expected, then run `pulumi up` again "
                    f"(it resumes the wait, nothing is recreated)"
                )
            pause = min(delay, self.max_delay) * self.rng.uniform(0.8, 1.2)
            self.sleep(max(0.0, min(pause, deadline - now)))
            delay *= self.growth


DEFAULT_POLLER = Poller()
