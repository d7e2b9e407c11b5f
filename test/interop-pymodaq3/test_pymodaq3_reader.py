"""PyMoDAQ 3.6's own reader (H5BrowserUtil + h5utils.get_h5_data_from_node, what its H5Browser
plots) loads every data node of h5saver's pymodaq3-layout files — snapshot, continuous stream,
1D, 2D, Tabular and adaptive scans — with the values, signal axes, navigation axes, labels and units the inputs
define. The same expectations are first checked on PyMoDAQ 3's own files."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
from packaging import version

import pymodaq3_reference as ref

WRITERS = ("h5saver", "pymodaq3")
# the spread scans: their navigation arrays as (label, units, positions), in nav_index order
SPREAD = {
    "adaptive": lambda c: [(c["adaptive"]["label"], c["adaptive"]["units"], c["adaptive"]["positions"])],
    "tabular": lambda c: [(a["label"], a["units"], a["data"])
                          for a in sorted(c["tabular"]["nav_axes"], key=lambda a: a["spread_order"])],
}


def _files(request, writer):
    return request.getfixturevalue("h5saver_files" if writer == "h5saver" else "pymodaq3_files")


def _case(cases, name, dim, label):
    for dwa in ref.dwas_of(cases, name):
        if dwa["dim"] == dim and label in dwa["labels"]:
            return dwa, dwa["labels"].index(label)
    raise AssertionError(f"no case for {dim} {label}")


def _expected(cases, name, dwa, i):
    """(data as the reader returns it, navigation axes {key: (label, units, values)})."""
    if name == "snapshot":
        data = ref.frame_arrays(dwa, 1)[i]
        if dwa is cases["dte"]["data"][0]:
            data = data - data  # the reader subtracts the Bkg node, here the data itself
        return np.squeeze(data.astype(np.float64)), {}
    if name == "continuous":
        n, dt = cases["continuous"]["frames"], cases["continuous"]["dt"]
        data = np.stack([ref.frame_arrays(dwa, k + 1)[i] for k in range(n)])
        return np.squeeze(data.astype(np.float64)), {"nav_00": ("Time axis", "second", np.arange(n) * dt)}
    if name in SPREAD:
        # PyMoDAQ 3 reads adaptive and Tabular scans as spread points: a 'Scan index' axis whose
        # `datas` hold each navigation array's positions in visiting order (checked in the test)
        n = len(SPREAD[name](cases)[0][2])
        data = np.stack([ref.frame_arrays(dwa, p + 1)[i] for p in range(n)])
        return np.squeeze(data.astype(np.float64)), {"nav_x_axis": ("Scan index", "", np.arange(n))}
    definition = cases["scan" if name == "scan1d" else "scan2d"]
    shape = definition["shape"]
    points = [ref.frame_arrays(dwa, p + 1)[i] for p in range(int(np.prod(shape)))]
    data = np.stack(points).reshape([*shape, *dwa["shape"]])
    nav = {f"nav_{a['index']:02d}": (a["label"], a["units"], np.asarray(a["data"], dtype=float))
           for a in definition["nav_axes"]}
    return np.squeeze(data.astype(np.float64)), nav


def _load_all(path):
    from pymodaq.daq_utils.h5modules import H5BrowserUtil
    from pymodaq.daq_utils.h5utils import get_h5_data_from_node
    browser = H5BrowserUtil()
    browser.open_file(str(path), "r")
    try:
        loaded = []
        for node in browser.walk_nodes("/"):
            if "ARRAY" in node.attrs["CLASS"] and node.attrs["type"] == "data":
                data, axes, nav_axes, spread = get_h5_data_from_node(node)
                group = node.parent_node.parent_node.name
                loaded.append(dict(path=node.path, dim=group, label=node.attrs["label"],
                                   units=node.attrs["units"], data=data, axes=axes,
                                   nav_axes=nav_axes, spread=spread))
        # PyMoDAQ 3's StringARRAY unpickles its VLARRAY rows; h5saver's EARRAY rows are the same
        # pickles, fixed-width, which PyMoDAQ 3 returns as they are
        logs = [row if isinstance(row, str) else pickle.loads(row)
                for row in browser.get_node("/Raw_datas/Logger").read()]
        root_version = browser.root().attrs["pymodaq_version"]
        return loaded, logs, root_version
    finally:
        browser.close_file()


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("name", ref.FILES)
def test_pymodaq3_loads_every_data_node(request, cases, writer, name):
    loaded, logs, root_version = _load_all(_files(request, writer)[name])
    dwas = ref.dwas_of(cases, name)
    assert len(loaded) == sum(len(d["arrays"]) for d in dwas), [x["path"] for x in loaded]
    for node in loaded:
        dwa, i = _case(cases, name, node["dim"], node["label"])
        where = f"{writer} {name} {node['path']}"
        data, nav = _expected(cases, name, dwa, i)
        assert node["data"].shape == data.shape, where
        np.testing.assert_allclose(node["data"], data, err_msg=where)
        assert node["units"] == dwa["units"], where
        for axis in dwa["axes"]:
            key = ref.axis_keys(dwa)[axis["index"]]
            got = node["axes"][key]
            values = axis["data"] if not key.startswith("nav") else np.unique(axis["data"])
            assert (got["label"], got["units"]) == (axis["label"], axis["units"]), where
            np.testing.assert_allclose(got["data"], values, err_msg=where)
        # N-D snapshot data: PyMoDAQ 3 reads its Nav_y_axis / Nav_x_axis (checked above as
        # nav_y_axis / nav_x_axis) but, since every Data node has a scan_type attribute, then
        # looks for a scan group, finds none and lists no navigation index — for its own files too
        assert sorted(node["nav_axes"]) == list(range(len(nav))), where
        for key, (label, units, values) in nav.items():
            got = node["axes"][key]
            assert (got["label"], got["units"]) == (label, units), f"{where} {key}"
            np.testing.assert_allclose(got["data"], values, err_msg=f"{where} {key}")
        assert node["spread"] is (name == "adaptive"), where
        if name in SPREAD:
            nav_x = node["axes"]["nav_x_axis"]
            expected = SPREAD[name](cases)
            assert nav_x["labels"] == [label for label, _, _ in expected], where
            assert nav_x["all_units"] == [units for _, units, _ in expected], where
            for got, (_, _, positions) in zip(nav_x["datas"], expected, strict=True):
                np.testing.assert_allclose(got, positions, err_msg=where)
    assert logs == cases["log_lines"]
    # H5Browser 3 refuses files older than 2.0; PyMoDAQ 4+ refuses files older than 4.0
    assert version.parse("2.0") <= version.parse(root_version) < version.parse("4.0")
