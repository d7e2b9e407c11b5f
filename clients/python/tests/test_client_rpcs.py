"""Every RPC of h5saver.v1.SaverService through the Python client, against a real server on
127.0.0.1; what they write is read back with h5py."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import h5py
import numpy as np
import pytest
from h5saver_test_server import Server

from h5saver import (
    AlreadyExistsError,
    Axis,
    Client,
    Compression,
    DataToExport,
    DataWithAxes,
    FlushPolicy,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    RemoteFile,
    SessionStatus,
)


def _json_attr(node: h5py.HLObject, name: str) -> object:
    """A PyMoDAQ attribute: JSON {"module", "type", "data": repr} → its Python value."""
    raw = node.attrs[name]
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    try:
        wrapped = json.loads(text)
    except json.JSONDecodeError:
        return text
    return eval(wrapped["data"]) if isinstance(wrapped, dict) and "data" in wrapped else wrapped


def spectrum(n: int = 8, factor: float = 1.0) -> DataToExport:
    x = np.linspace(500.0, 600.0, n)
    return DataToExport(
        "Spectrometer",
        [
            DataWithAxes(
                "Spectrum",
                [np.sin(x) * factor, np.cos(x) * factor],
                labels=["a", "b"],
                units="V",
                axes=[Axis("wavelength", "nm", x)],
                origin="Spectrometer",
                extra_attributes={"exposure_ms": 12.5, "gain": 3, "mode": "fast", "cooled": True},
            )
        ],
        timestamp=1_795_610_560.5,
    )


@pytest.fixture(scope="module")
def shared(server) -> Iterator[RemoteFile]:
    """One file for the tests that each use detectors of their own: opening a file starts a
    writer thread on the server, which takes seconds."""
    with (
        Client(server.address, timeout=30) as client,
        client.open_file("rpcs-shared.h5", compression=Compression("gzip", 4)) as file,
    ):
        yield file


def test_open_modes_metadata_and_close(client: Client, server, unique: str) -> None:
    file = client.open_file(unique, save_type="detector", metadata={"sample": "Si wafer", "run": 7})
    assert file.path == unique and file.session_id
    closed = file.close()
    assert file.close() is closed  # no second CloseFile
    assert closed.path == unique
    assert closed.size_bytes == server.file(unique).stat().st_size > 0
    with h5py.File(server.file(unique), "r") as h5:
        raw = h5["/RawData"]
        assert _json_attr(raw, "type") == "detector"
        assert _json_attr(raw, "sample") == "Si wafer"
        assert _json_attr(raw, "run") == 7
        assert "/RawData/Logger" in h5
    with pytest.raises(NotFoundError) as gone:
        file.add_detector("Late")
    assert "session" in gone.value.details

    with pytest.raises(AlreadyExistsError) as refused:
        client.open_file(unique, mode="create")
    assert refused.value.code.name == "ALREADY_EXISTS"
    assert unique in refused.value.details
    with client.open_file(unique, mode="append") as file:
        file.add_detector("Later")
    with h5py.File(server.file(unique), "r") as h5:
        assert "/RawData/Detector000" in h5
        assert _json_attr(h5["/RawData"], "sample") == "Si wafer"
    with client.open_file(unique, mode="overwrite") as file:
        pass
    with h5py.File(server.file(unique), "r") as h5:
        assert "/RawData/Detector000" not in h5
    with pytest.raises(NotFoundError):
        client.open_file("never-made-" + unique, mode="append")


def test_server_names_a_file_as_pymodaq_when_no_path_is_given(client: Client, server) -> None:
    with client.open_file("", save_type="scan") as file:
        assert file.path.startswith(tuple("0123456789"))
        assert "/Dataset_" in file.path and file.path.endswith(".h5")
    assert server.file(file.path).is_file()


def test_pymodaq3_layout_through_the_service(client: Client, server, unique: str) -> None:
    """layout="pymodaq3": the 3.x tree, Data cast to data_dtype, readable by h5py."""
    with client.open_file(f"pymodaq3-{unique}.h5", layout="pymodaq3", data_dtype="int16") as file:
        detector = file.add_detector("Lock-in")
        file.save_snapshot(detector, spectrum(factor=1000.0))
        path = file.path
    with h5py.File(server.file(path), "r") as h5:
        assert "Raw_datas" in h5 and "RawData" not in h5
        data = h5["Raw_datas/Detector000/Data1D/Ch000/Data"]
        assert data.dtype == np.int16 and data.shape == (8,)
        expected = np.sin(np.linspace(500.0, 600.0, 8)) * 1000.0
        np.testing.assert_array_equal(data[()], expected.astype(np.int16))
    with pytest.raises(ValueError, match="layout is 'pymodaq2'"):
        client.open_file(f"bad-layout-{unique}.h5", layout="pymodaq2")  # type: ignore[arg-type]


def test_path_outside_the_data_root_is_refused(client: Client) -> None:
    with pytest.raises(PermissionDeniedError) as refused:
        client.open_file("../escape.h5")
    assert refused.value.code.name == "PERMISSION_DENIED"


def _read(server, file: RemoteFile) -> h5py.File:
    """h5py on a file the server holds open (everything checked here was flushed)."""
    return h5py.File(server.file(file.path), "r", locking=False)


def test_detector_snapshot_and_log(shared: RemoteFile, server) -> None:
    dte = spectrum()
    detector = shared.add_detector("Spectrometer", settings_xml="<All_settings/>")
    assert detector.startswith("/RawData/Detector")
    (channel,) = shared.save_snapshot(detector, dte)
    assert channel == f"{detector}/Data1D/CH00"
    shared.add_log("first line", "second line — µm")
    shared.flush()
    with _read(server, shared) as h5:
        group = h5[channel]
        np.testing.assert_array_equal(group["Data00"][()], dte.data[0].channels[0])
        np.testing.assert_array_equal(group["Data01"][()], dte.data[0].channels[1])
        np.testing.assert_array_equal(group["Axis00"][()], np.linspace(500.0, 600.0, 8))
        assert group["Data00"].compression == "gzip"
        data = group["Data00"]
        assert _json_attr(data, "units") == "V"
        assert _json_attr(data, "label") == "a"
        assert _json_attr(data, "exposure_ms") == 12.5
        assert _json_attr(data, "gain") == 3
        assert _json_attr(data, "cooled") is True
        assert _json_attr(data, "timestamp") == 1_795_610_560.5
        assert _json_attr(group["Axis00"], "label") == "wavelength"
        assert h5["/RawData/Logger"].shape[0] >= 2


def test_scan_points_and_end(shared: RemoteFile, server) -> None:
    positions = np.array([0.0, 0.5, 1.0])
    scan = shared.begin_scan("Raster", (3,), [Axis("x", "mm", positions)], settings_xml="<All_settings/>")
    assert scan.startswith("/RawData/Scan")
    detector = shared.add_detector("Power", scan_id=scan)
    assert detector == f"{scan}/Detector000"
    for i in range(3):
        point = DataToExport("Power", [DataWithAxes("P", [np.array([i * 1.5])], units="W")])
        assert shared.save_scan_point(scan, detector, [i], point) == i + 1
    with pytest.raises(OutOfRangeError):
        shared.save_scan_point(scan, detector, [3], point)
    scans = {s.scan_id: s for s in shared.status().scans}
    assert (scans[scan].points_saved, scans[scan].done) == (3, False)
    assert shared.end_scan(scan) == 3
    assert {s.scan_id: s.done for s in shared.status().scans}[scan] is True
    with _read(server, shared) as h5:
        np.testing.assert_array_equal(h5[f"{detector}/Data0D/CH00/Data00"][()], [0.0, 1.5, 3.0])
        np.testing.assert_array_equal(h5[f"{scan}/NavAxes/Axis00"][()], positions)
        assert _json_attr(h5[scan], "scan_done") is True


def _wait_for(condition, what: str, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.02)
    return result


def test_written_durability_is_asked_for_and_refused_when_unknown(
    client: Client, server: Server, unique: str
) -> None:
    with client.open_file(unique, durability="written", flush=FlushPolicy(max_frames=1)) as file:
        upload = file.start_continuous(file.add_detector("Counter"))
        for k in range(20):
            upload.append(DataWithAxes("n", [np.array([k], dtype=np.int32)]))
        assert upload.wait_durable(20, timeout=10).durable_sequence == 20
        upload.end()
    opened = [json.loads(line) for line in server.log.read_text().splitlines() if "session_opened" in line]
    assert [e["durability"] for e in opened if e.get("session") == file.session_id] == ["written"]
    with h5py.File(server.file(unique), "r") as h5:
        values = h5["RawData/Detector000/Data0D/CH00/EnlData00"][:]
    np.testing.assert_array_equal(values.ravel(), np.arange(20))
    with pytest.raises(ValueError, match="durability is 'soon': expected one of synced, written"):
        client.open_file(unique + "-x", durability="soon")  # type: ignore[arg-type]


def test_flush_and_status(client: Client, server: Server, unique: str) -> None:
    with client.open_file(unique, flush=FlushPolicy(max_frames=10_000, max_delay_ms=60_000)) as file:
        detector = file.add_detector("Counter")
        upload = file.start_continuous(detector)
        for k in range(5):
            upload.append(DataWithAxes("n", [np.array([k], dtype=np.int32)]))

        # the policy waits for 10000 frames or 60 s before it flushes the file, but the crash
        # journal makes the frames durable at once
        def durable() -> SessionStatus | None:
            s = file.status()
            return s if s.streams and s.streams[0].durable_frames == 5 else None

        status = _wait_for(durable, "5 frames durable")
        assert status.path == unique
        assert status.pending_frames == 0
        assert [(c.stream_id, c.frames, c.durable_frames) for c in status.streams] == [(detector, 5, 5)]
        assert status.streams[0].bytes == status.bytes_received == 5 * 4  # five int32 values
        # the file and its crash journal as they are on the server's disk
        on_disk = server.file(unique)
        assert status.file_bytes == on_disk.stat().st_size > 0
        journal = on_disk.with_name(on_disk.name + ".h5saver-journal")
        assert status.journal_bytes == journal.stat().st_size > 5 * 4
        counts = file.flush()
        assert [(c.stream_id, c.frames, c.durable_frames) for c in counts] == [(detector, 5, 5)]
        assert upload.wait_durable(5, timeout=10).durable_sequence == 5
        everything = file.client.status()
        assert everything.server_version
        assert everything.uptime_seconds > 0
        assert file.session_id in [s.session_id for s in everything.sessions]
        final = upload.end()
        assert (final.final, final.appended_sequence, final.durable_frames) == (True, 5, 5)
    assert file.closed is not None
    assert [(c.stream_id, c.frames) for c in file.closed.streams] == [(detector, 5)]
    with pytest.raises(NotFoundError):
        client.status(file.session_id)


def test_browse_a_session_and_a_file(shared: RemoteFile, client: Client) -> None:
    detector = shared.add_detector("Browsed")
    shared.save_snapshot(detector, spectrum())
    tree = shared.browse("/RawData", attributes=True)
    assert tree.path == "/RawData" and tree.kind == "group"
    data = tree.find(f"{detector}/Data1D/CH00/Data00")
    assert data.kind == "dataset" and data.dataset is not None
    assert data.dataset.shape == (8,) and data.dataset.dtype == np.dtype("<f8")
    assert data.attributes["units"] == "V"
    shallow = shared.browse("/", max_depth=1)
    assert [c.name for c in shallow.children] == ["RawData"]
    assert shallow.children[0].children == ()
    from_path = client.browse(shared.path, detector, max_depth=0)
    assert from_path.children == () and from_path.path == detector


def test_read_dataset_slices_and_chunks(shared: RemoteFile, client: Client) -> None:
    frames = np.stack([np.arange(12, dtype=np.uint16).reshape(3, 4) + 100 * k for k in range(6)])
    detector = shared.add_detector("Camera")
    with shared.start_continuous(detector) as upload:
        upload.append_all(DataWithAxes("img", [f]) for f in frames)
    node = f"{detector}/Data2D/CH00/EnlData00"
    whole = shared.read_dataset(node)
    np.testing.assert_array_equal(whole, frames)
    assert whole.dtype == np.dtype("<u2") and not whole.flags.writeable
    part = shared.read_dataset(node, start=(2, 1, 0), count=(3, 2, 4), max_chunk_bytes=1)
    np.testing.assert_array_equal(part, frames[2:5, 1:3, :])
    np.testing.assert_array_equal(client.read_dataset(shared.path, node, max_chunk_bytes=24), frames)
    with pytest.raises(OutOfRangeError):
        shared.read_dataset(node, start=(5,), count=(2,))
