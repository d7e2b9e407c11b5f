"""h5saver reads 3.x files back: its PyMoDAQ3Loader (h5saver-read-v3.ts) reads PyMoDAQ 3.6's own
files and h5saver's pymodaq3-layout files to the cases.json inputs — one DataWithAxes per Data
node with its values, dim, labels, units, background, signal axes and navigation axes (at the
leading dimensions), and the Logger lines."""
from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

import pymodaq3_reference as ref
from conftest import REPO_ROOT

READ_TS = "test/interop-pymodaq3/h5saver-read-v3.ts"


@pytest.fixture(scope="session")
def h5saver_reads(h5saver_files, pymodaq3_files) -> dict[str, dict]:
    files = [str(p) for p in [*h5saver_files.values(), *pymodaq3_files.values()]]
    proc = subprocess.run(["node", "--import", "tsx", READ_TS, *files], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail(f"{READ_TS} failed (exit {proc.returncode})\n{proc.stderr}", pytrace=False)
    return json.loads(proc.stdout)


def _expected(cases, name, dwa, i):
    """(stored values, navigation axes [(label, units, values)], background, None, or 'spread'
    when the navigation axes all span the point dimension)."""
    if name == "snapshot":
        bkg = ref.frame_arrays(dwa, 1)[i] if dwa is cases["dte"]["data"][0] else None
        return ref.frame_arrays(dwa, 1)[i], [], bkg
    frame = [] if dwa["dim"] == "Data0D" else dwa["shape"]  # 3.x rows/points of 0D data are scalars
    if name == "continuous":
        n, dt = cases["continuous"]["frames"], cases["continuous"]["dt"]
        rows = [ref.frame_arrays(dwa, k + 1)[i] for k in range(n)]
        return np.stack(rows).reshape([n, *frame]), [("Time axis", "second", np.arange(n) * dt)], None
    if name in ("adaptive", "tabular"):
        # spread points: every navigation array on the point dimension, positions in visiting order
        if name == "adaptive":
            nav = [(cases["adaptive"]["label"], cases["adaptive"]["units"], cases["adaptive"]["positions"])]
        else:
            nav = [(a["label"], a["units"], a["data"])
                   for a in sorted(cases["tabular"]["nav_axes"], key=lambda a: a["spread_order"])]
        n = len(nav[0][2])
        rows = [ref.frame_arrays(dwa, p + 1)[i] for p in range(n)]
        return np.stack(rows).reshape([n, *frame]), nav, "spread"
    definition = cases["scan" if name == "scan1d" else "scan2d"]
    shape = definition["shape"]
    points = [ref.frame_arrays(dwa, p + 1)[i] for p in range(int(np.prod(shape)))]
    nav = [(a["label"], a["units"], a["data"]) for a in sorted(definition["nav_axes"], key=lambda a: a["index"])]
    return np.stack(points).reshape([*shape, *frame]), nav, None


@pytest.mark.parametrize("writer", ["h5saver", "pymodaq3"])
@pytest.mark.parametrize("name", ref.FILES)
def test_h5saver_reads_3x_files(request, h5saver_reads, cases, writer, name):
    path = request.getfixturevalue(f"{writer}_files")[name]
    got = h5saver_reads[str(path)]
    assert got["layout3"] is True
    assert got["log"] == cases["log_lines"]
    assert len(got["data"]) == sum(len(d["arrays"]) for d in ref.dwas_of(cases, name))
    for loaded in got["data"]:
        where = f"{writer} {name} {loaded['path']}"
        dwa = next(d for d in ref.dwas_of(cases, name) if d["name"] == loaded["name"])
        i = dwa["labels"].index(loaded["labels"][0])
        data, nav, bkg = _expected(cases, name, dwa, i)
        spread = isinstance(bkg, str)
        if spread:
            bkg = None
        assert loaded["shape"] == list(data.shape), where
        np.testing.assert_allclose(loaded["data"], data.ravel(), err_msg=where)
        assert loaded["units"] == dwa["units"], where
        assert loaded["dim"] == ("DataND" if nav else dwa["dim"]), where
        # scans and streams navigate along their scan dimensions, N-D snapshots along their own
        assert loaded["nav_indexes"] == (list(range(1 if spread else len(nav))) if nav
                                         else dwa["nav_indexes"]), where
        if bkg is None:
            assert loaded["background"] is None, where
        else:
            np.testing.assert_allclose(loaded["background"], bkg.ravel(), err_msg=where)
        navs = sorted((a for a in loaded["axes"] if a["index"] < (1 if spread else len(nav))),
                      key=lambda a: (a["index"], a["spread_order"]))
        signals = {a["index"]: a for a in loaded["axes"] if a not in navs}
        assert len(navs) == len(nav) and len(signals) == len(dwa["axes"]), where
        for got_axis, (label, units, values) in zip(navs, nav, strict=True):
            assert (got_axis["label"], got_axis["units"]) == (label, units), where
            np.testing.assert_allclose(got_axis["data"], values, err_msg=where)
        for axis in dwa["axes"]:
            got_axis = signals[(1 if spread else len(nav)) + axis["index"]]
            assert (got_axis["label"], got_axis["units"]) == (axis["label"], axis["units"]), where
            np.testing.assert_allclose(got_axis["data"], axis["data"], err_msg=where)
