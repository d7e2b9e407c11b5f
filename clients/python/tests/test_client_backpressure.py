"""Back-pressure and a server that goes away, against a server of this module's own (it is
paused with SIGSTOP and killed with SIGKILL)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import h5py
import numpy as np
import pytest
from h5saver_test_server import CLI, REPO_ROOT, Server, start_server, stop_server

from h5saver import Client, DataWithAxes, FlushPolicy, UnavailableError

FRAME_VALUES = 1024 * 1024  # 4 MiB of float32 per frame


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("own-root"))
    try:
        yield running
    finally:
        if running.process.poll() is None:
            os.kill(running.process.pid, signal.SIGCONT)
        stop_server(running)


def frame(k: int) -> DataWithAxes:
    return DataWithAxes("Big", [np.full(FRAME_VALUES, float(k), dtype=np.float32)])


@pytest.mark.parametrize(
    ("name", "queue"),
    [
        ("paused.h5", {"queue_frames": 2}),
        # many frames allowed, but only 8 MiB of arrays: the bytes bound the queue
        ("paused-bytes.h5", {"queue_frames": 1000, "queue_bytes": 8 << 20}),
    ],
)
def test_append_blocks_while_the_server_cannot_take_frames(
    own_server: Server, name: str, queue: dict[str, int]
) -> None:
    with Client(own_server.address, timeout=30) as client, client.open_file(name) as file:
        detector = file.add_detector("Camera")
        upload = file.start_continuous(detector, **queue)
        upload.append(frame(0))
        file.flush()
        upload.wait_durable(1, timeout=30)
        os.kill(own_server.process.pid, signal.SIGSTOP)
        try:
            blocked_after = None
            for k in range(1, 40):  # 160 MiB at most: far beyond any buffer between us and the server
                try:
                    upload.append(frame(k), timeout=1.0)
                except TimeoutError:
                    blocked_after = k
                    break
        finally:
            os.kill(own_server.process.pid, signal.SIGCONT)
        assert blocked_after is not None, "append never blocked: no back-pressure"
        # the frames that did not fit stayed in the queue and the transport: a few, not all
        assert upload.sent == blocked_after < 12
        upload.append(frame(blocked_after))  # taken once the server runs again
        final = upload.end(timeout=60)
        assert (final.appended_sequence, final.durable_frames) == (blocked_after + 1, blocked_after + 1)
    with h5py.File(own_server.file(name), "r") as h5:
        data = h5["/RawData/Detector000/Data1D/CH00/EnlData00"]
        assert data.shape == (blocked_after + 1, FRAME_VALUES)
        np.testing.assert_array_equal(data[:, 0], np.arange(blocked_after + 1, dtype=np.float32))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_no_server_at_the_address_is_unavailable() -> None:
    with Client(f"127.0.0.1:{_free_port()}", timeout=10) as client:
        started = time.monotonic()
        with pytest.raises(UnavailableError) as gone:
            client.open_file("nowhere.h5")
        assert time.monotonic() - started < 10
    assert gone.value.code.name == "UNAVAILABLE" and gone.value.method == "OpenFile"
    assert isinstance(gone.value, ConnectionError)


def test_server_killed_mid_stream_durable_frames_stay_readable(own_server: Server) -> None:
    """Runs last in this module: it kills the module's server."""
    client = Client(own_server.address, timeout=30)
    file = client.open_file("killed.h5", flush=FlushPolicy(max_frames=1))
    detector = file.add_detector("Spectrometer")
    upload = file.start_continuous(detector)
    for k in range(5):
        upload.append(DataWithAxes("Trace", [np.full(100, float(k))]))
    durable = upload.wait_durable(5, timeout=30).durable_sequence
    os.kill(own_server.process.pid, signal.SIGKILL)
    own_server.process.wait(10)
    with pytest.raises(UnavailableError):
        for k in range(5, 1000):  # the next appends notice that the call broke
            upload.append(DataWithAxes("Trace", [np.full(100, float(k))]), timeout=5)
            time.sleep(0.01)
    with pytest.raises(UnavailableError):
        upload.end(timeout=10)
    with pytest.raises(UnavailableError):
        file.flush()
    client.close()
    # every acknowledged-durable frame is in the file once it is rebuilt from its crash journal
    # (what the next `h5saver serve` over that root does at start)
    subprocess.run(
        ["node", str(CLI), "recover", str(own_server.file("killed.h5"))],
        cwd=REPO_ROOT,
        check=True,
        timeout=120,
    )
    with h5py.File(own_server.file("killed.h5"), "r") as h5:
        data = h5[f"{detector}/Data1D/CH00/EnlData00"]
        assert data.shape[0] >= durable == 5
        np.testing.assert_array_equal(data[:durable, 0], np.arange(durable, dtype=np.float64))
