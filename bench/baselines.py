"""Baseline HDF5 append speeds for the h5saver benchmark (one timed run per process).

Called by bench/run.ts, once per (scenario, system, repetition), in a fresh process:

    python bench/baselines.py --system {h5py,tables,pymodaq} --scenario S --frames N --out DIR

Prints exactly one JSON line on stdout (everything else goes to stderr):

    {"scenario", "system", "frames", "payload_bytes", "seconds", "frames_per_s", "mb_per_s"}

Timed: create the file -> append all frames -> close. Frames are built before the timer from a
pool of 16 distinct random frames; GC is off in the timed part; MB = 10**6 payload bytes (frame
data only, no timestamps or attributes). Methodology: ../shared/research/pymodaq-speed.md (beside the project).
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import shutil
import sys
import tempfile
import time
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

POOL_SIZE = 16  # distinct frames cycled through, as in pymodaq-speed.md
SEED = 20240611  # fixed so every run writes the same bytes
MB = 1_000_000


@dataclass(frozen=True)
class Scenario:
    """One benchmark case. Ids are a contract shared with bench/run.ts and the TS writer."""

    channels: int  # data arrays per frame (one DataWithAxes holding `channels` arrays)
    shape: tuple[int, ...]  # shape of one channel array; 0D is (1,) as pymodaq stores it
    dtype: type[np.generic]
    wavelength_axis: bool  # 1D: non-linear signal axis, written once by pymodaq (not per frame)
    chunk_rows: int  # h5py chunk rows: 4096 (0D), 32 (1D, 512 KiB), 1 (2D: one frame per chunk)
    compression: tuple[str, int] | None = None  # ("gzip", level) or ("blosc:lz4", level), as pymodaq names them
    value_bits: int | None = None  # integers drawn from [0, 2**value_bits): a 12-bit camera's counts

    @property
    def frame_bytes(self) -> int:
        return self.channels * int(np.prod(self.shape)) * np.dtype(self.dtype).itemsize


SCENARIOS: dict[str, Scenario] = {
    "0d-1ch": Scenario(1, (1,), np.float64, False, 4096),
    "0d-8ch": Scenario(8, (1,), np.float64, False, 4096),
    "1d-2048-f64": Scenario(1, (2048,), np.float64, True, 32),
    "2d-512-u16": Scenario(1, (512, 512), np.uint16, False, 1),
    # Compressed variants: 12-bit counts, which compress a little, as a camera's do.
    "2d-512-u16-gzip1": Scenario(1, (512, 512), np.uint16, False, 1, ("gzip", 1), 12),
    "2d-512-u16-blosclz4": Scenario(1, (512, 512), np.uint16, False, 1, ("blosc:lz4", 5), 12),
    "2d-2048-u16": Scenario(1, (2048, 2048), np.uint16, False, 1),  # 8 MiB chunks
    "2d-2048-u16-gzip1": Scenario(1, (2048, 2048), np.uint16, False, 1, ("gzip", 1), 12),
    "2d-2048-u16-blosclz4": Scenario(1, (2048, 2048), np.uint16, False, 1, ("blosc:lz4", 5), 12),
}

Frame = list[np.ndarray]  # one array per channel


# ---------------------------------------------------------------------------------------------
# Isolation of pymodaq's config and log folders
# ---------------------------------------------------------------------------------------------


def _redirect_system_config(base: Path) -> None:
    """pymodaq_utils.config sets CONFIG_BASE_PATH = /etc (ProgramData, /Library/...) and, while
    that module is still executing, creates <base>/.pymodaq/config/*.toml (succeeds as root). No
    setting or variable moves that path, so rebind the module global right after its assignment,
    with a trace hook active only while that module body runs (import time, never in a timer).
    A user-edited system config (backend, compression) would otherwise also skew the runs."""

    def on_module_line(frame: types.FrameType, event: str, arg: object) -> Any:
        if "CONFIG_BASE_PATH" not in frame.f_globals:
            return on_module_line
        frame.f_globals["CONFIG_BASE_PATH"] = base
        sys.settrace(None)
        return None

    def on_call(frame: types.FrameType, event: str, arg: object) -> Any:
        code = frame.f_code
        if code.co_name == "<module>" and Path(code.co_filename).parts[-2:] == (
            "pymodaq_utils",
            "config.py",
        ):
            return on_module_line
        return None

    sys.settrace(on_call)


def isolate_pymodaq_dirs() -> None:
    """pymodaq_utils writes logs and config under Path.home()/.pymodaq and a system folder at
    import: send both into a scratch dir removed at exit, so runs use the default settings and
    leave nothing in the user's home."""
    home = Path(tempfile.mkdtemp(prefix="h5saver-bench-home-"))
    atexit.register(shutil.rmtree, home, True)
    os.environ["HOME"] = str(home)
    os.environ["USERPROFILE"] = str(home)  # Path.home() on Windows
    system_dir = home / "system"
    system_dir.mkdir()
    _redirect_system_config(system_dir)
    import pymodaq_utils.config

    sys.settrace(None)
    if pymodaq_utils.config.CONFIG_BASE_PATH != system_dir:
        print("warning: pymodaq system config folder not redirected", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------------------------


def random_array(rng: np.random.Generator, scenario: Scenario) -> np.ndarray:
    if np.issubdtype(scenario.dtype, np.integer):
        high = np.iinfo(scenario.dtype).max
        if scenario.value_bits is not None:
            high = 2**scenario.value_bits - 1
        return rng.integers(0, high, size=scenario.shape, dtype=scenario.dtype, endpoint=True)
    return rng.random(scenario.shape).astype(scenario.dtype)


def frame_pool(scenario: Scenario) -> list[Frame]:
    rng = np.random.default_rng(SEED)
    return [
        [random_array(rng, scenario) for _ in range(scenario.channels)] for _ in range(POOL_SIZE)
    ]


def wavelength_axis(points: int) -> np.ndarray:
    """Non-linear (quadratic dispersion) wavelength in nm, like a spectrometer calibration."""
    pixel = np.arange(points, dtype=np.float64)
    return 400.0 + 0.2 * pixel + 1.5e-5 * pixel**2


def frame_sequence(pool: list[Frame], frames: int) -> list[Frame]:
    return [pool[i % len(pool)] for i in range(frames)]


# ---------------------------------------------------------------------------------------------
# Systems: each returns a `write(path) -> None` closure whose call is the timed part
# ---------------------------------------------------------------------------------------------

Writer = Callable[[Path], None]
Checker = Callable[[Path, int, int], None]


def h5py_writer(scenario: Scenario, frames: list[Frame]) -> Writer:
    import h5py

    filters: dict[str, Any] = {}
    if scenario.compression is not None:
        library, level = scenario.compression
        if library != "gzip":  # blosc needs the hdf5plugin package, not in the venv
            raise SystemExit(f"h5py: no {library} filter without hdf5plugin")
        filters = {"compression": "gzip", "compression_opts": level}

    def write(path: Path) -> None:
        with h5py.File(path, "w") as f:
            datasets = [
                f.create_dataset(
                    f"CH{ch:02d}",
                    shape=(0, *scenario.shape),
                    maxshape=(None, *scenario.shape),
                    chunks=(scenario.chunk_rows, *scenario.shape),
                    dtype=scenario.dtype,
                    **filters,
                )
                for ch in range(scenario.channels)
            ]
            for i, frame in enumerate(frames):
                for ds, array in zip(datasets, frame):
                    ds.resize(i + 1, axis=0)
                    ds[i] = array

    return write


def h5py_check(path: Path, frames: int, arrays: int) -> None:
    import h5py

    with h5py.File(path, "r") as f:
        rows = [f[name].shape[0] for name in f]
    expect_rows(rows, frames, arrays)


def tables_writer(scenario: Scenario, frames: list[Frame]) -> Writer:
    import tables

    atom = tables.Atom.from_dtype(np.dtype(scenario.dtype))
    filters = None
    if scenario.compression is not None:  # as pymodaq's define_compression: Filters(level, lib)
        library, level = scenario.compression
        filters = tables.Filters(complevel=level, complib="zlib" if library == "gzip" else library)

    def write(path: Path) -> None:
        # Default chunkshape, no filters unless the scenario has some: what pymodaq's tables
        # backend ends up with.
        with tables.open_file(str(path), "w") as f:
            arrays = [
                f.create_earray("/", f"CH{ch:02d}", atom, shape=(0, *scenario.shape), filters=filters)
                for ch in range(scenario.channels)
            ]
            for frame in frames:
                for earray, array in zip(arrays, frame):
                    earray.append(array[np.newaxis])

    return write


def tables_check(path: Path, frames: int, arrays: int) -> None:
    import tables

    with tables.open_file(str(path), "r") as f:
        rows = [node.nrows for node in f.walk_nodes("/", classname="EArray")]
    expect_rows(rows, frames, arrays)


def pymodaq_writer(scenario: Scenario, frames: list[Frame]) -> Writer:
    """DAQ_Viewer continuous saving, minus Qt: H5SaverLowLevel + DataToExportTimedSaver."""
    from pymodaq_data.data import Axis, DataRaw, DataToExport
    from pymodaq_data.h5modules.data_saving import DataToExportTimedSaver
    from pymodaq_data.h5modules.saving import H5SaverLowLevel

    axes = []
    if scenario.wavelength_axis:
        wl = wavelength_axis(scenario.shape[0])
        axes = [Axis("wavelength", units="nm", data=wl, index=0)]
    # The plugin builds the DataToExport (one per frame, own timestamp), not the saver: untimed.
    dtes = [
        DataToExport("bench", data=[DataRaw("bench", data=list(frame), axes=axes)])
        for frame in frames
    ]

    def write(path: Path) -> None:
        h5saver = H5SaverLowLevel(save_type="detector", backend="tables")
        h5saver.init_file(file_name=path, new_file=True)
        if scenario.compression is not None:
            h5saver.define_compression(*scenario.compression)
        det_group = h5saver.add_det_group(
            h5saver.raw_group, title="Bench detector", settings_as_xml=""
        )
        saver = DataToExportTimedSaver(h5saver)
        for dte in dtes:
            saver.add_data(det_group, dte)
        h5saver.close_file()

    return write


def pymodaq_check(path: Path, frames: int, arrays: int) -> None:
    import tables

    with tables.open_file(str(path), "r") as f:
        rows = [
            node.nrows
            for node in f.walk_nodes("/RawData", classname="EArray")
            if node._v_name.startswith("EnlData")
        ]
    expect_rows(rows, frames, arrays)


def expect_rows(rows: list[int], frames: int, arrays: int) -> None:
    if len(rows) != arrays or any(n != frames for n in rows):
        raise RuntimeError(f"file check: expected {arrays} arrays of {frames} rows, found {rows}")


SYSTEMS: dict[str, tuple[Callable[[Scenario, list[Frame]], Writer], Checker]] = {
    "h5py": (h5py_writer, h5py_check),
    "tables": (tables_writer, tables_check),
    "pymodaq": (pymodaq_writer, pymodaq_check),
}


# ---------------------------------------------------------------------------------------------
# One timed run
# ---------------------------------------------------------------------------------------------


def fresh_path(out_dir: Path, system: str, scenario_id: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{system}-{scenario_id}-{os.getpid()}-{time.time_ns()}.h5"
    if path.exists():
        raise FileExistsError(path)
    return path


def timed(write: Writer, path: Path) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        write(path)
        return time.perf_counter() - start
    finally:
        gc.enable()


def run(system: str, scenario_id: str, frames: int, out_dir: Path) -> dict[str, Any]:
    scenario = SCENARIOS[scenario_id]
    make_writer, check = SYSTEMS[system]
    write = make_writer(scenario, frame_sequence(frame_pool(scenario), frames))
    path = fresh_path(out_dir, system, scenario_id)
    seconds = timed(write, path)
    check(path, frames, scenario.channels)  # untimed: the run really wrote every frame
    payload = frames * scenario.frame_bytes
    return {
        "scenario": scenario_id,
        "system": system,
        "frames": frames,
        "payload_bytes": payload,
        "seconds": seconds,
        "frames_per_s": frames / seconds,
        "mb_per_s": payload / MB / seconds,
    }


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", required=True, choices=sorted(SYSTEMS))
    parser.add_argument("--scenario", required=True, choices=list(SCENARIOS))
    parser.add_argument("--frames", required=True, type=positive_int)
    parser.add_argument("--out", required=True, type=Path, help="directory for the fresh file")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    if args.system == "pymodaq":
        isolate_pymodaq_dirs()
    stdout = sys.stdout
    sys.stdout = sys.stderr  # stray prints from libraries must not break the one-line contract
    try:
        result = run(args.system, args.scenario, args.frames, args.out)
    finally:
        sys.stdout = stdout
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
