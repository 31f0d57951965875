"""The shared poller, on a fake clock: no test here sleeps."""

from __future__ import annotations

from typing import Any

import pytest

from rcl_resources.errors import TerminalStatus, WaitTimeout
from rcl_resources.waiters import GONE, Poller


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def poller(clock: FakeClock, log: list[str] | None = None) -> Poller:
    return Poller(
        clock=clock, sleep=clock.sleep, log=(log.append if log is not None else lambda _: None)
    )


def statuses(*values: str | None) -> Any:
    seq = list(values)

    def fetch() -> dict[str, Any] | None:
        value = seq.pop(0) if len(seq) > 1 else seq[0]
        return None if value is None else {"Status": value, "StatusMessage": f"msg {value}"}

    return fetch


def test_reaches_target_with_growing_capped_delays() -> None:
    clock = FakeClock()
    found = poller(clock).wait(
        "thing",
        statuses(*["PENDING"] * 30, "DONE"),
        target={"DONE"},
        pending={"PENDING"},
        timeout=10_000,
    )
    assert found["Status"] == "DONE"
    assert clock.sleeps[1] > clock.sleeps[0]
    assert max(clock.sleeps) <= 20.0 * 1.2


def test_failure_status_raises_with_the_status_message() -> None:
    with pytest.raises(TerminalStatus, match="ended BROKEN: msg BROKEN") as err:
        poller(FakeClock()).wait(
            "thing",
            statuses("PENDING", "BROKEN"),
            target={"DONE"},
            pending={"PENDING"},
            failure={"BROKEN"},
            timeout=100,
        )
    assert err.value.status == "BROKEN"


def test_deadline_names_the_status_and_the_fix() -> None:
    with pytest.raises(WaitTimeout, match=r"still PENDING after .*`timeouts`"):
        poller(FakeClock()).wait(
            "thing", statuses("PENDING"), target={"DONE"}, pending={"PENDING"}, timeout=300
        )


def test_not_found_right_after_create_is_tolerated_for_a_while() -> None:
    clock = FakeClock()
    found = poller(clock).wait(
        "thing",
        statuses(None, None, None, None, None, None, "DONE"),
        target={"DONE"},
        pending={"PENDING"},
        timeout=300,
    )
    assert found["Status"] == "DONE"
    with pytest.raises(TerminalStatus, match="disappeared"):
        poller(FakeClock()).wait(
            "thing", statuses(None), target={"DONE"}, pending={"PENDING"}, timeout=3000
        )


def test_gone_is_a_target_for_deletes() -> None:
    assert (
        poller(FakeClock()).wait(
            "thing", statuses("DELETING", None), target={GONE}, pending={"DELETING"}, timeout=100
        )
        is None
    )


def test_progress_lines_on_change_and_at_a_steady_rhythm() -> None:
    log: list[str] = []
    poller(FakeClock(), log).wait(
        "training m",
        statuses(*["TRAINING"] * 40, "DONE"),
        target={"DONE"},
        pending={"TRAINING"},
        timeout=10_000,
    )
    assert log[0].startswith("training m: TRAINING, 0 s elapsed")
    assert 3 <= len(log) <= 15
