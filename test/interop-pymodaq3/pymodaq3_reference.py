"""PyMoDAQ 3.6 (pymodaq.daq_utils.h5modules) writes the pymodaq3 interop cases, with the calls
DAQ_Viewer 3 (snapshot ``save_datas``, continuous ``set_continuous_save``/``do_save_continuous``)
and DAQ_Scan 3 (``start_acquisition``/``init_data``/``det_done``) make; plus the helpers that
describe a file node by node and compare two files.

Runs in .venv-pymodaq3 (scripts/python-env-pymodaq3.sh). Call ``isolate()`` before importing
pymodaq: PyMoDAQ 3 writes its config and logs under HOME and needs a Qt platform.

By hand: ``.venv-pymodaq3/bin/python test/interop-pymodaq3/pymodaq3_reference.py OUTDIR``.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CASES_JSON = HERE / "cases.json"
FILES = ("snapshot", "continuous", "scan1d", "scan2d", "tabular", "adaptive")


def isolate(home: str | None = None) -> None:
    if home is None:
        # a private HOME, removed when this process ends
        home = tempfile.mkdtemp(prefix="h5saver-pymodaq3-home-")
        atexit.register(shutil.rmtree, home, True)
    os.environ["HOME"] = home
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def load_cases(path: Path = CASES_JSON) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


# ---- the cases as PyMoDAQ 3 data dicts ---------------------------------------------------------

def dwas_of(cases: dict, name: str) -> list[dict]:
    """The DataWithAxes a file holds: the snapshot also holds the N-D data."""
    return [*cases["dte"]["data"], *(cases["snapshot_nd"] if name == "snapshot" else [])]


def frame_arrays(dwa: dict, factor: int) -> list[np.ndarray]:
    """Array i of frame/point k: the case's values times k+1, in the case's dtype and shape."""
    return [(np.asarray(a, dtype=np.float64) * factor).astype(dwa["dtype"]).reshape(dwa["shape"])
            for a in dwa["arrays"]]


def channel_title(dwa: dict, i: int) -> str:
    label = dwa["labels"][i] if i < len(dwa["labels"]) else ""
    return label or f"{dwa['name']}_CH{i:03d}"


def axis_keys(dwa: dict) -> dict[int, str]:
    """PyMoDAQ 3's axis keys per dimension: x_axis is the last dimension, y_axis the one before
    it for 2 signal dimensions; N-D data's leading navigation dimensions are nav_y_axis (0) and
    nav_x_axis (1), as PyMoDAQ 3's reader assigns them."""
    n, nav = len(dwa["shape"]), len(dwa["nav_indexes"])
    keys = {0: "nav_y_axis", 1: "nav_x_axis"} if nav else {}
    keys = {d: k for d, k in keys.items() if d < nav}
    if n - nav == 2:
        keys[nav] = "y_axis"
    keys[n - 1] = "x_axis"
    return keys


def axes_of(dwa: dict) -> dict:
    from pymodaq.daq_utils.daq_utils import Axis
    names = axis_keys(dwa)
    return {names[a["index"]]: Axis(data=np.asarray(a["data"], dtype=np.float64), label=a["label"],
                                    units=a["units"]) for a in dwa["axes"]}


def data_dict(dwa: dict, i: int, data) -> dict:
    """What DAQ_Viewer 3 hands to ``add_data``: data, axes, and keys stored as attributes of Data."""
    d = dict(data=data, **axes_of(dwa))
    d.update(name=dwa["name"], source=dwa["source"], distribution=dwa["distribution"], dim=dwa["dim"],
             label=dwa["labels"][i], units=dwa["units"])
    d.update(dwa["extra_attributes"])
    return d


def settings_bytes(xml: str) -> bytes:
    return xml.encode("utf-8")


def _saver(path: Path, save_type: str):
    from pymodaq.daq_utils.h5modules import H5SaverBase
    h5 = H5SaverBase(save_type=save_type)
    h5.init_file(update_h5=True, addhoc_file_path=Path(path))
    return h5


def _close(h5, cases: dict) -> None:
    for line in cases["log_lines"]:
        h5.add_log(line)
    h5.close_file()


def _channels(h5, det, cases: dict, write, extra=()):
    """Per DataWithAxes its data group, per array its Ch group; ``write(channel, dwa, i)``."""
    out = []
    for dwa in [*cases["dte"]["data"], *extra]:
        group = h5.add_data_group(det, dwa["dim"][0].lower() + dwa["dim"][1:], metadata={})
        for i in range(len(dwa["arrays"])):
            channel = h5.add_CH_group(group, title=channel_title(dwa, i))
            out.append((dwa, i, write(channel, dwa, i)))
    return out


def write_snapshot(path: Path, cases: dict) -> Path:
    h5 = _saver(path, "detector")
    det = h5.add_det_group(h5.raw_group, cases["detector"]["title"],
                           settings_bytes(cases["detector"]["settings_xml"]))

    def write(channel, dwa, i):
        d = data_dict(dwa, i, frame_arrays(dwa, 1)[i])
        if dwa is cases["dte"]["data"][0]:
            d["bkg"] = frame_arrays(dwa, 1)[i]
        return h5.add_data(channel, d, scan_type="", enlargeable=False)

    _channels(h5, det, cases, write, cases["snapshot_nd"])
    _close(h5, cases)
    return Path(path)


def write_continuous(path: Path, cases: dict) -> Path:
    h5 = _saver(path, "detector")
    settings = settings_bytes(cases["detector"]["settings_xml"])
    # h5saver's addDetector: the module's group, whose title and settings the stream takes
    h5.add_det_group(h5.raw_group, cases["detector"]["title"], settings)
    scan = h5.add_scan_group("Continuous Saving")
    det = h5.add_det_group(scan, cases["detector"]["title"], settings)
    time_array = h5.add_navigation_axis(np.array([0.0]), scan, "x_axis", enlargeable=True,
                                        title="Time axis",
                                        metadata=dict(nav_index=0, label="Time axis", units="second"))

    def write(channel, dwa, i):
        first = frame_arrays(dwa, 1)[i]
        return h5.add_data(channel, data_dict(dwa, i, first), scan_type="scan1D", enlargeable=True)

    arrays = _channels(h5, det, cases, write)
    t0 = cases["dte"]["timestamp"]
    for k in range(cases["continuous"]["frames"]):
        t = cases["dte"]["timestamp"] + k * cases["continuous"]["dt"]
        time_array.append(np.array([t - t0]))
        for dwa, i, array in arrays:
            array.append(frame_arrays(dwa, k + 1)[i])
    _close(h5, cases)
    return Path(path)


def scan_type(definition: dict) -> str:
    if definition.get("distribution") == "spread":
        return "Tabular"
    return {1: "Scan1D", 2: "Scan2D"}.get(len(definition["shape"]), "Sequential")


def write_scan(path: Path, cases: dict, key: str) -> Path:
    definition = cases[key]
    shape = list(definition["shape"])
    h5 = _saver(path, "scan")
    stype = scan_type(definition)
    scan = h5.add_scan_group(definition["title"], settings_bytes(definition["settings_xml"]),
                             metadata=dict(scan_type=stype))
    scan.attrs["scan_done"] = False
    if stype == "Tabular":  # one array of positions per actuator, Scan_00_axis …
        for k, axis in enumerate(sorted(definition["nav_axes"], key=lambda a: a["spread_order"])):
            h5.add_navigation_axis(np.asarray(axis["data"], dtype=np.float64), scan, axis=f"{k:02d}_axis",
                                   metadata=dict(units=axis["units"], label=axis["label"], nav_index=k))
    axes = [] if stype == "Tabular" else sorted(definition["nav_axes"], key=lambda a: a["index"])
    grid = np.array(np.meshgrid(*[np.asarray(a["data"], dtype=np.float64) for a in axes],
                                indexing="ij")).reshape(len(axes), -1).T if axes else None  # x outer, y inner
    names = ["x_axis", "y_axis"] if len(shape) <= 2 else [f"{k:02d}_axis" for k in range(len(shape))]
    for k, axis in enumerate(axes):
        values = grid[:, k] if len(shape) <= 2 else np.asarray(axis["data"], dtype=np.float64)
        h5.add_navigation_axis(values, scan, axis=names[k],
                               metadata=dict(units=axis["units"], label=axis["label"], nav_index=k))
    det = h5.add_det_group(scan, cases["detector"]["title"],
                           settings_bytes(cases["detector"]["settings_xml"]),
                           metadata=dict(name=cases["detector"]["title"]))

    def write(channel, dwa, i):
        first = frame_arrays(dwa, 1)[i]
        data = first[0] if dwa["dim"] == "Data0D" else first  # DAQ_Scan 3 hands 0D data as a scalar
        return h5.add_data(channel, data_dict(dwa, i, data), scan_type=stype,
                           scan_subtype="Linear", scan_shape=shape, init=True, add_scan_dim=True,
                           enlargeable=False)

    arrays = _channels(h5, det, cases, write)
    for p, indexes in enumerate(np.ndindex(*shape)):
        for dwa, i, array in arrays:
            value = frame_arrays(dwa, p + 1)[i]
            array[indexes] = value[0] if dwa["dim"] == "Data0D" else value
    scan.attrs["scan_done"] = True
    _close(h5, cases)
    return Path(path)


def write_adaptive(path: Path, cases: dict) -> Path:
    """DAQ_Scan 3's adaptive Scan1D: navigation axis and data as EARRAYs, one row per visited
    point (``add_navigation_axis(..., enlargeable=True)``, ``add_data(..., scan_subtype='Adaptive',
    scan_shape=[0], init=True, add_scan_dim=True, enlargeable=True)``, ``append`` per point)."""
    definition = cases["adaptive"]
    h5 = _saver(path, "scan")
    scan = h5.add_scan_group(definition["title"], settings_bytes(definition["settings_xml"]),
                             metadata=dict(scan_type="Scan1D"))
    scan.attrs["scan_done"] = False
    nav = h5.add_navigation_axis(np.array([0.0]), scan, axis="x_axis", enlargeable=True,
                                 metadata=dict(units=definition["units"], label=definition["label"],
                                               nav_index=0))
    det = h5.add_det_group(scan, cases["detector"]["title"],
                           settings_bytes(cases["detector"]["settings_xml"]),
                           metadata=dict(name=cases["detector"]["title"]))

    def write(channel, dwa, i):
        first = frame_arrays(dwa, 1)[i]
        data = first[0] if dwa["dim"] == "Data0D" else first
        return h5.add_data(channel, data_dict(dwa, i, data), scan_type="Scan1D", scan_subtype="Adaptive",
                           scan_shape=[0], init=True, add_scan_dim=True, enlargeable=True)

    arrays = _channels(h5, det, cases, write)
    for p, position in enumerate(definition["positions"]):
        nav.append(np.array(position))
        for dwa, i, array in arrays:
            array.append(frame_arrays(dwa, p + 1)[i])
    scan.attrs["scan_done"] = True
    _close(h5, cases)
    return Path(path)


def write_all(outdir: Path, cases: dict) -> dict[str, Path]:
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    return {
        "snapshot": write_snapshot(outdir / "snapshot.h5", cases),
        "continuous": write_continuous(outdir / "continuous.h5", cases),
        "scan1d": write_scan(outdir / "scan1d.h5", cases, "scan"),
        "scan2d": write_scan(outdir / "scan2d.h5", cases, "scan2d"),
        "tabular": write_scan(outdir / "tabular.h5", cases, "tabular"),
        "adaptive": write_adaptive(outdir / "adaptive.h5", cases),
    }


# ---- describing and comparing files ------------------------------------------------------------

# root attributes that differ between two runs of the same writer
VOLATILE = {("/", "date"), ("/", "time")}


def attr_storage(obj, name: str) -> str:
    """How an attribute is stored: string kind/size/cset/dataspace, or the numeric dtype."""
    import h5py
    attr_id = h5py.h5a.open(obj.id, name.encode())
    tid = attr_id.get_type()
    space = attr_id.get_space().get_simple_extent_type()
    space_name = {h5py.h5s.SCALAR: "scalar", h5py.h5s.NULL: "null"}.get(space, "simple")
    if isinstance(tid, h5py.h5t.TypeStringID):
        cset = "utf8" if tid.get_cset() == h5py.h5t.CSET_UTF8 else "ascii"
        kind = "vlen" if tid.is_variable_str() else f"fixed({tid.get_size()})"
        return f"str/{kind}/{cset}/{space_name}"
    return f"{np.dtype(attr_id.dtype).str}/{space_name}"


def raw_attr(value):
    import h5py
    if isinstance(value, h5py.Empty):  # PyTables' '' (NULL dataspace)
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return value.item()
    if hasattr(value, "dtype") and not isinstance(value, np.ndarray):
        return value.item()
    return value


def describe_file(path) -> dict:
    """{node path: {'kind', 'attrs': {name: (storage, raw value)}, 'shape', 'dtype', 'enlargeable',
    'data'}} for every group and dataset (h5py, no PyMoDAQ)."""
    import h5py
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            key = "/" + name if name else "/"
            attrs = {}
            for a in obj.attrs:
                value = raw_attr(obj.attrs[a])
                attrs[a] = (attr_storage(obj, a), value)
            entry = {"kind": "group" if isinstance(obj, h5py.Group) else "dataset", "attrs": attrs}
            if isinstance(obj, h5py.Dataset):
                entry.update(shape=obj.shape, dtype=str(obj.dtype),
                             enlargeable=obj.maxshape[0] is None if obj.maxshape else False)
                if obj.dtype.kind in "iufb":
                    entry["data"] = obj[()]
            out[key] = entry
        visit("", f)
        f.visititems(visit)
    return out


def compare_files(ours, theirs, h5saver_logger: bool = True) -> list[str]:
    """Every difference in node paths, node kinds, attribute names, attribute values (the exact
    stored text of PyMoDAQ's JSON wrappers), attribute storage (only the cset flag and PyTables'
    NULL dataspace for '' may differ: h5wasm writes fixed strings as ASCII), dataset shape, dtype,
    enlargeability and data. Not compared: the Logger's storage (PyTables VLArray of pickles vs
    h5saver's fixed-width pickles: both read back as the same lines, see test_pymodaq3_reader),
    chunk shapes and HDF5 max dims of CARRAYs (PyTables sets them to its chunk), the values of
    the root's date and time. ``h5saver_logger=False`` when both files come from PyMoDAQ 3."""
    special = LOGGER if h5saver_logger else None
    a, b = describe_file(ours), describe_file(theirs)
    diffs = []
    for path in sorted(set(a) | set(b)):
        if path not in a:
            diffs.append(f"{path}: missing in ours")
            continue
        if path not in b:
            diffs.append(f"{path}: only in ours")
            continue
        na, nb = a[path], b[path]
        if na["kind"] != nb["kind"]:
            diffs.append(f"{path}: ours is a {na['kind']}, theirs a {nb['kind']}")
            continue
        if path == special:
            diffs += _logger_class_differences(na, nb)
        for name in sorted(set(na["attrs"]) | set(nb["attrs"])):
            if path == special and name in LOGGER_CLASS:
                continue
            if name not in na["attrs"]:
                diffs.append(f"{path}@{name}: missing in ours")
                continue
            if name not in nb["attrs"]:
                diffs.append(f"{path}@{name}: only in ours")
                continue
            (sa, va), (sb, vb) = na["attrs"][name], nb["attrs"][name]
            if (path, name) not in VOLATILE and va != vb:
                diffs.append(f"{path}@{name}: ours {va!r} theirs {vb!r}")
            if (path, name) in VOLATILE:  # a fixed string's size follows its value (the clock)
                sa, sb = (re.sub(r"fixed\(\d+\)", "fixed(n)", x) for x in (sa, sb))
            if not same_storage(sa, sb) and not path.endswith("/Logger"):
                diffs.append(f"{path}@{name}: storage ours<{sa}> theirs<{sb}>")
        if na["kind"] == "dataset" and not path.endswith("/Logger"):
            for key in ("shape", "dtype", "enlargeable"):
                if na[key] != nb[key]:
                    diffs.append(f"{path}: {key} ours {na[key]} theirs {nb[key]}")
            if "data" in na and "data" in nb and na["shape"] == nb["shape"]:
                if not np.array_equal(na["data"], nb["data"]):
                    diffs.append(f"{path}: data differ")
    return diffs


LOGGER = "/Raw_datas/Logger"
# h5saver's Logger is an EARRAY of fixed-width pickled rows (h5wasm cannot make PyTables'
# VLARRAY of variable-length pickles, and PyTables cannot read those rows under a VLARRAY label)
LOGGER_CLASS = {"CLASS": ("EARRAY", "VLARRAY"), "VERSION": ("1.1", "1.4"), "EXTDIM": (0, None)}


def _logger_class_differences(ours: dict, theirs: dict) -> list[str]:
    diffs = []
    for name, (want_ours, want_theirs) in LOGGER_CLASS.items():
        got_ours = ours["attrs"].get(name, (None, None))[1]
        got_theirs = theirs["attrs"].get(name, (None, None))[1]
        if (got_ours, got_theirs) != (want_ours, want_theirs):
            diffs.append(f"{LOGGER}@{name}: ours {got_ours!r} theirs {got_theirs!r}, "
                         f"expected {want_ours!r} / {want_theirs!r}")
    return diffs


def same_storage(ours: str, theirs: str) -> bool:
    if ours == theirs:
        return True
    o, t = ours.split("/"), theirs.split("/")
    # fixed strings of the same size: h5wasm can only say ASCII, PyTables says UTF-8 (same bytes),
    # and PyTables writes '' with a NULL dataspace
    return (len(o) == len(t) == 4 and o[0] == t[0] == "str" and o[1] == t[1]
            and o[3] in ("scalar", "null") and t[3] in ("scalar", "null"))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__)
        return 2
    isolate()
    files = write_all(Path(argv[0]), load_cases())
    print("\n".join(str(p) for p in files.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
