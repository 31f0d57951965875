"""The README's Performance figure, drawn from a run's ``results.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt


def _by_id(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in results["targets"]}


def _lag(ax: Any, targets: dict[str, dict[str, Any]]) -> None:
    rows = targets["lag-simulated"]["details"]["rows"]
    waited = [r["duration_s"] for r in rows]
    ax.plot(waited, [r["bound_s"] for r in rows], "k--", label="bound: max(2 s, 2%)")
    ax.plot(waited, [r["worst_lag_s"] for r in rows], "C0-o", ms=3, label="rcl poller, worst")
    ax.plot(waited, [r["mean_lag_s"] for r in rows], "C0:", label="rcl poller, mean")
    ax.plot(waited, [r["boto3_waiter_mean_lag_s"] for r in rows], "C3-", label="boto3 waiter, mean")
    ax.plot(waited, [r["one_second_loop_mean_lag_s"] for r in rows], "C7-", label="1 s loop, mean")
    stack = targets["lag-stack"]["details"]["waits"]
    ax.plot(
        [w["waited_s"] for w in stack],
        [max(w["lag_s"], 0.01) for w in stack],
        "C2^",
        label="measured: seed flow on the emulator",
    )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="time waited (s)",
        ylabel="lag (s)",
        title="How late a status change is noticed",
    )
    ax.legend(fontsize=7)


def _polls(ax: Any, targets: dict[str, dict[str, Any]]) -> None:
    rows = targets["lag-simulated"]["details"]["rows"]
    waited = [r["duration_s"] for r in rows]
    ax.plot(waited, [r["polls"] for r in rows], "C0-o", ms=3, label="rcl poller")
    ax.plot(waited, [r["boto3_waiter_polls"] for r in rows], "C3-", label="boto3 waiter")
    ax.plot(waited, [r["one_second_loop_polls"] for r in rows], "C7-", label="1 s loop")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="time waited (s)",
        ylabel="describe calls",
        title="Calls spent on one wait",
    )
    ax.legend(fontsize=7)


def _scaling(ax: Any, targets: dict[str, dict[str, Any]]) -> None:
    runs = [t["details"] for t in targets.values() if t["id"].startswith("models-")]
    models = sorted({r["models"] for r in runs})
    for k, host in enumerate(("dynamic", "plugin")):
        taken = {r["models"]: r["rounds"] for r in runs if r["host"] == host}
        ax.bar(
            [m + (k - 0.5) * 0.35 for m in models],
            [taken.get(m, 0) for m in models],
            width=0.35,
            label=f"{host} host",
            color=f"C{k}",
        )
    ideal = {r["models"]: r["ideal_rounds"] for r in runs}
    ax.plot(
        models,
        [ideal[m] * 1.10 for m in models],
        "k_",
        ms=30,
        mew=2,
        label="limit: 1.10 x ceil(N/2)",
    )
    ax.set(
        xticks=models,
        xlabel="models in one stack",
        ylabel="rounds of training",
        title="N models, 2 concurrent trainings",
    )
    ax.legend(fontsize=7)


def _ratios(ax: Any, results: dict[str, Any]) -> None:
    shown = [t for t in results["targets"] if t["limit"]]
    share = [
        (t["limit"] / t["measured"] if t["at_least"] else t["measured"] / t["limit"])
        if t["measured"]
        else 0
        for t in shown
    ]
    colours = ["C2" if t["ok"] else "C3" for t in shown]
    ax.barh(range(len(shown)), share, color=colours)
    ax.axvline(1.0, color="k", ls="--")
    ax.set_yticks(range(len(shown)), [t["id"] for t in shown], fontsize=7)
    ax.invert_yaxis()
    ax.set(xlabel="measured / limit (pass: <= 1)", title="Every target")


def draw(results: dict[str, Any], path: Path) -> None:
    """Four panels: lag, calls per wait, N-model rounds, every target's share of its limit."""
    targets = _by_id(results)
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    _lag(axes[0][0], targets)
    _polls(axes[0][1], targets)
    _scaling(axes[1][0], targets)
    _ratios(axes[1][1], results)
    fig.suptitle(
        f"rcl-resources performance, {results['when']}"
        f"{' (smoke sizes)' if results['smoke'] else ''}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
