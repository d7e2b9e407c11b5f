"""Another process reads what h5saver has made durable while h5saver still has the file open:
h5py and PyMoDAQ's loader see exactly the flushed frames; after close, all of them."""
from __future__ import annotations

import subprocess

import h5py
import numpy as np

from conftest import REPO_ROOT, _node_cmd

WRITER = REPO_ROOT / "test/interop/h5saver-live-writer.ts"
NODE = "/RawData/Detector000/Data1D/CH00/EnlData00"


def _load(path):
    from pathlib import Path

    from pymodaq_data.h5modules.data_saving import DataLoader
    from pymodaq_data.h5modules.saving import H5SaverLowLevel

    h5 = H5SaverLowLevel(backend="h5py")
    h5.init_file(Path(path), mode="r")
    try:
        return DataLoader(h5).load_data(NODE, load_all=True)
    finally:
        h5.close_file()


def test_flushed_frames_are_readable_while_the_writer_holds_the_file(tmp_path):
    path = tmp_path / "live.h5"
    writer = subprocess.Popen(_node_cmd(WRITER, str(path), "25"), cwd=REPO_ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert writer.stdout.readline().strip() == "durable 25"
        with h5py.File(path, "r") as f:  # the writer is still running, the file still open
            rows = f[NODE][()]
        assert rows.shape == (25, 8)
        np.testing.assert_array_equal(rows[24], 240 + np.arange(8))
        live = _load(path)
        assert live.shape == (25, 8) and live.units == "V"
        writer.stdin.write("go\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "closed 50"
        assert writer.wait(timeout=60) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
    final = _load(path)
    assert final.shape == (50, 8)
    time = next(axis for axis in final.axes if axis.label == "time")
    np.testing.assert_array_equal(time.get_data(), 1_800_000_000 + np.arange(50, dtype=float))
