"""The native HDF5 backend reads what PyMoDAQ itself wrote (both of its backends: PyTables, with
its system attributes, VLArray logger and fixed-length strings, and h5py) exactly as h5wasm does:
h5saver-read.ts --backend native prints the same JSON (attributes, every DataWithAxes with its
axes, the log) as h5saver's default reader."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import READ_TS, REPO_ROOT, _node_cmd


def _read_native(path) -> dict:
    proc = subprocess.run(
        _node_cmd(READ_TS, str(path), "--backend", "native"),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"h5saver-read.ts --backend native {path} failed (exit {proc.returncode})\n"
            f"stderr:\n{proc.stderr}",
            pytrace=False,
        )
    return json.loads(proc.stdout)


def test_native_backend_reads_pymodaq_files_as_h5wasm_does(pymodaq_files_all, h5saver_read):
    compared = 0
    logged = 0
    for backend, files in pymodaq_files_all.items():
        for mode, path in files.items():
            expected = h5saver_read(path)
            assert expected["nodes"], f"{backend}/{mode}: h5wasm read no data"
            got = _read_native(path)
            assert got == expected, f"{backend}/{mode}: the native backend reads {path} differently"
            compared += 1
            logged += len(expected.get("log") or [])
    assert compared >= 4
    assert logged > 0, "no file had log lines: the logger (VLArray or strings) was not read"
