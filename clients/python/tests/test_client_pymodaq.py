"""PyMoDAQ's own objects through the client: the DataToExport of test/interop/cases.json, saved
through the service as a snapshot, a continuous stream and a scan, equals — node by node: values,
axes, units, labels, attributes — the file PyMoDAQ's own savers write from the same objects
(test/interop/pymodaq_reference.py), and PyMoDAQ's DataLoader loads it back (both backends)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import h5py
import numpy as np
import pytest
from h5saver_test_server import REPO_ROOT

from h5saver import Client, RemoteFile

sys.path.insert(0, str(REPO_ROOT / "test" / "interop"))
from test_pymodaq_loader import check_file

Cases = dict[str, Any]


def _background(cases: Cases, ref: ModuleType) -> Any:
    from pymodaq_data.data import DataToExport

    spectro = next(d for d in cases["dte"]["data"] if d["name"] == "Spectro")
    return DataToExport("bkg", data=[ref.make_dwa(spectro, 1, cases["dte"]["timestamp"], with_errors=False)])


def write_snapshot(file: RemoteFile, cases: Cases, ref: ModuleType) -> None:
    detector = file.add_detector(cases["detector"]["title"], cases["detector"]["settings_xml"])
    file.save_snapshot(detector, ref.make_dte(cases), background=_background(cases, ref))


def write_continuous(file: RemoteFile, cases: Cases, ref: ModuleType) -> None:
    detector = file.add_detector(cases["detector"]["title"], cases["detector"]["settings_xml"])
    t0, dt = cases["dte"]["timestamp"], cases["continuous"]["dt"]
    with file.start_continuous(detector) as upload:
        for k in range(cases["continuous"]["frames"]):
            upload.append(ref.make_dte(cases, k + 1, t0 + k * dt))


def write_scan(file: RemoteFile, cases: Cases, ref: ModuleType) -> None:
    scan_case, detector_case = cases["scan"], cases["detector"]
    shape = tuple(scan_case["shape"])
    scan = file.begin_scan(
        scan_case["title"],
        shape,
        [ref.make_axis(a) for a in scan_case["nav_axes"]],
        settings_xml=scan_case["settings_xml"],
    )
    detector = file.add_detector(detector_case["title"], detector_case["settings_xml"], scan_id=scan)
    t0, dt = cases["dte"]["timestamp"], cases["continuous"]["dt"]
    for p, indexes in enumerate(np.ndindex(*shape)):
        file.save_scan_point(scan, detector, indexes, ref.make_dte(cases, p + 1, t0 + p * dt))
    file.end_scan(scan)


WRITERS: dict[str, Callable[[RemoteFile, Cases, ModuleType], None]] = {
    "snapshot": write_snapshot,
    "continuous": write_continuous,
    "scan": write_scan,
}


@pytest.fixture(scope="module")
def pymodaq_files(tmp_path_factory: pytest.TempPathFactory, cases: Cases, ref: ModuleType) -> dict[str, Path]:
    """The reference files, written by pymodaq_data's own savers."""
    return ref.write_all(tmp_path_factory.mktemp("pymodaq"), cases, ref.DEFAULT_BACKEND)


@pytest.fixture(scope="module")
def client_files(server, cases: Cases, ref: ModuleType) -> Iterator[dict[str, Path]]:
    """The same three files, written through the Python client from PyMoDAQ's objects."""
    files = {}
    with Client(server.address, timeout=60) as client:
        for mode, write in WRITERS.items():
            save_type = "scan" if mode == "scan" else "detector"
            with client.open_file(f"pymodaq-{mode}.h5", mode="overwrite", save_type=save_type) as file:
                write(file, cases, ref)
                file.add_log(*cases["log_lines"])
            files[mode] = server.file(file.path)
    yield files


@pytest.mark.parametrize("mode", ["snapshot", "continuous", "scan"])
def test_saved_through_the_client_equals_pymodaq_node_by_node(
    client_files: dict[str, Path], pymodaq_files: dict[str, Path], cases: Cases, ref: ModuleType, mode: str
) -> None:
    extras = {key for d in cases["dte"]["data"] for key in d["extra_attributes"]}
    diffs = ref.compare_files(client_files[mode], pymodaq_files[mode], kept_extras=extras)
    assert not diffs, f"{len(diffs)} difference(s) from PyMoDAQ's file:\n  " + "\n  ".join(diffs)


@pytest.mark.parametrize("backend", ["tables", "h5py"])
@pytest.mark.parametrize("mode", ["snapshot", "continuous", "scan"])
def test_pymodaq_loads_what_the_client_saved(
    client_files: dict[str, Path], cases: Cases, mode: str, backend: str
) -> None:
    problems = check_file(client_files[mode], cases, mode, backend, writer="h5saver")
    assert not problems, "\n".join(problems)


def test_the_comparison_sees_a_wrong_value(
    client_files: dict[str, Path], pymodaq_files: dict[str, Path], tmp_path: Path, ref: ModuleType
) -> None:
    """Self-check: the client's snapshot file with one value changed is reported."""
    tampered = tmp_path / "tampered.h5"
    shutil.copyfile(client_files["snapshot"], tampered)
    node = "/RawData/Detector000/Data1D/CH00/Data00"
    with h5py.File(tampered, "r+") as h5:
        h5[node][3] += 1.0
    diffs = ref.compare_files(tampered, pymodaq_files["snapshot"])
    assert [d for d in diffs if d.startswith(f"{node}: data differ")], diffs


def test_client_save_takes_a_pymodaq_data_to_export(
    client: Client, server, cases: Cases, ref: ModuleType
) -> None:
    """client.save(dte): one file, one detector titled with the DataToExport's name, as DAQ_Viewer saves."""
    closed = client.save(
        ref.make_dte(cases),
        "pymodaq-save.h5",
        mode="overwrite",
        settings_xml=cases["detector"]["settings_xml"],
        background=_background(cases, ref),
    )
    problems = check_file(server.file(closed.path), cases, "snapshot", "tables", writer="h5saver")
    assert not problems, "\n".join(problems)


def _load(path: Path, node: str) -> Any:
    from pymodaq_data.h5modules.data_saving import DataLoader
    from pymodaq_data.h5modules.saving import H5SaverLowLevel

    h5 = H5SaverLowLevel()
    h5.init_file(file_name=path, mode="r")
    try:
        return DataLoader(h5).load_data(node, load_all=True)
    finally:
        h5.close_file()


def test_a_single_data_with_axes_and_a_strided_image(
    client: Client, server, cases: Cases, ref: ModuleType
) -> None:
    """A PyMoDAQ DataWithAxes alone is saved as a DataToExport of its name; PyMoDAQ's savers
    accept strided arrays (a transposed image), so the PyMoDAQ path copies them once."""
    from pymodaq_data.data import DataRaw, DataToExport

    dwa = ref.make_dte(cases).data[0]
    image = np.arange(12.0).reshape(3, 4).T
    with client.open_file("pymodaq-objects.h5", mode="overwrite") as file:
        assert file.save(dwa) == ["/RawData/Detector000/Data1D/CH00"]
        assert file.save(DataToExport("Cam", data=[DataRaw("Img", data=[image])])) == [
            "/RawData/Detector001/Data2D/CH00"
        ]
    path = server.file(file.path)
    loaded = _load(path, "/RawData/Detector000/Data1D/CH00/Data00")
    assert loaded.name == dwa.name and list(loaded.labels) == list(dwa.labels) and loaded.units == dwa.units
    for got, want in zip(loaded.data, dwa.data, strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(loaded.errors, dwa.errors, strict=True):
        np.testing.assert_array_equal(got, want)
    with h5py.File(path, "r") as h5:
        assert h5["/RawData/Detector000"].attrs["TITLE"] == dwa.name.encode()
        np.testing.assert_array_equal(h5["/RawData/Detector001/Data2D/CH00/Data00"][()], image)


def test_camera_frames_over_2_mib_are_chunked_in_parts_and_load_back(client: Client, server) -> None:
    """Frames of 2.4 MB (1100² uint16) are stored in chunks of half a frame (h5wasm writes chunks
    of 2 MiB or less several times faster): h5py sees the chunks, PyMoDAQ's loader the frames."""
    from pymodaq_data.data import DataRaw, DataToExport

    side = 1100
    frames = [
        (np.arange(side * side, dtype=np.uint32) * (k + 1) % 65_536).astype(np.uint16).reshape(side, side)
        for k in range(3)
    ]
    with client.open_file("large-camera.h5", mode="overwrite") as file:
        detector = file.add_detector("Camera", "")
        with file.start_continuous(detector) as upload:
            for image in frames:
                upload.append(DataToExport("Cam", data=[DataRaw("Img", data=[image])]))
    path = server.file(file.path)
    node = "/RawData/Detector000/Data2D/CH00/EnlData00"
    with h5py.File(path, "r") as h5:
        assert h5[node].shape == (3, side, side)
        assert h5[node].chunks == (1, side // 2, side)
        np.testing.assert_array_equal(h5[node][2], frames[2])
    loaded = _load(path, node)
    assert loaded.data[0].shape == (3, side, side)
    for k, image in enumerate(frames):
        np.testing.assert_array_equal(loaded.data[0][k], image)


def test_a_pymodaq_block_is_refused_before_anything_is_sent_naming_its_dim(client: Client) -> None:
    """PyMoDAQ's DataWithAxes takes its dim from its whole array: 5 samples stacked for
    append_frames say Data1D, which one 0D frame is not. Refused on the client, naming the field
    and what to give instead; the stream goes on."""
    from pymodaq_data.data import DataRaw

    from h5saver import InvalidDataError

    with client.open_file("pymodaq-block.h5", mode="overwrite") as file:
        upload = file.start_continuous(file.add_detector("DAQ card"))
        block = DataRaw("Voltage", data=[np.arange(5.0)])
        with pytest.raises(InvalidDataError, match=r"dim.*Data1D.*one frame has shape \(1,\).*or None"):
            upload.append_frames(block, 100.0 + np.arange(5))
        assert upload.sent == 0
        assert upload.append(DataRaw("Voltage", data=[np.array([1.5])])) == 1
        assert upload.end().durable_frames == 1
