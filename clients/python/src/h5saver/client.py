"""The client of h5saver.v1.SaverService: a ``Client`` (one gRPC channel) opens ``RemoteFile``
sessions, each one file open on the server, into which detectors, snapshots, scans, continuous
streams and log lines are saved. Methods take and return numpy arrays and plain Python values;
failures are exceptions of ``h5saver.errors`` carrying the server's status and message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, TypeVar

import grpc
import numpy as np
import numpy.typing as npt
from google.protobuf.message import Message

from .arrays import array_from_bytes, wire_dtype
from .continuous import DEFAULT_QUEUE_BYTES, DEFAULT_QUEUE_FRAMES, ContinuousUpload, open_stream_call
from .convert import (
    DataLike,
    as_axis,
    as_data_to_export,
    attributes_to_proto,
    axis_to_proto,
    data_to_export_to_proto,
)
from .credentials import BearerToken, Tls
from .errors import InternalError, NotFoundError, from_grpc
from .model import AttributeValue, Axis, DataDistribution
from .results import ClosedFile, Node, ServerStatus, SessionStatus, StreamCounts
from .v1 import data_pb2 as pb
from .v1 import options_pb2 as opt
from .v1 import saver_service_pb2 as svc
from .v1.saver_service_pb2_grpc import SaverServiceStub

OpenMode = Literal["create", "overwrite", "append"]
SaveType = Literal["detector", "scan", "logger", "custom", "actuator"]
CompressionKind = Literal["none", "gzip", "blosc-lz4"]
LayoutFlavour = Literal["pymodaq4", "pymodaq3"]
Durability = Literal["synced", "written"]

_OPEN_MODE = {
    "create": opt.OPEN_MODE_CREATE,
    "overwrite": opt.OPEN_MODE_OVERWRITE,
    "append": opt.OPEN_MODE_APPEND,
}
_SAVE_TYPE = {
    "detector": opt.SAVE_TYPE_DETECTOR,
    "scan": opt.SAVE_TYPE_SCAN,
    "logger": opt.SAVE_TYPE_LOGGER,
    "custom": opt.SAVE_TYPE_CUSTOM,
    "actuator": opt.SAVE_TYPE_ACTUATOR,
}
_COMPRESSION = {
    "none": opt.COMPRESSION_KIND_NONE,
    "gzip": opt.COMPRESSION_KIND_GZIP,
    "blosc-lz4": opt.COMPRESSION_KIND_BLOSC_LZ4,
}
_LAYOUT = {"pymodaq4": opt.LAYOUT_FLAVOUR_PYMODAQ4, "pymodaq3": opt.LAYOUT_FLAVOUR_PYMODAQ3}
_DURABILITY = {"synced": opt.DURABILITY_SYNCED, "written": opt.DURABILITY_WRITTEN}
_DISTRIBUTION = {"uniform": pb.DATA_DISTRIBUTION_UNIFORM, "spread": pb.DATA_DISTRIBUTION_SPREAD}

DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""Largest message sent or received, as the server's default (a 2k x 2k float64 frame is 32 MiB)."""

Response = TypeVar("Response", bound=Message)


@dataclass(frozen=True)
class Compression:
    """Compression of a file's data arrays: ``level`` 1 (fastest) … 9 (smallest), 0 = 5."""

    kind: CompressionKind = "gzip"
    level: int = 0


@dataclass(frozen=True)
class FlushPolicy:
    """When frames become durable: the server flushes once ``max_frames`` wait or the oldest
    waited ``max_delay_ms``; None keeps the server's default (10000 frames, 250 ms).
    ``FlushPolicy(max_frames=1)`` makes every frame durable on its own."""

    max_frames: int | None = None
    max_delay_ms: int | None = None


Enum = TypeVar("Enum")


def _enum(table: Mapping[str, Enum], value: str, name: str) -> Enum:
    try:
        return table[value]
    except KeyError:
        raise ValueError(f"{name} is {value!r}: expected one of {', '.join(table)}") from None


class Client:
    """A connection to an h5saver server at ``address`` ("host:port"); a context manager.

    ``timeout`` is the deadline of every unary call in seconds (None: none; streams never have
    one). ``tls``: connect with TLS (``True`` trusts the system's CAs; ``Tls(ca=..., cert=...,
    key=...)`` names the server's CA and, for mutual TLS, this client's certificate). ``token``: a
    bearer token, sent with every call. Connecting is lazy: a server that is not there shows as
    UnavailableError on the first call.
    """

    def __init__(
        self,
        address: str,
        *,
        timeout: float | None = None,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        channel_options: Sequence[tuple[str, Any]] = (),
        tls: Tls | bool = False,
        token: str | None = None,
    ) -> None:
        self.address = address
        self.timeout = timeout
        options = [
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.max_receive_message_length", max_message_bytes),
            *channel_options,
        ]
        if tls:
            credentials = (tls if isinstance(tls, Tls) else Tls()).credentials()
            self._channel = grpc.secure_channel(address, credentials, options=options)
        else:
            self._channel = grpc.insecure_channel(address, options=options)
        channel = (
            self._channel if token is None else grpc.intercept_channel(self._channel, BearerToken(token))
        )
        self._stub = SaverServiceStub(channel)

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Closes the channel. Sessions stay open on the server until closed or the server stops."""
        self._channel.close()

    def call(self, method: str, request: Message, response_type: type[Response]) -> Response:
        """One unary call by its RPC name (e.g. "OpenFile"); failures become h5saver errors."""
        try:
            response = getattr(self._stub, method)(request, timeout=self.timeout)
        except grpc.RpcError as error:
            raise from_grpc(error, method) from None
        if not isinstance(response, response_type):
            raise InternalError(grpc.StatusCode.INTERNAL, f"answered a {type(response).__name__}", method)
        return response

    # -- sessions ---------------------------------------------------------------------------

    def open_file(
        self,
        path: str = "",
        *,
        mode: OpenMode = "create",
        save_type: SaveType = "detector",
        compression: Compression | None = None,
        flush: FlushPolicy | None = None,
        metadata: Mapping[str, AttributeValue] | None = None,
        layout: LayoutFlavour = "pymodaq4",
        data_dtype: npt.DTypeLike | None = None,
        durability: Durability = "synced",
    ) -> RemoteFile:
        """Opens (or creates) a file on the server and starts a session on it. ``path`` is
        relative to the server's data root; empty lets the server name it as PyMoDAQ does.
        ``metadata`` become attributes of /RawData in a new file. ``layout="pymodaq3"`` writes
        the tree PyMoDAQ 3 opens, its Data nodes cast to ``data_dtype`` (default float64).
        ``durability`` says when stream frames are acknowledged: ``"synced"`` once on the disk
        (kept through a power cut), ``"written"`` once handed to the server's operating system
        (kept if the server dies, not if its machine loses power; no wait for the disk)."""
        request = svc.OpenFileRequest(
            path=path,
            mode=_enum(_OPEN_MODE, mode, "mode"),
            save_type=_enum(_SAVE_TYPE, save_type, "save_type"),
            metadata=attributes_to_proto(metadata or {}, "metadata"),
            layout=_enum(_LAYOUT, layout, "layout"),
            durability=_enum(_DURABILITY, durability, "durability"),
        )
        if data_dtype is not None:
            request.data_dtype = wire_dtype(data_dtype, "data_dtype")
        if compression is not None:
            request.compression.CopyFrom(
                opt.Compression(
                    kind=_enum(_COMPRESSION, compression.kind, "compression.kind"), level=compression.level
                )
            )
        if flush is not None:
            policy = opt.FlushPolicy()
            if flush.max_frames is not None:
                policy.max_frames = flush.max_frames
            if flush.max_delay_ms is not None:
                policy.max_delay_ms = flush.max_delay_ms
            request.flush_policy.CopyFrom(policy)
        response = self.call("OpenFile", request, svc.OpenFileResponse)
        return RemoteFile(self, response.session_id, response.path)

    def save(
        self,
        data: DataLike,
        path: str = "",
        *,
        settings_xml: str = "",
        background: DataLike | None = None,
        mode: OpenMode = "create",
        compression: Compression | None = None,
        metadata: Mapping[str, AttributeValue] | None = None,
    ) -> ClosedFile:
        """Saves one acquisition into a file of its own, as DAQ_Viewer's "save current data":
        /RawData/Detector000 titled with the data's name, the data as a snapshot. ``data`` is an
        h5saver or PyMoDAQ DataToExport (or DataWithAxes)."""
        with self.open_file(path, mode=mode, compression=compression, metadata=metadata) as file:
            file.save(data, settings_xml=settings_xml, background=background)
        assert file.closed is not None
        return file.closed

    def status(self, session_id: str = "") -> ServerStatus:
        """The server's version, uptime and sessions (or one session: NotFoundError if unknown)."""
        response = self.call("GetStatus", svc.GetStatusRequest(session_id=session_id), svc.GetStatusResponse)
        return ServerStatus(
            server_version=response.server_version,
            uptime_seconds=response.uptime_seconds,
            sessions=tuple(SessionStatus.from_proto(s) for s in response.sessions),
        )

    # -- reading ----------------------------------------------------------------------------

    def browse(
        self,
        path: str,
        node_path: str = "/",
        *,
        max_depth: int | None = None,
        attributes: bool = False,
    ) -> Node:
        """The tree of a file (relative to the data root; it sees what was flushed) from
        ``node_path`` down ``max_depth`` levels (None: all), with attributes if asked."""
        return self._browse(svc.BrowseRequest(path=path), node_path, max_depth, attributes)

    def read_dataset(
        self,
        path: str,
        dataset_path: str,
        start: Sequence[int] = (),
        count: Sequence[int] = (),
        *,
        max_chunk_bytes: int = 0,
    ) -> np.ndarray[Any, Any]:
        """A slice of a numeric dataset of a file (relative to the data root) as a read-only
        array: ``start`` and ``count`` per dimension (empty: from 0, to the end)."""
        request = svc.ReadDatasetRequest(path=path)
        return self._read(request, dataset_path, start, count, max_chunk_bytes)

    def _browse(
        self, request: svc.BrowseRequest, node_path: str, max_depth: int | None, attributes: bool
    ) -> Node:
        request.node_path = node_path
        request.include_attributes = attributes
        if max_depth is not None:
            request.max_depth = max_depth
        return Node.from_proto(self.call("Browse", request, svc.BrowseResponse).root)

    def _read(
        self,
        request: svc.ReadDatasetRequest,
        dataset_path: str,
        start: Sequence[int],
        count: Sequence[int],
        max_chunk_bytes: int,
    ) -> np.ndarray[Any, Any]:
        """Joins the chunks of ReadDataset: zero-copy for one chunk, one copy for several."""
        request.dataset_path = dataset_path
        request.start.extend(start)
        request.count.extend(count)
        request.max_chunk_bytes = max_chunk_bytes
        chunks: list[bytes] = []
        rows = 0
        dtype_code, shape = pb.DTYPE_UNSPECIFIED, ()
        try:
            for message in self._stub.ReadDataset(request, timeout=self.timeout):
                if message.first_row != rows:
                    raise InternalError(
                        grpc.StatusCode.INTERNAL,
                        f"chunk of row {message.first_row} came after {rows} rows",
                        "ReadDataset",
                    )
                rows += message.row_count
                dtype_code, shape = message.dtype, tuple(message.selection_shape)
                chunks.append(message.data)
        except grpc.RpcError as error:
            raise from_grpc(error, "ReadDataset") from None
        if dtype_code == pb.DTYPE_UNSPECIFIED:
            raise InternalError(grpc.StatusCode.INTERNAL, "answered no chunk", "ReadDataset")
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return array_from_bytes(data, dtype_code, shape, dataset_path)

    # -- streams ----------------------------------------------------------------------------

    def _stream_method(self) -> Any:
        return self._stub.Stream


class RemoteFile:
    """One session: a file open on the server; a context manager that closes it. Ids of
    detectors and scans are the HDF5 paths of their groups, e.g. "/RawData/Detector000"."""

    def __init__(self, client: Client, session_id: str, path: str) -> None:
        self.client = client
        self.session_id = session_id
        self.path = path
        """The file's path relative to the server's data root."""
        self.closed: ClosedFile | None = None
        """What close() returned, once the file is closed."""

    def __repr__(self) -> str:
        return f"RemoteFile({self.path!r}, session_id={self.session_id!r})"

    def __enter__(self) -> RemoteFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.closed is None:
            if kind is None:
                self.close()
            else:
                # the error is the news; a failure to close too (e.g. server gone) must not hide it
                with contextlib.suppress(Exception):
                    self.close()

    # -- detectors and snapshots -------------------------------------------------------------

    def add_detector(self, title: str, settings_xml: str = "", scan_id: str = "") -> str:
        """Adds a detector group under /RawData (or under a scan, for its points); returns its id."""
        request = svc.AddDetectorRequest(
            session_id=self.session_id, title=title, settings_xml=settings_xml, scan_id=scan_id
        )
        return self.client.call("AddDetector", request, svc.AddDetectorResponse).detector_id

    def save_snapshot(
        self, detector_id: str, data: DataLike, background: DataLike | None = None
    ) -> list[str]:
        """Saves one acquisition as DAQ_Viewer's "save" (flushed before it returns); returns the
        channel groups written. ``background``: DataWithAxes matched by name, saved as BkgNN."""
        request = svc.SaveSnapshotRequest(
            session_id=self.session_id,
            detector_id=detector_id,
            data=data_to_export_to_proto(data, background),
        )
        return list(self.client.call("SaveSnapshot", request, svc.SaveSnapshotResponse).channel_paths)

    def save(
        self,
        data: DataLike,
        detector_id: str | None = None,
        *,
        settings_xml: str = "",
        background: DataLike | None = None,
    ) -> list[str]:
        """A snapshot of an h5saver or PyMoDAQ DataToExport, into a new detector titled with the
        data's name unless ``detector_id`` names one; returns the channel groups written."""
        if detector_id is None:
            detector_id = self.add_detector(as_data_to_export(data).name, settings_xml)
        return self.save_snapshot(detector_id, data, background)

    # -- scans -------------------------------------------------------------------------------

    def begin_scan(
        self,
        title: str,
        shape: Sequence[int],
        nav_axes: Sequence[Axis | Any],
        *,
        settings_xml: str = "",
        distribution: DataDistribution = "uniform",
    ) -> str:
        """Starts a scan group (ScanNNN) of ``shape`` points with its navigation axes (h5saver's
        or PyMoDAQ's Axis); returns its id."""
        request = svc.BeginScanRequest(
            session_id=self.session_id,
            title=title,
            settings_xml=settings_xml,
            shape=[int(d) for d in shape],
            nav_axes=[axis_to_proto(as_axis(axis)) for axis in nav_axes],
            distribution=_enum(_DISTRIBUTION, distribution, "distribution"),
        )
        return self.client.call("BeginScan", request, svc.BeginScanResponse).scan_id

    def save_scan_point(self, scan_id: str, detector_id: str, indexes: Sequence[int], data: DataLike) -> int:
        """Saves one point of a scan for one of its detectors; returns that detector's points so far."""
        request = svc.SaveScanPointRequest(
            session_id=self.session_id,
            scan_id=scan_id,
            detector_id=detector_id,
            indexes=[int(i) for i in indexes],
            data=data_to_export_to_proto(data),
        )
        return self.client.call("SaveScanPoint", request, svc.SaveScanPointResponse).points_saved

    def end_scan(self, scan_id: str) -> int:
        """Ends a scan (scan_done = True, flushed); returns its points, all detectors together."""
        request = svc.EndScanRequest(session_id=self.session_id, scan_id=scan_id)
        return self.client.call("EndScan", request, svc.EndScanResponse).points_saved

    # -- continuous saving -------------------------------------------------------------------

    def start_continuous(
        self,
        detector_id: str,
        *,
        queue_frames: int = DEFAULT_QUEUE_FRAMES,
        queue_bytes: int = DEFAULT_QUEUE_BYTES,
    ) -> ContinuousUpload:
        """Starts continuous saving into a detector of /RawData and opens the call that carries
        its frames: ``append`` frames to the returned upload, then ``end`` it. ``append`` blocks
        while ``queue_frames`` frames or ``queue_bytes`` bytes of arrays wait to be sent."""
        request = svc.StartContinuousRequest(session_id=self.session_id, detector_id=detector_id)
        stream_id = self.client.call("StartContinuous", request, svc.StartContinuousResponse).stream_id
        return self.resume_continuous(stream_id, 1, queue_frames=queue_frames, queue_bytes=queue_bytes)

    def resume_continuous(
        self,
        stream_id: str,
        next_sequence: int,
        *,
        queue_frames: int = DEFAULT_QUEUE_FRAMES,
        queue_bytes: int = DEFAULT_QUEUE_BYTES,
    ) -> ContinuousUpload:
        """A new call into a stream whose previous call broke: ``next_sequence`` is the last
        acknowledged ``appended_sequence`` + 1 (frames at or below it already appended are
        acknowledged, not written again)."""
        return ContinuousUpload(
            self,
            stream_id,
            open_stream_call(self.client._stream_method()),
            first_sequence=next_sequence,
            queue_frames=queue_frames,
            queue_bytes=queue_bytes,
        )

    # -- the rest ----------------------------------------------------------------------------

    def add_log(self, *lines: str) -> None:
        """Appends lines to /RawData/Logger (durable at the next flush)."""
        self.client.call(
            "AddLog", svc.AddLogRequest(session_id=self.session_id, lines=lines), svc.AddLogResponse
        )

    def flush(self) -> list[StreamCounts]:
        """Makes everything received so far durable; returns the session's stream counts."""
        response = self.client.call("Flush", svc.FlushRequest(session_id=self.session_id), svc.FlushResponse)
        return [StreamCounts.from_proto(s) for s in response.streams]

    def status(self) -> SessionStatus:
        """This session's status."""
        sessions = self.client.status(self.session_id).sessions
        if not sessions:
            raise NotFoundError(grpc.StatusCode.NOT_FOUND, f"no session {self.session_id}", "GetStatus")
        return sessions[0]

    def browse(self, node_path: str = "/", *, max_depth: int | None = None, attributes: bool = False) -> Node:
        """The tree of this file (everything written, flushed or not) from ``node_path``."""
        return self.client._browse(
            svc.BrowseRequest(session_id=self.session_id), node_path, max_depth, attributes
        )

    def read_dataset(
        self,
        dataset_path: str,
        start: Sequence[int] = (),
        count: Sequence[int] = (),
        *,
        max_chunk_bytes: int = 0,
    ) -> np.ndarray[Any, Any]:
        """A slice of a numeric dataset of this file as a read-only array."""
        request = svc.ReadDatasetRequest(session_id=self.session_id)
        return self.client._read(request, dataset_path, start, count, max_chunk_bytes)

    def close(self) -> ClosedFile:
        """Ends open streams, closes the file and ends the session."""
        if self.closed is not None:
            return self.closed
        response = self.client.call(
            "CloseFile", svc.CloseFileRequest(session_id=self.session_id), svc.CloseFileResponse
        )
        self.closed = ClosedFile(
            path=response.path,
            size_bytes=response.size_bytes,
            streams=tuple(StreamCounts.from_proto(s) for s in response.streams),
        )
        return self.closed
