"""PyTables sees h5saver files as its own: every node's CLASS matches the PyTables class it is
opened as, EARRAYs extend along dim 0, every array reads."""
from __future__ import annotations

import pytest
import tables

import pymodaq_reference as ref

# most specific first: EArray is a CArray, RootGroup a Group
EXPECTED_CLASS = ((tables.VLArray, "VLARRAY"), (tables.EArray, "EARRAY"),
                  (tables.CArray, "CARRAY"), (tables.Group, "GROUP"))


def pytables_class(node):
    return next((name for cls, name in EXPECTED_CLASS if isinstance(node, cls)), None)


# h5saver's Logger holds fixed-width rows behind CLASS VLARRAY (h5wasm cannot create variable-
# length uint8 rows): PyTables opens it as a VLArray but cannot read it. Its rows are checked with
# h5py and pickle in test_h5py_h5dump.py and through PyMoDAQ's StringARRAY in test_pymodaq_loader.
UNREADABLE_IN_PYTABLES = {"/RawData/Logger"}


def walk_problems(path, unreadable=frozenset()) -> list[str]:
    problems = []
    with tables.open_file(str(path), "r") as f:
        for node in f.walk_nodes("/"):
            want = pytables_class(node)
            if want is None:
                problems.append(f"{node._v_pathname}: opened as {type(node).__name__}")
                continue
            if "CLASS" not in node._v_attrs._v_attrnames:
                problems.append(f"{node._v_pathname}: no CLASS attribute")
                continue
            cls = node._v_attrs.CLASS
            cls = cls.decode() if isinstance(cls, bytes) else str(cls)
            if cls != want:
                problems.append(f"{node._v_pathname}: CLASS={cls!r} but PyTables opens a {want}")
            if isinstance(node, tables.EArray) and node.extdim != 0:
                problems.append(f"{node._v_pathname}: extdim={node.extdim}")
            if isinstance(node, tables.Leaf) and node._v_pathname not in unreadable:
                try:
                    data = node.read()
                except Exception as e:  # noqa: BLE001
                    problems.append(f"{node._v_pathname}: read failed: {e}")
                    continue
                if len(data) != node.nrows:
                    problems.append(f"{node._v_pathname}: read {len(data)} rows of {node.nrows}")
    return problems


@pytest.mark.parametrize("mode", ref.MODES)
def test_pymodaq_reference_walk(pymodaq_files_all, mode):
    for backend, files in pymodaq_files_all.items():
        assert not walk_problems(files[mode]), backend


@pytest.mark.parametrize("mode", ref.MODES)
def test_h5saver_walk(h5saver_files, mode):
    problems = walk_problems(h5saver_files[mode], UNREADABLE_IN_PYTABLES)
    assert not problems, "\n".join(problems)
