"""When EventBridge Scheduler schedules fire, and how many hours a start/stop pair keeps a model up.

`Schedule` is an expression (parsed by `schedule_expressions`) read in an IANA time zone; its
occurrences are aware UTC datetimes. The emulator fires schedules with it and the provider
computes `next_start`, `next_stop` and `running_hours_per_week` with `running_window`.

Daylight saving, as AWS documents it ("Daylight savings time on EventBridge Scheduler",
https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time):

- cron, spring forward: a wall time the clocks skip does not exist, so that day's invocation is
  skipped (``cron(30 2 * * ? *)`` in Europe/Berlin does not fire on the last Sunday of March).
- cron, fall back: a wall time the clocks repeat fires once, at its first instance (02:30 CEST,
  not again at 02:30 CET).
- rate: ``days`` are 24 hours on the clock, whatever the wall clock does; every rate fires at
  ``start_date + k * interval`` (AWS's StartDate; without one AWS starts "immediately", so the
  caller passes the creation instant).
- at: AWS does not say. Our choice: a repeated wall time fires at its first instance, as cron
  does; a skipped one fires as soon as it is reached, at the wall time shifted by the gap
  (02:30 on a spring-forward night in Berlin fires at 03:30 CEST) — a one-time schedule that
  silently never fired would leave a model running. One-time stops armed by the provider use
  ``at_expression`` in UTC, which has neither case.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from rcl_resources.schedule_expressions import (
    AtExpression,
    CronExpression,
    DaySelector,
    RateExpression,
    ScheduleExpression,
    ScheduleInputError,
    parse_schedule_expression,
    parse_timezone,
)

UTC = timezone.utc
WEEK = timedelta(days=7)
# Occurrences fall on whole seconds: one microsecond earlier includes an instant itself.
_JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class Schedule:
    """An expression read in a time zone; `start_date` anchors a rate and bounds a cron."""

    expression: ScheduleExpression
    timezone: ZoneInfo
    start_date: datetime | None = None

    @classmethod
    def parse(
        cls, expression: str, timezone: str = "UTC", start_date: datetime | None = None
    ) -> Schedule:
        """Validate `expression` and `timezone` (raising `ScheduleInputError`) into a Schedule."""
        if start_date is not None:
            _require_aware(start_date, "start_date")
        return cls(parse_schedule_expression(expression), parse_timezone(timezone), start_date)

    def occurrences(self, after: datetime, until: datetime | None = None) -> Iterator[datetime]:
        """Every firing strictly after `after` (and before `until`), in order, as UTC datetimes."""
        _require_aware(after, "after")
        for instant in self._forward(after):
            if until is not None and instant >= until:
                return
            yield instant

    def next_after(self, instant: datetime) -> datetime | None:
        """The first firing strictly after `instant`, or None if the schedule never fires again."""
        return next(self.occurrences(instant), None)

    def previous_before(self, instant: datetime) -> datetime | None:
        """The last firing strictly before `instant`, or None if it never fired before."""
        _require_aware(instant, "instant")
        expression = self.expression
        if isinstance(expression, CronExpression):
            floor = self.start_date
            for found in _cron_walk(expression, self.timezone, instant, forward=False):
                if found < instant:
                    return None if floor is not None and found < floor else found
            return None
        if isinstance(expression, RateExpression):
            anchor = self._rate_anchor()
            if instant <= anchor:
                return None
            return (
                anchor
                + ((instant - anchor - _JUST_BEFORE) // expression.interval) * expression.interval
            )
        fires = _at_instant(expression, self.timezone)
        return fires if fires < instant else None

    def _forward(self, after: datetime) -> Iterator[datetime]:
        expression = self.expression
        if isinstance(expression, CronExpression):
            floor = self.start_date
            for found in _cron_walk(expression, self.timezone, after, forward=True):
                if found > after and (floor is None or found >= floor):
                    yield found
        elif isinstance(expression, RateExpression):
            anchor = self._rate_anchor()
            k = 0 if after < anchor else (after - anchor) // expression.interval + 1
            while True:
                yield anchor + k * expression.interval
                k += 1
        else:
            fires = _at_instant(expression, self.timezone)
            if fires > after:
                yield fires

    def _rate_anchor(self) -> datetime:
        if self.start_date is None:
            raise ValueError(
                f"{self.expression.text} counts from the schedule's start; pass start_date "
                "(AWS's StartDate, or the instant the schedule is created)"
            )
        return self.start_date.astimezone(UTC)


@dataclass(frozen=True)
class RunningWindow:
    """What a start/stop pair costs, measured over one whole local week (see `running_window`)."""

    running_hours_per_week: float
    saved_fraction: float  # of an always-on week: 1 - hours / 168
    next_start: str | None  # ISO 8601 in the schedule's time zone, with its offset
    next_stop: str | None
    week_start: datetime  # UTC bounds of the week measured
    week_end: datetime


def running_window(
    start: str | None, stop: str | None, timezone: str = "UTC", *, reference: datetime
) -> RunningWindow:
    """Running hours per week of a model started by `start` and stopped by `stop`.

    The week measured is the first local Monday 00:00 to Monday 00:00 at or after `reference`
    that is 168 hours long, so a daylight-saving week (167 or 169 hours) never skews the
    figure; a `rate()` counts from `reference` (the schedule is created then). The state at the
    week's start is the one the latest earlier firing left; before any firing the model is
    taken as stopped when a `start` exists (it is what brings the model up) and running
    otherwise. A start and a stop at the same minute count as running: the figure is an upper
    bound on cost, never a promise of savings a race could take away. Manual starts and stops
    (a `pulumi up`) are not counted.
    """
    _require_aware(reference, "reference")
    if start is None and stop is None:
        raise ScheduleInputError("schedule", "give at least one of `start` and `stop`")
    zone = parse_timezone(timezone)
    starts = _window_schedule(start, zone, reference)
    stops = _window_schedule(stop, zone, reference)
    week_start, week_end = _measured_week(zone, reference)
    running = _running_at(starts, stops, week_start)
    since_start = week_start - _JUST_BEFORE
    events = [(at, True) for at in starts.occurrences(since_start, week_end)] if starts else []
    events += [(at, False) for at in stops.occurrences(since_start, week_end)] if stops else []
    up, since = timedelta(), week_start
    for at, is_start in sorted(events):  # at one instant the stop sorts first: the start wins
        if running:
            up += at - since
        running, since = is_start, at
    if running:
        up += week_end - since
    hours = round(up / (week_end - week_start) * 168, 2)
    return RunningWindow(
        running_hours_per_week=hours,
        saved_fraction=round(1 - hours / 168, 4),
        next_start=_next_iso(starts, reference),
        next_stop=_next_iso(stops, reference),
        week_start=week_start,
        week_end=week_end,
    )


def _window_schedule(
    expression: str | None, zone: ZoneInfo, reference: datetime
) -> Schedule | None:
    """A rate counts from `reference`; a cron's earlier firings count, so its state is steady."""
    if expression is None:
        return None
    parsed = parse_schedule_expression(expression)
    return Schedule(parsed, zone, reference if isinstance(parsed, RateExpression) else None)


def _running_at(starts: Schedule | None, stops: Schedule | None, instant: datetime) -> bool:
    last_start = starts.previous_before(instant) if starts else None
    last_stop = stops.previous_before(instant) if stops else None
    if last_start is None and last_stop is None:
        return starts is None
    if last_start is None or last_stop is None:
        return last_stop is None
    return last_start >= last_stop


def _measured_week(zone: ZoneInfo, reference: datetime) -> tuple[datetime, datetime]:
    local = reference.astimezone(zone).date()
    monday = local + timedelta(days=-local.weekday())
    if _local_midnight(monday, zone) < reference:
        monday += WEEK
    weeks = [
        (_local_midnight(begin, zone), _local_midnight(begin + WEEK, zone))
        for begin in (monday + n * WEEK for n in range(8))
    ]
    # Offset changes are months apart: one of the next weeks is whole (else take the first).
    return next((week for week in weeks if week[1] - week[0] == WEEK), weeks[0])


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _next_iso(schedule: Schedule | None, reference: datetime) -> str | None:
    found = schedule.next_after(reference - _JUST_BEFORE) if schedule else None
    return found.astimezone(schedule.timezone).isoformat() if found and schedule else None


def _require_aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(
            f"{name} must be a timezone-aware datetime, e.g. datetime.now(timezone.utc)"
        )


def _at_instant(expression: AtExpression, zone: ZoneInfo) -> datetime:
    # fold=0: a repeated wall time is its first instance; a skipped one is shifted by the gap.
    return expression.wall_time.replace(tzinfo=zone).astimezone(UTC)


def _wall_instant(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The instant of a cron wall time: its first instance, or None when the clocks skip it."""
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    return instant if instant.astimezone(zone).replace(tzinfo=None) == wall else None


def _cron_walk(
    cron: CronExpression, zone: ZoneInfo, origin: datetime, forward: bool
) -> Iterator[datetime]:
    """Firings from the local day of `origin` on, forwards or backwards; ends at 1970 or 2199."""
    times = sorted(((h, m) for h in cron.hours for m in cron.minutes), reverse=not forward)
    for day in _cron_days(cron, origin.astimezone(zone).date(), forward):
        for hour, minute in times:
            instant = _wall_instant(datetime.combine(day, time(hour, minute)), zone)
            if instant is not None:
                yield instant


def _cron_days(cron: CronExpression, origin: date, forward: bool) -> Iterator[date]:
    def reached(candidate: tuple[int, ...], limit: tuple[int, ...]) -> bool:
        return candidate >= limit if forward else candidate <= limit

    for year in sorted(cron.years, reverse=not forward):
        if not reached((year,), (origin.year,)):
            continue
        for month in sorted(cron.months, reverse=not forward):
            if not reached((year, month), (origin.year, origin.month)):
                continue
            for day in sorted(_days_in(cron, year, month), reverse=not forward):
                if reached((year, month, day), (origin.year, origin.month, origin.day)):
                    yield date(year, month, day)


def _days_in(cron: CronExpression, year: int, month: int) -> set[int]:
    """The days of one month the cron's day field selects (exactly one of the two is not `?`)."""
    last = ((date(year, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
    by_month = cron.day_of_month
    if by_month.kind != "any":
        return _month_days(by_month, year, month, last)
    return _week_days(cron.day_of_week, year, month, last)


def _month_days(selector: DaySelector, year: int, month: int, last: int) -> set[int]:
    if selector.kind == "days":
        return {day for day in selector.days if day <= last}
    if selector.kind == "last":
        return {last}
    if selector.kind == "last_weekday":
        weekday = date(year, month, last).weekday()  # Monday 0 … Sunday 6
        return {last - max(0, weekday - 4)}
    day = selector.day  # nearest_weekday: the weekday closest to `day`, within the month
    if day > last:
        return set()
    weekday = date(year, month, day).weekday()
    if weekday == 5:  # Saturday: Friday before, or Monday after when the 1st is a Saturday
        return {day - 1 if day > 1 else day + 2}
    if weekday == 6:  # Sunday: Monday after, or Friday before when it is the month's last day
        return {day + 1 if day < last else day - 2}
    return {day}


def _week_days(selector: DaySelector, year: int, month: int, last: int) -> set[int]:
    by_aws_day: dict[int, list[int]] = {}
    for day in range(1, last + 1):
        aws_day = (date(year, month, day).weekday() + 1) % 7 + 1  # AWS: 1 is Sunday, 7 Saturday
        by_aws_day.setdefault(aws_day, []).append(day)
    if selector.kind == "days":
        return {day for aws_day in selector.days for day in by_aws_day[aws_day]}
    if selector.kind == "last_of":
        return {by_aws_day[selector.day][-1]}
    matches = by_aws_day[selector.day]  # nth
    return {matches[selector.nth - 1]} if selector.nth <= len(matches) else set()
