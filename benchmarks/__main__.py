"""`make bench`: every performance target as a ratio measured side by side in one run.

Writes ``results.json`` and ``performance.png`` (to ``benchmarks/``, or ``--out``), prints one
line per target, puts the table into the README's Performance section (full runs only), and
exits non-zero when a target is missed. ``--smoke`` runs the same harness on tiny sizes: it
proves the harness works, and only the targets that do not depend on sizes are held to.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import bench_detection, bench_lag, bench_model, bench_stacks, families
from benchmarks.plot import draw
from rcl_emulator.digits import write_digits
from tests.e2e.stacks import let_the_engine_stop_its_plugins
from tests.newuser.support import DIST, PLUGIN_ARCHIVE

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

FULL: dict[str, Any] = {
    "seed": {"training": 40.0, "start": 15.0, "dataset": 5.0},
    "scaling": {"models": (1, 4, 8), "training": 15.0, "start": 3.0},
    "preview": {"count": 30, "repeats": 5},
    "packaged": {"count": 30, "repeats": 5},
    "model": {"images": 1797, "large_images": 10_000, "calls": 200},
    "detection": {"train": 200, "holdout": 50},
    "families": {"train": 200, "test": 50, "holdout": 40, "calls": 30},
}
SMOKE: dict[str, Any] = {
    "seed": {"training": 2.0, "start": 1.0, "dataset": 0.5},
    "scaling": {"models": (1, 3), "training": 2.0, "start": 1.0},
    "preview": {"count": 3, "repeats": 1},
    "packaged": {"count": 3, "repeats": 1},
    "model": {"images": 120, "large_images": 300, "calls": 20},
    "detection": {"train": 20, "holdout": 10},
    "families": {"train": 12, "test": 6, "holdout": 4, "calls": 3},
}
SIZE_FREE = {"lag-simulated", "calls-mutating", "calls-noop", "import-light", "calls-peak"}
"""Targets that hold at any size: the smoke run is held to these."""


@dataclass
class Target:
    """One measured ratio (or count) against its limit."""

    id: str
    what: str
    measured: float
    limit: float
    at_least: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.measured >= self.limit if self.at_least else self.measured <= self.limit

    @property
    def target(self) -> str:
        return f"{'>=' if self.at_least else '<='} {self.limit:g}"


def lag_targets(lag: dict[str, Any], seed: dict[str, Any]) -> list[Target]:
    measured = seed["ours"]["lags"]
    return [
        Target(
            "lag-simulated",
            "poller lag / max(2 s, 2% of time waited), waits of 1 s to 24 h",
            lag["worst_share_of_bound"],
            1.0,
            details={"rows": lag["rows"]},
        ),
        Target(
            "lag-stack",
            "seed flow: each wait's lag / max(2 s, 2% of time waited)",
            bench_stacks.worst_lag(measured),
            1.0,
            details={
                "waits": measured,
                "script_waits": seed["script"]["lags"],
                "timing": seed["timing"],
            },
        ),
    ]


def call_targets(seed: dict[str, Any]) -> list[Target]:
    ours, script = seed["ours"], seed["script"]
    return [
        # Each dataset and model costs one UntagResource more than a bare script: the hand-off
        # mark that lets a project's delete tell a retained child from a leftover.
        Target(
            "calls-mutating",
            "seed flow: mutating calls but hand-off marks / the boto3 script's",
            (ours["mutating"] - ours["handoffs"]) / script["mutating"],
            1.0,
            details={
                "ours": ours["operations"],
                "script": script["operations"],
                "handoffs": ours["handoffs"],
            },
        ),
        Target(
            "calls-polling",
            "seed flow: polling calls / the boto3 script's (1 s loops)",
            ours["polling"] / script["polling"],
            1.0,
            details={
                "ours": ours["polling"],
                "script": script["polling"],
                "ours_s": ours["seconds"],
                "script_s": script["seconds"],
            },
        ),
        Target(
            "calls-noop",
            "no-op preview + no-op up: calls",
            seed["noop_preview_calls"] + seed["noop_up_calls"],
            0,
        ),
        Target(
            "calls-peak",
            "peak calls of one operation in one second / AWS's 5 TPS",
            ours["peak_calls_per_second"] / 5,
            1.0,
        ),
    ]


def scaling_targets(runs: list[dict[str, Any]]) -> list[Target]:
    out = [
        Target(
            f"models-{r['host']}-{r['models']}",
            f"{r['models']} model{'s' if r['models'] > 1 else ''}, {r['host']} host: "
            "training span / ceil(N/2) rounds",
            r["ratio"],
            1.10,
            details=r,
        )
        for r in runs
    ]
    pickups = [r["slot_pickup_s"] for r in runs]
    out.append(
        Target(
            "slot-training",
            "freed training slot used after (s), worst of all runs",
            max(pickups),
            2.0,
            details={"runs": pickups},
        )
    )
    running = [r["running_slot_pickup_s"] for r in runs if "running_slot_pickup_s" in r]
    out.append(
        Target(
            "slot-running",
            "freed running slot used after (s), worst of all runs",
            max(running),
            2.0,
            details={"runs": running},
        )
    )
    return out


def import_cost() -> dict[str, Any]:
    """What a program of Projects (`import rcl_resources` and the first use of `Project`)
    loads, and its time against `import pulumi.dynamic` alone, which every dynamic resource
    needs: best of five fresh interpreters each."""
    probe = (
        "import sys, time; t = time.perf_counter(); {statement}; "
        "print(time.perf_counter() - t); print(*sorted(m for m in ('boto3', 'botocore.client',"
        " 'pydantic', 'numpy', 'PIL', 'sklearn', 'moto') if m in sys.modules))"
    )

    def run(statement: str) -> tuple[float, list[str]]:
        best, heavy = math.inf, []
        for _ in range(5):
            out = subprocess.run(
                [sys.executable, "-c", probe.format(statement=statement)],
                check=True,
                capture_output=True,
                text=True,
                cwd=REPO,
            ).stdout.splitlines()
            best, heavy = min(best, float(out[0])), out[1].split() if len(out) > 1 else []
        return best, heavy

    projects, heavy = run("import rcl_resources; rcl_resources.Project")
    dynamic, _ = run("import pulumi.dynamic")
    return {
        "projects_s": round(projects, 3),
        "pulumi_dynamic_s": round(dynamic, 3),
        "ratio": round(projects / dynamic, 3),
        "heavy_modules": heavy,
    }


def model_targets(model: dict[str, Any], detection: dict[str, Any]) -> list[Target]:
    return [
        Target(
            "train-vs-sklearn",
            "emulator training / bare scikit-learn fit, same images",
            model["training_ratio"],
            3.0,
            details=model,
        ),
        Target(
            "train-10k-vs-sklearn",
            "10,000 images: emulator training / bare fit",
            model["large_training_ratio"],
            3.0,
        ),
        Target(
            "memory-10k",
            "10,000 images: emulator peak memory / bare fit's",
            model["large_memory_ratio"],
            2.0,
        ),
        Target(
            "detect-overhead",
            "DetectCustomLabels p50 / (the model alone + an empty call's round trip)",
            model["detect_overhead_ratio"],
            1.5,
        ),
        Target(
            "detect-threads",
            "DetectCustomLabels requests/s, 4 client threads / 1",
            model["throughput_ratio_4_to_1"],
            1.0,
            at_least=True,
        ),
        Target(
            "detect-tail",
            "DetectCustomLabels p99 / p50 with 4 client threads",
            model["detect_p99_ms"] / model["detect_p50_ms"],
            3.0,
        ),
        Target(
            "detection-f1",
            "object detection: held-out F1 (quality floor)",
            detection["f1"],
            0.9,
            at_least=True,
            details=detection,
        ),
    ]


def family_targets(runs: list[dict[str, Any]]) -> list[Target]:
    """Object detection on families of scenes the detector was not tuned on: quality floors,
    training time and latency, per family."""
    out = []
    for r in runs:
        name = r["family"]
        out += [
            Target(
                f"detection-{name}-f1",
                f"object detection, {name}: test F1 the emulator reports",
                r["f1"],
                0.85,
                at_least=True,
                details=r,
            ),
            Target(
                f"detection-{name}-precision",
                f"object detection, {name}: held-out precision at the assumed thresholds",
                r["precision"],
                0.85,
                at_least=True,
            ),
            Target(
                f"detection-{name}-recall",
                f"object detection, {name}: held-out recall at the assumed thresholds",
                r["recall"],
                0.85,
                at_least=True,
            ),
            Target(
                f"detection-{name}-train",
                f"object detection, {name}: training (s), {r['train_images']} scenes",
                r["training_seconds"],
                240,
            ),
            Target(
                f"detection-{name}-p50",
                f"object detection, {name}: DetectCustomLabels p50 (ms), 256 px images",
                r["detect_p50_ms"],
                250,
            ),
        ]
    return out


def plugin_archive() -> Path:
    """The plugin archive `make dist` wrote."""
    archive = DIST / PLUGIN_ARCHIVE
    if not archive.is_file():
        raise SystemExit(f"{archive} is missing: run `make dist`")
    return archive


def run(sizes: dict[str, Any]) -> list[Target]:
    digits = REPO / ".data" / "digits"
    write_digits(digits)
    targets = []
    lag = bench_lag.measure()
    with bench_stacks.bench() as b:
        seed = bench_stacks.seed_flow(b, digits / "train", **sizes["seed"])
        targets += lag_targets(lag, seed) + call_targets(seed)
        scale = sizes["scaling"]
        runs = [
            bench_stacks.scaling(b, digits / "train", host, n, scale["training"], scale["start"])
            for host in ("dynamic", "plugin")
            for n in scale["models"]
        ]
        targets += scaling_targets(runs)
        preview = bench_stacks.preview_overhead(b, **sizes["preview"])
        packaged = bench_stacks.packaged_preview(b, plugin_archive(), **sizes["packaged"])
    targets.append(
        Target(
            "preview",
            f"first preview of {preview['resources']} Projects / of "
            "as many trivial dynamic resources",
            preview["ratio"],
            1.2,
            details=preview,
        )
    )
    targets.append(
        Target(
            "preview-packaged",
            f"first preview of {packaged['resources']} "
            "Projects, plugin from its release archive / console script",
            packaged["ratio"],
            1.2,
            details=packaged,
        )
    )
    imports = import_cost()
    targets.append(
        Target(
            "import-light",
            "modules boto3, pydantic, numpy, PIL, sklearn, moto loaded by a program of Projects",
            len(imports["heavy_modules"]),
            0,
            details=imports,
        )
    )
    targets += model_targets(
        bench_model.measure(**sizes["model"]), bench_detection.measure(**sizes["detection"])
    )
    targets += family_targets(
        [bench_detection.measure_family(name, **sizes["families"]) for name in families.JUDGED]
    )
    return targets


def table(targets: list[Target]) -> str:
    """The targets as a Markdown table."""
    rows = ["| target | measured | limit | |", "|---|---|---|---|"]
    rows += [
        f"| {t.what} | {t.measured:.3g} | {t.target} | {'pass' if t.ok else 'MISSED'} |"
        for t in targets
    ]
    return "\n".join(rows)


def update_readme(targets: list[Target], when: str) -> None:
    """Replace the table between the README's bench markers."""
    readme = REPO / "README.md"
    text = readme.read_text()
    block = (
        f"<!-- bench:begin -->\n_Measured by `make bench` on {when}; "
        f"{platform.machine()}, {platform.python_version()}._\n\n{table(targets)}\n\n"
        "![make bench: lag, calls per wait, N models, every target]"
        "(benchmarks/performance.png)\n<!-- bench:end -->"
    )
    new, count = re.subn(
        r"<!-- bench:begin -->.*?<!-- bench:end -->", lambda _: block, text, flags=re.S
    )
    if count:
        readme.write_text(new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: check the harness")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    let_the_engine_stop_its_plugins()
    started = time.monotonic()
    targets = run(SMOKE if args.smoke else FULL)
    when = time.strftime("%Y-%m-%d")
    args.out.mkdir(parents=True, exist_ok=True)
    held = [t for t in targets if not args.smoke or t.id in SIZE_FREE]
    results = {
        "when": when,
        "smoke": args.smoke,
        "seconds": round(time.monotonic() - started),
        "machine": {"cpus": len(os.sched_getaffinity(0)), "python": platform.python_version()},
        "ok": all(t.ok for t in held),
        "targets": [{**asdict(t), "ok": t.ok, "target": t.target} for t in targets],
    }
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    draw(results, args.out / "performance.png")
    for t in targets:
        print(
            f"{'ok    ' if t.ok else 'MISSED'} {t.id:22} {t.measured:10.3g} {t.target:8} {t.what}",
            flush=True,
        )
    if not args.smoke and args.out == HERE:
        update_readme(targets, when)
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
