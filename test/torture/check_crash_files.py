"""Checks the files the crash harness (crash.ts) leaves, as a user would: each opens with h5py and
with PyMoDAQ's own loader (pymodaq_data's DataLoader, PyTables backend), holds at least the frames
acknowledged as durable, and every row it holds is the frame sent with that number.

Usage: python check_crash_files.py MANIFEST.json  (a list of {file, kind, acknowledged})
Prints one JSON object per file: {file, h5py, pymodaq, problems}."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import h5py
import numpy as np

TRACE = 512
IMAGE = (256, 512)  # 256 KiB of uint16: a chunk per frame, which the journal points at
DIM_GROUP = {"0D": "Data0D", "1D": "Data1D", "2D": "Data2D"}


def expected_rows(kind: str, n: int) -> np.ndarray:
    """Frame k (from 1): 0D k; 1D k*1000 + i; 2D (k + i) mod 65536 over the flattened image."""
    k = np.arange(1, n + 1)
    if kind == "0D":
        return k.astype(np.float64)
    if kind == "1D":
        return (k[:, None] * 1000 + np.arange(TRACE)[None, :]).astype(np.float64)
    size = IMAGE[0] * IMAGE[1]
    return ((k[:, None] + np.arange(size)[None, :]) % 65536).astype(np.uint16).reshape((n, *IMAGE))


def compare(kind: str, rows: np.ndarray, acknowledged: int, reader: str) -> list[str]:
    problems = []
    if kind == "0D":
        rows = rows.reshape(-1)
    n = rows.shape[0]
    if n < acknowledged:
        problems.append(f"{reader}: {n} frames, {acknowledged} were acknowledged as durable")
    want = expected_rows(kind, n)
    if rows.shape != want.shape:
        problems.append(f"{reader}: shape {rows.shape}, expected {want.shape}")
    elif not np.array_equal(rows, want):
        bad = int(np.argwhere(rows.reshape(n, -1) != want.reshape(n, -1))[0][0])
        problems.append(f"{reader}: row {bad} (frame {bad + 1}) holds other values than sent")
    return problems


def node_path(kind: str) -> str:
    return f"/RawData/Detector000/{DIM_GROUP[kind]}/CH00/EnlData00"


def with_h5py(entry: dict) -> tuple[int, list[str]]:
    with h5py.File(entry["file"], "r") as f:
        if node_path(entry["kind"]) not in f and entry["acknowledged"] == 0:
            return 0, []  # killed before the first frame was written: nothing was promised
        rows = f[node_path(entry["kind"])][()]
    return rows.shape[0], compare(entry["kind"], rows, entry["acknowledged"], "h5py")


def with_pymodaq(entry: dict) -> tuple[int, list[str]]:
    with h5py.File(entry["file"], "r") as f:
        if node_path(entry["kind"]) not in f and entry["acknowledged"] == 0:
            return 0, []
    from pymodaq_data.h5modules.data_saving import DataLoader
    from pymodaq_data.h5modules.saving import H5SaverLowLevel

    h5 = H5SaverLowLevel(backend="tables")
    h5.init_file(file_name=Path(entry["file"]), mode="r")
    try:
        dwa = DataLoader(h5).load_data(node_path(entry["kind"]), load_all=True)
        rows = np.asarray(dwa.data[0])
        return rows.shape[0], compare(entry["kind"], rows, entry["acknowledged"], "PyMoDAQ")
    finally:
        h5.close_file()


def main() -> int:
    with open(sys.argv[1]) as manifest:
        entries = json.load(manifest)
    for entry in entries:
        result = {"file": entry["file"], "h5py": None, "pymodaq": None, "problems": []}
        for name, reader in (("h5py", with_h5py), ("pymodaq", with_pymodaq)):
            try:
                result[name], problems = reader(entry)
                result["problems"] += problems
            except Exception as error:  # noqa: BLE001 - any failure to read is what is reported
                result["problems"].append(f"{name} cannot read it: {type(error).__name__}: {error}")
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
