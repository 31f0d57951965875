"""EventBridge Scheduler expressions: what AWS accepts and refuses, when schedules fire in a time
zone (daylight saving included), and the running window a start/stop pair makes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from rcl_resources.schedule_expressions import (
    AtExpression,
    CronExpression,
    RateExpression,
    ScheduleInputError,
    at_expression,
    parse_duration,
    parse_schedule_expression,
    parse_timezone,
)
from rcl_resources.schedule_occurrences import Schedule, running_window

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(zone: ZoneInfo, *parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=zone, fold=fold)


def refusal(text: str) -> ScheduleInputError:
    with pytest.raises(ScheduleInputError) as refused:
        parse_schedule_expression(text)
    return refused.value


def firings(schedule: Schedule, after: datetime, until: datetime) -> list[datetime]:
    return list(schedule.occurrences(after, until))


# --- expressions AWS accepts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "cron(0 10 * * ? *)",  # AWS's examples
        "cron(15 12 * * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0 8 1 * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(0/10 * ? * MON-FRI *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(15 10 ? * 6L 2022-2023)",
        "cron(30 0 1 JAN,APR,JUL,OCT ? *)",
        "cron(0 18 L * ? *)",
        "cron(0 18 LW * ? *)",
        "cron(0 18 15W * ? *)",
        "cron(0 18 ? * L *)",
        "cron(0 18 ? * FRIL *)",
        "cron(0 8 ? * mon-fri *)",  # names in any case
        "cron(00 08 01 01 ? 2030)",  # leading zeros
        "cron(0 22-2 ? * FRI-MON *)",  # ranges that wrap
        "cron(0 1-7/2,11-23/2 * * ? *)",
        "cron(0 0 1 1-12/3 ? *)",
        "cron(0 8 * * ? 2026/2)",
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(30 days)",
        "at(2030-01-31T08:00:00)",
        "at(2028-02-29T23:59:59)",  # a leap day
    ],
)
def test_aws_accepts(text: str) -> None:
    assert parse_schedule_expression(text).text == text


def test_cron_fields_expand_to_the_values_they_name() -> None:
    cron = parse_schedule_expression("cron(5/20 8-18/5 ? JUL-FEB FRI-MON 2026-2028)")
    assert isinstance(cron, CronExpression)
    assert cron.minutes == {5, 25, 45}
    assert cron.hours == {8, 13, 18}
    assert cron.months == {7, 8, 9, 10, 11, 12, 1, 2}
    assert cron.day_of_week.days == {6, 7, 1, 2}  # AWS numbers Sunday 1 … Saturday 7
    assert cron.years == {2026, 2027, 2028}


def test_rate_and_at_parse_to_what_they_fire() -> None:
    rate = parse_schedule_expression("rate(90 minutes)")
    assert isinstance(rate, RateExpression) and rate.interval == timedelta(minutes=90)
    at = parse_schedule_expression("at(2030-01-31T08:00:00)")
    assert isinstance(at, AtExpression) and at.wall_time == datetime(2030, 1, 31, 8)


# --- expressions AWS refuses, each with the field at fault and the fix --------------------------


@pytest.mark.parametrize(
    ("text", "part", "fix"),
    [
        ("cron(0 19 * * MON-FRI *)", "day-of-week", "write `cron(0 19 ? * MON-FRI *)`"),
        ("cron(0 19 1 * * *)", "day-of-week", "write `cron(0 19 1 * ? *)`"),
        ("cron(0 19 ? * ? *)", "day-of-week", "write `cron(0 19 * * ? *)`"),
        ("cron(0 8 1 * MON *)", "day-of-week", "`cron(0 8 1 * ? *)` or `cron(0 8 ? * MON *)`"),
        ("cron(0 19 ? * MON-FRI)", "cron", "add the year: `cron(0 19 ? * MON-FRI *)`"),
        ("cron(0 19 ? * MON-FRI * *)", "cron", "has 7 fields, AWS needs six"),
        ("cron(0  19 ? * MON-FRI *)", "cron", "single spaces"),
        ("cron(60 8 * * ? *)", "minutes", "outside 0-59"),
        ("cron(0 24 * * ? *)", "hours", "outside 0-23"),
        ("cron(0 8 32 * ? *)", "day-of-month", "outside 1-31"),
        ("cron(0 8 0 * ? *)", "day-of-month", "outside 1-31"),
        ("cron(0 8 1 13 ? *)", "month", "outside 1-12"),
        ("cron(0 8 1 JANUARY ? *)", "month", "write 1-12 or JAN-DEC"),
        ("cron(0 8 ? * 8 *)", "day-of-week", "outside 1-7"),
        ("cron(0 8 ? * 0 *)", "day-of-week", "outside 1-7"),
        ("cron(0 8 ? * MONDAY *)", "day-of-week", "write 1-7 or SUN-SAT"),
        ("cron(0 8 * * ? 1969)", "year", "outside 1970-2199"),
        ("cron(0 8 * * ? 2200)", "year", "outside 1970-2199"),
        ("cron(0 8 * * ? 2027-2026)", "year", "write `2026-2027`"),
        ("cron(0 8 ? * 1/2 *)", "day-of-week", "does not take `/`"),
        ("cron(? 8 * * ? *)", "minutes", "`?` is not allowed here"),
        ("cron(0 8 * * ? L)", "year", "`L` is not a value"),
        ("cron(0 8 1W,2 * ? *)", "day-of-month", "stand alone"),
        ("cron(0 8 L-3 * ? *)", "day-of-month", "stand alone"),
        ("cron(0 8 1-5W * ? *)", "day-of-month", "stand alone"),
        ("cron(0 8 32W * ? *)", "day-of-month", "outside 1-31"),
        ("cron(0 8 ? * 3#1,6#3 *)", "day-of-week", "one expression"),
        ("cron(0 8 ? * MON#6 *)", "day-of-week", "1-5"),
        ("cron(0 8 ? * MON#0 *)", "day-of-week", "1-5"),
        ("cron(0 8 ? * 5L,1 *)", "day-of-week", "stand alone"),
        ("cron(0/0 8 * * ? *)", "minutes", "whole number from 1"),
        ("cron(0,,5 8 * * ? *)", "minutes", "remove the stray comma"),
        ("cron(*,5 8 * * ? *)", "minutes", "write `*` alone"),
        ("rate(5 hour)", "rate", "write `rate(5 hours)`"),
        ("rate(1 hours)", "rate", "write `rate(1 hour)`"),
        ("rate(0 minutes)", "rate", "not a positive whole number"),
        ("rate(-5 minutes)", "rate", "not a positive whole number"),
        ("rate(5 weeks)", "rate", "`minute(s)`, `hour(s)` or `day(s)`"),
        ("rate(5minutes)", "rate", "`rate(value unit)`"),
        ("at(2026-02-29T08:00:00)", "at", "not a real date and time"),  # 2026 is no leap year
        ("at(2030-01-31 08:00:00)", "at", "`at(yyyy-mm-ddThh:mm:ss)`"),
        ("at(2030-01-31T08:00)", "at", "`at(yyyy-mm-ddThh:mm:ss)`"),
        ("Cron(0 8 * * ? *)", "schedule expression", "none of `cron(…)`, `rate(…)`, `at(…)`"),
        ("0 8 * * ? *", "schedule expression", "none of `cron(…)`"),
        ("", "schedule expression", "empty"),
    ],
)
def test_aws_refuses_naming_the_field_and_the_fix(text: str, part: str, fix: str) -> None:
    refused = refusal(text)
    assert isinstance(refused, ValueError)
    assert refused.part == part
    assert str(refused).startswith(f"{part}: ")
    assert fix in str(refused)


def test_an_expression_longer_than_aws_takes_is_refused() -> None:
    longest = "cron(0 8 * * ? " + ",".join(["2030"] * 48) + ")"
    assert len(longest) <= 256
    parse_schedule_expression(longest)
    too_long = "cron(0 8 * * ? " + ",".join(["2030"] * 49) + ")"
    assert "at most 256" in str(refusal(too_long))


# --- time zones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["UTC", "Etc/UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]
)
def test_iana_time_zones_are_accepted(name: str) -> None:
    assert parse_timezone(name).key == name


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("Mars/Olympus", "write e.g. `Europe/Berlin`"),
        ("europe/berlin", "did you mean `Europe/Berlin`?"),
        ("Europe/Berln", "did you mean `Europe/Berlin`?"),
        ("localtime", "not an IANA time zone name"),
        ("", "empty"),
        ("A" * 51, "50 characters"),
    ],
)
def test_other_time_zones_are_refused(name: str, fix: str) -> None:
    with pytest.raises(ScheduleInputError) as refused:
        parse_timezone(name)
    assert refused.value.part == "timezone"
    assert fix in str(refused.value)


# --- durations (stop_after) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8h", timedelta(hours=8)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("1m", timedelta(minutes=1)),
        ("365d", timedelta(days=365)),
        ("8760h", timedelta(days=365)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("8 hours", "e.g. `8h`, `90m`, `1h30m`, `2d`"),
        ("30m1h", "in that order"),
        ("8H", "in that order"),
        ("45s", "`d`, `h`, `m`"),
        ("1.5h", "whole numbers"),
        ("", "not a duration"),
        ("0h", "write at least `1m`"),
        ("366d", "write at most `365d`"),
        ("8761h", "write at most `365d`"),
    ],
)
def test_durations_refused_with_the_grammar(text: str, fix: str) -> None:
    with pytest.raises(ScheduleInputError) as refused:
        parse_duration(text)
    assert refused.value.part == "duration"
    assert fix in str(refused.value)


def test_a_one_time_stop_is_written_in_utc() -> None:
    # Deployed at 01:30 CET on a spring-forward night: 8 hours on is 10:30 CEST, 08:30 UTC.
    eight_hours_on = local(BERLIN, 2026, 3, 29, 1, 30).astimezone(UTC) + timedelta(hours=8)
    assert at_expression(eight_hours_on) == "at(2026-03-29T08:30:00)"
    fires = Schedule.parse(at_expression(eight_hours_on), "UTC").next_after(utc(2026, 3, 29))
    assert fires == eight_hours_on
    with pytest.raises(ValueError, match="timezone-aware"):
        at_expression(datetime(2026, 3, 29, 8))


# --- cron occurrences ----------------------------------------------------------------------------


def test_the_31st_skips_months_that_have_none() -> None:
    schedule = Schedule.parse("cron(0 8 31 * ? *)")
    got = firings(schedule, utc(2026, 3, 31, 8), utc(2026, 9, 1))
    assert got == [utc(2026, 5, 31, 8), utc(2026, 7, 31, 8), utc(2026, 8, 31, 8)]


def test_the_29th_of_february_fires_in_leap_years_only() -> None:
    schedule = Schedule.parse("cron(0 8 29 2 ? *)")
    assert firings(schedule, utc(2025, 1, 1), utc(2033, 1, 1)) == [
        utc(2028, 2, 29, 8),
        utc(2032, 2, 29, 8),
    ]


def test_l_is_the_last_day_of_the_month_2100_being_no_leap_year() -> None:
    schedule = Schedule.parse("cron(0 0 L 2 ? *)")
    assert schedule.next_after(utc(2028, 1, 1)) == utc(2028, 2, 29)
    assert schedule.next_after(utc(2029, 1, 1)) == utc(2029, 2, 28)
    assert schedule.next_after(utc(2100, 1, 1)) == utc(2100, 2, 28)


def test_w_is_the_weekday_nearest_within_the_month() -> None:
    # August 2026: the 1st is a Saturday, the 15th a Saturday, the 16th a Sunday; May 31 a Sunday.
    assert Schedule.parse("cron(0 8 1W * ? *)").next_after(utc(2026, 7, 31)) == utc(2026, 8, 3, 8)
    assert Schedule.parse("cron(0 8 15W * ? *)").next_after(utc(2026, 8, 1)) == utc(2026, 8, 14, 8)
    assert Schedule.parse("cron(0 8 16W * ? *)").next_after(utc(2026, 8, 1)) == utc(2026, 8, 17, 8)
    assert Schedule.parse("cron(0 8 31W * ? *)").next_after(utc(2026, 5, 1)) == utc(2026, 5, 29, 8)
    # LW: January 2026 ends on a Saturday, so its last weekday is Friday the 30th.
    assert Schedule.parse("cron(0 8 LW * ? *)").next_after(utc(2026, 1, 1)) == utc(2026, 1, 30, 8)


def test_hash_is_the_nth_weekday_and_skips_months_without_one() -> None:
    first_monday = Schedule.parse("cron(0 9 ? * MON#1 *)")
    assert firings(first_monday, utc(2026, 1, 1), utc(2026, 4, 1)) == [
        utc(2026, 1, 5, 9),
        utc(2026, 2, 2, 9),
        utc(2026, 3, 2, 9),
    ]
    fifth_friday = Schedule.parse("cron(0 9 ? * 6#5 *)")  # 2026: January, May, July, October
    assert firings(fifth_friday, utc(2026, 1, 1), utc(2026, 8, 1)) == [
        utc(2026, 1, 30, 9),
        utc(2026, 5, 29, 9),
        utc(2026, 7, 31, 9),
    ]


def test_l_in_day_of_week_is_saturday_and_nl_the_last_such_day_of_the_month() -> None:
    saturdays = Schedule.parse("cron(0 9 ? * L *)")
    assert firings(saturdays, utc(2026, 3, 1), utc(2026, 3, 15)) == [
        utc(2026, 3, 7, 9),
        utc(2026, 3, 14, 9),
    ]
    last_friday = Schedule.parse("cron(15 10 ? * 6L 2026)")
    assert firings(last_friday, utc(2026, 10, 1), utc(2027, 6, 1)) == [
        utc(2026, 10, 30, 10, 15),
        utc(2026, 11, 27, 10, 15),
        utc(2026, 12, 25, 10, 15),  # and never again: the year field ends in 2026
    ]


def test_a_cron_that_can_never_fire_has_no_occurrence() -> None:
    assert Schedule.parse("cron(0 8 30 2 ? *)").next_after(utc(2026, 1, 1)) is None
    assert Schedule.parse("cron(0 8 1 1 ? 2027)").next_after(utc(2027, 1, 1, 8)) is None


def test_next_is_strictly_after_and_previous_strictly_before() -> None:
    hourly = Schedule.parse("cron(0 * * * ? *)")
    assert hourly.next_after(utc(2026, 5, 4, 8)) == utc(2026, 5, 4, 9)
    assert hourly.previous_before(utc(2026, 5, 4, 8)) == utc(2026, 5, 4, 7)
    assert hourly.previous_before(utc(2026, 5, 4, 8, 0, 1)) == utc(2026, 5, 4, 8)
    yearly = Schedule.parse("cron(0 0 1 1 ? *)")
    assert yearly.previous_before(utc(2026, 5, 4)) == utc(2026, 1, 1)
    assert yearly.previous_before(utc(1970, 1, 1)) is None


def test_a_cron_reads_its_hours_in_its_time_zone_all_year() -> None:
    eight = Schedule.parse("cron(0 8 ? * MON-FRI *)", "Europe/Berlin")
    assert eight.next_after(utc(2026, 1, 5)) == utc(2026, 1, 5, 7)  # CET, UTC+1
    assert eight.next_after(utc(2026, 7, 6)) == utc(2026, 7, 6, 6)  # CEST, UTC+2
    assert eight.next_after(utc(2026, 7, 4)) == utc(2026, 7, 6, 6)  # Saturday → Monday


def test_start_date_bounds_a_cron() -> None:
    daily = Schedule.parse("cron(0 8 * * ? *)", start_date=utc(2026, 5, 10, 12))
    assert daily.next_after(utc(2026, 5, 1)) == utc(2026, 5, 11, 8)
    assert daily.previous_before(utc(2026, 5, 11, 9)) == utc(2026, 5, 11, 8)
    assert daily.previous_before(utc(2026, 5, 11, 7)) is None


# --- daylight saving -----------------------------------------------------------------------------


def test_berlin_spring_forward_skips_the_missing_wall_time() -> None:
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
    nightly = Schedule.parse("cron(30 2 * * ? *)", "Europe/Berlin")
    assert firings(nightly, utc(2026, 3, 27), utc(2026, 3, 31)) == [
        local(BERLIN, 2026, 3, 27, 2, 30),
        local(BERLIN, 2026, 3, 28, 2, 30),
        local(BERLIN, 2026, 3, 30, 2, 30),
    ]
    assert nightly.previous_before(utc(2026, 3, 30)) == local(BERLIN, 2026, 3, 28, 2, 30)


def test_berlin_fall_back_fires_a_repeated_wall_time_once_at_its_first_instance() -> None:
    # 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    nightly = Schedule.parse("cron(30 2 * * ? *)", "Europe/Berlin")
    got = firings(nightly, utc(2026, 10, 24, 12), utc(2026, 10, 26, 12))
    assert got == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]  # 02:30 CEST, then CET
    during_the_repeat = local(BERLIN, 2026, 10, 25, 2, 29, fold=1)  # 02:29 CET
    assert nightly.next_after(during_the_repeat) == utc(2026, 10, 26, 1, 30)


def test_new_york_spring_forward_and_fall_back() -> None:
    nightly = Schedule.parse("cron(30 2 * * ? *)", "America/New_York")
    # 8 March 2026: 02:00 EST jumps to 03:00 EDT.
    assert nightly.next_after(utc(2026, 3, 7, 12)) == utc(2026, 3, 9, 6, 30)
    # 1 November 2026: 02:00 EDT falls back to 01:00 EST; 02:30 happens once anyway.
    half_hourly = Schedule.parse("cron(0/30 1-3 * * ? *)", "America/New_York")
    assert firings(half_hourly, utc(2026, 11, 1, 4), utc(2026, 11, 1, 12)) == [
        utc(2026, 11, 1, 5, 0),  # 01:00 EDT
        utc(2026, 11, 1, 5, 30),  # 01:30 EDT, not again at 01:30 EST
        utc(2026, 11, 1, 7, 0),  # 02:00 EST
        utc(2026, 11, 1, 7, 30),
        utc(2026, 11, 1, 8, 0),
        utc(2026, 11, 1, 8, 30),
    ]


def test_rate_days_are_24_hours_across_daylight_saving() -> None:
    created = local(BERLIN, 2026, 3, 28, 8)  # 07:00 UTC
    daily = Schedule.parse("rate(1 day)", "Europe/Berlin", start_date=created)
    assert firings(daily, created - timedelta(seconds=1), utc(2026, 3, 30, 12)) == [
        utc(2026, 3, 28, 7),  # a rate fires at its start
        utc(2026, 3, 29, 7),  # 09:00 CEST: the clock moved, the rate did not
        utc(2026, 3, 30, 7),
    ]


def test_at_fires_once_in_its_time_zone() -> None:
    once = Schedule.parse("at(2026-07-01T08:00:00)", "America/New_York")
    assert once.next_after(utc(2026, 1, 1)) == utc(2026, 7, 1, 12)
    assert once.next_after(utc(2026, 7, 1, 12)) is None
    assert once.previous_before(utc(2026, 7, 1, 12, 1)) == utc(2026, 7, 1, 12)


def test_at_in_a_daylight_saving_gap_or_overlap() -> None:
    skipped = Schedule.parse("at(2026-03-29T02:30:00)", "Europe/Berlin")
    assert skipped.next_after(utc(2026, 3, 1)) == local(BERLIN, 2026, 3, 29, 3, 30)
    repeated = Schedule.parse("at(2026-10-25T02:30:00)", "Europe/Berlin")
    assert repeated.next_after(utc(2026, 10, 1)) == utc(2026, 10, 25, 0, 30)


# --- rate ----------------------------------------------------------------------------------------


def test_rate_counts_from_its_start() -> None:
    every_90 = Schedule.parse("rate(90 minutes)", start_date=utc(2026, 5, 4, 8))
    assert every_90.next_after(utc(2026, 5, 1)) == utc(2026, 5, 4, 8)
    assert every_90.next_after(utc(2026, 5, 4, 8)) == utc(2026, 5, 4, 9, 30)
    assert every_90.next_after(utc(2026, 5, 4, 10)) == utc(2026, 5, 4, 11)
    assert every_90.previous_before(utc(2026, 5, 4, 11)) == utc(2026, 5, 4, 9, 30)
    assert every_90.previous_before(utc(2026, 5, 4, 8)) is None


def test_rate_without_a_start_and_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="pass start_date"):
        Schedule.parse("rate(1 hour)").next_after(utc(2026, 5, 4))
    with pytest.raises(ValueError, match="timezone-aware"):
        Schedule.parse("cron(0 8 * * ? *)").next_after(datetime(2026, 5, 4))


# --- running window ------------------------------------------------------------------------------

WEDNESDAY = utc(2026, 3, 4, 12)


def test_weekdays_eight_to_seven_in_berlin_run_55_hours() -> None:
    window = running_window(
        "cron(0 8 ? * MON-FRI *)", "cron(0 19 ? * MON-FRI *)", "Europe/Berlin", reference=WEDNESDAY
    )
    assert window.running_hours_per_week == 55.0
    assert window.saved_fraction == round(1 - 55 / 168, 4) == 0.6726
    assert window.next_start == "2026-03-05T08:00:00+01:00"
    assert window.next_stop == "2026-03-04T19:00:00+01:00"
    assert window.week_start == local(BERLIN, 2026, 3, 9)


def test_new_york_office_hours_run_40_hours() -> None:
    window = running_window(
        "cron(0 9 ? * MON-FRI *)",
        "cron(0 17 ? * MON-FRI *)",
        "America/New_York",
        reference=WEDNESDAY,
    )
    assert (window.running_hours_per_week, window.saved_fraction) == (40.0, 0.7619)


def test_the_week_measured_skips_a_daylight_saving_week() -> None:
    # The week of 23 March 2026 holds Berlin's spring-forward (167 hours); the next one is whole.
    overnight = ("cron(0 20 * * ? *)", "cron(0 6 * * ? *)")
    window = running_window(*overnight, "Europe/Berlin", reference=utc(2026, 3, 18))
    assert window.week_start == local(BERLIN, 2026, 3, 30)
    assert window.week_end - window.week_start == timedelta(hours=168)
    assert window.running_hours_per_week == 70.0  # 10 hours a night, every night


def test_a_weekend_window_runs_across_the_week_boundary() -> None:
    weekend = running_window(
        "cron(0 18 ? * FRI *)", "cron(0 6 ? * MON *)", "Europe/Berlin", reference=WEDNESDAY
    )
    assert weekend.running_hours_per_week == 60.0  # Monday 00-06 plus Friday 18 to Sunday 24


def test_one_sided_windows() -> None:
    only_start = running_window("cron(0 8 ? * MON *)", None, reference=WEDNESDAY)
    assert (only_start.running_hours_per_week, only_start.next_stop) == (168.0, None)
    only_stop = running_window(None, "cron(0 19 * * ? *)", reference=WEDNESDAY)
    assert (only_stop.running_hours_per_week, only_stop.saved_fraction) == (0.0, 1.0)
    not_yet_stopped = running_window(None, "at(2030-01-01T00:00:00)", reference=WEDNESDAY)
    assert not_yet_stopped.running_hours_per_week == 168.0
    not_yet_started = running_window("at(2030-01-01T00:00:00)", None, reference=WEDNESDAY)
    assert not_yet_started.running_hours_per_week == 0.0
    assert not_yet_started.next_start == "2030-01-01T00:00:00+00:00"


def test_a_start_and_stop_at_the_same_minute_count_as_running() -> None:
    same = running_window("cron(0 8 * * ? *)", "cron(0 8 * * ? *)", reference=WEDNESDAY)
    assert same.running_hours_per_week == 168.0


def test_a_rate_window_counts_from_the_reference() -> None:
    window = running_window("rate(1 day)", None, "Europe/Berlin", reference=WEDNESDAY)
    assert window.next_start == "2026-03-04T13:00:00+01:00"  # a rate fires when created
    assert window.running_hours_per_week == 168.0


def test_a_window_needs_a_side_and_valid_inputs() -> None:
    with pytest.raises(ScheduleInputError, match="at least one of `start` and `stop`"):
        running_window(None, None, reference=WEDNESDAY)
    with pytest.raises(ScheduleInputError) as refused:
        running_window("cron(0 8 * * ? *)", None, "Mars/Olympus", reference=WEDNESDAY)
    assert refused.value.part == "timezone"
    with pytest.raises(ScheduleInputError) as refused:
        running_window("cron(0 19 * * MON-FRI *)", None, reference=WEDNESDAY)
    assert refused.value.part == "day-of-week"
