"""One full-size run: all 1,797 digits, split by DistributeDatasetEntries. How fast it trains
and answers is measured side by side in `make bench` (bench_model), not timed here."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from emulator_support import (
    BUCKET,
    create_project,
    digit_pngs,
    label_line,
    make_client,
    put_manifest,
    wait_dataset,
    wait_version,
)


def test_full_digits_train_accurately_and_answer(emulator, rek, s3):
    pngs, targets = digit_pngs()
    client = make_client(emulator.url, "s3", max_pool_connections=8)

    def put(i: int) -> dict:
        client.put_object(Bucket=BUCKET, Key=f"full/{i}.png", Body=pngs[i])
        return label_line(f"s3://{BUCKET}/full/{i}.png", str(targets[i]))

    with ThreadPoolExecutor(4) as pool:
        lines = list(pool.map(put, range(len(pngs))))
    project = create_project(rek, "full-digits")
    train = rek.create_dataset(
        ProjectArn=project,
        DatasetType="TRAIN",
        DatasetSource={"GroundTruthManifest": {"S3Object": put_manifest(s3, lines)}},
    )["DatasetArn"]
    test = rek.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
    assert wait_dataset(rek, train)["DatasetStats"]["LabeledEntries"] == 1797
    wait_dataset(rek, test)
    rek.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])
    wait_dataset(rek, train)
    assert wait_dataset(rek, test)["Status"] == "UPDATE_COMPLETE"
    started = time.time()
    arn = rek.create_project_version(
        ProjectArn=project,
        VersionName="full",
        OutputConfig={"S3Bucket": BUCKET, "S3KeyPrefix": "full-out/"},
    )["ProjectVersionArn"]
    desc = wait_version(rek, project, "full", timeout=120)
    elapsed = time.time() - started
    assert desc["Status"] == "TRAINING_COMPLETED", desc["StatusMessage"]
    assert desc["EvaluationResult"]["Summary"]["S3Object"]["Name"] == (
        "full-out/EvaluationResultSummary-full-digits-full.json"
    )
    assert desc["EvaluationResult"]["F1Score"] >= 0.9
    rek.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    wait_version(rek, project, "full")
    started = time.time()
    right = 0
    for i in range(50):
        found = rek.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": pngs[i]})
        labels = [label["Name"] for label in found["CustomLabels"]]
        right += bool(labels) and labels[0] == str(targets[i])
    latency = (time.time() - started) / 50
    assert right >= 45  # the top label is the digit
    print(
        f"full digits: training {elapsed:.1f}s, F1 {desc['EvaluationResult']['F1Score']:.4f}, "
        f"DetectCustomLabels {latency * 1000:.1f} ms"
    )
