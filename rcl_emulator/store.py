"""Persistence: Rekognition state, the moto S3 objects and the EventBridge schedules, saved
atomically to a directory.

``state.pkl`` holds the backends (pickled dataclasses, including trained models);
``s3.pkl`` holds every bucket and object; ``scheduler.pkl`` every schedule group, schedule and
tag (moto's scheduler objects). Each is written to a temporary file and renamed,
by a background thread whenever something changed and once more at shutdown.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import tempfile
import threading
from pathlib import Path
from typing import Any

from . import s3io, scheduler
from .world import World

log = logging.getLogger("rcl_emulator")
STATE_FILE = "state.pkl"
S3_FILE = "s3.pkl"
SCHEDULER_FILE = "scheduler.pkl"
# Classes that moved after state files naming them were written: (module, name) -> module.
MOVED_CLASSES = {("rcl_emulator.models", "RekognitionBackend"): "rcl_emulator.backend"}


class _StateUnpickler(pickle.Unpickler):
    """Reads a state file, also one that names a class where it used to live."""

    def find_class(self, module: str, name: str) -> Any:
        return super().find_class(MOVED_CLASSES.get((module, name), module), name)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class StateStore:
    """Loads and saves one emulator's state under ``directory``."""

    def __init__(
        self, directory: str | os.PathLike[str], world: World, interval: float = 0.5
    ) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.world = world
        self.interval = interval
        self._saved_version = -1
        self._saved_s3: tuple[Any, ...] | None = None
        self._saved_schedules: tuple[Any, ...] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._save_lock = threading.Lock()

    def load(self) -> None:
        """Restore saved state (if any) into the world and moto S3, then resume jobs."""
        s3_path = self.dir / S3_FILE
        if s3_path.exists():
            s3io.restore(pickle.loads(s3_path.read_bytes()))
            self._saved_s3 = s3io.fingerprint()
        scheduler_path = self.dir / SCHEDULER_FILE
        if scheduler_path.exists():
            with self.world.schedule_lock:
                scheduler.restore(pickle.loads(scheduler_path.read_bytes()))
                self._saved_schedules = scheduler.fingerprint()
        state_path = self.dir / STATE_FILE
        if state_path.exists():
            data = _StateUnpickler(io.BytesIO(state_path.read_bytes())).load()
            with self.world.lock:
                self.world.backends = data["backends"]
                for backend in self.world.backends.values():
                    backend.world = self.world
                self._saved_version = self.world.version
            self.world.resume_jobs()

    def save(self) -> None:
        """Write whatever changed since the last save."""
        with self._save_lock:
            with self.world.lock:
                version = self.world.version
                blob = None
                if version != self._saved_version:
                    blob = pickle.dumps({"backends": self.world.backends})
            if blob is not None:
                _atomic_write(self.dir / STATE_FILE, blob)
                self._saved_version = version
            fp = s3io.fingerprint()
            if fp != self._saved_s3:
                _atomic_write(self.dir / S3_FILE, pickle.dumps(s3io.snapshot()))
                self._saved_s3 = fp
            with self.world.schedule_lock:
                schedules = scheduler.fingerprint()
                blob = None
                if schedules != self._saved_schedules:
                    blob = pickle.dumps(scheduler.snapshot())
            if blob is not None:
                _atomic_write(self.dir / SCHEDULER_FILE, blob)
                self._saved_schedules = schedules

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="rcl-store", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.save()
            except Exception:
                log.exception("saving emulator state failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self.save()
