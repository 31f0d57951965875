"""The shared poller, on a fake clock: no test here sleeps."""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import pytest

from rcl_resources.errors import TerminalStatus, WaitTimeout
from rcl_resources.waiters import GONE, Deadline, Poller, Wait


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def poller(
    clock: FakeClock, log: list[str] | None = None, freed: list[str] | None = None
) -> Poller:
    return Poller(
        clock=clock,
        sleep=clock.sleep,
        log=(log.append if log is not None else lambda _: None),
        slot_pause=lambda _quota, seconds: clock.sleep(seconds),
        slot_freed=(freed.append if freed is not None else lambda _: None),
    )


def statuses(*values: str | None) -> Any:
    seq = list(values)

    def fetch() -> dict[str, Any] | None:
        value = seq.pop(0) if len(seq) > 1 else seq[0]
        return None if value is None else {"Status": value, "StatusMessage": f"msg {value}"}

    return fetch


def test_reaches_target_with_delays_that_grow_from_a_fifth_of_a_second() -> None:
    clock = FakeClock()
    found = poller(clock).wait(
        "thing",
        statuses(*["PENDING"] * 30, "DONE"),
        Wait.of({"DONE"}, {"PENDING"}),
        until=Deadline(10_000),
    )
    assert found["Status"] == "DONE"
    assert clock.sleeps[0] <= 0.2 and clock.sleeps[1] > clock.sleeps[0]


def done_at(clock: FakeClock, moment: float) -> Any:
    """A describe function whose status changes at `moment` on the fake clock."""

    def fetch() -> dict[str, Any]:
        return {"Status": "DONE" if clock.now >= moment else "PENDING"}

    return fetch


@pytest.mark.parametrize("moment", [0.5, 7.0, 95.0, 600.0, 3_600.0, 4 * 3_600.0, 86_000.0])
def test_a_change_is_noticed_within_2_s_or_2_percent_of_the_time_waited(moment: float) -> None:
    """The lag bound of every wait, from a start to a day's training."""
    clock = FakeClock()
    polls: list[float] = []
    fetch = done_at(clock, moment)

    def counted() -> dict[str, Any]:
        polls.append(clock.now)
        return fetch()

    poller(clock).wait("thing", counted, Wait.of({"DONE"}, {"PENDING"}), until=Deadline(90_000))
    lag = clock.now - moment
    assert 0 <= lag <= max(2.0, 0.02 * moment)
    # ...with few calls: a poll every 2 s at first, then ever rarer (about 390 in a day).
    assert (
        len(polls) <= 12 + moment / 2
        if moment <= 100
        else len(polls) <= 60 + 50 * (math.log(moment / 100) + 1)
    )


def test_a_wait_that_saw_its_work_end_frees_its_slot_once() -> None:
    clock, freed = FakeClock(), []
    ended = Wait.of({"DONE"}, {"PENDING"}, {"BROKEN"}, frees="slots of q")
    poller(clock, freed=freed).wait("m", statuses("PENDING", "DONE"), ended, until=Deadline(100))
    assert freed == ["slots of q"]
    with pytest.raises(TerminalStatus):
        poller(clock, freed=freed).wait(
            "m", statuses("PENDING", "BROKEN"), ended, until=Deadline(100)
        )
    assert freed == ["slots of q"] * 2
    # Finding the work already over frees nothing this process held.
    poller(clock, freed=freed).wait("m", statuses("DONE"), ended, until=Deadline(100))
    assert len(freed) == 2


def test_a_freed_slot_wakes_one_waiter_at_once() -> None:
    import threading

    from rcl_resources.waiters import SlotSignal

    signal = SlotSignal()
    woke: list[float] = []
    waiting = threading.Barrier(3)

    def waiter() -> None:
        waiting.wait()
        started = time.monotonic()
        signal.pause("q", 30.0)
        woke.append(time.monotonic() - started)

    threads = [threading.Thread(target=waiter, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    waiting.wait()
    time.sleep(0.2)  # both are inside pause()
    signal.freed("q")
    signal.freed("another quota")
    threads[0].join(5)
    threads[1].join(0.5)
    assert len(woke) == 1 and woke[0] < 5  # one slot, one waiter; not its 30 s pause
    signal.freed("q")
    for t in threads:
        t.join(5)
    assert len(woke) == 2


def test_failure_status_raises_with_the_status_message() -> None:
    with pytest.raises(TerminalStatus, match="ended BROKEN: msg BROKEN") as err:
        poller(FakeClock()).wait(
            "thing",
            statuses("PENDING", "BROKEN"),
            Wait.of({"DONE"}, {"PENDING"}, {"BROKEN"}),
            until=Deadline(100),
        )
    assert err.value.status == "BROKEN"


def test_deadline_names_the_status_and_the_fix() -> None:
    with pytest.raises(WaitTimeout, match=r"still PENDING after .*`timeouts`"):
        poller(FakeClock()).wait(
            "thing", statuses("PENDING"), Wait.of({"DONE"}, {"PENDING"}), until=Deadline(300)
        )


def test_not_found_right_after_create_is_tolerated_for_a_while() -> None:
    clock = FakeClock()
    found = poller(clock).wait(
        "thing",
        statuses(None, None, None, None, None, None, "DONE"),
        Wait.of({"DONE"}, {"PENDING"}),
        until=Deadline(300),
    )
    assert found["Status"] == "DONE"
    with pytest.raises(TerminalStatus, match="disappeared"):
        poller(FakeClock()).wait(
            "thing", statuses(None), Wait.of({"DONE"}, {"PENDING"}), until=Deadline(3000)
        )


def test_a_delete_ends_when_the_resource_is_gone() -> None:
    clock = FakeClock()
    poller(clock).wait_gone("thing", statuses("DELETING", None), {"DELETING"}, until=Deadline(100))
    assert 0 < clock.now < 100
    # A retried delete whose first attempt got through: nothing left to wait for.
    poller(FakeClock()).wait_gone("thing", statuses(None), {"DELETING"}, until=Deadline(100))
    with pytest.raises(ValueError, match="wait_gone"):
        poller(FakeClock()).wait(
            "thing", statuses(None), Wait.of({GONE}, {"DELETING"}), until=Deadline(100)
        )


def test_progress_lines_on_change_and_at_a_steady_rhythm() -> None:
    log: list[str] = []
    poller(FakeClock(), log).wait(
        "training m",
        statuses(*["TRAINING"] * 100, "DONE"),
        Wait.of({"DONE"}, {"TRAINING"}),
        until=Deadline(10_000),
    )
    assert log[0].startswith("training m: TRAINING, 0 s elapsed")
    assert 3 <= len(log) <= 15


def limit(message: str, operation: str = "CreateProjectVersion") -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": "LimitExceededException", "Message": message}}, operation)


def test_a_full_training_slot_is_retried_every_second_and_logged_every_30_s() -> None:
    clock, log = FakeClock(), []
    attempts: list[float] = []

    def create() -> str:
        attempts.append(clock.now)
        if clock.now < 95:
            raise limit("Only 2 models can train at the same time.")
        return "arn"

    found = poller(clock, log).retry_while_slot_full("model m", create, until=Deadline(3600))
    assert found == "arn"
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert max(gaps) <= 1.25  # a freed slot is used within about a second
    assert len(log) == 4 and all("Concurrent" in line and "training" in line for line in log)


def test_a_lasting_quota_fails_at_once_naming_it_and_how_to_raise_it() -> None:
    from rcl_resources.errors import QuotaExceeded

    clock = FakeClock()

    def create() -> str:
        raise limit("The project has 100 versions.")

    with pytest.raises(QuotaExceeded) as failure:
        poller(clock).retry_while_slot_full("model m", create, until=Deadline(3600))
    assert clock.sleeps == []
    assert "models per project" in str(failure.value)
    assert "L-9CF05323" in str(failure.value)


def test_a_slot_that_never_frees_fails_at_the_deadline() -> None:
    from rcl_resources.errors import QuotaExceeded

    clock = FakeClock()

    def start() -> str:
        raise limit("At most 2 models can run at the same time.", "StartProjectVersion")

    with pytest.raises(QuotaExceeded, match=r"running .* models per account\" became free"):
        poller(clock).retry_while_slot_full("model m", start, until=Deadline(120))
    assert 120 <= clock.now < 122


@pytest.mark.parametrize(
    ("operation", "message", "slot", "name"),
    [
        ("CreateProjectVersion", "Only 2 models can train at the same time.", True, "training"),
        ("CopyProjectVersion", "Limit exceeded", True, "training"),
        ("StartProjectVersion", "At most 2 models can run at the same time.", True, "running"),
        ("StartProjectVersion", "A model can use at most 5 inference units.", False, "inference"),
        ("CreateProjectVersion", "The project has 100 versions.", False, "per project"),
        ("CreateProject", "You have reached the limit of 100 projects.", False, "projects"),
    ],
)
def test_quota_errors_are_told_apart(operation: str, message: str, slot: bool, name: str) -> None:
    from rcl_resources.errors import quota_of

    quota = quota_of(limit(message, operation))
    assert quota is not None and quota.slot is slot and name in quota.name


@pytest.mark.parametrize(
    ("code", "attempts"), [("LimitExceededException", 1), ("ThrottlingException", 3)]
)
def test_botocore_leaves_quota_errors_to_the_provider(
    code: str, attempts: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quota waits are the provider's: a LimitExceededException is not retried by botocore,
    while throttling still is."""
    import http.server
    import json
    import threading

    from rcl_resources import _aws
    from rcl_resources._aws import Connection

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            hits.append(self.headers["X-Amz-Target"])
            body = json.dumps({"__type": code, "Message": "quota"}).encode()
            self.send_response(400)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setattr(_aws, "MAX_ATTEMPTS", 3)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "t")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "t")
    try:
        client = Connection(region="us-east-1", endpoint_url=url).rekognition()
        with pytest.raises(Exception, match=code):
            client.describe_projects()
    finally:
        server.shutdown()
    assert len(hits) == attempts


def test_a_slot_error_after_a_lost_response_finds_its_own_work() -> None:
    """The committed first attempt holds the slot its retry is refused: no waiting for it."""
    clock = FakeClock()

    def create() -> str:
        raise limit("Only 2 models can train at the same time.")

    found = poller(clock).retry_while_slot_full(
        "model m", create, until=Deadline(3600), already=lambda: "arn-of-the-first-attempt"
    )
    assert found == "arn-of-the-first-attempt" and clock.sleeps == []


@pytest.mark.parametrize(
    ("address", "value", "ok"),
    [
        ("DatasetEntry", "{}", True),
        ("DatasetEntry", '{"a":\n1}', False),  # Java's `.` stops at a line end
        ("ProjectArn", "arn:aws:rekognition:us-east-1:123456789012:project/p/1", True),
        ("ProjectArn", "arn:aws:rekognition:us-east-1:١٢٣٤٥٦٧٨٩٠١٢:project/p/1", False),
        ("TagValue", "héllo wörld 42", True),
        ("TagValue", "\ue000", False),
        ("TagKey", "aws:x", False),
    ],
)
def test_service_model_patterns_follow_java(address: str, value: str, ok: bool) -> None:
    from rcl_resources.api_model import matches, member

    assert matches(member(address).metadata["pattern"], value) is ok


def test_an_untranslatable_pattern_is_left_to_aws() -> None:
    from rcl_resources.api_model import matches

    assert matches("[\\p{IsAlphabetic}]+", "anything")
