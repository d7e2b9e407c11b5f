"""The Python client system of the h5saver benchmark: frames sent through clients/python
(h5saver.Client) to a real `h5saver serve` on 127.0.0.1, one timed run per process.

    .venv/bin/python bench/systems/h5saver-python.py [--system h5saver-python] --scenario S --frames N --out DIR \
        [--address 127.0.0.1:PORT --root SERVER_DATA_ROOT]

Same contract as bench/baselines.py (one JSON line on stdout, everything else on stderr), with
system "h5saver-python". The frames are bench/baselines.py's (same pool, same seed), each sent as
one DataToExport holding one DataWithAxes (the 1D scenario with its wavelength axis), with its
own timestamp, as DAQ_Viewer's continuous saving hands them over.

Timed: AddDetector -> StartContinuous -> append every frame -> end (the server's final
acknowledgement: every frame appended and flushed) -> CloseFile. Untimed, as for the
h5saver-worker system: starting the server (Node, tsx, h5wasm; `server_start_seconds`) and the
OpenFile call (`open_seconds`: the server starts the file's writer thread, which loads h5wasm
again), and the Python imports.
The flush policy is the TypeScript systems' (10^6 frames / 1 s), so no flush falls inside a
short run but the final one.

With --address and --root (bench/run.ts passes its session's `h5saver serve`, whose data root
holds DIR) the run uses that server instead of starting its own.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "clients" / "python" / "tests"))

import h5py
from baselines import MB, SCENARIOS, frame_pool, frame_sequence, positive_int, wavelength_axis
from h5saver import Axis, Client, DataToExport, DataWithAxes, FlushPolicy
from h5saver_test_server import start_server, stop_server

SYSTEM = "h5saver-python"


def frames_to_send(scenario_id: str, frames: int) -> list[DataToExport]:
    """The frames as the client's model, built (and checked) before the timer."""
    scenario = SCENARIOS[scenario_id]
    axes = [Axis("wavelength", "nm", wavelength_axis(scenario.shape[0]))] if scenario.wavelength_axis else []
    t0 = time.time()
    return [
        DataToExport("Detector", [DataWithAxes("Data", frame, axes=axes, timestamp=t0 + 1e-3 * i)])
        for i, frame in enumerate(frame_sequence(frame_pool(scenario), frames))
    ]


def timed_run(address: str, path: str, dtes: list[DataToExport]) -> tuple[float, float]:
    gc.collect()
    gc.disable()
    try:
        with Client(address, timeout=600) as client:
            opening = time.perf_counter()
            file = client.open_file(path, flush=FlushPolicy(max_frames=1_000_000, max_delay_ms=1000))
            start = time.perf_counter()
            detector = file.add_detector("Detector")
            with file.start_continuous(detector) as upload:
                for dte in dtes:
                    upload.append(dte)
            file.close()
            return time.perf_counter() - start, start - opening
    finally:
        gc.enable()


def check(path: Path, frames: int, channels: int) -> None:
    """Untimed: the file holds every frame of every channel."""
    with h5py.File(path, "r") as h5:
        group = next(iter(h5["/RawData/Detector000"].values()))  # Data0D, Data1D or Data2D
        rows = [group[f"CH00/EnlData{c:02d}"].shape[0] for c in range(channels)]
    if rows != [frames] * channels:
        raise RuntimeError(f"{path}: {rows} rows, expected {frames} in each of {channels} arrays")


def run_on(address: str, root: Path, scenario_id: str, frames: int, out_dir: Path) -> dict[str, Any]:
    """One run against a server already running (its data root `root` holds `out_dir`)."""
    scenario = SCENARIOS[scenario_id]
    dtes = frames_to_send(scenario_id, frames)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir.resolve() / f"{SYSTEM}-{scenario_id}-{time.time_ns()}.h5"
    seconds, open_seconds = timed_run(address, str(path.relative_to(root.resolve())), dtes)
    check(path, frames, scenario.channels)
    return _result(scenario_id, frames, seconds, open_seconds)


def run(scenario_id: str, frames: int, out_dir: Path) -> dict[str, Any]:
    scenario = SCENARIOS[scenario_id]
    dtes = frames_to_send(scenario_id, frames)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    server = start_server(out_dir.resolve())
    server_start = time.perf_counter() - started
    try:
        name = f"{SYSTEM}-{scenario_id}-{time.time_ns()}.h5"
        seconds, open_seconds = timed_run(server.address, name, dtes)
        check(server.root / name, frames, scenario.channels)
    finally:
        stop_server(server)
    return {**_result(scenario_id, frames, seconds, open_seconds), "server_start_seconds": server_start}


def _result(scenario_id: str, frames: int, seconds: float, open_seconds: float) -> dict[str, Any]:
    """The run's JSON line (bench/README.md)."""
    payload = frames * SCENARIOS[scenario_id].frame_bytes
    return {
        "scenario": scenario_id,
        "system": SYSTEM,
        "frames": frames,
        "payload_bytes": payload,
        "seconds": seconds,
        "frames_per_s": frames / seconds,
        "mb_per_s": payload / MB / seconds,
        "open_seconds": open_seconds,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--system", default=SYSTEM, choices=[SYSTEM], help="the one system this file runs")
    parser.add_argument("--scenario", required=True, choices=list(SCENARIOS))
    parser.add_argument("--frames", required=True, type=positive_int)
    parser.add_argument(
        "--out", required=True, type=Path, help="directory for the fresh file (the data root)"
    )
    parser.add_argument("--address", help="a running h5saver server (default: start one)")
    parser.add_argument("--root", type=Path, help="that server's data root (with --address)")
    args = parser.parse_args(argv)
    if (args.address is None) != (args.root is None):
        parser.error("--address and --root go together")
    stdout = sys.stdout
    sys.stdout = sys.stderr  # stray prints must not break the one-line contract
    try:
        if args.address is not None:
            result = run_on(args.address, args.root, args.scenario, args.frames, args.out)
        else:
            result = run(args.scenario, args.frames, args.out)
    finally:
        sys.stdout = stdout
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
