"""PyMoDAQ's own loader (pymodaq_data 5.3.0 DataLoader) reads every data node of the h5saver
files back as the DataWithAxes cases.json defines.  The same expectations are first checked on
PyMoDAQ's own reference files (both backends), which proves the expectations themselves."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import pymodaq_reference as ref

MODES = ref.MODES
SKIP_TYPES = ("axis", "strings")


def _open(path: Path, backend: str = "tables"):
    from pymodaq_data.h5modules.saving import H5SaverLowLevel

    h5 = H5SaverLowLevel(backend=backend)
    h5.init_file(file_name=Path(path), mode="r")
    return h5


def _data_nodes(h5):
    return [n for n in h5.walk_nodes("/")
            if "data_type" in n.attrs and n.attrs["data_type"] not in SKIP_TYPES]


def check_file(path: Path, cases: dict, mode: str, backend: str = "tables",
               writer: str = "pymodaq") -> list[str]:
    from pymodaq_data.h5modules.data_saving import DataLoader

    expected = {e["node"]: e for e in ref.expected_dwas(cases, mode, writer)}
    problems = []
    h5 = _open(path, backend)
    try:
        loader = DataLoader(h5)
        nodes = _data_nodes(h5)
        seen = set()
        for node in nodes:
            try:
                dwa = loader.load_data(node, load_all=True)
            except Exception as e:  # noqa: BLE001
                problems.append(f"{node.path}: load_data raised {type(e).__name__}: {e}")
                continue
            # with load_all every node of a CH group gives the DWA of its first node of that kind
            first = node.path[:-2] + "00"
            exp = expected.get(first)
            if exp is None:
                problems.append(f"{node.path}: data node not expected from cases.json")
                continue
            seen.add(first)
            problems += [f"{node.path}: {d}" for d in ref.check_loaded_dwa(dwa, exp)]
        for missing in sorted(set(expected) - seen):
            problems.append(f"{missing}: expected data node not found")
    finally:
        h5.close_file()
    return problems


@pytest.mark.parametrize("backend", ref.BACKENDS)
@pytest.mark.parametrize("mode", MODES)
def test_pymodaq_reference_reloads_as_spec(pymodaq_files_all, cases, mode, backend):
    problems = check_file(pymodaq_files_all[backend][mode], cases, mode, backend)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("backend", ref.BACKENDS)
def test_h5saver_file_loads_in_pymodaq(h5saver_files, cases, mode, backend):
    """Both PyMoDAQ backends (PyTables and h5py) must load our files."""
    problems = check_file(h5saver_files[mode], cases, mode, backend, writer="h5saver")
    assert not problems, "\n".join(problems)


def _check_browser_attributes(path: Path, cases: dict, mode: str, backend: str,
                              logger_readable: bool = True) -> list[str]:
    from pymodaq_data.h5modules.browsing import H5BrowserUtil

    problems = []
    util = H5BrowserUtil(backend=backend)
    util.open_file(str(path), "r")
    try:
        groups = {"/RawData/Detector000" if mode != "scan" else "/RawData/Scan000/Detector000":
                  cases["detector"]}
        if mode == "scan":
            groups["/RawData/Scan000"] = cases["scan"]
        for where, spec in groups.items():
            attrs, settings, _scan_settings, _pixmaps = util.get_h5_attributes(where)
            if len(settings) != 1:
                problems.append(f"{where}: expected one settings attribute, got {len(settings)}")
                continue
            xml = settings[0]
            if not isinstance(xml, bytes):
                problems.append(f"{where}: settings decodes to {type(xml).__name__}, not bytes "
                                f"(PyMoDAQ keeps module settings as XML bytes): {xml!r:.120}")
                continue
            try:
                tree = ET.fromstring(xml)
            except ET.ParseError as e:
                problems.append(f"{where}: settings is not XML: {e}")
                continue
            if xml.decode("utf-8") != spec["settings_xml"]:
                problems.append(f"{where}: settings XML differs from cases.json")
            want_titles = [el.get("title") for el in ET.fromstring(spec["settings_xml"]).iter()]
            got_titles = [el.get("title") for el in tree.iter()]
            if got_titles != want_titles:
                problems.append(f"{where}: titles {got_titles} != {want_titles}")
            if "title" in attrs or attrs.get("TITLE") != spec["title"]:
                problems.append(f"{where}: TITLE {attrs.get('TITLE')!r} != {spec['title']!r}")
        if "Détecteur µ-spectro" not in [el.get("title") for el in ET.fromstring(
                util.get_h5_attributes(next(iter(groups)))[1][0]).iter()]:
            problems.append("non-ASCII title 'Détecteur µ-spectro' did not round-trip")
        # the logger shows as the list of lines (h5saver's Logger cannot be read by PyTables,
        # see test_pytables_walk.UNREADABLE_IN_PYTABLES: PyMoDAQ reads it with its h5py backend)
        if logger_readable:
            rows = util.get_node("/RawData/Logger").read()
            if rows != cases["log_lines"]:
                problems.append(f"/RawData/Logger rows: {rows!r} != {cases['log_lines']!r}")
    finally:
        util.close_file()
    return problems


@pytest.mark.parametrize("mode", MODES)
def test_pymodaq_reference_browser_attributes(pymodaq_files, cases, mode, pymodaq_backend):
    problems = _check_browser_attributes(pymodaq_files[mode], cases, mode, pymodaq_backend)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("backend", ref.BACKENDS)
def test_h5saver_browser_attributes(h5saver_files, cases, mode, backend):
    """pymodaq_data.h5modules.browsing.H5BrowserUtil (the Qt-free half of the H5Browser)."""
    problems = _check_browser_attributes(h5saver_files[mode], cases, mode, backend,
                                         logger_readable=backend == "h5py")
    assert not problems, "\n".join(problems)


def test_expectations_can_fail(pymodaq_files_all, cases):
    """check_file really compares: a continuous file checked against the snapshot spec fails."""
    problems = check_file(pymodaq_files_all["tables"]["continuous"], cases, "snapshot")
    assert problems
