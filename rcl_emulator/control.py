"""Client for the emulator's control API (``/_emulator/*``), using only the standard library."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


class EmulatorControl:
    """Talks to a running emulator: request log, faults, timing, health, reset."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}/_emulator/{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            return json.loads(resp.read() or b"null")

    def health(self) -> dict[str, Any]:
        """``{"ok": true}`` when the emulator serves."""
        return self._call("GET", "health")

    def requests_log(self) -> list[dict[str, Any]]:
        """Rekognition calls in arrival order: operation, time, status, error."""
        return self._call("GET", "requests")

    def reset_requests(self) -> None:
        """Empty the request log."""
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

    def reset(self, s3: bool = True) -> None:
        """Wipe all Rekognition state, faults and the request log (and S3 unless ``s3=False``)."""
        self._call("POST", "reset", {"s3": s3})
