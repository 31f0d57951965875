"""Detection lag of the shared poller against emulated durations, on a fake clock: for a wait
whose status changes after D seconds (a second to a day), how late the poller notices and how
many calls it makes, beside botocore's own Rekognition waiters and a bare one-second loop."""

from __future__ import annotations

import math
import random
from typing import Any

import botocore.session

from rcl_resources.waiters import Poller, Wait

DURATIONS = (1, 3, 10, 30, 60, 120, 300, 900, 1800, 3600, 7200, 4 * 3600, 12 * 3600, 86_400)
DONE = Wait.of({"DONE"}, {"PENDING"})


def bound(waited: float) -> float:
    """The promised lag: max(2 s, 2% of the time already waited)."""
    return max(2.0, 0.02 * waited)


def poller_lag(duration: float, seed: int) -> tuple[float, int]:
    """(lag, polls) of one wait whose status changes at `duration`."""
    now = [0.0]
    polls = [0]

    def fetch() -> dict[str, Any]:
        polls[0] += 1
        return {"Status": "DONE" if now[0] >= duration else "PENDING"}

    def sleep(seconds: float) -> None:
        now[0] += seconds

    poller = Poller(clock=lambda: now[0], sleep=sleep, log=lambda _: None, rng=random.Random(seed))
    poller.wait("bench", fetch, DONE, until=poller.deadline(10 * 86_400))
    return now[0] - duration, polls[0]


def waiter_delays() -> dict[str, float]:
    """Seconds between polls of botocore's Rekognition model waiters."""
    model = botocore.session.get_session().get_waiter_model("rekognition")
    return {
        name: float(model.get_waiter(name).delay)
        for name in ("ProjectVersionTrainingCompleted", "ProjectVersionRunning")
    }


def measure(seeds: int = 20) -> dict[str, Any]:
    """Per duration: the poller's worst and mean lag over `seeds` jitters, its polls, the
    bound, and the mean lags and polls of botocore's training waiter and of a 1 s loop."""
    delays = waiter_delays()
    training_delay = delays["ProjectVersionTrainingCompleted"]
    rows = []
    for duration in DURATIONS:
        # Changes a little after each round duration, so the phase of the polls varies too.
        moments = [duration * (1 + 0.05 * k / seeds) for k in range(seeds)]
        runs = [poller_lag(moment, k) for k, moment in enumerate(moments)]
        lags = [lag for lag, _ in runs]
        rows.append(
            {
                "duration_s": duration,
                "worst_lag_s": round(max(lags), 3),
                "mean_lag_s": round(sum(lags) / len(lags), 3),
                "worst_share_of_bound": round(
                    max(lag / bound(m) for lag, m in zip(lags, moments, strict=True)), 3
                ),
                "polls": max(p for _, p in runs),
                "bound_s": bound(duration),
                # A fixed interval meets a change at a random phase: half of it on average.
                "boto3_waiter_mean_lag_s": training_delay / 2,
                "boto3_waiter_polls": math.ceil(duration / training_delay) + 1,
                "one_second_loop_mean_lag_s": 0.5,
                "one_second_loop_polls": math.ceil(duration) + 1,
            }
        )
    worst = max(r["worst_share_of_bound"] for r in rows)
    return {"rows": rows, "worst_share_of_bound": round(worst, 3), "boto3_waiter_delays_s": delays}
