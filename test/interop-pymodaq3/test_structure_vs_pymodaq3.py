"""Node-by-node comparison of each h5saver pymodaq3-layout file with the file PyMoDAQ 3.6 writes
from the same inputs: node paths and kinds, every attribute's name, stored text (PyMoDAQ's JSON
wrappers compared verbatim) and storage, dataset shapes, dtypes, enlargeability and data. What is
not compared, and why: pymodaq3_reference.compare_files."""
from __future__ import annotations

import shutil

import h5py
import pytest

import pymodaq3_reference as ref


def _report(diffs, ours, theirs) -> str:
    return f"{len(diffs)} difference(s) between ours={ours} and PyMoDAQ 3's={theirs}:\n  " + \
        "\n  ".join(diffs)


@pytest.mark.parametrize("name", ref.FILES)
def test_h5saver_matches_pymodaq3(h5saver_files, pymodaq3_files, name):
    diffs = ref.compare_files(h5saver_files[name], pymodaq3_files[name])
    assert not diffs, _report(diffs, h5saver_files[name], pymodaq3_files[name])


@pytest.mark.parametrize("name", ref.FILES)
def test_every_pymodaq3_node_and_attribute_is_compared(h5saver_files, pymodaq3_files, cases, name):
    """The comparison sees the whole reference tree (not an empty walk)."""
    theirs = ref.describe_file(pymodaq3_files[name])
    ours = ref.describe_file(h5saver_files[name])
    assert set(ours) == set(theirs)
    data_nodes = [p for p, n in theirs.items() if p.endswith("/Data")]
    assert len(data_nodes) == sum(len(d["arrays"]) for d in ref.dwas_of(cases, name)), data_nodes
    assert all("type" in theirs[p]["attrs"] for p in data_nodes)


# ---- self-checks of the comparison itself -----------------------------------------------------

def test_pymodaq3_written_twice_compares_equal(tmp_path, cases, pymodaq3_files):
    again = ref.write_scan(tmp_path / "scan2d.h5", cases, "scan2d")
    assert ref.compare_files(again, pymodaq3_files["scan2d"], h5saver_logger=False) == []


@pytest.mark.parametrize("tamper, expected", [
    (lambda f: f["/Raw_datas/Detector000/Data1D/Ch000/Data"].attrs.__setitem__(
        "scan_type", '{"module": "builtins", "type": "str", "data": "\'scan1D\'"}'), "@scan_type: ours"),
    (lambda f: f["/Raw_datas/Detector000/Data1D/Ch000"].attrs.__delitem__("settings"),
     "Ch000@settings: missing in ours"),
    (lambda f: f["/Raw_datas/Detector000/Data1D/Ch000/X_axis"].__setitem__(0, -1.0), "data differ"),
    (lambda f: f["/Raw_datas/Detector000/Data1D"].attrs.create("type", "", dtype=h5py.string_dtype()),
     "Data1D@type"),
    (lambda f: f.move("/Raw_datas/Detector000/Data2D/Ch000/Y_axis", "/Raw_datas/Detector000/Data2D/Ch000/Nav_y_axis"),
     "Y_axis: missing in ours"),
])
def test_tampered_copy_is_reported(tmp_path, pymodaq3_files, tamper, expected):
    copy = tmp_path / "snapshot.h5"
    shutil.copy(pymodaq3_files["snapshot"], copy)
    with h5py.File(copy, "r+") as f:
        tamper(f)
    diffs = ref.compare_files(copy, pymodaq3_files["snapshot"], h5saver_logger=False)
    assert any(expected in d for d in diffs), diffs
