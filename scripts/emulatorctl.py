"""Start the local emulator in the background (or reuse the running one), or stop it.

python scripts/emulatorctl.py start --port 4566 --state-dir .rcl-emulator
python scripts/emulatorctl.py stop --state-dir .rcl-emulator
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_emulator/health", timeout=2) as response:
            return bool(json.load(response).get("ok"))
    except Exception:
        return False


def start(port: int, state_dir: Path) -> int:
    url = f"http://127.0.0.1:{port}"
    if healthy(url):
        print(f"rcl-emulator already running at {url}")
        return 0
    state_dir.mkdir(parents=True, exist_ok=True)
    log = open(state_dir / "emulator.log", "ab")  # noqa: SIM115 - handed to the child
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rcl_emulator",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--state-dir",
            str(state_dir / "state"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (state_dir / "emulator.pid").write_text(str(child.pid))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if child.poll() is not None:
            print(f"rcl-emulator exited with {child.returncode}; see {state_dir}/emulator.log")
            return 1
        if healthy(url):
            print(f"rcl-emulator running at {url} (state in {state_dir}/state)")
            return 0
        time.sleep(0.2)
    print(f"rcl-emulator did not answer at {url} within 60 s; see {state_dir}/emulator.log")
    return 1


def stop(state_dir: Path) -> int:
    pid_file = state_dir / "emulator.pid"
    if not pid_file.exists():
        return 0
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink()
        return 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink()
    print("rcl-emulator stopped")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--state-dir", type=Path, default=Path(".rcl-emulator"))
    args = parser.parse_args()
    if args.action == "start":
        return start(args.port, args.state_dir)
    return stop(args.state_dir)


if __name__ == "__main__":
    sys.exit(main())
