"""h5py visits and reads every dataset; the HDF5 command-line tools (h5dump) read the files."""
from __future__ import annotations

import subprocess

import h5py
import pytest

import pymodaq_reference as ref


def datasets(path) -> dict[str, tuple]:
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            data = obj[()]
            out["/" + name] = (obj.shape, len(data) if obj.shape else 1)

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return out


def h5dump_problems(exe, path) -> list[str]:
    proc = subprocess.run([exe, str(path)], capture_output=True, text=True, timeout=120)
    problems = []
    if proc.returncode != 0:
        problems.append(f"h5dump exit {proc.returncode}: {proc.stderr[-2000:]}")
    for ds in datasets(path):
        if f'DATASET "{ds.rsplit("/", 1)[1]}"' not in proc.stdout:
            problems.append(f"h5dump output does not mention {ds}")
    return problems


@pytest.mark.parametrize("mode", ref.MODES)
def test_h5py_reads_every_dataset_reference(pymodaq_files, mode):
    found = datasets(pymodaq_files[mode])
    assert "/RawData/Logger" in found and len(found) > 3


@pytest.mark.parametrize("mode", ref.MODES)
def test_h5py_reads_every_dataset_h5saver(h5saver_files, pymodaq_files, mode):
    """Every dataset reads, and the set of datasets is PyMoDAQ's (with their shapes)."""
    assert datasets(h5saver_files[mode]) == datasets(pymodaq_files[mode])


@pytest.mark.parametrize("mode", ref.MODES)
def test_h5dump_reference(h5dump, pymodaq_files, mode):
    assert not h5dump_problems(h5dump, pymodaq_files[mode])


@pytest.mark.parametrize("mode", ref.MODES)
def test_h5dump_h5saver(h5dump, h5saver_files, mode):
    problems = h5dump_problems(h5dump, h5saver_files[mode])
    assert not problems, "\n".join(problems)
