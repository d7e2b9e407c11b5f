"""Draws a benchmark record (bench/results/latest.json) as a PNG: frames/s of every system per
scenario (log scale), and h5saver end to end (h5saver-grpc) ÷ each other system, with the date,
mode, machine and load average of the session in the title.

    .tools/bench-chart-venv/bin/python bench/chart.py [RECORD.json] [OUT.png]

Needs matplotlib (bench/requirements.txt; scripts/bench.sh makes that venv). Defaults:
bench/results/latest.json -> bench/results/latest.png.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

RESULTS = Path(__file__).resolve().parent / "results"
SUBJECT = "h5saver-grpc"


def main(argv: list[str]) -> int:
    record_path = Path(argv[0]) if argv else RESULTS / "latest.json"
    out = Path(argv[1]) if len(argv) > 1 else record_path.with_suffix(".png")
    record = json.loads(record_path.read_text())
    rows = record["summary"]
    scenarios = list(
        dict.fromkeys(
            row["scenario"]
            for row in rows
            if not row["scenario"].startswith("ack-1mib-100hz")
        )
    )
    systems = list(
        dict.fromkeys(row["system"] for row in rows if row["scenario"] in scenarios)
    )
    by = {(row["scenario"], row["system"]): row for row in rows}

    fig, (speed, ratio) = plt.subplots(2, 1, figsize=(12, 9), constrained_layout=True)
    width = 0.8 / max(1, len(systems))
    colors = plt.get_cmap("tab10")
    for k, system in enumerate(systems):
        xs, speeds, ratios = [], [], []
        for i, scenario in enumerate(scenarios):
            row = by.get((scenario, system))
            if row is None:
                continue
            xs.append(i + (k - (len(systems) - 1) / 2) * width)
            speeds.append(row["median_frames_per_s"])
            ratios.append(row["ratios"].get(SUBJECT))
        color = colors(k % 10)
        speed.bar(xs, speeds, width, label=system, color=color)
        points = [(x, r) for x, r in zip(xs, ratios) if r is not None]
        if points:
            ratio.bar(
                [x for x, _ in points],
                [r for _, r in points],
                width,
                label=system,
                color=color,
            )
    for axis in (speed, ratio):
        # the full run's eleven scenario names overlap when level
        axis.set_xticks(
            range(len(scenarios)),
            scenarios,
            rotation=20 if len(scenarios) > 6 else 0,
            ha="right" if len(scenarios) > 6 else "center",
        )
        axis.set_yscale("log")
        axis.grid(axis="y", which="both", alpha=0.3)
    speed.set_ylabel("frames/s (median)")
    speed.legend(ncol=5, fontsize=8)
    ratio.axhline(1, color="black", linewidth=0.8)
    ratio.set_ylabel(f"{SUBJECT} ÷ system (> 1: end to end is faster)")
    ack = by.get(("ack-1mib-100hz", SUBJECT))
    ack_text = ""
    if ack is not None and "ack_p99_ms" in ack.get("extras", {}):
        extras = ack["extras"]
        ack_text = f"; ack latency 100 Hz × 1 MiB: p50 {extras['ack_p50_ms']:.1f} ms, p99 {extras['ack_p99_ms']:.1f} ms"
        written = by.get(("ack-1mib-100hz-written", SUBJECT), {}).get("extras", {})
        if "ack_p99_ms" in written:
            ack_text += (
                f" (written: {written['ack_p50_ms']:.1f}, {written['ack_p99_ms']:.1f})"
            )
    machine = record["machine"]
    load = record.get("load_average", {})
    fig.suptitle(
        f"h5saver bench {record['date'][:16].replace('T', ' ')} UTC, {record['mode']}, {record['reps']} rep(s); "
        f"{machine['cpu_model']}, {machine['cores']} cores, load {load.get('before', 0):.1f}→{load.get('after', 0):.1f}"
        f"{ack_text}",
        fontsize=10,
    )
    fig.savefig(out, dpi=90)
    print(out, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
