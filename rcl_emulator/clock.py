"""The scheduler clock: real time, moved forward (never back) by the control API."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

UTC = timezone.utc


class ClockError(ValueError):
    """A clock move the emulator refuses (backwards, or not a time)."""


class SchedulerClock:
    """Real time plus an offset that only grows: schedules fire on this clock."""

    def __init__(self, real: Callable[[], float] = time.time) -> None:
        self._real = real
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The scheduler's current instant (aware, UTC)."""
        with self._lock:
            return datetime.fromtimestamp(self._real() + self._offset, UTC)

    def move_to(self, instant: datetime) -> datetime:
        """Jump to `instant` (aware); refuses to go back. Returns the new now."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ClockError("the clock needs a time with its UTC offset, e.g. 2030-01-07T18:00Z")
        with self._lock:
            current = self._real() + self._offset
            target = instant.timestamp()
            if target < current:
                raise ClockError(
                    f"the scheduler clock never moves back: it is {iso(_at(current))}, "
                    f"{iso(instant)} is earlier; move it to a later time"
                )
            self._offset += target - current
            return _at(target)


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def iso(instant: datetime) -> str:
    """``2030-01-07T18:00:00.000Z``: ISO 8601 in UTC, as the control API writes times."""
    text = instant.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is read as UTC."""
    if not isinstance(text, str):
        raise ClockError(f"`now` must be an ISO 8601 string, not {text!r}")
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ClockError(f"`{text}` is not an ISO 8601 time, e.g. 2030-01-07T18:00:00Z") from None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
