"""Where the provider's clients go, and how big its requests get."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rcl_resources._aws import Connection
from rcl_resources.errors import WaitTimeout
from rcl_resources.providers import dataset
from rcl_resources.providers.dataset import _DatasetProvider, add_entries
from rcl_resources.waiters import Deadline

EMULATOR = "http://127.0.0.1:4566"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_REKOGNITION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "t")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "t")


def test_the_rekognition_endpoint_is_not_used_for_s3() -> None:
    conn = Connection.from_props(
        {"region": "eu-west-1", "endpoint_url": EMULATOR, "s3_endpoint_url": ""}
    )
    assert conn.rekognition().meta.endpoint_url == EMULATOR
    assert "amazonaws.com" in conn.s3().meta.endpoint_url


def test_state_from_before_the_s3_setting_keeps_its_one_endpoint() -> None:
    conn = Connection.from_props({"region": "eu-west-1", "endpoint_url": EMULATOR})
    assert conn.s3().meta.endpoint_url == EMULATOR


def test_check_records_each_services_own_endpoint_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_REKOGNITION", EMULATOR)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    arn = "arn:aws:rekognition:eu-west-1:123456789012:project/p/1"
    inputs = _DatasetProvider().check({}, {"project_arn": arn, "dataset_type": "TRAIN"}).inputs
    assert inputs["endpoint_url"] == EMULATOR
    assert inputs["s3_endpoint_url"] == ""
    assert "amazonaws.com" in Connection.from_props(inputs).s3().meta.endpoint_url


class RecordingClient:
    """Just enough of a Rekognition client for add_entries: every update completes at once."""

    def __init__(self) -> None:
        self.batches: list[bytes] = []

    def describe_dataset(self, DatasetArn: str) -> dict[str, Any]:
        return {
            "DatasetDescription": {
                "Status": "UPDATE_COMPLETE",
                "LastUpdatedTimestamp": len(self.batches),
            }
        }

    def update_dataset_entries(self, DatasetArn: str, Changes: dict[str, Any]) -> None:
        self.batches.append(Changes["GroundTruth"])


def test_entries_go_in_batches_well_under_the_5_mib_limit() -> None:
    # Multi-byte text: bytes, not characters, count against the limit.
    lines = [
        json.dumps({"source-ref": f"s3://b/{i}.png", "note": "é" * 45_000}, ensure_ascii=False)
        for i in range(200)
    ]
    client = RecordingClient()
    add_entries(client, ARN, lines, dataset.DEFAULT_POLLER.deadline(10))
    assert b"".join(client.batches).count(b"\n") == len(lines)
    assert len(client.batches) >= 5
    assert all(len(batch) <= 4.5 * 1024 * 1024 for batch in client.batches)


ARN = "arn:aws:rekognition:us-east-1:1:project/p/dataset/train/1"


class SlowClient(RecordingClient):
    """Each batch stays UPDATE_IN_PROGRESS for `seconds` of the fake clock."""

    def __init__(self, clock: Ticking, seconds: float) -> None:
        super().__init__()
        self.clock, self.seconds, self.done_at = clock, seconds, 0.0

    def describe_dataset(self, DatasetArn: str) -> dict[str, Any]:
        status = "UPDATE_COMPLETE" if self.clock.now >= self.done_at else "UPDATE_IN_PROGRESS"
        return {"DatasetDescription": {"Status": status, "LastUpdatedTimestamp": len(self.batches)}}

    def update_dataset_entries(self, DatasetArn: str, Changes: dict[str, Any]) -> None:
        super().update_dataset_entries(DatasetArn, Changes)
        self.done_at = self.clock.now + self.seconds


def test_every_batch_of_entries_shares_the_one_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three batches that take 60 s each cannot finish by a 100 s deadline: the wait fails at
    the deadline, not after each batch has had 100 s of its own."""
    clock = Ticking()
    monkeypatch.setattr(dataset.DEFAULT_POLLER, "clock", clock)
    monkeypatch.setattr(dataset.DEFAULT_POLLER, "sleep", clock.sleep)
    monkeypatch.setattr(dataset, "MAX_CHANGES_BYTES", 1000)
    lines = [json.dumps({"source-ref": f"s3://b/{i}.png", "pad": "x" * 300}) for i in range(6)]
    client = SlowClient(clock, seconds=60)
    with pytest.raises(WaitTimeout):
        add_entries(client, ARN, lines, Deadline(100))
    assert len(client.batches) == 2
    assert 100 <= clock.now < 103


class Ticking:
    """A fake clock whose sleep moves time on."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_api_budget_lets_independent_calls_through_at_once_and_caps_each_second() -> None:
    from rcl_resources._aws import ApiBudget

    clock = Ticking()
    budget = ApiBudget(clock=clock, sleep=clock.sleep)
    at: list[float] = []
    for _ in range(9):
        budget.spend("DescribeDataset")
        at.append(clock.now)
    budget.spend("DescribeProjects")  # another operation has its own 5 TPS
    assert at[:4] == [0.0] * 4  # four resources polled at once are not spaced out
    assert clock.now == at[-1]
    for i in range(len(at)):
        assert sum(1 for t in at if at[i] <= t < at[i] + 1.0) <= 4  # AWS allows 5


def test_one_budget_per_account_and_region_and_one_client_per_process() -> None:
    from rcl_resources._aws import budget_for

    here = Connection(region="us-east-1", endpoint_url=EMULATOR)
    assert budget_for(here) is budget_for(Connection(region="us-east-1", endpoint_url=EMULATOR))
    assert budget_for(here) is not budget_for(Connection(region="eu-west-1", endpoint_url=EMULATOR))
    assert budget_for(here) is not budget_for(
        Connection(region="us-east-1", endpoint_url=EMULATOR, profile="other")
    )
    assert here.rekognition() is Connection(region="us-east-1", endpoint_url=EMULATOR).rekognition()
