"""Node-by-node comparison of each h5saver file with the file PyMoDAQ (pymodaq_data 5.3.0)
writes from the same inputs: node paths, CLASS, attribute names and decoded values, dataset
shape/dtype/maxshape and data.  What is not compared, and why, is listed in
pymodaq_reference.compare_files.  The reference backend is H5SAVER_PYMODAQ_BACKEND
(default 'tables')."""
from __future__ import annotations

import re

import h5py
import pytest

import pymodaq_reference as ref

MODES = ref.MODES


def _report(diffs: list[str], ours, theirs) -> str:
    return (f"{len(diffs)} difference(s) between ours={ours} and PyMoDAQ's={theirs}:\n  "
            + "\n  ".join(diffs))


@pytest.mark.parametrize("mode", MODES)
def test_h5saver_matches_pymodaq(h5saver_files, pymodaq_files, cases, mode):
    extras = {k for d in cases["dte"]["data"] for k in d["extra_attributes"]}
    diffs = ref.compare_files(h5saver_files[mode], pymodaq_files[mode], kept_extras=extras)
    assert not diffs, _report(diffs, h5saver_files[mode], pymodaq_files[mode])


# h5wasm makes fixed-length NULLTERM strings only with the ASCII character set, where PyTables marks
# the same bytes UTF-8 (and writes '' with a NULL dataspace): the only storage difference allowed.
# fixed(n): a root wall-clock attribute, whose size follows its value (see storage_differences).
SAME_BYTES_OTHER_CSET = re.compile(
    r"ours<str/fixed\((\d+|n)\)/ascii/scalar> theirs<str/fixed\(\1\)/utf8/(scalar|null)>$")


@pytest.mark.parametrize("mode", MODES)
def test_h5saver_stores_strings_as_pytables(h5saver_files, pymodaq_files, mode):
    """Attributes are fixed-length strings of PyTables' size and bytes; only the cset flag differs."""
    other = [d for d in ref.storage_differences(h5saver_files[mode], pymodaq_files[mode])
             if not SAME_BYTES_OTHER_CSET.search(d)]
    assert not other, "\n  ".join(other)


# ---- self-checks of the comparison itself --------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_pymodaq_written_twice_compares_equal(tmp_path, cases, pymodaq_files, pymodaq_backend,
                                              mode):
    """Same inputs written again by PyMoDAQ (a second time, seconds later): no difference."""
    again = ref.WRITERS[mode](tmp_path / f"{mode}.h5", cases, pymodaq_backend)
    diffs = ref.compare_files(again, pymodaq_files[mode])
    assert not diffs, _report(diffs, again, pymodaq_files[mode])
    assert not ref.storage_differences(again, pymodaq_files[mode])


def _tamper_and_compare(path, reference, tamper):
    with h5py.File(path, "r+") as f:
        tamper(f)
    return ref.compare_files(path, reference)


@pytest.mark.parametrize("mode", MODES)
def test_comparison_reports_tampering(scratch_copy, pymodaq_files, mode):
    ref_file = pymodaq_files[mode]
    det = "/RawData/Scan000/Detector000" if mode == "scan" else "/RawData/Detector000"
    data = f"{det}/Data1D/CH00/{'EnlData00' if mode == 'continuous' else 'Data00'}"
    # each tamper -> a fragment that must appear in the report
    cases = {
        "deleted attribute": (lambda f: f[data].attrs.__delitem__("label"),
                              f"{data}: attribute 'label' missing from ours"),
        "changed CLASS": (lambda f: f[f"{det}/Data1D"].attrs.__setitem__("CLASS", "CARRAY"),
                          f"{det}/Data1D: attribute 'CLASS'"),
        "extra attribute": (lambda f: f[det].attrs.__setitem__("bogus", "x"),
                            f"{det}: attribute 'bogus' only in ours"),
        "changed JSON value": (lambda f: f[data].attrs.__setitem__(
            "nav_indexes", '{"module": "builtins", "type": "tuple", "data": "(1,)"}'),
            f"{data}: attribute 'nav_indexes'"),
        "bool vs int": (lambda f: f[data].attrs.__setitem__(
            "timestamp", '{"module": "builtins", "type": "bool", "data": "True"}'),
            f"{data}: attribute 'timestamp'"),
        "changed data": (lambda f: f[data].__setitem__((0,) * f[data].ndim, 42.0),
                         f"{data}: data differ"),
        "deleted node": (lambda f: f.__delitem__("/RawData/Logger"),
                         "/RawData/Logger: node missing from ours"),
    }
    for name, (tamper, fragment) in cases.items():
        copy = scratch_copy(ref_file)
        diffs = _tamper_and_compare(copy, ref_file, tamper)
        assert any(fragment in d for d in diffs), f"{name}: {fragment!r} not in {diffs}"
        copy.unlink()
