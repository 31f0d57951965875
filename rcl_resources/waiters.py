"""One poller for every status wait: deadline, backoff with jitter, progress lines; and the
signal that hands a freed training or running slot to a resource waiting for one."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
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


def status(described: dict[str, Any]) -> str:
    return str(described["Status"])


def status_message(described: dict[str, Any]) -> str | None:
    return described.get("StatusMessage")


def format_elapsed(seconds: float) -> str:
    """'45 s', '12 m', '1 h 05 m'."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} m"
    return f"{seconds // 3600:.0f} h {(seconds % 3600) // 60:02.0f} m"


@dataclass(frozen=True, order=True)
class Deadline:
    """When a wait must have ended: a reading of the poller's clock. One deadline goes from
    the start of an operation through every wait and retry in it."""

    at: float

    def left(self, now: float) -> float:
        """Seconds left at `now` (0 once it has passed)."""
        return max(0.0, self.at - now)

    def within(self, seconds: float, now: float) -> Deadline:
        """This deadline, or `seconds` from `now` if that comes first."""
        return min(self, Deadline(now + seconds))


@dataclass(frozen=True)
class Wait:
    """A status wait as data: the statuses it ends at, may pass through, and fails at. Any
    other status is unexpected and fails too, naming it. `frees` names the concurrency quota
    (a `Quota.slot` name) whose slot is free once the wait ends, at a target or a failure."""

    target: frozenset[str]
    pending: frozenset[str]
    failure: frozenset[str] = frozenset()
    frees: str | None = None

    @classmethod
    def of(
        cls,
        target: Collection[str],
        pending: Collection[str],
        failure: Collection[str] = (),
        *,
        frees: str | None = None,
    ) -> Wait:
        return cls(frozenset(target), frozenset(pending), frozenset(failure), frees)


class SlotSignal:
    """Hands a slot this process sees freed (its own training ended, its own model stopped) to
    one resource waiting for a slot of that quota, at once instead of at its next attempt."""

    def __init__(self) -> None:
        self._freed: dict[str, threading.Condition] = defaultdict(threading.Condition)
        self._lock = threading.Lock()

    def _condition(self, quota: str) -> threading.Condition:
        with self._lock:
            return self._freed[quota]

    def freed(self, quota: str) -> None:
        """One slot of `quota` is free: wake one waiter."""
        condition = self._condition(quota)
        with condition:
            condition.notify()

    def pause(self, quota: str, seconds: float) -> None:
        """Sleep up to `seconds`, less when a slot of `quota` frees meanwhile."""
        condition = self._condition(quota)
        with condition:
            condition.wait(seconds)


SLOTS = SlotSignal()


@dataclass
class Poller:
    """Polls a describe function until a target status, a failure status or the deadline.

    `fetch` returns the described object, or None when the service does not find it. A change
    is noticed within `max(lag_floor, lag_share x the time already waited)`: polls start at
    `first_delay`, grow by `growth`, and then keep pace with the wait, so an hour's training
    is polled about every 72 s and a minute's start every 2 s.
    Clock, sleep and the slot signal are injectable so tests run without waiting.
    """

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    log: Callable[[str], None] = _log_info
    first_delay: float = 0.2
    growth: float = 1.5
    lag_floor: float = 2.0
    lag_share: float = 0.02
    progress_every: float = 60.0
    not_found_grace: float = 60.0
    """Seconds a just-made resource may stay invisible (read-after-write is eventual)."""
    slot_retry: float = 1.0
    """Seconds between attempts while a concurrency quota is full: a freed slot is taken
    within this (plus jitter), as AWS has no notification for it."""
    slot_log_every: float = 30.0
    slot_pause: Callable[[str, float], None] = SLOTS.pause
    slot_freed: Callable[[str], None] = SLOTS.freed
    rng: random.Random = field(default_factory=random.Random)

    def deadline(self, seconds: float) -> Deadline:
        """`seconds` from now."""
        return Deadline(self.clock() + seconds)

    def interval(self, delay: float, elapsed: float) -> float:
        """The longest pause between two polls `elapsed` seconds into a wait."""
        return min(delay, max(self.lag_floor, self.lag_share * elapsed))

    def retry_while_slot_full(
        self,
        what: str,
        call: Callable[[], T],
        *,
        until: Deadline,
        already: Callable[[], T | None] = lambda: None,
    ) -> T:
        """`call()`, again and again while it fails on a concurrency quota (a training or
        running slot), until `until`. A lasting quota fails at once.

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
                if now >= until.at:
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
                self.slot_pause(quota.name, min(pause, until.left(now)))

    def wait(
        self,
        what: str,
        fetch: Callable[[], dict[str, Any] | None],
        spec: Wait,
        *,
        until: Deadline,
        status_of: Callable[[dict[str, Any]], str] = status,
        message_of: Callable[[dict[str, Any]], str | None] = status_message,
    ) -> dict[str, Any]:
        """Wait for `what` to reach one of `spec.target`; returns the last described object."""
        if GONE in spec.target:
            raise ValueError("a wait for a resource to go is wait_gone")
        found = self._poll(what, fetch, spec, until, status_of, message_of)
        assert found is not None  # only a GONE target ends without an object
        return found

    def wait_gone(
        self,
        what: str,
        fetch: Callable[[], dict[str, Any] | None],
        pending: Collection[str],
        *,
        until: Deadline,
    ) -> None:
        """Wait until the describe call no longer finds `what`, passing through `pending`.
        A delete whose response was lost, retried, ends here too: not found is success."""
        self._poll(what, fetch, Wait.of({GONE}, pending), until)

    def _poll(
        self,
        what: str,
        fetch: Callable[[], dict[str, Any] | None],
        spec: Wait,
        until: Deadline,
        status_of: Callable[[dict[str, Any]], str] = status,
        message_of: Callable[[dict[str, Any]], str | None] = status_message,
    ) -> dict[str, Any] | None:
        target, pending, failure = spec.target, spec.pending, spec.failure
        start = self.clock()
        delay = self.first_delay
        last_status: str | None = None
        last_report = start
        missing_since: float | None = None
        while True:
            obj = fetch()
            now = self.clock()
            if obj is None:
                if GONE in target:
                    self._ended(spec, last_status)
                    return None
                status = GONE
                missing_since = now if missing_since is None else missing_since
                if now - missing_since > self.not_found_grace:
                    raise TerminalStatus(f"{what} disappeared while waiting for it", GONE)
            else:
                missing_since = None
                status = status_of(obj)
                if status in target:
                    self._ended(spec, last_status)
                    return obj
                if status in failure:
                    self._ended(spec, last_status)
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
            if now >= until.at:
                raise WaitTimeout(
                    f"{what} was still {status} after {format_elapsed(now - start)}; raise the "
                    f"`timeouts` input if this is expected, then run `pulumi up` again "
                    f"(it resumes the wait, nothing is recreated)"
                )
            # Jitter only shortens a pause, so the lag bound holds.
            pause = self.interval(delay, now - start) * self.rng.uniform(0.8, 1.0)
            self.sleep(min(pause, until.left(now)))
            delay *= self.growth

    def _ended(self, spec: Wait, seen: str | None) -> None:
        """A wait that saw its work in progress and then its end frees that work's slot."""
        if spec.frees and seen in spec.pending:
            self.slot_freed(spec.frees)


DEFAULT_POLLER = Poller()
