"""Schedules fire: on every clock move, and each second as real time passes, every ENABLED
schedule's occurrences since it last fired run in time order against the emulator's own
Rekognition backend.

Occurrences come from :mod:`rcl_resources.schedule_occurrences` (time zones, daylight-saving
gaps, StartDate); EndDate bounds them. A schedule fires only for instants after it was created
or last updated (its *cursor*), so moving the clock a week ahead fires exactly what fell due and
never polls minute by minute. A Rekognition universal target
(``arn:aws:scheduler:::aws-sdk:rekognition:<apiAction>``) runs that operation with the target's
``Input`` as its request, through the same path as a client call: the request log shows it with
``"source": "scheduler"``. Any other target is recorded as not delivered. A failed call is a
firing with ``ok`` false and the error; it never raises out of the emulator.
"""

from __future__ import annotations

import heapq
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from rcl_resources.schedule_expressions import AtExpression, ScheduleInputError
from rcl_resources.schedule_occurrences import Schedule

from . import responses, scheduler
from .clock import iso
from .world import World

log = logging.getLogger("rcl_emulator")
TICK_SECONDS = 1.0
# Occurrences fall on whole seconds; a bound one microsecond later includes an instant itself.
_JUST_AFTER = timedelta(microseconds=1)


@dataclass(frozen=True)
class Firing:
    """One invocation of a schedule's target."""

    schedule: str
    at: datetime
    target: str
    ok: bool
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "schedule": self.schedule,
            "at": iso(self.at),
            "target": self.target,
            "ok": self.ok,
            "error": self.error,
        }


@lru_cache(maxsize=1024)
def _parsed(expression: str, zone: str, start: datetime | None) -> Schedule:
    return Schedule.parse(expression, zone, start)


def _instant(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), timezone.utc)


def move_clock(
    world: World, now: datetime | None = None, advance_seconds: float | None = None
) -> tuple[datetime, list[Firing]]:
    """Move the scheduler clock forward (to `now`, or by `advance_seconds`) and fire what fell
    due on the way, in order; returns the new now and the firings."""
    if (now is None) == (advance_seconds is None):
        raise ValueError('give exactly one of "now" (ISO 8601) and "advance_seconds"')
    with world.schedule_lock:
        if advance_seconds is not None:
            if advance_seconds < 0:
                raise ValueError("advance_seconds must not be negative: the clock never moves back")
            now = world.clock.now() + timedelta(seconds=advance_seconds)
        assert now is not None
        reached = world.clock.move_to(now)
        return reached, sweep(world, reached)


def sweep(world: World, until: datetime) -> list[Firing]:
    """Fire every occurrence up to and including `until` not fired yet, in time order."""
    with world.schedule_lock:
        since = world.schedules_checked
        streams = []
        for order, (sched, cursor) in enumerate(_enabled(world, since)):
            streams.append(_due(world, sched, cursor, until, order))
        fired = []
        for at, _, sched in heapq.merge(*streams, key=lambda item: (item[0], item[1])):
            fired.append(_fire(world, sched, at))
        for sched, _ in _enabled(world, since):
            world.schedule_cursors[sched.arn] = max(
                world.schedule_cursors.get(sched.arn, since), until
            )
        world.schedules_checked = max(since, until)
        _complete(world, until)
        return fired


def _enabled(world: World, since: datetime) -> Iterator[tuple[Any, datetime]]:
    for be in scheduler.all_backends():
        for group in list(be.schedule_groups.values()):
            for sched in list(group.schedules.values()):
                if sched.state == "ENABLED":
                    yield sched, world.schedule_cursors.get(sched.arn, since)


def _due(
    world: World, sched: Any, cursor: datetime, until: datetime, order: int
) -> Iterator[tuple[datetime, int, Any]]:
    try:
        start = _instant(sched.start_date)
        # A schedule first seen here (restored from disk) counts its rate from now on.
        anchor = start or world.schedule_anchors.setdefault(sched.arn, cursor)
        schedule = _parsed(sched.schedule_expression, sched.schedule_expression_timezone, anchor)
    except (ScheduleInputError, TypeError, ValueError) as e:
        log.warning("schedule %s cannot fire: %s", sched.arn, e)
        return
    end = _instant(sched.end_date)
    stop = until + _JUST_AFTER if end is None else min(until + _JUST_AFTER, end)
    floor = start - _JUST_AFTER if start is not None else None
    after = cursor if floor is None else max(cursor, floor)
    for at in schedule.occurrences(after, stop):
        yield at, order, sched


def _fire(world: World, sched: Any, at: datetime) -> Firing:
    target = sched.target.get("Arn", "")
    try:
        ok, error = _invoke(world, sched, at, target)
    except Exception as e:  # a firing never takes the emulator down
        log.exception("firing %s failed", sched.arn)
        ok, error = False, f"InternalServerError: {e}"
    if isinstance(_safe_expression(sched), AtExpression) and sched.action_after_completion == (
        "DELETE"
    ):
        _delete(world, sched)
    return Firing(sched.arn, at, target, ok, error)


def _invoke(world: World, sched: Any, at: datetime, target: str) -> tuple[bool, str | None]:
    universal = scheduler.UNIVERSAL.fullmatch(target)
    if universal is None or universal["service"] != "rekognition":
        return False, (
            "not delivered: the emulator invokes only Rekognition universal targets "
            "(arn:aws:scheduler:::aws-sdk:rekognition:<apiAction>)"
        )
    action = universal["action"]
    op = action[0].upper() + action[1:]
    region = sched.arn.split(":")[3]
    body = (sched.target.get("Input") or "{}").encode()
    marks = {"source": "scheduler", "schedule": sched.arn, "scheduled_at": iso(at)}
    reply = responses.invoke(world, op, region, body, marks)
    if reply.status == 200:
        return True, None
    return False, f"{reply.error}: {reply.body.get('Message', '')}"


def _safe_expression(sched: Any) -> Any:
    try:
        return _parsed(sched.schedule_expression, "UTC", None).expression
    except (ScheduleInputError, ValueError):
        return None


def _delete(world: World, sched: Any) -> None:
    be = scheduler.backend(sched.arn.split(":")[3])
    group = be.schedule_groups.get(sched.group_name)
    if group is not None and group.schedules.get(sched.name) is sched:
        del group.schedules[sched.name]
    world.schedule_cursors.pop(sched.arn, None)
    world.schedule_anchors.pop(sched.arn, None)


def _complete(world: World, until: datetime) -> None:
    """Recurring schedules past their EndDate with ActionAfterCompletion DELETE go."""
    for be in scheduler.all_backends():
        for group in list(be.schedule_groups.values()):
            for sched in list(group.schedules.values()):
                end = _instant(sched.end_date)
                if sched.action_after_completion == "DELETE" and end is not None and end <= until:
                    _delete(world, sched)


class Ticker:
    """Fires due schedules as real time passes: a daemon thread sweeping every second."""

    def __init__(self, world: World, interval: float = TICK_SECONDS) -> None:
        self.world = world
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="rcl-scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                sweep(self.world, self.world.clock.now())
            except Exception:
                log.exception("firing due schedules failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)


def fired_json(fired: list[Firing]) -> list[dict[str, Any]]:
    """The control API's ``fired`` list."""
    return [f.to_json() for f in fired]
