"""Everything one emulator holds: a backend per account and region, timing, faults, the
request and transition logs, and the pool jobs run on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from . import s3io
from .backend import RekognitionBackend
from .clock import SchedulerClock
from .models import Faults, Timing
from .state import BackendState

ACCOUNT_ID = s3io.ACCOUNT_ID


class World:
    """Everything the emulator holds: backends per account/region, timing, faults, logs."""

    def __init__(
        self, timing: Timing | None = None, run_job: Callable[..., None] | None = None
    ) -> None:
        self.lock = threading.RLock()
        # Given by the server (jobs.run_job), so this module never imports the jobs it runs.
        self.run_job = run_job
        self.backends: dict[tuple[str, str], RekognitionBackend] = {}
        self.initial_timing = timing or Timing()
        self.timing = Timing(**vars(self.initial_timing))
        self.faults = Faults()
        self.requests: list[dict[str, Any]] = []
        # One entry per job end, in commit order (see jobs.run_job).
        self.transitions: list[dict[str, Any]] = []
        self.generation = 0
        self.version = 0  # bumped on every mutation, for persistence
        # Jobs mostly sleep out minimum durations; training is capped at 2 by quota.
        self.executor = ThreadPoolExecutor(max_workers=32, thread_name_prefix="rcl-job")
        self.on_change: Callable[[], None] | None = None
        self.closing = threading.Event()  # set at shutdown: jobs stop without committing
        # EventBridge Scheduler (schedules live in moto; see rcl_emulator.firing): the clock
        # they fire on, one lock for their bookkeeping and firing, and per schedule ARN the
        # instant up to which it has fired and the instant it was armed (a rate's anchor).
        self.clock = SchedulerClock()
        self.schedule_lock = threading.RLock()
        self.schedule_cursors: dict[str, datetime] = {}
        self.schedule_anchors: dict[str, datetime] = {}
        self.schedules_checked = self.clock.now()

    def backend(self, region: str, account: str = ACCOUNT_ID) -> RekognitionBackend:
        with self.lock:
            key = (account, region)
            if key not in self.backends:
                self.backends[key] = RekognitionBackend(self, account, region)
            return self.backends[key]

    def mutated(self) -> None:
        self.version += 1

    def reset(self) -> None:
        with self.lock:
            self.backends.clear()
            self.generation += 1
            self.faults = Faults()
            self.timing = Timing(**vars(self.initial_timing))
            self.requests.clear()
            self.transitions.clear()
            self.mutated()
        with self.schedule_lock:
            self.schedule_cursors.clear()
            self.schedule_anchors.clear()

    def submit(self, backend: BackendState, kind: str, target: Any) -> None:
        if self.run_job is None:
            raise RuntimeError("this World runs no jobs (no run_job given)")
        self.executor.submit(self.run_job, self, backend, kind, target, self.generation)

    def resume_jobs(self) -> None:
        """Restart jobs that were in progress when the state was saved."""
        with self.lock:
            for backend in self.backends.values():
                backend.world = self
                for project in backend.projects.values():
                    targets: list[Any] = [
                        project,
                        *project.datasets.values(),
                        *project.versions.values(),
                    ]
                    for t in targets:
                        if t.pending:
                            self.submit(backend, t.pending, t)

    def shutdown(self) -> None:
        self.closing.set()
        self.executor.shutdown(wait=False, cancel_futures=True)
