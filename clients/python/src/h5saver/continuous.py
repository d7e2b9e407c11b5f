"""Continuous saving: the frames of one stream over one bidirectional ``Stream`` call.

How it works: ``append`` converts the frame, numbers it (1, 2, …) and puts it in a small bounded
queue; grpcio's sending thread takes frames from that queue only as fast as HTTP/2 flow control
lets it write them, and the server reads the next frame only once the previous one is appended.
So a slow disk fills the queue and ``append`` blocks: back-pressure reaches the caller, and memory
stays at ``queue_frames`` messages (a frame each, or a part of a block) and ``queue_bytes`` of
arrays however long the stream runs.

Frames waiting in the queue when the sending thread comes for the next message travel together,
in one ``Stream`` message (``StreamRequest.frames``, up to ``MAX_BATCH_FRAMES`` frames or
``MAX_BATCH_BYTES`` of arrays), when they have the layout of the first: a fast loop of frames then
pays the costs per message once per batch. Each frame keeps its sequence number and timestamp.
Once the server has said how many frames fill a chunk of the file (``Ack.frames_per_chunk``),
batches end on chunk boundaries: the server writes them straight into whole chunks, and its crash
journal points at those instead of copying the frames. Before it has, batches end on multiples of
the largest power of two of frames that fits a message and the queue: the server's chunks of small
rows hold a power of two of rows, so those batches fill whole chunks too when the chunks are no
larger (2048-point float64 spectra: chunks of 64 rows, batches of 64). ``append_frames`` takes
many frames at once, stacked along a first dimension: they go as messages of their own, cut the
same way, without a Python object per frame; ``dim``, axes and ``nav_indexes`` describe one frame.

Memory: the queue holds at most ``queue_frames`` frames and ``queue_bytes`` of arrays (one larger
frame is let in when it is empty), and the sending thread at most one batch beyond them: the
message being sent, and the frames a chunk boundary cut from it, which go first in the next one.

A reader thread takes the server's acknowledgements: ``durable_sequence`` says which frames are
durable (recorded in the file's crash journal, or flushed: they survive the server being killed).
``wait_durable`` blocks until a frame is durable; ``on_ack`` registers a callback (called on the
reader thread).

``end`` (or leaving the ``with`` block normally) half-closes the call, which ends the continuous
saving on the server (arrays trimmed to whole frames, flushed), and returns the final
acknowledgement. ``cancel`` (or leaving the ``with`` block on an exception) breaks the call
without ending the stream: acknowledged frames stay, and a new upload can resume it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

import grpc
import numpy as np
import numpy.typing as npt

from .convert import DataLike, as_data_to_export, data_to_export_to_proto
from .errors import (
    CancelledError,
    FailedPreconditionError,
    H5SaverError,
    InternalError,
    InvalidDataError,
    RpcError,
    from_grpc,
)
from .model import DataToExport, DataWithAxes
from .results import Ack
from .v1 import data_pb2 as pb
from .v1 import saver_service_pb2 as svc

if TYPE_CHECKING:
    from .client import RemoteFile

AckListener = Callable[[Ack], None]

_END = object()
"""Put in the queue to half-close the call."""

DEFAULT_QUEUE_FRAMES = 64
"""Frames ``append`` may queue ahead of the sending thread (more wait: back-pressure). 64 rather
than 16: a fast loop of small frames then travels in larger batches (2048-point float64 spectra
end to end +35-40 %)."""

DEFAULT_QUEUE_BYTES = 16 << 20
"""Array bytes ``append`` may queue ahead of the sending thread: large frames wait once this much
is queued (one frame larger than this is taken when the queue is empty)."""

MAX_BLOCK_FRAMES = 1 << 20
"""The most frames the server takes in one message (append_frames' messages)."""

BURST_GATHER_S = 0.002
"""How long the sending thread waits for the rest of a chunk while frames come in a burst (more
than one waiting): sent one by one as they came, frames the sending thread keeps up with would
each be copied into the server's crash journal (a fast loop of 2048-point spectra: 10-66 % of
the data copied against 3-26 % with the wait). A frame that comes alone is never held."""

MAX_BATCH_FRAMES = 1024
MAX_BATCH_BYTES = 4 << 20
"""Large frames join too (the server pays its costs per message once per batch): 512² uint16
camera frames 264-305 → 310-339 MB/s end to end with 4 MiB instead of 1 MiB (2 000 frames)."""


class ContinuousUpload:
    """The frames of one continuous stream. Made by :meth:`RemoteFile.start_continuous` (or
    :meth:`RemoteFile.resume_continuous`); use it as a context manager."""

    def __init__(
        self,
        file: RemoteFile,
        stream_id: str,
        call_factory: Callable[[Iterator[svc.StreamRequest]], Iterator[svc.StreamResponse]],
        *,
        first_sequence: int = 1,
        queue_frames: int = DEFAULT_QUEUE_FRAMES,
        queue_bytes: int = DEFAULT_QUEUE_BYTES,
    ) -> None:
        if first_sequence < 1:
            raise ValueError("first_sequence must be >= 1")
        if queue_frames < 1:
            raise ValueError("queue_frames must be >= 1")
        if queue_bytes < 1:
            raise ValueError("queue_bytes must be >= 1")
        self.file = file
        self.stream_id = stream_id
        self._next_sequence = first_sequence
        self._first_message = True
        self._queue = _SendQueue(queue_frames, queue_bytes)
        self._queue_frames = queue_frames
        self._queue_bytes = queue_bytes
        self._lock = threading.Condition()
        self._listeners: list[AckListener] = []
        self._last_ack = Ack(first_sequence - 1, 0, 0, False)
        # read by the sending thread without the lock: replaced whole; None until the server says
        self._frames_per_chunk: int | None = None
        self._final: Ack | None = None
        self._error: H5SaverError | None = None
        self._ending = False
        self._cancelled = False
        self._done = False
        self._responses = call_factory(self._requests())
        self._reader = threading.Thread(target=self._read, name=f"h5saver-acks-{stream_id}", daemon=True)
        self._reader.start()

    # -- what the caller sees ---------------------------------------------------------------

    @property
    def sent(self) -> int:
        """The sequence number of the last frame appended (0 before the first)."""
        return self._next_sequence - 1

    @property
    def last_ack(self) -> Ack:
        """The latest acknowledgement (all zeros before the first)."""
        with self._lock:
            return self._last_ack

    @property
    def durable_sequence(self) -> int:
        """Highest sequence number the server reports durable (0 while none is)."""
        return self.last_ack.durable_sequence

    @property
    def error(self) -> H5SaverError | None:
        """Why the call failed, once it has."""
        with self._lock:
            return self._error

    def on_ack(self, listener: AckListener) -> Callable[[], None]:
        """Calls ``listener(ack)`` for every acknowledgement, on the reader thread; returns a
        function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def append(self, data: DataLike, timeout: float | None = None) -> int:
        """Sends the next frame; returns its sequence number. Blocks while the send queue is full
        (back-pressure), at most ``timeout`` seconds (then TimeoutError, the frame not sent).
        Raises the call's error once it failed, and FailedPreconditionError after end/cancel."""
        frame = data_to_export_to_proto(data)
        self._raise_if_unusable()
        self._put_request(svc.StreamRequest(sequence=self._next_sequence, data=frame), timeout)
        return self._next_sequence - 1

    def _put_request(self, request: svc.StreamRequest, timeout: float | None) -> None:
        """Queues the next message (one frame, or ``request.frames`` of them), numbered from
        ``_next_sequence``; waits while the queue is full, at most ``timeout`` seconds."""
        if self._first_message:
            request.session_id = self.file.session_id
            request.stream_id = self.stream_id
        queued = _Queued(request)
        while True:
            try:
                self._queue.put(queued, timeout=0.1 if timeout is None else min(timeout, 0.1))
                break
            except queue.Full:
                self._raise_if_unusable()
                if timeout is not None:
                    timeout -= 0.1
                    if timeout <= 0:
                        raise TimeoutError(
                            f"frame {self._next_sequence} not sent: the send queue stayed full"
                        ) from None
        self._first_message = False
        self._next_sequence += max(1, request.frames)

    def append_frames(self, block: DataLike, timestamps: npt.ArrayLike, timeout: float | None = None) -> int:
        """Sends ``len(timestamps)`` frames at once; returns the sequence number of the last.
        ``block`` is a DataToExport (or DataWithAxes) of h5saver's whose every array — channels,
        error bars — holds the frames along a first, extra dimension: ``(frames, *frame_shape)``,
        or ``(frames,)`` for 0D frames (shape ``(1,)`` each); its ``dim``, axes and
        ``nav_indexes`` describe one frame. A DAQ card's buffer of samples, a spectrometer's
        burst: no Python object per frame, each message's share of the arrays copied once (in
        messages of at most ``MAX_BATCH_BYTES`` and ``queue_bytes``, cut on the server's chunk
        boundaries). Each frame keeps its own sequence number and time and is acknowledged as
        ``append``'s. Blocks while the queue is full, at most ``timeout`` seconds for the whole
        block: a TimeoutError then says how many of its frames were queued (``sent`` is the last
        one's number): resend the rest, not the whole block."""
        times = _block_times(timestamps)
        frames = int(times.size)
        dte = as_data_to_export(block)
        one = _one_frame_of(dte, frames)
        if one is None:
            return self.sent  # an empty block (a read that returned no samples): nothing to send
        layout = data_to_export_to_proto(one)
        self._raise_if_unusable()
        arrays = [(dwa.channels, dwa.error_arrays) for dwa in dte.data]
        frame_bytes = sum(a[0].nbytes for channels, errors in arrays for a in (*channels, *errors))
        if frame_bytes == 0:
            raise InvalidDataError("block", "holds frames without values: give each frame at least one")
        # a message's bytes per frame: its arrays' share, and its time (8 bytes in ``timestamps``)
        most = _most_frames_power_of_two(
            frame_bytes + 8, MAX_BLOCK_FRAMES, min(MAX_BATCH_BYTES, self._queue_bytes), MAX_BLOCK_FRAMES
        )
        deadline = None if timeout is None else time.monotonic() + timeout
        first = self._next_sequence
        done = 0
        while done < frames:
            count = _block_part(self._next_sequence, frames - done, most, self._frames_per_chunk or most)
            part = svc.StreamRequest(sequence=self._next_sequence)
            part.data.CopyFrom(layout)
            part.data.timestamp = float(times[done])  # the first frame's, as a frame appended alone
            for piece, (channels, errors) in zip(part.data.data, arrays, strict=True):
                piece.timestamp = part.data.timestamp
                piece.ClearField("data")
                piece.ClearField("errors")
                piece.data.extend(a[done : done + count].tobytes() for a in channels)
                piece.errors.extend(a[done : done + count].tobytes() for a in errors)
            if count > 1:
                part.frames = count
                part.timestamps.extend(times[done : done + count].tolist())
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                self._put_request(part, left)
            except TimeoutError:
                raise TimeoutError(
                    f"{done} of the block's {frames} frames were queued (sequence numbers {first} to "
                    f"{self._next_sequence - 1}): the send queue stayed full; send the other {frames - done}"
                ) from None
            done += count
        return self._next_sequence - 1

    def append_all(self, frames: Iterable[DataLike]) -> int:
        """Appends every frame of an iterable, in order; returns the number appended."""
        count = 0
        for frame in frames:
            self.append(frame)
            count += 1
        return count

    async def append_async(self, data: DataLike) -> int:
        """``append`` for asyncio code: waits in a worker thread, so the event loop keeps running
        while back-pressure holds the frame."""
        return await asyncio.to_thread(self.append, data)

    def wait_durable(self, sequence: int | None = None, timeout: float | None = None) -> Ack:
        """Blocks until frame ``sequence`` (default: the last appended) is durable; returns that
        acknowledgement. Raises the call's error if it fails first, TimeoutError after
        ``timeout`` seconds. Frames become durable per the file's flush policy (RemoteFile.flush
        forces it)."""
        target = self.sent if sequence is None else sequence
        with self._lock:
            ok = self._lock.wait_for(
                lambda: self._last_ack.durable_sequence >= target or self._error is not None or self._done,
                timeout,
            )
            if self._last_ack.durable_sequence >= target:
                return self._last_ack
            if self._error is not None:
                raise self._error
        if not ok:
            raise TimeoutError(f"frame {target} not durable within {timeout} s")
        raise FailedPreconditionError(
            grpc.StatusCode.FAILED_PRECONDITION,
            f"the upload ended before frame {target} was durable",
            "Stream",
        )

    def end(self, timeout: float | None = None) -> Ack:
        """Half-closes the call, ending the stream on the server (trimmed, flushed), and returns
        the final acknowledgement: every frame appended is then durable. ``timeout`` bounds the
        whole wait (frames still queued must be sent first), in seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if self._final is not None:
                return self._final
            if self._error is not None:
                raise self._error
            first_end = not self._ending
            self._ending = True
        if first_end:
            self._put_control(_END, deadline)
        self._reader.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        with self._lock:
            if self._final is not None:
                return self._final
            if self._error is not None:
                raise self._error
        if self._reader.is_alive():
            raise TimeoutError(f"no final acknowledgement within {timeout} s")
        raise InternalError(
            grpc.StatusCode.INTERNAL, "the stream ended without a final acknowledgement", "Stream"
        )

    async def end_async(self) -> Ack:
        return await asyncio.to_thread(self.end)

    def cancel(self) -> None:
        """Breaks the call without ending the stream: frames acknowledged stay in the file, and
        :meth:`RemoteFile.resume_continuous` continues the stream in a new call."""
        with self._lock:
            self._ending = True
            self._cancelled = True
            if self._error is None and self._final is None:
                self._error = CancelledError(
                    grpc.StatusCode.CANCELLED, "the upload was cancelled by the client", "Stream"
                )
        cancel = getattr(self._responses, "cancel", None)
        if callable(cancel):
            cancel()
        self._put_control(_END)
        self._reader.join(5)

    def __enter__(self) -> ContinuousUpload:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if kind is None:
            if not self._cancelled:
                self.end()
        else:
            self.cancel()

    # -- the two threads ---------------------------------------------------------------------

    def _raise_if_unusable(self) -> None:
        with self._lock:
            if self._error is not None:
                raise self._error
            if self._ending:
                raise FailedPreconditionError(
                    grpc.StatusCode.FAILED_PRECONDITION,
                    "the upload has ended: it takes no more frames",
                    "Stream",
                )

    def _put_control(self, item: object, deadline: float | None = None) -> None:
        """Queues the end marker behind the frames still queued, or — when the call is dead and
        will never take them — in their place (those frames were not sent)."""
        while True:
            try:
                self._queue.put(item, timeout=0.05)
                return
            except queue.Full:
                if self._reader.is_alive() and self.error is None:
                    if deadline is not None and time.monotonic() > deadline:
                        raise TimeoutError("the send queue stayed full: the server takes no frames") from None
                    continue
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()

    def _requests(self) -> Iterator[svc.StreamRequest]:
        """What grpcio's sending thread iterates: frames (joined with those waiting behind them)
        until the end marker (half-close)."""
        held: collections.deque[object] = collections.deque()
        while True:
            item = held.popleft() if held else self._queue.get()
            if item is _END:
                return
            assert isinstance(item, _Queued)
            if item.request.frames > 1:
                yield item.request  # a block of append_frames: cut to size and to chunks already
                continue
            batch = [item]
            size = item.nbytes
            gather_until: float | None = None
            while len(batch) < MAX_BATCH_FRAMES:
                if held:
                    following = held.popleft()
                else:
                    try:
                        following = self._queue.get_nowait()
                    except queue.Empty:
                        # frames are coming in a burst (more than this one was waiting): wait a
                        # little for the rest of the chunk, which the server then writes whole
                        # and its journal points at instead of copying
                        if len(batch) < 2 or self._reaches_chunk_end(item, batch, size):
                            break
                        gather_until = gather_until or time.monotonic() + BURST_GATHER_S
                        try:
                            following = self._queue.get(timeout=max(0.0, gather_until - time.monotonic()))
                        except queue.Empty:
                            break
                if (
                    not isinstance(following, _Queued)
                    or following.request.frames > 1
                    or size + following.nbytes > MAX_BATCH_BYTES
                    or following.layout != item.layout
                    or item.layout is None
                ):
                    held.appendleft(following)
                    break
                batch.append(following)
                size += following.nbytes
            per_chunk = self._chunk_frames(size // len(batch))
            cut = _chunk_aligned_length(item.request.sequence, len(batch), per_chunk)
            held.extendleft(reversed(batch[cut:]))
            yield _joined([queued.request for queued in batch[:cut]])

    def _chunk_frames(self, frame_bytes: int) -> int:
        """Frames to a chunk of the file: the server's word, or before it the largest power of two
        of frames that fits a message and the queue."""
        if self._frames_per_chunk is not None:
            return self._frames_per_chunk
        return _most_frames_power_of_two(frame_bytes, self._queue_frames, self._queue_bytes)

    def _reaches_chunk_end(self, first: _Queued, batch: list[_Queued], size: int) -> bool:
        """Whether ``batch`` (frames from ``first`` on) ends on a chunk boundary, or is as large as
        a message gets."""
        per_chunk = self._chunk_frames(size // len(batch))
        if per_chunk <= 1 or per_chunk > MAX_BATCH_FRAMES or size >= MAX_BATCH_BYTES:
            return True
        return (first.request.sequence - 1 + len(batch)) % per_chunk == 0

    def _read(self) -> None:
        try:
            for message in self._responses:
                ack = Ack.from_proto(message)
                with self._lock:
                    self._frames_per_chunk = ack.frames_per_chunk
                    if ack.durable_sequence >= self._last_ack.durable_sequence:
                        self._last_ack = ack
                    if ack.final:
                        self._final = ack
                    listeners = list(self._listeners)
                    self._lock.notify_all()
                for listener in listeners:
                    listener(ack)
        except grpc.RpcError as error:
            self._fail(from_grpc(error, "Stream"))
        except Exception as error:
            self._fail(
                InternalError(
                    grpc.StatusCode.INTERNAL, f"acknowledgement handling failed: {error!r}", "Stream"
                )
            )
        finally:
            with self._lock:
                self._done = True
                self._lock.notify_all()

    def _fail(self, error: RpcError) -> None:
        with self._lock:
            if self._error is None:
                self._error = error
            self._lock.notify_all()
        # the sending thread may wait for a frame that will never come: release it
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(_END)


class _SendQueue(queue.Queue[object]):
    """A queue bounded by frames and by array bytes: ``put`` waits while either bound is reached.
    Only the count that ``queue.Queue`` compares with ``maxsize`` is changed; items come and go
    as in any Queue."""

    def __init__(self, max_frames: int, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        super().__init__(maxsize=max_frames)

    def _qsize(self) -> int:
        # full once max_bytes are queued; never 0 while an item waits (get() would block)
        frames = len(self.queue)
        return max(frames, self.maxsize) if self._bytes >= self._max_bytes else frames

    def _put(self, item: object) -> None:
        super()._put(item)
        self._bytes += _item_bytes(item)

    def _get(self) -> object:
        item = super()._get()
        self._bytes -= _item_bytes(item)
        return item


def _block_times(timestamps: npt.ArrayLike) -> np.ndarray[Any, Any]:
    """A block's timestamps as float64 seconds, one per frame; anything else refused."""
    try:
        times = np.asarray(timestamps, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidDataError("timestamps", f"are not seconds as numbers: {error}") from None
    if times.ndim != 1:
        raise InvalidDataError("timestamps", f"has shape {times.shape}: give one time per frame")
    if not np.isfinite(times).all():
        raise InvalidDataError("timestamps", "holds values that are not finite")
    return times


_DIM_RANKS: dict[str, tuple[int, ...]] = {"Data0D": (0, 1), "Data1D": (1,), "Data2D": (2,)}


def _one_frame_of(dte: DataToExport, frames: int) -> DataToExport | None:
    """The first frame of a block, as a DataToExport of its own (views of the block's arrays):
    what every message of the block describes; None for a block of no frames. Refuses, naming the
    field, arrays whose first dimension is not ``frames``, a background, and a ``dim`` that does
    not fit one frame (PyMoDAQ's objects take theirs from the whole block)."""
    data: list[DataWithAxes] = []
    for dwa in dte.data:
        where = f"DataWithAxes {dwa.name!r}"
        if dwa.background_arrays:
            raise InvalidDataError(f"{where} background", "is not sent in blocks: append a frame")
        for what, arrays in (("data", dwa.channels), ("errors", dwa.error_arrays)):
            for i, array in enumerate(arrays):
                if array.shape[:1] != (frames,):
                    raise InvalidDataError(
                        f"{where} {what}[{i}]",
                        f"has shape {array.shape}: a block of {frames} frames has them along its first axis",
                    )
        if frames == 0:
            continue
        frame = dwa.channels[0][0]
        if dwa.dim is not None and dwa.dim in _DIM_RANKS and frame.ndim not in _DIM_RANKS[dwa.dim]:
            raise InvalidDataError(
                f"{where} dim",
                f"is {dwa.dim}, but one frame has shape {frame.shape or (1,)}: give one frame's dim, or None",
            )
        data.append(
            dataclasses.replace(
                dwa,
                data=[a[0] for a in dwa.channels],
                errors=[a[0] for a in dwa.error_arrays] if dwa.error_arrays else None,
                background=None,
            )
        )
    return DataToExport(dte.name, data, timestamp=dte.timestamp) if frames else None


def _block_part(first_sequence: int, remaining: int, most: int, frames_per_chunk: int) -> int:
    """Frames of a block's next message, numbered from ``first_sequence``: at most ``most``, up to
    the last chunk boundary within reach (all of them when none is)."""
    count = min(remaining, most)
    if frames_per_chunk <= 1 or count == remaining:
        return count
    to_boundary = frames_per_chunk - (first_sequence - 1) % frames_per_chunk
    if to_boundary > count:
        return count
    return to_boundary + (count - to_boundary) // frames_per_chunk * frames_per_chunk


def _item_bytes(item: object) -> int:
    return item.nbytes if isinstance(item, _Queued) else 0


class _Queued:
    """A message in the send queue, with what the sending thread asks of it for every frame —
    its arrays' bytes and its layout — worked out once, by the caller's thread: read from
    protobuf's messages they took the sending thread half its time (0D frames one by one)."""

    __slots__ = ("layout", "nbytes", "request")

    def __init__(self, request: svc.StreamRequest) -> None:
        self.request = request
        self.nbytes = _array_bytes(request.data)
        self.layout = _layout_of(request.data)


def _chunk_aligned_length(first_sequence: int, frames: int, frames_per_chunk: int) -> int:
    """How many of ``frames`` waiting frames, the first numbered ``first_sequence``, to send now
    so that messages end on the server's chunk boundaries: up to the next boundary when the first
    frame is not on one, else whole chunks' worth when there are that many (else all of them: a
    batch never waits for frames)."""
    if frames_per_chunk <= 1 or frames_per_chunk > MAX_BATCH_FRAMES:
        return frames
    into_chunk = (first_sequence - 1) % frames_per_chunk
    if into_chunk:
        return min(frames, frames_per_chunk - into_chunk)
    whole = frames - frames % frames_per_chunk
    return whole or frames


def _most_frames_power_of_two(
    frame_bytes: int,
    queue_frames: int,
    queue_bytes: int = MAX_BATCH_BYTES,
    message_frames: int = MAX_BATCH_FRAMES,
) -> int:
    """The largest power of two of frames of ``frame_bytes`` that fits one message (at most
    ``message_frames``) and the send queue (a batch is made of what the queue holds: a larger unit
    would seldom be filled, and a batch short of it is sent whole, off the boundaries)."""
    most_frames = min(message_frames, queue_frames)
    most_bytes = min(MAX_BATCH_BYTES, queue_bytes)
    frames = 1
    while frames * 2 <= most_frames and frames * 2 * frame_bytes <= most_bytes:
        frames *= 2
    return frames


def _array_bytes(frame: pb.DataToExport) -> int:
    return sum(len(a) for dwa in frame.data for a in (*dwa.data, *dwa.errors))


def _layout_of(frame: pb.DataToExport) -> tuple[object, ...] | None:
    """What frames must share to travel in one batch: names, dtypes, shapes and the sizes of
    their arrays (the server takes every frame's metadata from the first); None for a frame that
    travels alone (an array without a shape)."""
    layout: list[object] = [frame.name]
    for dwa in frame.data:
        shape = tuple(dwa.shape)
        if not shape:
            return None
        layout.append(
            (
                dwa.name,
                dwa.dtype,
                dwa.errors_dtype,
                shape,
                tuple(len(d) for d in dwa.data),
                tuple(len(e) for e in dwa.errors),
            )
        )
    return tuple(layout)


def _joined(batch: list[svc.StreamRequest]) -> svc.StreamRequest:
    """One message for the frames of ``batch`` (consecutive sequence numbers, one layout)."""
    first = batch[0]
    if len(batch) == 1:
        return first
    joined = svc.StreamRequest(
        session_id=first.session_id, stream_id=first.stream_id, sequence=first.sequence, frames=len(batch)
    )
    joined.data.CopyFrom(first.data)
    joined.timestamps.extend(r.data.timestamp if r.data.HasField("timestamp") else time.time() for r in batch)
    for d, dwa in enumerate(joined.data.data):
        dwa.ClearField("background")
        for field in ("data", "errors"):
            arrays = getattr(dwa, field)
            for i in range(len(arrays)):
                arrays[i] = b"".join(getattr(r.data.data[d], field)[i] for r in batch)
    return joined


def open_stream_call(
    channel_method: Any,
) -> Callable[[Iterator[svc.StreamRequest]], Iterator[svc.StreamResponse]]:
    """The call factory of a ContinuousUpload over a grpcio stream-stream method."""

    def call(requests: Iterator[svc.StreamRequest]) -> Iterator[svc.StreamResponse]:
        responses: Iterator[svc.StreamResponse] = channel_method(requests)
        return responses

    return call
