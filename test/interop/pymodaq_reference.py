"""Reference HDF5 files written by PyMoDAQ's own savers (pymodaq_data 5.3.0).

From test/interop/cases.json this writes, with the real pymodaq_data API and
the same calls DAQ_Viewer / DAQScan make through pymodaq's module_saving:

* ``snapshot.h5``   DAQ_Viewer "save current data": detector group +
                    DataToExportSaver (+ ErrorBarNN for the DWA with errors,
                    + BkgNN for the Spectro DWA via add_bkg)
* ``continuous.h5`` DAQ_Viewer continuous saving: DataToExportTimedSaver,
                    ``continuous.frames`` appends, frame k = base*(k+1),
                    timestamp = dte.timestamp + k*dt
* ``scan.h5``       DAQScan: scan group + detector group under it +
                    DataToExportExtendedSaver(extended_shape=scan.shape), nav
                    axes in Scan000/NavAxes, point p (row-major) = base*(p+1),
                    timestamp = dte.timestamp + p*dt, then scan_done=True

Each file also gets 3 Logger lines (add_log).

CLI: python test/interop/pymodaq_reference.py OUTDIR [--cases FILE] [--backend h5py|tables]

Conventions decided here (the TypeScript writer must do the same):
* settings XML strings from cases.json are stored as UTF-8 *bytes* (what
  ``ET.tostring`` hands to add_det_group is bytes too);
* error bars are the base ``errors`` of cases.json, unscaled, for every
  frame / scan point;
* the background DWA is the Spectro DWA with its base arrays, no errors.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CASES = HERE / "cases.json"
MODES = ("snapshot", "continuous", "scan")

# Which PyMoDAQ backend writes the reference files the h5saver files are compared with.
# 'tables' (PyTables): PyMoDAQ's historical default (4.x - 5.0) and the flavour h5saver mimics
# (CLASS/TITLE/VERSION fixed-length strings, PYTABLES_FORMAT_VERSION on the root).
# NB: pymodaq_data 5.3.0's own config default is 'h5py' (resources/config_template.toml:
# backend = ['h5py', 'tables', 'h5pyd']); set H5SAVER_PYMODAQ_BACKEND=h5py to compare with that.
BACKENDS = ("tables", "h5py")
DEFAULT_BACKEND = os.environ.get("H5SAVER_PYMODAQ_BACKEND", "tables")



def isolate_pymodaq_config(home: str | Path | None = None) -> Path:
    """Point HOME at a private directory before pymodaq_utils is imported: PyMoDAQ reads and
    writes its per-user config (~/.pymodaq/config/data.toml: backend, fill value...) and logs
    there.  Must run before the first pymodaq import to have any effect."""
    import atexit
    import shutil
    import tempfile

    if home is None:
        home = os.environ.get("H5SAVER_PYMODAQ_HOME")
    if home is None:
        # a private one, removed when this process ends
        home = tempfile.mkdtemp(prefix="h5saver-pymodaq-home-")
        atexit.register(shutil.rmtree, home, True)
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    os.environ["HOME"] = str(home)
    return home


def load_cases(path: str | Path = DEFAULT_CASES) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# ----------------------------------------------------------------------------------------------
# cases.json -> pymodaq_data objects
# ----------------------------------------------------------------------------------------------

def base_arrays(dwa_case: dict, key: str = "arrays"):
    import numpy as np

    arrays = dwa_case[key]
    if arrays is None:
        return None
    return [np.asarray(a, dtype=np.float64).reshape(dwa_case["shape"]) for a in arrays]


def scaled_arrays(dwa_case: dict, factor: int):
    """base*factor cast to the DWA dtype (the cases.json contract)."""
    import numpy as np

    dtype = np.dtype(dwa_case["dtype"])
    return [(np.asarray(a, dtype=np.float64) * factor).astype(dtype).reshape(dwa_case["shape"])
            for a in dwa_case["arrays"]]


def make_axis(axis_case: dict):
    import numpy as np
    from pymodaq_data.data import Axis

    return Axis(label=axis_case["label"], units=axis_case["units"],
                data=np.asarray(axis_case["data"], dtype=np.float64),
                index=axis_case["index"], spread_order=axis_case["spread_order"])


def make_dwa(dwa_case: dict, factor: int = 1, timestamp: float | None = None,
             with_errors: bool = True, arrays=None):
    from pymodaq_data.data import DataCalculated, DataRaw

    cls = DataRaw if dwa_case["source"] == "raw" else DataCalculated
    errors = base_arrays(dwa_case, "errors") if with_errors else None
    dwa = cls(dwa_case["name"],
              dim=dwa_case["dim"],
              distribution=dwa_case["distribution"],
              data=arrays if arrays is not None else scaled_arrays(dwa_case, factor),
              labels=list(dwa_case["labels"]),
              origin=dwa_case["origin"],
              units=dwa_case["units"],
              axes=[make_axis(a) for a in dwa_case["axes"]],
              nav_indexes=tuple(dwa_case["nav_indexes"]),
              errors=errors,
              **dwa_case["extra_attributes"])
    if timestamp is not None:
        dwa.timestamp = timestamp
    return dwa


def make_dte(cases: dict, factor: int = 1, timestamp: float | None = None):
    from pymodaq_data.data import DataToExport

    dte_case = cases["dte"]
    ts = dte_case["timestamp"] if timestamp is None else timestamp
    dte = DataToExport(dte_case["name"],
                       data=[make_dwa(d, factor, ts) for d in dte_case["data"]])
    dte.timestamp = ts
    return dte


def settings_bytes(xml: str) -> bytes:
    return xml.encode("utf-8")


# ----------------------------------------------------------------------------------------------
# writers
# ----------------------------------------------------------------------------------------------

def _open(path: Path, save_type: str, backend: str):
    from pymodaq_data.h5modules.saving import H5SaverLowLevel

    h5 = H5SaverLowLevel(save_type=save_type, backend=backend)
    h5.init_file(file_name=Path(path), new_file=True)
    return h5


def _logs(h5, cases: dict):
    for line in cases["log_lines"]:
        h5.add_log(line)


def write_snapshot(path: Path, cases: dict, backend: str = DEFAULT_BACKEND) -> Path:
    from pymodaq_data.data import DataToExport
    from pymodaq_data.h5modules.data_saving import DataToExportSaver

    h5 = _open(path, "detector", backend)
    try:
        det = cases["detector"]
        det_group = h5.add_det_group(h5.raw_group, title=det["title"],
                                     settings_as_xml=settings_bytes(det["settings_xml"]))
        saver = DataToExportSaver(h5)
        saver.add_data(det_group, make_dte(cases))
        spectro = next(d for d in cases["dte"]["data"] if d["name"] == "Spectro")
        bkg = DataToExport("bkg", data=[make_dwa(spectro, 1, cases["dte"]["timestamp"],
                                                 with_errors=False)])
        saver.add_bkg(det_group, bkg)
        _logs(h5, cases)
    finally:
        h5.close_file()
    return Path(path)


def write_continuous(path: Path, cases: dict, backend: str = DEFAULT_BACKEND) -> Path:
    from pymodaq_data.h5modules.data_saving import DataToExportTimedSaver

    h5 = _open(path, "detector", backend)
    try:
        det = cases["detector"]
        det_group = h5.add_det_group(h5.raw_group, title=det["title"],
                                     settings_as_xml=settings_bytes(det["settings_xml"]))
        saver = DataToExportTimedSaver(h5)
        t0, dt = cases["dte"]["timestamp"], cases["continuous"]["dt"]
        for k in range(cases["continuous"]["frames"]):
            saver.add_data(det_group, make_dte(cases, k + 1, t0 + k * dt))
        _logs(h5, cases)
    finally:
        h5.close_file()
    return Path(path)


def write_scan(path: Path, cases: dict, backend: str = DEFAULT_BACKEND) -> Path:
    import numpy as np
    from pymodaq_data.data import DataDistribution
    from pymodaq_data.h5modules.data_saving import DataToExportExtendedSaver

    h5 = _open(path, "scan", backend)
    try:
        scan, det = cases["scan"], cases["detector"]
        scan_group = h5.add_scan_group(h5.raw_group, title=scan["title"],
                                       settings_as_xml=settings_bytes(scan["settings_xml"]))
        det_group = h5.add_det_group(scan_group, title=det["title"],
                                     settings_as_xml=settings_bytes(det["settings_xml"]))
        shape = tuple(scan["shape"])
        saver = DataToExportExtendedSaver(h5, extended_shape=shape)
        saver.add_nav_axes(scan_group, [make_axis(a) for a in scan["nav_axes"]])
        t0, dt = cases["dte"]["timestamp"], cases["continuous"]["dt"]
        for p, indexes in enumerate(np.ndindex(*shape)):
            saver.add_data(det_group, make_dte(cases, p + 1, t0 + p * dt),
                           indexes=list(indexes), distribution=DataDistribution.uniform)
        h5.set_attr(scan_group, "scan_done", True)
        _logs(h5, cases)
    finally:
        h5.close_file()
    return Path(path)


WRITERS = {"snapshot": write_snapshot, "continuous": write_continuous, "scan": write_scan}


def write_all(outdir: str | Path, cases: dict | None = None,
              backend: str = DEFAULT_BACKEND) -> dict[str, Path]:
    cases = load_cases() if cases is None else cases
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    return {mode: WRITERS[mode](outdir / f"{mode}.h5", cases, backend) for mode in MODES}


# ----------------------------------------------------------------------------------------------
# file inspection (shared by the tests): a backend-neutral description of every node
# ----------------------------------------------------------------------------------------------

def attr_storage(obj, name: str) -> str:
    """How an attribute is stored in HDF5, e.g. 'str/vlen/utf8/scalar', 'str/fixed(5)/ascii/null',
    'int32/scalar', 'bool(enum)/scalar'."""
    import h5py

    aid = h5py.h5a.open(obj.id, name.encode("utf-8"))
    tid, space = aid.get_type(), aid.get_space()
    kind = {h5py.h5s.SCALAR: "scalar", h5py.h5s.NULL: "null"}.get(space.get_simple_extent_type(),
                                                                 f"simple{space.shape}")
    if isinstance(tid, h5py.h5t.TypeStringID):
        size = "vlen" if tid.is_variable_str() else f"fixed({tid.get_size()})"
        cset = "utf8" if tid.get_cset() == h5py.h5t.CSET_UTF8 else "ascii"
        return f"str/{size}/{cset}/{kind}"
    if isinstance(tid, h5py.h5t.TypeEnumID):
        return f"enum/{kind}"
    return f"{aid.dtype}/{kind}"


def decode_attr(value):
    """Decode an attribute value the way pymodaq_data does (JSON wrapper -> Python object)."""
    import numpy as np
    from pymodaq_utils.utils import JsonConverter

    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.dtype.kind in "SU" and value.ndim == 0:
        value = value.item()
        if isinstance(value, bytes):
            value = value.decode("utf-8")
    if isinstance(value, np.generic):
        value = value.item()
    if type(value).__name__ == "Empty":  # h5py.Empty: NULL dataspace (PyTables' empty string)
        return ""
    if isinstance(value, str):
        return JsonConverter.json2object(value)
    return value


def describe_file(path: str | Path) -> dict:
    """{path: {'kind': 'group'|'dataset', 'attrs': {name: (decoded, storage)}, dataset info}}."""
    import h5py
    import numpy as np

    out = {}

    def node(name, obj):
        p = "/" + name if name else "/"
        d = {"kind": "group" if isinstance(obj, h5py.Group) else "dataset", "attrs": {}}
        for a in obj.attrs.keys():
            try:
                raw = obj.attrs[a]
            except Exception:  # unreadable through the high-level API
                raw = obj.attrs.get_id(a).read  # pragma: no cover
            d["attrs"][a] = (decode_attr(raw), attr_storage(obj, a))
        if isinstance(obj, h5py.Dataset):
            d["shape"] = tuple(obj.shape)
            d["maxshape"] = tuple(obj.maxshape) if obj.maxshape is not None else None
            d["chunks"] = obj.chunks
            d["compression"] = obj.compression
            if obj.dtype.kind == "O":
                base = h5py.check_vlen_dtype(obj.dtype)
                d["dtype"] = f"vlen<{base}>"
                d["data"] = [bytes(np.asarray(r, dtype=np.uint8)) for r in obj[()]]
            else:
                d["dtype"] = str(obj.dtype)
                d["data"] = obj[()]
        out[p] = d

    with h5py.File(path, "r") as f:
        node("", f)
        f.visititems(node)
    return out


def format_tree(desc: dict, with_values: bool = True, max_len: int = 90) -> str:
    lines = []
    for p in sorted(desc):
        d = desc[p]
        cls = d["attrs"].get("CLASS", ("-", ""))[0]
        head = f"{p}  [{cls}]"
        if d["kind"] == "dataset":
            head += f" {d['dtype']} shape={d['shape']} max={d['maxshape']} chunks={d['chunks']}"
        lines.append(head)
        for a in sorted(d["attrs"]):
            val, st = d["attrs"][a]
            s = f"    {a} <{st}>"
            if with_values:
                r = repr(val)
                s += " = " + (r if len(r) <= max_len else r[:max_len] + "...")
            lines.append(s)
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# node-by-node comparison of two files (ours vs PyMoDAQ's)
# ----------------------------------------------------------------------------------------------

#: root attributes that depend on the moment/file/software that wrote the file: type only
WALLCLOCK_ROOT_ATTRS = ("date", "time", "file", "pymodaq_version", "pymodaq_data_version")


def _same_value(a, b) -> bool:
    import numpy as np

    bools = (bool, np.bool_)
    if isinstance(a, bools) or isinstance(b, bools):
        return isinstance(a, bools) and isinstance(b, bools) and bool(a) == bool(b)
    if isinstance(a, str) or isinstance(b, str):  # np.str_ (PyTables reading UTF-8) is a str
        return isinstance(a, str) and isinstance(b, str) and str(a) == str(b)
    if isinstance(a, bytes) or isinstance(b, bytes):
        return isinstance(a, bytes) and isinstance(b, bytes) and bytes(a) == bytes(b)
    if isinstance(a, dict) or isinstance(b, dict):
        return a == b
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    try:
        return a == b
    except Exception:
        return False


def _logger_rows(data):
    import pickle

    return [pickle.loads(r) for r in data]


# h5saver's deliberate departures from PyMoDAQ 5.3.0's files, each narrow and documented in the
# README ("Where h5saver's files differ from PyMoDAQ's"):
# 1. H5SAVER_KEEPS_UNITS: on data/EnlData/ErrorBar nodes where PyMoDAQ's enlargeable and extended
#    savers drop `units` and the DataWithAxes' extra attributes, h5saver writes them (PyMoDAQ's
#    loader reads them when present), so continuous and scan data keep their units.
# 2. LOGGER: h5wasm cannot create PyTables' VLARRAY of uint8 rows nor append to variable-length
#    strings, so h5saver's Logger (CLASS VLARRAY, subdtype 'string', as PyMoDAQ's) holds
#    fixed-width ASCII rows, each a protocol-0 pickle of the line: PyMoDAQ's StringARRAY
#    unpickles each row to the same str. Only its HDF5 dtype and maxshape differ.
H5SAVER_KEEPS_UNITS = ("data", "data_enlargeable", "error")
LOGGER = "/RawData/Logger"


def _deliberate(path: str, name: str, ours_attrs: dict, theirs_attrs: dict,
                kept_extras: set[str]) -> bool:
    """True when attribute `name`, present only in ours, is one of h5saver's departures."""
    kind = ours_attrs.get("data_type", (None,))[0]
    return (kind in H5SAVER_KEEPS_UNITS and "units" not in theirs_attrs
            and (name == "units" or name in kept_extras))


def _logger_matches(na: dict, nb: dict) -> list[str]:
    """Our EARRAY Logger against PyMoDAQ's VLARRAY: same row count, every row unpickles to str."""
    try:
        ra, rb = _logger_rows(na["data"]), _logger_rows(nb["data"])
    except Exception as e:  # noqa: BLE001
        return [f"{LOGGER}: logger rows do not unpickle: {e}"]
    if len(ra) != len(rb) or not all(isinstance(r, str) for r in ra):
        return [f"{LOGGER}: logger rows ours={ra!r} theirs={rb!r}"]
    return []


def compare_files(ours: str | Path, theirs: str | Path,
                  kept_extras: set[str] | None = None) -> list[str]:
    """Differences between two files, as readable lines 'path: what: ours=... theirs=...'.

    Compared: node path set, group/dataset kind, CLASS, attribute name set, decoded attribute
    values (root date/time/file/versions: type only), dataset shape, dtype, data, and maxshape
    for EARRAY/VLARRAY.  Logger rows are compared as unpickled str count (their text is not part
    of the cases.json contract).
    Not compared, on purpose: chunk shapes, filters/compression, fill values, attribute order
    and HDF5 string storage (fixed/vlen, ASCII/UTF-8: PyMoDAQ decodes all of them alike; see
    storage_differences), and the maxshape of CARRAYs (PyTables sets it to the chunk shape,
    h5py leaves contiguous arrays fixed: a by-product of the chunking choice).
    """
    a, b = describe_file(ours), describe_file(theirs)
    kept = kept_extras or set()
    diffs = []
    ours_is_h5saver = LOGGER in a and a[LOGGER]["dtype"].startswith("|S")
    for p in sorted(set(a) - set(b)):
        diffs.append(f"{p}: node only in ours")
    for p in sorted(set(b) - set(a)):
        diffs.append(f"{p}: node missing from ours (PyMoDAQ has it)")
    for p in sorted(set(a) & set(b)):
        na, nb = a[p], b[p]
        if na["kind"] != nb["kind"]:
            diffs.append(f"{p}: kind ours={na['kind']} theirs={nb['kind']}")
            continue
        aa, ab = na["attrs"], nb["attrs"]
        if p == LOGGER and ours_is_h5saver:
            diffs += _logger_matches(na, nb)
            for n in sorted(set(aa) ^ set(ab)):
                diffs.append(f"{p}: attribute {n!r} differs in presence")
            for n in sorted(set(aa) & set(ab)):
                if not _same_value(aa[n][0], ab[n][0]):
                    diffs.append(f"{p}: attribute {n!r} ours={aa[n][0]!r} theirs={ab[n][0]!r}")
            if na["shape"] != nb["shape"]:
                diffs.append(f"{p}: shape ours={na['shape']} theirs={nb['shape']}")
            continue
        for n in sorted(set(aa) - set(ab)):
            if _deliberate(p, n, aa, ab, kept):
                continue
            diffs.append(f"{p}: attribute {n!r} only in ours (= {aa[n][0]!r})")
        for n in sorted(set(ab) - set(aa)):
            diffs.append(f"{p}: attribute {n!r} missing from ours (theirs = {ab[n][0]!r})")
        for n in sorted(set(aa) & set(ab)):
            va, vb = aa[n][0], ab[n][0]
            if p == "/" and n in WALLCLOCK_ROOT_ATTRS:
                if type(va) is not type(vb):
                    diffs.append(f"{p}: attribute {n!r} type ours={type(va).__name__} "
                                 f"theirs={type(vb).__name__}")
            elif not _same_value(va, vb):
                diffs.append(f"{p}: attribute {n!r} ours={va!r} theirs={vb!r}")
        if na["kind"] != "dataset":
            continue
        cls = ab.get("CLASS", (None,))[0]
        for key in ("shape", "dtype"):
            if na[key] != nb[key]:
                diffs.append(f"{p}: {key} ours={na[key]} theirs={nb[key]}")
        if cls in ("EARRAY", "VLARRAY") and na["maxshape"] != nb["maxshape"]:
            diffs.append(f"{p}: maxshape ours={na['maxshape']} theirs={nb['maxshape']}")
        if na["shape"] != nb["shape"] or na["dtype"] != nb["dtype"]:
            continue
        if cls == "VLARRAY" and ab.get("subdtype", ("",))[0] == "string":
            try:
                ra, rb = _logger_rows(na["data"]), _logger_rows(nb["data"])
                if len(ra) != len(rb) or not all(isinstance(r, str) for r in ra):
                    diffs.append(f"{p}: logger rows ours={ra!r} theirs={rb!r}")
            except Exception as e:  # noqa: BLE001
                diffs.append(f"{p}: logger rows do not unpickle: {e}")
        elif not _same_value(na["data"], nb["data"]):
            diffs.append(f"{p}: data differ\n      ours={na['data']!r}\n    theirs={nb['data']!r}")
    return diffs


def storage_differences(ours: str | Path, theirs: str | Path) -> list[str]:
    """Informational: attributes stored with another HDF5 string/int type than PyMoDAQ's."""
    a, b = describe_file(ours), describe_file(theirs)
    out = []
    for p in sorted(set(a) & set(b)):
        for n in sorted(set(a[p]["attrs"]) & set(b[p]["attrs"])):
            sa, sb = a[p]["attrs"][n][1], b[p]["attrs"][n][1]
            if p == "/" and n in WALLCLOCK_ROOT_ATTRS:
                # a fixed string is as long as its value, and these values follow the clock
                # (Python's time.isoformat drops the fraction when the microseconds are 0)
                sa, sb = (re.sub(r"fixed\(\d+\)", "fixed(n)", x) for x in (sa, sb))
            if sa != sb:
                out.append(f"{p}: {n} ours<{sa}> theirs<{sb}>")
    return out


# ----------------------------------------------------------------------------------------------
# what a loader must get back, computed from cases.json only (never from a file)
# ----------------------------------------------------------------------------------------------

def _point_factors(cases: dict, mode: str):
    if mode == "snapshot":
        return ()
    if mode == "continuous":
        return (cases["continuous"]["frames"],)
    return tuple(cases["scan"]["shape"])


def _extended(cases, mode, dwa_case, per_point):
    """Stack per_point(factor) (list of arrays, one per channel) over the navigation shape."""
    import numpy as np

    nav_shape = _point_factors(cases, mode)
    if not nav_shape:
        return per_point(1)
    n = int(np.prod(nav_shape))
    points = [per_point(p + 1) for p in range(n)]
    sig = tuple(dwa_case["shape"])
    if sig == (1,):  # 0D data: PyMoDAQ drops the (1,) signal shape once navigated (loader squeeze)
        sig = ()
    return [np.stack([pt[ch] for pt in points]).reshape(nav_shape + sig)
            for ch in range(len(points[0]))]


def expected_dwas(cases: dict, mode: str, writer: str = "pymodaq") -> list[dict]:
    """One entry per (dim group, CH group, node kind) PyMoDAQ's DataLoader.load_data(node,
    load_all=True) must return.  kind: 'data' (Data/EnlData), 'error' (ErrorBar), 'bkg' (Bkg).
    writer='h5saver': h5saver keeps units and extra attributes in every mode (see
    H5SAVER_KEEPS_UNITS), so they load back in continuous and scan files too."""
    keeps = writer == "h5saver" or mode == "snapshot"
    import numpy as np

    t0, dt = cases["dte"]["timestamp"], cases["continuous"]["dt"]
    nav_shape = _point_factors(cases, mode)
    shift = len(nav_shape)
    if mode == "continuous":
        nav_axes = [dict(label="time", units="s", index=0,
                         data=np.array([t0 + k * dt for k in range(nav_shape[0])]))]
    elif mode == "scan":
        nav_axes = [dict(label=a["label"], units=a["units"], index=a["index"],
                         data=np.asarray(a["data"], dtype=float)) for a in cases["scan"]["nav_axes"]]
    else:
        nav_axes = []
    root = "/RawData/Scan000/Detector000" if mode == "scan" else "/RawData/Detector000"
    data_prefix = "EnlData" if mode == "continuous" else "Data"
    out = []
    ch_count: dict[str, int] = {}
    for d in cases["dte"]["data"]:
        ch = ch_count.get(d["dim"], 0)
        ch_count[d["dim"]] = ch + 1
        group = f"{root}/{d['dim']}/CH{ch:02d}"
        errors = None
        if d["errors"] is not None:
            errors = _extended(cases, mode, d, lambda f: base_arrays(d, "errors"))
        data = _extended(cases, mode, d, lambda f: scaled_arrays(d, f))
        common = dict(
            dim=d["dim"] if mode == "snapshot" else "DataND",
            distribution=d["distribution"] if mode == "snapshot" else
            ("spread" if mode == "continuous" else "uniform"),
            # 5.3.0's enlargeable/extended savers write neither `units` nor extra attributes
            units=d["units"] if keeps else "",
            extra_attributes=dict(d["extra_attributes"]) if keeps else {},
            origin=d["origin"], labels=list(d["labels"]),
            nav_indexes=tuple(range(shift)),
            axes=[dict(label=a["label"], units=a["units"], index=a["index"] + shift,
                       data=np.asarray(a["data"], dtype=float)) for a in d["axes"]] + nav_axes,
            timestamp=t0, group=group, case=d)
        out.append(dict(common, kind="data", node=f"{group}/{data_prefix}00", name=d["name"],
                        source=d["source"], dtype=d["dtype"], arrays=data, errors=errors))
        if errors is not None:
            out.append(dict(common, kind="error", node=f"{group}/ErrorBar00",
                            name=f"{d['name']}_errors", source="calculated", dtype="float64",
                            arrays=errors, errors=None))
        if mode == "snapshot" and d["name"] == "Spectro":
            out.append(dict(common, kind="bkg", node=f"{group}/Bkg00", name=d["name"],
                            source=d["source"], dtype=d["dtype"], arrays=scaled_arrays(d, 1),
                            errors=errors))
    return out


def check_loaded_dwa(dwa, exp: dict) -> list[str]:
    """Differences between a DataWithAxes returned by PyMoDAQ's DataLoader and an expectation."""
    import numpy as np

    diffs = []

    def chk(what, got, want):
        if not _same_value(got, want):
            diffs.append(f"{what}: got {got!r}, expected {want!r}")

    chk("name", dwa.name, exp["name"])
    chk("source", dwa.source.name, exp["source"])
    chk("dim", dwa.dim.name, exp["dim"])
    chk("distribution", dwa.distribution.name, exp["distribution"])
    chk("units", dwa.units, exp["units"])
    chk("origin", dwa.origin, exp["origin"])
    chk("labels", list(dwa.labels), exp["labels"])
    chk("nav_indexes", tuple(dwa.nav_indexes), exp["nav_indexes"])
    chk("timestamp", float(dwa.timestamp), exp["timestamp"])
    want_shape = tuple(exp["arrays"][0].shape)
    chk("shape", tuple(dwa.shape), want_shape)
    if len(dwa) != len(exp["arrays"]):
        diffs.append(f"number of arrays: got {len(dwa)}, expected {len(exp['arrays'])}")
    for i, (got, want) in enumerate(zip(dwa.data, exp["arrays"])):
        chk(f"array[{i}].dtype", str(got.dtype), exp["dtype"])
        if not np.array_equal(got, want):
            diffs.append(f"array[{i}] values: got {got!r}, expected {want!r}")
    if exp["errors"] is None:
        if dwa.errors is not None:
            diffs.append("errors: got error arrays, expected none")
    elif dwa.errors is None:
        diffs.append("errors: none loaded, expected error bars")
    else:
        for i, (got, want) in enumerate(zip(dwa.errors, exp["errors"])):
            if not np.allclose(got, want, rtol=0, atol=0):
                diffs.append(f"errors[{i}]: got {got!r}, expected {want!r}")
    extras = {k: getattr(dwa, k) for k in dwa.extra_attributes if k != "path"}
    chk("extra_attributes", extras, exp["extra_attributes"])
    got_axes = sorted(((a.label, a.units, a.index, tuple(np.asarray(a.get_data(), float)))
                       for a in dwa.axes), key=lambda t: (t[2], t[0]))
    want_axes = sorted(((a["label"], a["units"], a["index"], tuple(a["data"]))
                        for a in exp["axes"]), key=lambda t: (t[2], t[0]))
    # the loader creates unnamed default axes for signal dims without a saved axis
    covered = {a[2] for a in want_axes}
    got_axes = [a for a in got_axes if not (a[0] == "" and a[1] == "" and a[2] not in covered)]
    if got_axes != want_axes:
        diffs.append(f"axes: got {got_axes!r}, expected {want_axes!r}")
    return diffs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", nargs="?", help="directory receiving snapshot.h5, continuous.h5, scan.h5")
    ap.add_argument("--cases", default=str(DEFAULT_CASES))
    ap.add_argument("--backend", default=DEFAULT_BACKEND, choices=BACKENDS)
    ap.add_argument("--dump", metavar="FILE", nargs="+",
                    help="print the node tree (CLASS, attribute storage and decoded values) instead")
    args = ap.parse_args(argv)
    isolate_pymodaq_config()
    if args.dump:
        for f in args.dump:
            print(f"== {f}")
            print(format_tree(describe_file(f)))
        return 0
    if not args.outdir:
        ap.error("OUTDIR is required")
    files = write_all(args.outdir, load_cases(args.cases), args.backend)
    for mode, path in files.items():
        print(f"{mode}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
