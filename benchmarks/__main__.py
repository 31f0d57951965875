"""`make bench`: the performance targets, measured. Prints one JSON line per benchmark and exits
non-zero when a target is missed.

P1  emulator training on the full digits set (1,797 images): <= 20 s, F1 >= 0.9
P2  DetectCustomLabels latency on the emulator: <= 50 ms per call
P3  the default stack's first `pulumi up` on a fresh emulator: <= 180 s
P4  a second `pulumi up` with nothing changed: <= 20 s and 0 mutating calls
P5  polling stays under the 5 TPS per-operation quota: peak <= 5 calls of one operation in
    any second, over the whole first `up`
P6  object detection on the emulator (200 synthetic training scenes, 50 held out): training
    <= 30 s, held-out F1 >= 0.9, DetectCustomLabels p50 <= 30 ms
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from benchmarks import bench_detection
from benchmarks.bench_training import measure
from rcl_demo.digits import write_digits
from rcl_emulator.control import EmulatorControl
from rcl_emulator.server import EmulatorServer

REPO = Path(__file__).resolve().parent.parent
READ_ONLY = ("Describe", "List", "Detect")


def report(name: str, target: str, ok: bool, **values: Any) -> bool:
    print(json.dumps({"benchmark": name, "target": target, "ok": ok, **values}), flush=True)
    return ok


def stack_benchmarks() -> list[bool]:
    write_digits(REPO / ".data" / "digits")
    results = []
    with EmulatorServer(port=0) as emulator, tempfile.TemporaryDirectory() as state:
        control = EmulatorControl(emulator.url)
        env = {
            "PULUMI_BACKEND_URL": f"file://{state}",
            "PULUMI_CONFIG_PASSPHRASE": "bench",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_HOME": f"{state}/home",
            "PATH": os.pathsep.join([str(Path(sys.prefix) / "bin"), os.environ["PATH"]]),
            "PYTHONPATH": str(REPO),
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
        }
        stack = auto.create_or_select_stack(
            stack_name="bench",
            work_dir=str(REPO),
            opts=auto.LocalWorkspaceOptions(env_vars=env),
        )
        stack.set_all_config(
            {
                "rcl:endpointUrl": auto.ConfigValue(emulator.url),
                "rcl:s3EndpointUrl": auto.ConfigValue(emulator.url),
                "rcl:region": auto.ConfigValue("us-east-1"),
                "rcl:bucket": auto.ConfigValue("rcl-bench"),
            }
        )
        try:
            control.reset_requests()
            started = time.monotonic()
            up = stack.up()
            first = time.monotonic() - started
            log = control.requests_log()
            calls = Counter(r["operation"] for r in log)
            mutating = {k: v for k, v in calls.items() if not k.startswith(READ_ONLY)}
            polling = {k: v for k, v in calls.items() if k.startswith(READ_ONLY)}
            results.append(
                report(
                    "P3 first up",
                    "<= 180 s",
                    first <= 180,
                    seconds=round(first, 1),
                    f1=up.outputs["f1_score"].value,
                    mutating_calls=mutating,
                    polling_calls=polling,
                )
            )
            per_second = Counter((r["operation"], int(r["time"])) for r in log)
            peak = max(per_second.values())
            results.append(report("P5 peak TPS per operation", "<= 5", peak <= 5, peak=peak))

            control.reset_requests()
            started = time.monotonic()
            stack.up()
            second = time.monotonic() - started
            changed = [
                r["operation"]
                for r in control.requests_log()
                if not r["operation"].startswith(READ_ONLY)
            ]
            results.append(
                report(
                    "P4 no-op up",
                    "<= 20 s, 0 mutating calls",
                    second <= 20 and not changed,
                    seconds=round(second, 1),
                    mutating_calls=changed,
                    read_calls=len(control.requests_log()),
                )
            )
        finally:
            stack.destroy()
            stack.workspace.remove_stack("bench")
    return results


def main() -> int:
    training = measure()
    ok = [
        report(
            "P1 training",
            "<= 20 s, F1 >= 0.9",
            training["training_seconds"] <= 20 and (training["f1"] or 0) >= 0.9,
            seconds=training["training_seconds"],
            f1=training["f1"],
            images=training["images"],
        ),
        report(
            "P2 detect latency",
            "<= 50 ms",
            training["detect_latency_ms"] <= 50,
            ms=training["detect_latency_ms"],
        ),
    ]
    detection = bench_detection.measure()
    ok.append(
        report(
            "P6 object detection",
            "training <= 30 s, F1 >= 0.9, detect p50 <= 30 ms",
            detection["training_seconds"] <= 30
            and detection["f1"] >= 0.9
            and detection["detect_p50_ms"] <= 30,
            **detection,
        )
    )
    ok += stack_benchmarks()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report("memory", "informational", True, peak_rss_mb=round(rss))
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
