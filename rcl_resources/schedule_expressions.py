"""EventBridge Scheduler expressions, time zones and durations, validated as AWS enforces them.

`RunningSchedule` (the provider, at `pulumi preview`) and the emulator's scheduler both read their
inputs through here, so a schedule AWS would refuse is refused before anything is created, with a
message that names the part that is wrong and how to write it. Every refusal is a
`ScheduleInputError` (a `ValueError`); its `part` names the piece at fault ("day-of-week",
"rate", "timezone", ...), and the provider prefixes its own input name (`start`, `stop`, ...).

The rules, from AWS's own pages:

- botocore ``scheduler/2021-06-30/service-2.json``: ``ScheduleExpression`` is 1-256 characters and
  is ``at(yyyy-mm-ddThh:mm:ss)``, ``rate(value unit)`` or ``cron(fields)``;
  ``ScheduleExpressionTimezone`` is 1-50 characters.
- https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html: the cron fields,
  values and wildcards; ``#`` allows one expression in day-of-week; IANA time zones. Its prose
  calls the year optional, but its syntax, the API reference and EventBridge's cron reference
  give six fields: we require the year.
- https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html: one of
  day-of-month and day-of-week must be ``?`` (a value or ``*`` in one means ``?`` in the other).
- https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html: a rate's
  value is a positive integer; the unit is singular for 1 and plural above (``rate(1 hours)`` and
  ``rate(5 hour)`` are refused). The Scheduler page lists the same six units without repeating
  the limitation; we keep it, so whatever passes here passes at AWS.

Where AWS is silent we follow the Quartz syntax its cron derives from: leading zeros and names
in any case are accepted, a range may wrap (``FRI-MON``, ``22-2``) except the year's, a step may
follow ``*``, a value or a range (``*/15``, ``5/10``, ``8-18/2``), ``L`` alone in day-of-week is
Saturday, and ``L``, ``LW``, ``nW``, ``nL``, ``n#k`` stand alone in their field.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

MAX_EXPRESSION_LENGTH = 256  # botocore: ScheduleExpression max
MAX_TIMEZONE_LENGTH = 50  # botocore: ScheduleExpressionTimezone max
# A one-time stop further away than a year guards no budget, and `8760h` is the longest sensible
# way to write one: anything beyond is almost always a unit slip (`8d` meant as `8h`).
MAX_DURATION = timedelta(days=365)
MIN_DURATION = timedelta(minutes=1)  # EventBridge Scheduler fires with 60-second precision

MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # AWS numbers them 1-7
# Files the system's zoneinfo directory holds that are not places: not IANA zone names.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


class ScheduleInputError(ValueError):
    """A schedule expression, time zone or duration AWS would refuse; `part` names what is wrong."""

    def __init__(self, part: str, problem: str) -> None:
        super().__init__(f"{part}: {problem}")
        self.part = part


@dataclass(frozen=True)
class DaySelector:
    """What one day field (day-of-month or day-of-week) selects.

    kind: ``any`` (``?``), ``days`` (the listed days), ``last`` (``L``), ``last_weekday``
    (``LW``), ``nearest_weekday`` (``nW``: `day`), ``last_of`` (``nL``: `day` is the weekday),
    ``nth`` (``n#k``: `day` is the weekday, `nth` is k).
    """

    kind: Literal["any", "days", "last", "last_weekday", "nearest_weekday", "last_of", "nth"]
    days: frozenset[int] = frozenset()
    day: int = 0
    nth: int = 0


@dataclass(frozen=True)
class CronExpression:
    """``cron(minutes hours day-of-month month day-of-week year)``, expanded to value sets."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    day_of_month: DaySelector
    months: frozenset[int]
    day_of_week: DaySelector
    years: frozenset[int]


@dataclass(frozen=True)
class RateExpression:
    """``rate(value unit)``: fires every `interval` (a day is 24 hours, whatever the clock does)."""

    text: str
    value: int
    unit: str
    interval: timedelta


@dataclass(frozen=True)
class AtExpression:
    """``at(yyyy-mm-ddThh:mm:ss)``: fires once, at `wall_time` in the schedule's time zone."""

    text: str
    wall_time: datetime  # naive: read in the schedule's time zone


ScheduleExpression = CronExpression | RateExpression | AtExpression


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    wildcards: str
    names: tuple[str, ...] = ()
    cyclic: bool = True  # may a range wrap past `high` back to `low`?


_FIELDS = (
    _Field("minutes", 0, 59, ",-*/"),
    _Field("hours", 0, 23, ",-*/"),
    _Field("day-of-month", 1, 31, ",-*?/LW"),
    _Field("month", 1, 12, ",-*/", MONTH_NAMES),
    _Field("day-of-week", 1, 7, ",-*?L#", DAY_NAMES),
    _Field("year", 1970, 2199, ",-*/", cyclic=False),
)
_EXPRESSION = "schedule expression"
_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
_AT = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})")
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")


def parse_schedule_expression(text: str) -> ScheduleExpression:
    """Parse and validate a ``cron(…)``, ``rate(…)`` or ``at(…)`` expression as AWS does."""
    if not isinstance(text, str) or not text:
        raise ScheduleInputError(_EXPRESSION, "empty; write e.g. `cron(0 8 ? * MON-FRI *)`")
    if len(text) > MAX_EXPRESSION_LENGTH:
        too_long = f"{len(text)} characters; AWS takes at most {MAX_EXPRESSION_LENGTH}"
        raise ScheduleInputError(_EXPRESSION, too_long)
    kind, _, rest = text.partition("(")
    if kind not in ("cron", "rate", "at") or not rest.endswith(")"):
        raise ScheduleInputError(
            _EXPRESSION,
            f"`{text}` is none of `cron(…)`, `rate(…)`, `at(…)`; write e.g. "
            "`cron(0 8 ? * MON-FRI *)`, `rate(1 hour)` or `at(2030-01-31T08:00:00)`",
        )
    inner = rest[:-1]
    if kind == "cron":
        return _parse_cron(text, inner)
    if kind == "rate":
        return _parse_rate(text, inner)
    return _parse_at(text, inner)


def parse_timezone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone `name` (as ``ScheduleExpressionTimezone`` takes it), or a refusal."""
    if not isinstance(name, str) or not name:
        raise ScheduleInputError("timezone", "empty; write e.g. `Europe/Berlin` or `UTC`")
    if len(name) > MAX_TIMEZONE_LENGTH:
        raise ScheduleInputError("timezone", f"longer than AWS's {MAX_TIMEZONE_LENGTH} characters")
    known = zoneinfo.available_timezones() - _NOT_ZONES
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1) or [
            zone for zone in known if zone.lower() == name.lower()
        ]
        hint = f"did you mean `{close[0]}`?" if close else "write e.g. `Europe/Berlin` or `UTC`"
        raise ScheduleInputError("timezone", f"`{name}` is not an IANA time zone name; {hint}")
    return zoneinfo.ZoneInfo(name)


def parse_duration(text: str) -> timedelta:
    """A duration such as ``8h``, ``90m``, ``1h30m`` or ``2d``: whole days, hours and minutes.

    Grammar: ``[<n>d][<n>h][<n>m]``, at least one part, in that order, lower case, no spaces.
    Bounds: at least a minute (the scheduler's precision) and at most 365 days.
    """
    fix = "write whole numbers with `d`, `h`, `m` in that order, e.g. `8h`, `90m`, `1h30m`, `2d`"
    match = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if not text or match is None:
        raise ScheduleInputError("duration", f"`{text}` is not a duration; {fix}")
    days, hours, minutes = (int(part or 0) for part in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes)
    if duration < MIN_DURATION:
        raise ScheduleInputError("duration", f"`{text}` is under a minute; write at least `1m`")
    if duration > MAX_DURATION:
        raise ScheduleInputError(
            "duration",
            f"`{text}` is longer than a year; write at most `365d` (did you mean hours?)",
        )
    return duration


def at_expression(instant: datetime) -> str:
    """The ``at(…)`` expression for an aware `instant`, in UTC (use with time zone ``UTC``).

    UTC has no repeated or skipped wall times, so a one-time stop armed this way fires exactly
    once at the intended instant.
    """
    if instant.tzinfo is None:
        raise ValueError("at_expression needs a timezone-aware datetime")
    utc = instant.astimezone(zoneinfo.ZoneInfo("UTC"))
    return f"at({utc:%Y-%m-%dT%H:%M:%S})"


def _parse_rate(text: str, inner: str) -> RateExpression:
    parts = inner.split(" ")
    units = "`minute(s)`, `hour(s)` or `day(s)`"
    if len(parts) != 2:
        raise ScheduleInputError(
            "rate", f"`{text}` is not `rate(value unit)`; write e.g. `rate(8 hours)`"
        )
    value_text, unit = parts
    if not value_text.isdigit() or int(value_text) == 0:
        raise ScheduleInputError("rate", f"the value `{value_text}` is not a positive whole number")
    value = int(value_text)
    base = unit[:-1] if unit.endswith("s") else unit
    if base not in _UNITS:
        raise ScheduleInputError("rate", f"the unit `{unit}` is none of {units}")
    wanted = base if value == 1 else base + "s"
    if unit != wanted:
        rule = "singular for 1" if value == 1 else "plural above 1"
        raise ScheduleInputError("rate", f"the unit is {rule}; write `rate({value} {wanted})`")
    return RateExpression(text, value, unit, value * _UNITS[base])


def _parse_at(text: str, inner: str) -> AtExpression:
    match = _AT.fullmatch(inner)
    if match is None:
        raise ScheduleInputError(
            "at", f"`{text}` is not `at(yyyy-mm-ddThh:mm:ss)`; write e.g. `at(2030-01-31T08:00:00)`"
        )
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        wall_time = datetime(year, month, day, hour, minute, second)
    except ValueError as refused:
        raise ScheduleInputError(
            "at", f"`{inner}` is not a real date and time ({refused})"
        ) from None
    return AtExpression(text, wall_time)


def _parse_cron(text: str, inner: str) -> CronExpression:
    fields = inner.split(" ")
    layout = "minutes hours day-of-month month day-of-week year"
    if "" in fields:
        raise ScheduleInputError("cron", "separate the six fields with single spaces")
    if len(fields) != len(_FIELDS):
        fix = f"; add the year: `cron({inner} *)`" if len(fields) == 5 else ""
        raise ScheduleInputError(
            "cron", f"`{text}` has {len(fields)} fields, AWS needs six ({layout}){fix}"
        )
    minutes, hours, dom, month, dow, year = fields
    _check_one_day_field(fields)
    return CronExpression(
        text=text,
        minutes=_parse_values(_FIELDS[0], minutes),
        hours=_parse_values(_FIELDS[1], hours),
        day_of_month=_parse_day_of_month(dom),
        months=_parse_values(_FIELDS[3], month),
        day_of_week=_parse_day_of_week(dow),
        years=_parse_values(_FIELDS[5], year),
    )


def _check_one_day_field(fields: list[str]) -> None:
    """AWS refuses both day fields set (``* * … MON-FRI``) and both left open (``? … ?``)."""
    dom, dow = fields[2], fields[4]
    if (dom == "?") != (dow == "?"):
        return

    def cron(day_of_month: str, day_of_week: str) -> str:
        chosen = [*fields[:2], day_of_month, fields[3], day_of_week, fields[5]]
        return f"`cron({' '.join(chosen)})`"

    rule = "one of day-of-month and day-of-week must be `?`"
    if dom == "?":
        raise ScheduleInputError("day-of-week", f"{rule}, not both; write {cron('*', '?')}")
    if dom == "*":
        raise ScheduleInputError("day-of-week", f"{rule}; write {cron('?', dow)}")
    if dow == "*":
        raise ScheduleInputError("day-of-week", f"{rule}; write {cron(dom, '?')}")
    raise ScheduleInputError(
        "day-of-week",
        f"{rule}; AWS cannot fire on either of two day rules, keep one: "
        f"{cron(dom, '?')} or {cron('?', dow)}, or use two schedules",
    )


def _parse_values(field: _Field, text: str) -> frozenset[int]:
    """A field of `,`-separated items: ``*``, ``v``, ``a-b``, each optionally ``/step``."""
    allowed = " ".join(field.wildcards)
    if "/" in text and "/" not in field.wildcards:
        raise ScheduleInputError(
            field.name, "does not take `/`; list the values, e.g. `MON,WED,FRI`"
        )
    for char in text:
        if not (char.isalnum() or char in field.wildcards):
            raise ScheduleInputError(
                field.name, f"`{char}` is not allowed here; use values and {allowed}"
            )
    items = text.split(",")
    if "" in items:
        raise ScheduleInputError(field.name, f"`{text}` has an empty item; remove the stray comma")
    if "*" in items and len(items) > 1:
        raise ScheduleInputError(field.name, "`*` already means every value; write `*` alone")
    values: set[int] = set()
    for item in items:
        values.update(_parse_item(field, item))
    return frozenset(values)


def _parse_item(field: _Field, item: str) -> list[int]:
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) == 0:
            raise ScheduleInputError(
                field.name, f"the step in `{item}` must be a whole number from 1"
            )
        step = int(step_text)
    if base == "*":
        first, last = field.low, field.high
    elif "-" in base:
        start_text, _, end_text = base.partition("-")
        first, last = _value(field, start_text), _value(field, end_text)
        if first > last and not field.cyclic:
            raise ScheduleInputError(field.name, f"`{base}` runs backwards; write `{last}-{first}`")
    else:
        first = _value(field, base)
        last = field.high if slash else first
    span = (last - first) % (field.high - field.low + 1)  # a wrapping range goes round once
    return [
        field.low + (first - field.low + k) % (field.high - field.low + 1)
        for k in range(0, span + 1, step)
    ]


def _value(field: _Field, token: str) -> int:
    if token.isdigit():
        value = int(token)
        if field.low <= value <= field.high:
            return value
        raise ScheduleInputError(field.name, f"`{token}` is outside {field.low}-{field.high}")
    if token.upper() in field.names:
        return field.low + field.names.index(token.upper())
    names = f" or {field.names[0]}-{field.names[-1]}" if field.names else ""
    raise ScheduleInputError(
        field.name, f"`{token}` is not a value; write {field.low}-{field.high}{names}"
    )


def _parse_day_of_month(text: str) -> DaySelector:
    field = _FIELDS[2]
    if text == "?":
        return DaySelector("any")
    if "L" in text or "W" in text:
        if text == "L":
            return DaySelector("last")
        if text == "LW":
            return DaySelector("last_weekday")
        if text.endswith("W") and text[:-1].isdigit():
            return DaySelector("nearest_weekday", day=_value(field, text[:-1]))
        raise ScheduleInputError(
            field.name,
            f"`{text}`: `L` (last day), `LW` (last weekday) and `nW` (weekday nearest day n, e.g. "
            "`15W`) stand alone, without lists, ranges or offsets",
        )
    return DaySelector("days", days=_parse_values(field, text))


def _parse_day_of_week(text: str) -> DaySelector:
    field = _FIELDS[4]
    if text == "?":
        return DaySelector("any")
    if "#" in text:
        day, _, nth = text.partition("#")
        if "," in text or "-" in day:
            raise ScheduleInputError(
                field.name,
                f"`{text}`: with `#` the field holds one expression; use one schedule per day",
            )
        if not nth.isdigit() or not 1 <= int(nth) <= 5:
            raise ScheduleInputError(
                field.name, f"`{text}`: the week after `#` is 1-5, e.g. `MON#1`"
            )
        return DaySelector("nth", day=_value(field, day), nth=int(nth))
    if "L" in text.upper():  # no day name holds an L
        if text.upper() == "L":
            return DaySelector("days", days=frozenset({7}))  # the last day of the week: Saturday
        if text.upper().endswith("L") and "," not in text and "-" not in text:
            return DaySelector("last_of", day=_value(field, text[:-1]))
        raise ScheduleInputError(
            field.name,
            f"`{text}`: `L` (Saturday) and `nL` (last day n of the month, e.g. `FRIL` or `6L`) "
            "stand alone, without lists, ranges or offsets",
        )
    return DaySelector("days", days=_parse_values(field, text))
