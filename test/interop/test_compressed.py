"""Compressed h5saver files (gzip, and blosc:lz4 as PyTables writes it) read back with every
reader: the same values as the uncompressed file, the filter really in the HDF5 pipeline, and
PyMoDAQ's DataLoader loading every node as cases.json defines it."""
from __future__ import annotations

import h5py
import hdf5plugin  # noqa: F401  (registers blosc with h5py)
import numpy as np
import pytest
import tables

from test_pymodaq_loader import check_file

# HDF5 filter ids: 1 deflate (gzip), 32001 blosc
FILTERS = {"gzip": 1, "blosc": 32001}


def _datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset)
                     and obj.attrs.get("CLASS") != b"VLARRAY" and "Logger" not in name else None)
    return out


@pytest.mark.parametrize("codec", sorted(FILTERS))
def test_compressed_values_equal_uncompressed(h5saver_files, codec):
    plain = h5saver_files["continuous"]
    packed = plain.with_name(f"continuous-{codec}.h5")
    a, b = _datasets(plain), _datasets(packed)
    assert sorted(a) == sorted(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    with h5py.File(packed, "r") as f:
        enl = f["RawData/Detector000/Data1D/CH00/EnlData00"]
        ids = [enl.id.get_create_plist().get_filter(i)[0]
               for i in range(enl.id.get_create_plist().get_nfilters())]
        assert FILTERS[codec] in ids, ids


@pytest.mark.parametrize("codec", sorted(FILTERS))
def test_pytables_reads_compressed(h5saver_files, codec):
    packed = h5saver_files["continuous"].with_name(f"continuous-{codec}.h5")
    with tables.open_file(str(packed)) as f:
        node = f.get_node("/RawData/Detector000/Data2D/CH00/EnlData00")
        assert node.read().shape == (5, 3, 4)


@pytest.mark.parametrize("backend", ["tables", "h5py"])
@pytest.mark.parametrize("codec", sorted(FILTERS))
def test_pymodaq_loads_compressed(h5saver_files, cases, codec, backend):
    packed = h5saver_files["continuous"].with_name(f"continuous-{codec}.h5")
    problems = check_file(packed, cases, "continuous", backend, writer="h5saver")
    assert not problems, "\n".join(problems)
