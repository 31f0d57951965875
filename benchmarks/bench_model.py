"""The emulator against the least work any trainer or server must do on the same data.

Run: ``python -m benchmarks.bench_model [--images 1797 --large-images 10000 --calls 200]``.
Prints one JSON line of measurements, taken side by side in one run so that the ratios
between them, not their absolute values, are what a target is set on:

- training: CreateProjectVersion until the status leaves TRAINING_IN_PROGRESS, against the
  emulator's own features and ``fit`` on the same training images in this process;
- the same on a large data set of jittered digits, with the whole-process peak memory of the
  emulator and of the bare fit, each in its own process;
- DetectCustomLabels latency and throughput from 1 and 4 client threads, against the same
  images scored in this process by the emulator's inference code alone.

Both emulators run as ``python -m rcl_emulator serve`` subprocesses, so the client threads
here never share an interpreter with the server they measure.
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3
import numpy as np

from benchmarks.digit_data import LabelledImages, digit_images, jittered_digits, training_indices
from rcl_emulator import inference, trainer
from rcl_resources.manifest import classification_line, dumps_manifest

BUCKET = "bench-model"
REGION = "us-east-1"
UPLOAD_THREADS = 8
CLIENT_THREADS = 4
LISTENING = "rcl-emulator listening on "
MIB = 1024 * 1024

# The bare fit for peak memory runs as its own small program, so that its peak holds what a
# bare trainer needs and nothing of the client, emulator or benchmark libraries. It prints its
# fit time, then waits for stdin to close so its peak can be read like the emulator's.
BARE_FIT_PROGRAM = """
import json, pickle, sys, time
import numpy as np
from rcl_emulator.trainer import fit, image_features
with open(sys.argv[1], "rb") as f:
    pngs, label_sets = pickle.load(f)
started = time.perf_counter()
fit(np.stack([image_features(png) for png in pngs]), label_sets)
print(json.dumps(time.perf_counter() - started), flush=True)
sys.stdin.read()
"""


@dataclass
class TrainedVersion:
    """A project version whose training has ended, and how long training took."""

    project: str
    arn: str
    seconds: float
    description: dict[str, Any]


@dataclass
class DetectRun:
    """Per-call DetectCustomLabels latencies and the wall time of the whole run."""

    latencies_ms: list[float]
    seconds: float

    @property
    def requests_per_s(self) -> float:
        """Completed requests per second of wall time."""
        return len(self.latencies_ms) / self.seconds


def wait_for(fetch: Any, done: Any, timeout: float = 300.0) -> Any:
    """`fetch()` every 50 ms until `done(value)` or the timeout; returns the last value."""
    deadline = time.time() + timeout
    while True:
        value = fetch()
        if done(value) or time.time() > deadline:
            return value
        time.sleep(0.05)


# ---- the emulator --------------------------------------------------------------------------
class EmulatorProcess:
    """``python -m rcl_emulator serve`` on a free port, stopped when the block ends."""

    proc: subprocess.Popen[str]
    url: str

    def __enter__(self) -> EmulatorProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rcl_emulator", "serve", "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert self.proc.stdout is not None
            line = self.proc.stdout.readline().strip()
            if not line.startswith(LISTENING):
                raise RuntimeError(f"the emulator did not start: {line!r}")
            self.url = line[len(LISTENING) :]
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def peak_mb(self) -> float:
        """The emulator's peak resident memory so far."""
        return peak_mb(self.proc.pid)

    def stop(self) -> None:
        """Stop the emulator as SIGTERM does, and kill it if that takes too long."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def peak_mb(pid: int) -> float:
    """A live process's peak resident memory (VmHWM) in MiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MIB
    raise RuntimeError(f"process {pid} reports no VmHWM")


def client(url: str, service: str) -> Any:
    """A boto3 client for ``service`` on the emulator."""
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )


def upload(s3: Any, images: LabelledImages, prefix: str) -> list[dict[str, Any]]:
    """Put the images in the bucket from a pool of threads; their manifest lines, in order."""
    keys = [f"{prefix}/{i}.png" for i in range(len(images.pngs))]
    with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
        list(
            pool.map(
                lambda key, png: s3.put_object(Bucket=BUCKET, Key=key, Body=png), keys, images.pngs
            )
        )
    return [
        classification_line(f"s3://{BUCKET}/{key}", label)
        for key, label in zip(keys, images.labels, strict=True)
    ]


def dataset_status(rek: Any, arn: str) -> str:
    """A dataset's status."""
    return rek.describe_dataset(DatasetArn=arn)["DatasetDescription"]["Status"]


def split_project(rek: Any, s3: Any, name: str, lines: list[dict[str, Any]]) -> str:
    """A project whose TRAIN dataset holds the lines and is split 80/20 with TEST."""
    manifest = f"{name}.manifest"
    s3.put_object(Bucket=BUCKET, Key=manifest, Body=dumps_manifest(lines).encode())
    project = rek.create_project(ProjectName=name)["ProjectArn"]
    wait_for(
        lambda: rek.describe_projects(ProjectNames=[name])["ProjectDescriptions"][0]["Status"],
        lambda s: s == "CREATED",
    )
    train = rek.create_dataset(
        ProjectArn=project,
        DatasetType="TRAIN",
        DatasetSource={"GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": manifest}}},
    )["DatasetArn"]
    test = rek.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
    for arn in (train, test):
        wait_for(lambda a=arn: dataset_status(rek, a), lambda s: s.endswith("COMPLETE"))
    rek.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])
    for arn in (train, test):
        wait_for(lambda a=arn: dataset_status(rek, a), lambda s: s == "UPDATE_COMPLETE")
    return project


def train_version(rek: Any, project: str) -> TrainedVersion:
    """Train version v1, timed from CreateProjectVersion until training has ended."""
    started = time.perf_counter()
    arn = rek.create_project_version(
        ProjectArn=project,
        VersionName="v1",
        OutputConfig={"S3Bucket": BUCKET, "S3KeyPrefix": "out"},
    )["ProjectVersionArn"]
    description = wait_for(
        lambda: version_description(rek, project), lambda d: d["Status"] != "TRAINING_IN_PROGRESS"
    )
    seconds = time.perf_counter() - started
    if description["Status"] != "TRAINING_COMPLETED":
        raise RuntimeError(
            f"training ended {description['Status']}: {description.get('StatusMessage')}"
        )
    return TrainedVersion(project, arn, seconds, description)


def version_description(rek: Any, project: str) -> dict[str, Any]:
    """Version v1 of the project, as DescribeProjectVersions describes it."""
    return rek.describe_project_versions(ProjectArn=project, VersionNames=["v1"])[
        "ProjectVersionDescriptions"
    ][0]


def trained_on_emulator(
    url: str, name: str, images: LabelledImages
) -> tuple[TrainedVersion, list[int]]:
    """Upload, split and train; the version and the indices of its training images."""
    s3, rek = client(url, "s3"), client(url, "rekognition")
    s3.create_bucket(Bucket=BUCKET)
    lines = upload(s3, images, name)
    project = split_project(rek, s3, name, lines)
    return train_version(rek, project), training_indices(lines, images.labels)


def start(rek: Any, version: TrainedVersion) -> None:
    """Start the model and wait until it runs."""
    rek.start_project_version(ProjectVersionArn=version.arn, MinInferenceUnits=1)
    wait_for(lambda: version_description(rek, version.project)["Status"], lambda s: s == "RUNNING")


# ---- bare fits -------------------------------------------------------------------------------
def bare_fit(pngs: list[bytes], labels: list[str]) -> trainer.TrainedModel:
    """The emulator's features and classifier on the images, and nothing else."""
    return trainer.fit(
        np.stack([trainer.image_features(png) for png in pngs]), [[label] for label in labels]
    )


def timed_bare_fit(pngs: list[bytes], labels: list[str]) -> tuple[trainer.TrainedModel, float]:
    """The bare fit's model and seconds, in this process."""
    started = time.perf_counter()
    model = bare_fit(pngs, labels)
    return model, time.perf_counter() - started


def bare_fit_process(pngs: list[bytes], labels: list[str]) -> tuple[float, float]:
    """The bare fit's seconds and whole-process peak MiB, in a process of its own."""
    with tempfile.NamedTemporaryFile(suffix=".pickle") as data:
        pickle.dump((pngs, [[label] for label in labels]), data)
        data.flush()
        proc = subprocess.Popen(
            [sys.executable, "-c", BARE_FIT_PROGRAM, data.name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdin is not None and proc.stdout is not None
            seconds = json.loads(proc.stdout.readline())
            peak = peak_mb(proc.pid)
            proc.stdin.close()
            if proc.wait(timeout=30):
                raise RuntimeError(f"the bare fit exited {proc.returncode}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
    return seconds, peak


def subset(images: LabelledImages, indices: list[int]) -> tuple[list[bytes], list[str]]:
    """The PNGs and labels of the images at ``indices``."""
    return [images.pngs[i] for i in indices], [images.labels[i] for i in indices]


# ---- detection -------------------------------------------------------------------------------
def detect_run(url: str, arn: str, pngs: list[bytes], calls: int, threads: int) -> DetectRun:
    """``calls`` DetectCustomLabels requests spread over ``threads`` threads, one client each."""
    # Clients are made here: making them from the default session is not thread-safe.
    clients = [client(url, "rekognition") for _ in range(threads)]
    for rek in clients:  # connect and load the model before the clock starts
        rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": pngs[0]})
    latencies: list[float] = []
    lock = threading.Lock()
    ready = threading.Barrier(threads + 1)

    def work(rek: Any, share: range) -> None:
        ready.wait()
        mine = []
        for i in share:
            t = time.perf_counter()
            rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": pngs[i % len(pngs)]})
            mine.append((time.perf_counter() - t) * 1000)
        with lock:
            latencies.extend(mine)

    workers = [
        threading.Thread(target=work, args=(rek, range(n, calls, threads)))
        for n, rek in enumerate(clients)
    ]
    for w in workers:
        w.start()
    ready.wait()
    started = time.perf_counter()
    for w in workers:
        w.join()
    return DetectRun(latencies, time.perf_counter() - started)


def model_only_ms(model: trainer.TrainedModel, pngs: list[bytes], calls: int) -> list[float]:
    """Per-image milliseconds of the emulator's DetectCustomLabels code, called directly."""
    blob = model.to_bytes()
    inference.detect("", blob, {"Image": {"Bytes": pngs[0]}})  # unpickle before timing
    latencies = []
    for i in range(calls):
        t = time.perf_counter()
        inference.detect("", blob, {"Image": {"Bytes": pngs[i % len(pngs)]}})
        latencies.append((time.perf_counter() - t) * 1000)
    return latencies


def protocol_ms(url: str, calls: int) -> list[float]:
    """Per-call milliseconds of a Rekognition call that does no work (DescribeProjects with
    a name that matches nothing): what boto3, HTTP and the server's dispatch cost alone."""
    rek = client(url, "rekognition")
    rek.describe_projects(ProjectNames=["none"])  # connect before timing
    latencies = []
    for _ in range(calls):
        t = time.perf_counter()
        rek.describe_projects(ProjectNames=["none"])
        latencies.append((time.perf_counter() - t) * 1000)
    return latencies


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0..100) of the values."""
    return float(np.percentile(values, q))


# ---- measurements ----------------------------------------------------------------------------
def figure(value: float) -> float:
    """A measurement to 4 significant figures."""
    return float(f"{value:.4g}")


def measure_digits(images: int, calls: int) -> dict[str, float]:
    """Training against the bare fit, then detection, on the digits."""
    data = digit_images(images)
    with EmulatorProcess() as emulator:
        version, train = trained_on_emulator(emulator.url, "digits", data)
        model, bare_seconds = timed_bare_fit(*subset(data, train))
        start(client(emulator.url, "rekognition"), version)
        one = detect_run(emulator.url, version.arn, data.pngs, calls, 1)
        spread = detect_run(emulator.url, version.arn, data.pngs, calls, CLIENT_THREADS)
        protocol_p50 = percentile(protocol_ms(emulator.url, calls), 50)
    model_only_p50 = percentile(model_only_ms(model, data.pngs, calls), 50)
    one_p50 = percentile(one.latencies_ms, 50)
    return {
        "images": images,
        "emulator_training_s": version.seconds,
        "bare_fit_s": bare_seconds,
        "training_ratio": version.seconds / bare_seconds,
        "f1": version.description["EvaluationResult"]["F1Score"],
        "calls": calls,
        "detect_p50_ms": percentile(spread.latencies_ms, 50),
        "detect_p99_ms": percentile(spread.latencies_ms, 99),
        "detect_p50_1thread_ms": one_p50,
        "requests_per_s_1thread": one.requests_per_s,
        "requests_per_s_4threads": spread.requests_per_s,
        "throughput_ratio_4_to_1": spread.requests_per_s / one.requests_per_s,
        "detect_model_only_p50_ms": model_only_p50,
        "protocol_p50_ms": protocol_p50,
        # What DetectCustomLabels costs beyond the model itself and one empty round trip.
        "detect_overhead_ratio": one_p50 / (model_only_p50 + protocol_p50),
    }


def measure_large(images: int) -> dict[str, float]:
    """Training time and peak memory of the emulator against the bare fit, on jittered digits."""
    data = jittered_digits(images)
    with EmulatorProcess() as emulator:
        version, train = trained_on_emulator(emulator.url, "jittered", data)
        peak = emulator.peak_mb()
    bare_seconds, bare_peak = bare_fit_process(*subset(data, train))
    return {
        "large_images": images,
        "large_training_s": version.seconds,
        "large_bare_fit_s": bare_seconds,
        "large_training_ratio": version.seconds / bare_seconds,
        "large_f1": version.description["EvaluationResult"]["F1Score"],
        "large_peak_mb": peak,
        "large_bare_peak_mb": bare_peak,
        "large_memory_ratio": peak / bare_peak,
        "large_pixels_mb": data.pixel_bytes / MIB,
    }


def measure(images: int = 1797, large_images: int = 10_000, calls: int = 200) -> dict:
    """Every measurement of this benchmark, as JSON numbers (sizes and MiB as they are)."""
    results = {**measure_digits(images, calls), **measure_large(large_images)}
    return {
        key: value if isinstance(value, int) else figure(value) for key, value in results.items()
    }


def main() -> None:
    """Run the benchmark and print one JSON line of results."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=1797)
    parser.add_argument("--large-images", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(measure(args.images, args.large_images, args.calls)))


if __name__ == "__main__":
    main()
