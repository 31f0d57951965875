"""Client for the emulator's control API (``/_emulator/*``), using only the standard library."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any


class EmulatorControl:
    """Talks to a running emulator: request and transitions logs, faults, timing, health,
    reset, and the scheduler clock."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.url}/_emulator/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            return json.loads(resp.read() or b"null")

    def health(self) -> dict[str, Any]:
        """``{"ok": true}`` when the emulator serves."""
        return self._call("GET", "health")

    def requests_log(self) -> list[dict[str, Any]]:
        """Rekognition calls in arrival order: operation, time, status, error; a successful
        DescribeProjects, DescribeProjectVersions or DescribeDataset adds ``seen`` (ARN ->
        the Status its reply reported). A call a schedule made adds ``"source": "scheduler"``,
        ``schedule`` (its ARN) and ``scheduled_at`` (ISO 8601)."""
        return self._call("GET", "requests")

    def transitions(self) -> list[dict[str, Any]]:
        """Finished jobs in commit order: ``arn``, ``kind`` (a job kind such as
        ``create_project`` or ``train``), ``status`` (the resource's status after the job,
        ``None`` once a delete removed it), ``started`` and ``time`` (epoch seconds of the
        job's start and of its commit, the request log's clock)."""
        return self._call("GET", "transitions")

    def reset_requests(self) -> None:
        """Empty the request log and the transitions log."""
        self._call("POST", "requests/reset", {})

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """Replace the injected faults (throttle_rate, error_rate, fail_next_training,
        lose_next_response)."""
        return self._call("POST", "faults", faults)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._call("POST", "faults", {})

    def set_timing(self, **timing: float) -> dict[str, Any]:
        """Set minimum durations: training_seconds, start_seconds, stop_seconds."""
        return self._call("POST", "timing", timing)

    def reset(self, s3: bool = True, scheduler: bool = True) -> None:
        """Wipe all Rekognition state, faults and both logs (and S3 unless ``s3=False``, the
        schedules unless ``scheduler=False``; the scheduler clock stays where it is)."""
        self._call("POST", "reset", {"s3": s3, "scheduler": scheduler})

    def clock(self) -> str:
        """The scheduler clock's now, ISO 8601 in UTC (``2030-01-07T18:00:00.000Z``)."""
        return str(self._call("GET", "clock")["now"])

    def move_clock(
        self, now: str | datetime | None = None, advance_seconds: float | None = None
    ) -> dict[str, Any]:
        """Move the scheduler clock forward, to `now` (ISO 8601 or an aware datetime) or by
        `advance_seconds`, once every schedule due on the way has fired. Returns ``{"now",
        "fired": [{"schedule", "at", "target", "ok", "error"}, ...]}`` (firings in order).
        A move back is refused: ``ValueError`` with the emulator's reason."""
        body: dict[str, Any] = {}
        if now is not None:
            body["now"] = now.isoformat() if isinstance(now, datetime) else now
        if advance_seconds is not None:
            body["advance_seconds"] = advance_seconds
        try:
            return self._call("POST", "clock", body)
        except urllib.error.HTTPError as e:
            if e.code != 400:
                raise
            raise ValueError(json.loads(e.read() or b"{}").get("error", str(e))) from None
