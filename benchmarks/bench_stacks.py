"""Stacks through the real Pulumi CLI against the emulator, measured from the emulator's own
records (its request log and its job ends), side by side with their yardsticks:

- the seed flow (the default stack) against the hand-written boto3 script of
  :mod:`benchmarks.seed_flow_boto3`: mutating and polling calls, and how late each wait noticed
  its status change;
- N models in one stack, on the dynamic-provider host and on the plugin host: how many rounds
  of two concurrent trainings they took, and how soon a freed slot was used;
- the first preview of rcl resources against as many trivial dynamic resources;
- the first preview through the released plugin archive against the console script.
"""

from __future__ import annotations

import math
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from benchmarks import bench_model, seed_flow_boto3
from rcl_emulator.control import EmulatorControl
from rcl_emulator.server import EmulatorServer
from tests.e2e.stacks import REPO, stack, write_project

READ_ONLY = ("Describe", "List", "Detect", "Get")
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
TRAINING_SLOTS = 2  # the emulator's (and AWS's default) concurrent trainings per account


@dataclass
class Bench:
    """One emulator and one state directory shared by every stack of a run."""

    url: str
    control: EmulatorControl
    state: Path

    def client(self, service: str) -> Any:
        return bench_model.client(self.url, service)

    def fresh(self, **timing: float) -> None:
        """Empty the emulator (S3 too) and set its minimum durations."""
        self.control.reset()
        self.control.set_timing(**timing)

    def bucket(self, name: str) -> str:
        self.client("s3").create_bucket(Bucket=name)
        return name

    def stack(self, work_dir: Path, name: str, config: dict[str, str]) -> auto.Stack:
        """A stack of the program in `work_dir`, pointed at the emulator."""
        s = stack(work_dir, self.state, name, env={**CREDENTIALS, "AWS_REGION": REGION})
        s.set_all_config(
            {
                k: auto.ConfigValue(v)
                for k, v in {
                    "rcl:endpointUrl": self.url,
                    "rcl:s3EndpointUrl": self.url,
                    "rcl:region": REGION,
                    **config,
                }.items()
            }
        )
        return s


@contextmanager
def bench() -> Iterator[Bench]:
    with EmulatorServer(port=0) as emulator, tempfile.TemporaryDirectory() as state:
        yield Bench(emulator.url, EmulatorControl(emulator.url), Path(state))


@contextmanager
def aws_environment(url: str) -> Iterator[None]:
    """This process's boto3 default chain pointed at the emulator (for the boto3 script)."""
    values = {**CREDENTIALS, "AWS_ENDPOINT_URL": url, "AWS_DEFAULT_REGION": REGION}
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# -- what the emulator saw -----------------------------------------------------------------------
def calls(log: list[dict[str, Any]]) -> dict[str, int]:
    """Mutating and polling call counts of a request log."""
    polling = sum(1 for r in log if r["operation"].startswith(READ_ONLY))
    return {"mutating": len(log) - polling, "polling": polling}


def mutating(log: list[dict[str, Any]]) -> dict[str, int]:
    return dict(Counter(r["operation"] for r in log if not r["operation"].startswith(READ_ONLY)))


def lags(log: list[dict[str, Any]], transitions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For every job end a client waited for: how long it had waited (from the job's start) and
    how late its first describe reported the new status."""
    out = []
    for end in transitions:
        seen = [
            r["time"]
            for r in log
            if (r.get("seen") or {}).get(end["arn"]) == end["status"]
            and r["time"] >= end["time"] - 0.01
        ]
        if not seen:
            continue  # nobody waited for this one (e.g. a delete the stack did not watch)
        waited = end["time"] - end["started"]
        lag = max(0.0, min(seen) - end["time"])
        out.append(
            {
                "kind": end["kind"],
                "status": end["status"],
                "waited_s": round(waited, 2),
                "lag_s": round(lag, 2),
                "bound_s": round(max(2.0, 0.02 * waited), 2),
            }
        )
    return out


def worst_lag(measured: list[dict[str, Any]]) -> float:
    """The largest lag as a share of its bound, max(2 s, 2% of the time waited)."""
    return max((m["lag_s"] / m["bound_s"] for m in measured), default=0.0)


# -- the seed flow ---------------------------------------------------------------------------
def seed_flow(
    b: Bench, digits: Path, training: float, start: float, dataset: float
) -> dict[str, Any]:
    """The default stack's first up, no-op preview and no-op up, then the boto3 script, on the
    same images and the same emulated durations."""
    timing = {"training_seconds": training, "start_seconds": start, "dataset_seconds": dataset}
    b.fresh(**timing)
    s = b.stack(REPO, "bench-seed", {"rcl:bucket": "rcl-bench"})
    try:
        started = time.monotonic()
        up = s.up()
        ours_seconds = time.monotonic() - started
        ours_log, ours_ends = b.control.requests_log(), b.control.transitions()
        b.control.reset_requests()
        s.preview()
        preview_calls = len(b.control.requests_log())
        b.control.reset_requests()
        s.up()
        noop_calls = len(b.control.requests_log())
    finally:
        s.destroy()
        s.workspace.remove_stack("bench-seed")

    b.fresh(**timing)
    with aws_environment(b.url):
        bucket = b.bucket("rcl-bench-script")
        started = time.monotonic()
        script = seed_flow_boto3.seed_flow(digits, bucket)
        script_seconds = time.monotonic() - started
    script_log, script_ends = b.control.requests_log(), b.control.transitions()
    ours, theirs = calls(ours_log), calls(script_log)
    return {
        "ours": {
            **ours,
            "seconds": round(ours_seconds, 1),
            "lags": lags(ours_log, ours_ends),
            "handoffs": handoffs(ours_log),
            "f1": up.outputs["f1_score"].value,
            "operations": mutating(ours_log),
            "peak_calls_per_second": peak_per_second(ours_log),
        },
        "script": {
            **theirs,
            "seconds": round(script_seconds, 1),
            "f1": script["f1"],
            "lags": lags(script_log, script_ends),
            "operations": mutating(script_log),
        },
        "noop_preview_calls": preview_calls,
        "noop_up_calls": noop_calls,
        "timing": timing,
    }


def handoffs(log: list[dict[str, Any]]) -> int:
    """UntagResource calls that mark a new dataset or model as handed to Pulumi (the seed
    flow sets no tags of its own to remove)."""
    return sum(1 for r in log if r["operation"] == "UntagResource" and r["status"] == 200)


def peak_per_second(log: list[dict[str, Any]]) -> int:
    """The most calls of one operation the emulator received within one calendar second."""
    per_second = Counter((r["operation"], int(r["time"])) for r in log)
    return max(per_second.values(), default=0)


# -- N models in one stack -------------------------------------------------------------------
PYTHON_MODELS = """\
import pulumi
import rcl_resources as rcl

config = pulumi.Config()
bucket = config.require("bucket")
running = {int(i) for i in (config.get("running") or "").split(",") if i}
project = rcl.Project("scale")
train = rcl.Dataset("train", project_arn=project.arn, dataset_type="TRAIN", dataset_source={
    "ground_truth_manifest": {"s3_object": {"bucket": bucket, "name": config.require("manifest")}}})
test = rcl.Dataset("test", project_arn=project.arn, dataset_type="TEST", distribute_from=train.arn)
for i in range(config.require_int("models")):
    rcl.ProjectVersion(f"model-{i}", project_arn=project.arn,
                       output_config={"s3_bucket": bucket, "s3_key_prefix": f"out/{i}"},
                       datasets=[train.revision, test.revision], running=i in running)
"""


def yaml_models(models: int, running: set[int]) -> str:
    """The same stack in Pulumi YAML, for the plugin host."""
    head = textwrap.dedent("""\
        name: rcl-bench-scale
        runtime: yaml
        configuration:
          bucket:
            type: String
          manifest:
            type: String
        resources:
          project:
            type: rcl:index:Project
          train:
            type: rcl:index:Dataset
            properties:
              projectArn: ${project.arn}
              datasetType: TRAIN
              datasetSource:
                groundTruthManifest:
                  s3Object:
                    bucket: ${bucket}
                    name: ${manifest}
          test:
            type: rcl:index:Dataset
            properties:
              projectArn: ${project.arn}
              datasetType: TEST
              distributeFrom: ${train.arn}
        """)
    model = textwrap.indent(
        textwrap.dedent("""\
        model-{i}:
          type: rcl:index:ProjectVersion
          properties:
            projectArn: ${{project.arn}}
            outputConfig:
              s3Bucket: ${{bucket}}
              s3KeyPrefix: out/{i}
            datasets:
              - ${{train.arn}}
              - ${{test.arn}}
            running: {running}
        """),
        "  ",
    )
    return head + "".join(
        model.format(i=i, running=str(i in running).lower()) for i in range(models)
    )


def small_folder(digits: Path, root: Path, per_label: int = 25) -> Path:
    """Three labels of the digits, `per_label` images each: trains in a moment."""
    for label in ("0", "1", "7"):
        (root / label).mkdir(parents=True)
        for image in sorted((digits / label).iterdir())[:per_label]:
            shutil.copy(image, root / label / image.name)
    return root


def scaling(
    b: Bench, digits: Path, host: str, models: int, training: float, start: float
) -> dict[str, Any]:
    """`models` models in one stack: rounds of training taken against ceil(N/2) rounds, and
    the longest a freed training slot stayed unused. With `models` >= 3 a second up moves
    "running" from model 0 to model 2 while model 1 runs: a freed running slot's pick-up."""
    b.fresh(training_seconds=training, start_seconds=start, stop_seconds=start)
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        bucket = b.bucket("rcl-bench-scale")
        manifest = seed_flow_boto3.upload(
            b.client("s3"), small_folder(digits, work / "images"), bucket
        )
        program = work / "program"
        if host == "plugin":
            program.mkdir()
            (program / "Pulumi.yaml").write_text(yaml_models(models, set()))
        else:
            write_project(program, PYTHON_MODELS, name="rcl-bench-scale")
        s = b.stack(
            program,
            f"scale-{host}-{models}",
            {
                "rcl-bench-scale:bucket": bucket,
                "rcl-bench-scale:manifest": manifest,
                **({} if host == "plugin" else {"rcl-bench-scale:models": str(models)}),
            },
        )
        try:
            started = time.monotonic()
            s.up()
            seconds = time.monotonic() - started
            trainings = [e for e in b.control.transitions() if e["kind"] == "train"]
            result = {
                "host": host,
                "models": models,
                "up_seconds": round(seconds, 1),
                **rounds(trainings),
            }
            if models >= 3:
                result["running_slot_pickup_s"] = running_pickup(b, s, host, program, models)
        finally:
            s.destroy()
            s.workspace.remove_stack(s.name)
    return result


def rounds(trainings: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of training taken (first start to last end, in single trainings) against the
    ideal ceil(N/2), and the longest a freed slot waited for the next training."""
    durations = [e["time"] - e["started"] for e in trainings]
    one = statistics.median(durations)
    span = max(e["time"] for e in trainings) - min(e["started"] for e in trainings)
    ideal = math.ceil(len(trainings) / TRAINING_SLOTS)
    starts = sorted(e["started"] for e in trainings)
    ends = sorted(e["time"] for e in trainings)
    # The k-th training (from the third on) starts in the slot the (k-2)-th end freed.
    pickups = [max(0.0, s - ends[k]) for k, s in enumerate(starts[TRAINING_SLOTS:])]
    return {
        "training_s": round(one, 2),
        "span_s": round(span, 2),
        "ideal_rounds": ideal,
        "rounds": round(span / one, 3),
        "ratio": round(span / (ideal * one), 3),
        "slot_pickup_s": round(max(pickups, default=0.0), 2),
    }


def running_pickup(b: Bench, s: auto.Stack, host: str, program: Path, models: int) -> float:
    """Run models 0 and 1, then move "running" from model 0 to model 2: the seconds model 2's
    start waited after model 0's stop freed the slot (the emulator frees it at the stop)."""
    for running in ({0, 1}, {1, 2}):
        if host == "plugin":
            (program / "Pulumi.yaml").write_text(yaml_models(models, running))
        else:
            s.set_config(
                "rcl-bench-scale:running", auto.ConfigValue(",".join(map(str, sorted(running))))
            )
        b.control.reset_requests()
        s.up()
    log = b.control.requests_log()
    freed = min(
        r["time"] for r in log if r["operation"] == "StopProjectVersion" and r["status"] == 200
    )
    taken = min(
        r["time"] for r in log if r["operation"] == "StartProjectVersion" and r["status"] == 200
    )
    return round(max(0.0, taken - freed), 2)


# -- preview overhead ------------------------------------------------------------------------
RCL_PROJECTS = """\
import rcl_resources as rcl

for i in range({count}):
    rcl.Project(f"p{{i}}", tags={{"team": "vision"}})
"""
TRIVIAL = """\
from benchmarks.trivial import Trivial

for i in range({count}):
    Trivial(f"t{{i}}", "vision")
"""


def preview_overhead(b: Bench, count: int, repeats: int) -> dict[str, Any]:
    """A first `pulumi preview` of `count` Projects against one of `count` trivial dynamic
    resources, alternated `repeats` times; the ratio of the medians. Each preview is the CLI
    itself, timed around its process, as a user runs it."""
    seconds: dict[str, list[float]] = {"rcl": [], "trivial": []}
    with tempfile.TemporaryDirectory() as work_dir:
        programs = {
            name: write_project(
                Path(work_dir) / name, text.format(count=count), name=f"bench-{name}"
            )
            for name, text in (("rcl", RCL_PROJECTS), ("trivial", TRIVIAL))
        }
        for k in range(repeats):
            for name, program in programs.items():
                s = b.stack(program, f"preview-{k}", {})
                started = time.monotonic()
                subprocess.run(
                    ["pulumi", "preview", "--stack", s.name, "--non-interactive"],
                    cwd=program,
                    env={**os.environ, **s.workspace.env_vars},
                    check=True,
                    capture_output=True,
                )
                seconds[name].append(time.monotonic() - started)
                s.workspace.remove_stack(s.name)
    rcl, trivial = statistics.median(seconds["rcl"]), statistics.median(seconds["trivial"])
    return {
        "resources": count,
        "rcl_s": round(rcl, 2),
        "trivial_s": round(trivial, 2),
        "ratio": round(rcl / trivial, 3),
        "runs": {k: [round(v, 2) for v in vs] for k, vs in seconds.items()},
    }


# -- the packaged plugin -----------------------------------------------------------------------
YAML_PROJECTS = """\
name: bench-packaged
runtime: yaml
resources:
{resources}
"""


def packaged_preview(b: Bench, archive: Path, count: int, repeats: int) -> dict[str, Any]:
    """A first `pulumi preview` of `count` Projects (a YAML program) served by the plugin from
    its release archive (a self-contained executable) against the same served by the console
    script of this package, alternated `repeats` times; the ratio of the medians. Each plugin
    is the only `pulumi-resource-rcl` on PATH; nothing else of this checkout is."""
    engine = Path(shutil.which("pulumi") or "pulumi").parent
    seconds: dict[str, list[float]] = {"packaged": [], "console": []}
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        with tarfile.open(archive) as packed:
            packed.extractall(work / "packaged", filter="data")
        plugins = {"packaged": work / "packaged", "console": Path(sys.prefix) / "bin"}
        program = work / "program"
        program.mkdir()
        (program / "Pulumi.yaml").write_text(
            YAML_PROJECTS.format(
                resources="".join(
                    f"  p{i}:\n    type: rcl:index:Project\n    properties:\n"
                    f"      tags:\n        team: vision\n"
                    for i in range(count)
                )
            )
        )
        for k in range(repeats):
            for name, plugin in plugins.items():
                s = b.stack(program, f"packaged-{k}-{name}", {})
                env = {
                    **os.environ,
                    **s.workspace.env_vars,
                    "PATH": os.pathsep.join([str(plugin), str(engine), "/usr/bin", "/bin"]),
                }
                env.pop("PYTHONPATH", None)
                started = time.monotonic()
                subprocess.run(
                    ["pulumi", "preview", "--stack", s.name, "--non-interactive"],
                    cwd=program,
                    env=env,
                    check=True,
                    capture_output=True,
                )
                seconds[name].append(time.monotonic() - started)
                s.workspace.remove_stack(s.name)
    packaged, console = (statistics.median(seconds[n]) for n in ("packaged", "console"))
    return {
        "resources": count,
        "packaged_s": round(packaged, 2),
        "console_s": round(console, 2),
        "ratio": round(packaged / console, 3),
        "runs": {k: [round(v, 2) for v in vs] for k, vs in seconds.items()},
    }
