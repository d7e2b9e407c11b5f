"""Continuous saving through ContinuousUpload: 0D, 1D and 2D streams read back with h5py and
with PyMoDAQ's DataLoader, acknowledgements, resuming a broken call, asyncio."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from h5saver_test_server import start_server, stop_server

from h5saver import (
    Ack,
    Axis,
    CancelledError,
    Client,
    DataToExport,
    DataWithAxes,
    FlushPolicy,
    InvalidDataError,
    RemoteFile,
)

T0 = 1_795_610_560.0
FRAMES = 12


@pytest.fixture(scope="module")
def stream_file(server) -> Iterator[RemoteFile]:
    """One file (every frame flushed on its own) for the stream tests, each with its detectors."""
    with (
        Client(server.address, timeout=30) as client,
        client.open_file("streams.h5", flush=FlushPolicy(max_frames=1)) as file,
    ):
        yield file


def frame_0d(k: int) -> DataToExport:
    return DataToExport(
        "Power meter",
        [
            DataWithAxes(
                "Power",
                [np.array([0.5 * k]), np.array([-k], dtype=np.float64)],
                labels=["p1", "p2"],
                units="W",
            )
        ],
        timestamp=T0 + 0.1 * k,
    )


def frame_1d(k: int) -> DataToExport:
    x = np.linspace(400.0, 700.0, 64)
    return DataToExport(
        "Spectrometer",
        [
            DataWithAxes(
                "Spectrum",
                [np.float32(k) * np.ones(64, dtype=np.float32)],
                units="counts",
                axes=[Axis("wavelength", "nm", x)],
            )
        ],
        timestamp=T0 + 0.1 * k,
    )


def frame_2d(k: int) -> DataToExport:
    image = (np.arange(48 * 64, dtype=np.uint16).reshape(48, 64) + k).astype(np.uint16)
    return DataToExport(
        "Camera",
        [
            DataWithAxes(
                "Image",
                [image],
                axes=[
                    Axis("y", "px", offset=0.0, scaling=1.0, size=48, index=0),
                    Axis("x", "px", offset=0.0, scaling=2.0, size=64, index=1),
                ],
            )
        ],
        timestamp=T0 + 0.1 * k,
    )


STREAMS = {"Data0D": frame_0d, "Data1D": frame_1d, "Data2D": frame_2d}


def _load_with_pymodaq(path: Path, node: str) -> Any:
    from pymodaq_data.h5modules.data_saving import DataLoader
    from pymodaq_data.h5modules.saving import H5SaverLowLevel

    h5 = H5SaverLowLevel()
    h5.init_file(file_name=path, mode="r")
    try:
        return DataLoader(h5).load_data(node, load_all=True)
    finally:
        h5.close_file()


@pytest.mark.parametrize("dim", list(STREAMS))
def test_stream_is_saved_frame_by_frame(stream_file: RemoteFile, server, dim: str) -> None:
    make = STREAMS[dim]
    detector = stream_file.add_detector(make(0).name)
    acks: list[Ack] = []
    with stream_file.start_continuous(detector) as upload:
        upload.on_ack(acks.append)
        for k in range(FRAMES):
            assert upload.append(make(k)) == k + 1
        assert upload.sent == FRAMES
        # every frame is flushed on its own (max_frames=1): all become durable before the end
        assert upload.wait_durable(timeout=20).durable_sequence == FRAMES
    final = upload.end()  # the with block ended it; end() again returns the same final ack
    assert (final.final, final.appended_sequence, final.durable_frames) == (True, FRAMES, FRAMES)
    durable = [a.durable_sequence for a in acks]
    assert durable == sorted(durable) and durable[-1] == FRAMES and acks[-1].final

    stream_file.flush()
    stored = np.stack([make(k).data[0].channels[0] for k in range(FRAMES)])
    # PyMoDAQ's loader drops the (1,) signal shape of navigated 0D data: (frames, 1) → (frames,)
    expected = stored[:, 0] if dim == "Data0D" else stored
    node = f"{detector}/{dim}/CH00/EnlData00"
    with h5py.File(server.file(stream_file.path), "r", locking=False) as h5:
        np.testing.assert_array_equal(h5[node][()], stored)
        assert h5[node].maxshape[0] is None
        np.testing.assert_allclose(h5[f"{detector}/NavAxes/Axis00"][()], T0 + 0.1 * np.arange(FRAMES))

    loaded = _load_with_pymodaq(server.file(stream_file.path), node)
    assert loaded.name == make(0).data[0].name
    assert loaded.dim.name == "DataND" and tuple(loaded.nav_indexes) == (0,)
    assert loaded.shape == expected.shape
    np.testing.assert_array_equal(loaded.data[0], expected)
    assert [a.label for a in loaded.axes if a.index == 0] == ["time"]
    if dim == "Data0D":
        np.testing.assert_array_equal(loaded.data[1], -np.arange(FRAMES, dtype=np.float64))
        assert list(loaded.labels) == ["p1", "p2"]
    if dim == "Data2D":
        x = next(a for a in loaded.axes if a.label == "x")
        np.testing.assert_array_equal(x.get_data(), 2.0 * np.arange(64))


def test_cancel_keeps_the_stream_and_a_new_call_resumes_it(stream_file: RemoteFile, server) -> None:
    detector = stream_file.add_detector("Resumed")
    upload = stream_file.start_continuous(detector)
    for k in range(5):
        upload.append(frame_1d(k))
    upload.wait_durable(5, timeout=20)
    upload.cancel()
    with pytest.raises(CancelledError):
        upload.append(frame_1d(5))
    (counts,) = [s for s in stream_file.status().streams if s.stream_id == detector]
    assert counts.appended_sequence == 5

    with stream_file.resume_continuous(detector, counts.appended_sequence + 1) as resumed:
        assert resumed.append(frame_1d(5)) == 6
        assert resumed.append(frame_1d(6)) == 7
    assert resumed.end().durable_frames == 7
    with h5py.File(server.file(stream_file.path), "r", locking=False) as h5:
        np.testing.assert_array_equal(h5[f"{detector}/Data1D/CH00/EnlData00"][:, 0], np.arange(7))


def test_a_resent_frame_is_acknowledged_not_written_again(stream_file: RemoteFile, server) -> None:
    detector = stream_file.add_detector("Resent")
    with stream_file.start_continuous(detector) as upload:
        upload.append_all(frame_0d(k) for k in range(3))
        upload.wait_durable(3, timeout=20)
        upload.cancel()
    # resuming one frame early, as after an acknowledgement that was lost: frame 3 is not duplicated
    with stream_file.resume_continuous(detector, 3) as resumed:
        resumed.append(frame_0d(2))
        resumed.append(frame_0d(3))
    assert resumed.end().appended_sequence == 4
    with h5py.File(server.file(stream_file.path), "r", locking=False) as h5:
        np.testing.assert_array_equal(h5[f"{detector}/Data0D/CH00/EnlData00"][:, 0], [0.0, 0.5, 1.0, 1.5])


def test_asyncio_appends(stream_file: RemoteFile, server) -> None:
    detector = stream_file.add_detector("Async")

    async def acquire() -> Ack:
        upload = stream_file.start_continuous(detector)
        for k in range(4):
            await upload.append_async(frame_0d(k))
        return await upload.end_async()

    final = asyncio.run(acquire())
    assert (final.final, final.durable_frames) == (True, 4)


def test_frames_waiting_together_travel_in_one_message() -> None:
    """The sending thread joins queued frames of one layout: one message, each frame's values in
    order, each frame's timestamp; a frame of another layout starts the next message."""
    from h5saver.continuous import _joined, _layout_of
    from h5saver.convert import data_to_export_to_proto
    from h5saver.v1 import saver_service_pb2 as svc

    def request(k: int, length: int = 3) -> svc.StreamRequest:
        frame = DataToExport("det", [DataWithAxes("trace", [np.arange(length, dtype=np.float64) + 10 * k])])
        frame_proto = data_to_export_to_proto(frame)
        frame_proto.timestamp = 100.0 + k
        return svc.StreamRequest(sequence=k, data=frame_proto)

    joined = _joined([request(1), request(2), request(3)])
    assert (joined.sequence, joined.frames, list(joined.timestamps)) == (1, 3, [101.0, 102.0, 103.0])
    values = np.frombuffer(joined.data.data[0].data[0], dtype=np.float64)
    np.testing.assert_array_equal(values, [10, 11, 12, 20, 21, 22, 30, 31, 32])
    assert list(joined.data.data[0].shape) == [3]
    assert _layout_of(request(1).data) == _layout_of(request(2).data)
    assert _layout_of(request(1).data) != _layout_of(request(2, length=4).data)


def test_batches_end_on_the_servers_chunk_boundaries() -> None:
    """With 64 frames per chunk: a batch that starts inside a chunk stops at its end; one that
    starts on a boundary sends whole chunks' worth when it can, everything waiting when it has
    less than a chunk (it never waits for frames); no hint, or one beyond a batch: all of them."""
    from h5saver.continuous import MAX_BATCH_FRAMES, _chunk_aligned_length

    assert _chunk_aligned_length(1, 200, 64) == 192
    assert _chunk_aligned_length(65, 64, 64) == 64
    assert _chunk_aligned_length(1, 10, 64) == 10
    assert _chunk_aligned_length(11, 100, 64) == 54
    assert _chunk_aligned_length(11, 20, 64) == 20
    assert _chunk_aligned_length(11, 100, 0) == 100
    assert _chunk_aligned_length(11, 100, 1) == 100
    assert _chunk_aligned_length(11, 100, MAX_BATCH_FRAMES + 1) == 100


def test_before_the_server_says_batches_end_on_powers_of_two() -> None:
    """The server's chunks of small rows are a power of two of rows: so are the batches sent before
    its first acknowledgement, the largest that fits a message (4 MiB, 1024 frames) and the send
    queue."""
    from h5saver.continuous import MAX_BATCH_FRAMES, _most_frames_power_of_two

    assert _most_frames_power_of_two(3000 * 8, 4096) == 128  # 174 would fit
    assert _most_frames_power_of_two(2048 * 8, 4096) == 256
    assert _most_frames_power_of_two(2048 * 8, 64) == 64
    assert _most_frames_power_of_two(3000 * 8, 100) == 64
    assert _most_frames_power_of_two(8, 4096) == MAX_BATCH_FRAMES
    assert _most_frames_power_of_two(0, 4096) == MAX_BATCH_FRAMES
    assert _most_frames_power_of_two(8 << 20, 64) == 1
    assert _most_frames_power_of_two(2048 * 8, 4096, 1 << 20) == 64  # a queue of 1 MiB


@pytest.mark.parametrize(("points", "per_chunk"), [(2048, 64), (3000, 32)])
def test_a_fast_loop_of_spectra_goes_into_whole_chunks_the_journal_points_at(
    client: Client, server, points: int, per_chunk: int
) -> None:
    """Float64 spectra: the server says how many frames fill a chunk (64 of 2048 points, 32 of 3000,
    whose 4 MiB batches of 174 would not be whole chunks), the client's batches end on chunk
    boundaries, and the crash journal points at those chunks instead of copying the frames
    (without the alignment it held 93 % of the data's bytes; with it, 2-37 % here, and 65 % once in
    a CI run on a busy machine: when the loop falls behind the sending thread, frames leave one by
    one and are copied — how often depends on the two threads' share of the GIL and the cores)."""
    frames = 6400
    spectrum = np.random.default_rng(7).random(points)
    with client.open_file(f"aligned-spectra-{points}.h5", mode="overwrite") as file:
        upload = file.start_continuous(file.add_detector("Spectrometer"))
        for k in range(frames):
            upload.append(DataWithAxes("Spectrum", [spectrum + k]))
        ack = upload.wait_durable(frames, timeout=60)
        journal = server.file(file.path).with_name(Path(file.path).name + ".h5saver-journal")
        journal_bytes = journal.stat().st_size
        upload.end()
    assert ack.frames_per_chunk == per_chunk
    assert journal_bytes < frames * spectrum.nbytes * 0.8, journal_bytes
    with h5py.File(server.file(file.path), "r") as h5:
        data = h5["/RawData/Detector000/Data1D/CH00/EnlData00"]
        assert data.shape == (frames, points)
        np.testing.assert_array_equal(data[:, 0], spectrum[0] + np.arange(frames))


def test_a_block_of_frames_goes_as_its_arrays_bytes(client: Client, server) -> None:
    """append_frames: a DAQ card's 100 000 samples (0D) between two single frames, each frame
    with its own sequence number and time, read back by h5py and PyMoDAQ's loader."""
    samples = np.random.default_rng(3).random(100_000)
    times = T0 + 1e-4 * np.arange(samples.size)
    last = samples.size + 2

    def single(value: float, timestamp: float) -> DataToExport:
        return DataToExport("DAQ card", [DataWithAxes("Voltage", [np.array([value])])], timestamp=timestamp)

    with client.open_file("block-0d.h5", mode="overwrite") as file:
        with file.start_continuous(file.add_detector("DAQ card")) as upload:
            assert upload.append(single(-1.0, T0 - 1)) == 1
            assert upload.append_frames(DataWithAxes("Voltage", [samples]), times) == last - 1
            assert upload.append(single(-2.0, T0 + 100)) == last
            assert upload.wait_durable(last, timeout=60).durable_sequence == last
        assert upload.end().appended_sequence == last
    node = "/RawData/Detector000/Data0D/CH00/EnlData00"
    with h5py.File(server.file(file.path), "r") as h5:
        np.testing.assert_array_equal(h5[node][()][:, 0], np.concatenate([[-1.0], samples, [-2.0]]))
        np.testing.assert_array_equal(
            h5["/RawData/Detector000/NavAxes/Axis00"][()], np.concatenate([[T0 - 1], times, [T0 + 100]])
        )
    loaded = _load_with_pymodaq(server.file(file.path), node)
    np.testing.assert_array_equal(loaded.data[0][1:-1], samples)


def test_a_large_block_is_cut_into_messages_on_chunk_boundaries(client: Client, server) -> None:
    """130 camera frames of 512 x 512 uint16 with error bars (130 MiB): more than the server takes
    in one message (64 MiB), so the block is cut (messages of MAX_BATCH_BYTES at most); every
    frame arrives whole, with its error bars and time."""
    frames = 130
    rng = np.random.default_rng(5)
    images = rng.integers(0, 4096, size=(frames, 512, 512), dtype=np.uint16)
    errors = np.sqrt(images).astype(np.uint16)
    times = T0 + 0.01 * np.arange(frames)
    with client.open_file("block-2d.h5", mode="overwrite") as file:
        with file.start_continuous(file.add_detector("Camera")) as upload:
            assert upload.append_frames(DataWithAxes("Image", [images], errors=[errors]), times) == frames
        assert upload.end().durable_frames == frames
    with h5py.File(server.file(file.path), "r") as h5:
        channel = h5["/RawData/Detector000/Data2D/CH00"]
        np.testing.assert_array_equal(channel["EnlData00"][()], images)
        np.testing.assert_array_equal(channel["ErrorBar00"][()], errors)
        np.testing.assert_allclose(h5["/RawData/Detector000/NavAxes/Axis00"][()], times)


def test_a_block_that_does_not_fit_is_refused_before_anything_is_sent(client: Client, server) -> None:
    with client.open_file("block-refused.h5", mode="overwrite") as file:
        upload = file.start_continuous(file.add_detector("DAQ card"))
        with pytest.raises(InvalidDataError, match=r"a block of 3 frames has them along its first axis"):
            upload.append_frames(DataWithAxes("Voltage", [np.zeros(4)]), [1.0, 2.0, 3.0])
        with pytest.raises(InvalidDataError, match=r"timestamps.*not finite"):
            upload.append_frames(DataWithAxes("Voltage", [np.zeros(2)]), [1.0, float("nan")])
        with pytest.raises(InvalidDataError, match=r"timestamps.*one time per frame"):
            upload.append_frames(DataWithAxes("Voltage", [np.zeros(2)]), [[1.0, 2.0]])
        with pytest.raises(InvalidDataError, match=r"timestamps.*not seconds as numbers"):
            upload.append_frames(DataWithAxes("Voltage", [np.zeros(2)]), ["now", "later"])
        # PyMoDAQ's objects take their dim from the whole block: a block of 0D samples is "Data1D"
        with pytest.raises(InvalidDataError, match=r"dim.*is Data1D, but one frame has shape \(1,\)"):
            upload.append_frames(DataWithAxes("Voltage", [np.zeros(2)], dim="Data1D"), [1.0, 2.0])
        with pytest.raises(InvalidDataError, match=r"background.*is not sent in blocks"):
            upload.append_frames(DataWithAxes("Voltage", [np.zeros(2)], background=[np.ones(2)]), [1.0, 2.0])
        assert upload.sent == 0
        assert upload.append_frames(DataWithAxes("Voltage", [np.zeros(0)]), []) == 0  # a read of no samples
        assert upload.append_frames(DataWithAxes("Voltage", [np.zeros(2)], dim="Data0D"), [1.0, 2.0]) == 2
        assert upload.append_frames(DataWithAxes("Voltage", [np.ones(1)]), [3.0]) == 3  # one frame
        assert upload.end().durable_frames == 3
    with h5py.File(server.file(file.path), "r") as h5:
        np.testing.assert_array_equal(h5["/RawData/Detector000/Data0D/CH00/EnlData00"][()][:, 0], [0, 0, 1])
        np.testing.assert_array_equal(h5["/RawData/Detector000/NavAxes/Axis00"][()], [1.0, 2.0, 3.0])


def test_a_blocks_messages_end_on_chunk_boundaries() -> None:
    """Each message of a block ends on the last chunk boundary it reaches (64 frames to a chunk:
    starting at frame 11, 54 then whole chunks), or holds all it may when none is within reach
    (0D rows: 65 536 to a chunk)."""
    from h5saver.continuous import _block_part

    assert _block_part(1, 1000, 256, 64) == 256
    assert _block_part(11, 1000, 256, 64) == 246  # 54 to the boundary, then 3 chunks
    assert _block_part(11, 30, 256, 64) == 30  # the block's last frames: all of them
    assert _block_part(11, 1000, 40, 64) == 40  # no boundary within reach
    assert _block_part(1, 1000, 256, 3) == 255
    assert _block_part(1, 100_000, 65_536, 65_536) == 65_536
    assert _block_part(5, 1000, 256, 0) == 256
    assert _block_part(5, 1000, 256, 1) == 256


def test_a_blocks_messages_count_their_timestamps(tmp_path: Path) -> None:
    """2**20 one-byte 0D frames, against a server (and client) that take messages of 8 MiB at most:
    each frame's 8-byte timestamp is counted with its byte of data, so the messages stay near
    MAX_BATCH_BYTES — counting the data alone made them 9 MiB, and the call failed."""
    root = tmp_path / "root"
    root.mkdir()
    small = start_server(root, extra=("--max-message-mb", "8"))
    try:
        frames = 1 << 20
        counts = (np.arange(frames) % 251).astype(np.uint8)
        times = T0 + 1e-6 * np.arange(frames)
        with (
            Client(small.address, timeout=60, max_message_bytes=8 << 20) as client,
            client.open_file("tiny.h5", mode="overwrite") as file,
        ):
            with file.start_continuous(file.add_detector("Counter")) as upload:
                assert upload.append_frames(DataWithAxes("count", [counts]), times) == frames
            assert upload.end().durable_frames == frames
        with h5py.File(small.file(file.path), "r") as h5:
            np.testing.assert_array_equal(h5["/RawData/Detector000/Data0D/CH00/EnlData00"][()][:, 0], counts)
    finally:
        stop_server(small)
