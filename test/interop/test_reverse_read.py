"""Reverse direction: h5saver's TypeScript reader (test/interop/h5saver-read.ts) reads the files
PyMoDAQ itself wrote (both backends) and gets back exactly the cases.json inputs.

Expected JSON (stdout): {"file": {"root_attrs": {...}}, "nodes": [{"path": ..., "dwa": {...}}]}
one node per loaded DataWithAxes (per CHnn group and array kind Data*/EnlData*), path = its first
array node; axes include navigation axes (NavAxes), like PyMoDAQ's DataLoader."""
from __future__ import annotations

import numpy as np
import pytest

import pymodaq_reference as ref


def _axis_key(a: dict):
    return (a["label"], a["units"], int(a["index"]), tuple(float(x) for x in np.ravel(a["data"])))


def dwa_problems(got: dict, exp: dict) -> list[str]:
    p = []

    def chk(what, g, w):
        if not ref._same_value(g, w):
            p.append(f"{what}: got {g!r}, expected {w!r}")

    d = exp["case"]
    chk("name", got.get("name"), exp["name"])
    chk("source", got.get("source"), exp["source"])
    # dim: the stored signal dim (data_dimension attribute) or the loader's view (DataND once
    # navigation axes are added) are both accepted
    if got.get("dim") not in {d["dim"], exp["dim"]}:
        p.append(f"dim: got {got.get('dim')!r}, expected {d['dim']!r} or {exp['dim']!r}")
    chk("distribution", got.get("distribution"), exp["distribution"])
    chk("units", got.get("units"), exp["units"])
    chk("origin", got.get("origin"), exp["origin"])
    chk("labels", got.get("labels"), exp["labels"])
    chk("dtype", got.get("dtype"), exp["dtype"])
    chk("shape", list(got.get("shape") or []), list(exp["arrays"][0].shape))
    want_arrays = [a.ravel().tolist() for a in exp["arrays"]]
    got_arrays = got.get("arrays")
    if got_arrays is None or len(got_arrays) != len(want_arrays) or not all(
            np.array_equal(np.asarray(g, dtype=float), np.asarray(w, dtype=float))
            for g, w in zip(got_arrays, want_arrays)):
        p.append(f"arrays: got {got_arrays!r}, expected {want_arrays!r}")
    chk("nav_indexes", list(got.get("nav_indexes") or []), list(exp["nav_indexes"]))
    chk("timestamp", got.get("timestamp"), exp["timestamp"])
    extras = {k: v for k, v in (got.get("extra_attributes") or {}).items() if k != "path"}
    chk("extra_attributes", extras, exp["extra_attributes"])
    try:
        got_axes = sorted(_axis_key(a) for a in got.get("axes", []))
    except (KeyError, TypeError) as e:
        p.append(f"axes malformed ({e}): {got.get('axes')!r}")
        return p
    want_axes = sorted(_axis_key(a) for a in exp["axes"])
    covered = {a[2] for a in want_axes}
    got_axes = [a for a in got_axes if not (a[0] == "" and a[1] == "" and a[2] not in covered)]
    if got_axes != want_axes:
        p.append(f"axes: got {got_axes!r}, expected {want_axes!r}")
    for a in got.get("axes", []):
        if a.get("spread_order") != 0:
            p.append(f"axis {a.get('label')!r}: spread_order {a.get('spread_order')!r} != 0")
    return p


@pytest.mark.parametrize("mode", ref.MODES)
@pytest.mark.parametrize("backend", ref.BACKENDS)
def test_h5saver_reads_pymodaq_file(h5saver_read, pymodaq_files_all, cases, backend, mode):
    path = pymodaq_files_all[backend][mode]
    out = h5saver_read(path)
    problems = []
    root = out.get("file", {}).get("root_attrs", {})
    if root.get("pymodaq_data_version") != "5.3.0" or root.get("file") != f"{mode}.h5":
        problems.append(f"root_attrs: {root!r}")
    if out.get("log") != cases["log_lines"]:
        problems.append(f"log lines: {out.get('log')!r} != {cases['log_lines']!r}")
    nodes = {n["path"]: n["dwa"] for n in out.get("nodes", [])}
    expected = {e["node"]: e for e in ref.expected_dwas(cases, mode) if e["kind"] == "data"}
    for path_ in sorted(set(expected) - set(nodes)):
        problems.append(f"{path_}: DataWithAxes not reported")
    for path_ in sorted(set(nodes) - set(expected)):
        problems.append(f"{path_}: unexpected DataWithAxes reported")
    for path_ in sorted(set(nodes) & set(expected)):
        problems += [f"{path_}: {d}" for d in dwa_problems(nodes[path_], expected[path_])]
    assert not problems, f"h5saver-read.ts {path}:\n  " + "\n  ".join(problems)
