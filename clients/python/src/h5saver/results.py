"""What the server answers, as plain immutable Python values (no protobuf outside the client)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .arrays import array_from_bytes, numpy_dtype
from .v1 import data_pb2 as pb
from .v1 import saver_service_pb2 as svc


@dataclass(frozen=True)
class StreamCounts:
    """Progress of one continuous stream. Sequence numbers count frames from 1, so
    ``appended_sequence`` is also the number of frames appended."""

    stream_id: str
    frames: int
    durable_frames: int
    appended_sequence: int
    durable_sequence: int
    bytes: int = 0
    """Bytes of array data appended."""
    frames_per_second: float = 0.0
    """Frames appended per second over the last few seconds (0 when idle)."""

    @classmethod
    def from_proto(cls, message: svc.StreamStatus) -> StreamCounts:
        return cls(
            stream_id=message.stream_id,
            frames=message.frames,
            durable_frames=message.durable_frames,
            appended_sequence=message.appended_sequence,
            durable_sequence=message.durable_sequence,
            bytes=message.bytes,
            frames_per_second=message.frames_per_second,
        )


@dataclass(frozen=True)
class Ack:
    """An acknowledgement of a continuous stream."""

    appended_sequence: int
    """Highest sequence number appended to the file's arrays (maybe not flushed yet)."""
    durable_sequence: int
    """Highest sequence number durable: it and every frame before it are flushed to the file."""
    durable_frames: int
    final: bool
    """The last acknowledgement, after the upload ended: the stream is ended and fully durable."""
    frames_per_chunk: int = 0
    """Messages of a multiple of this many frames, starting at a multiple, are written straight
    into whole chunks that the server's crash journal points at instead of copying (0: none)."""

    @classmethod
    def from_proto(cls, message: svc.StreamResponse) -> Ack:
        return cls(
            appended_sequence=message.appended_sequence,
            durable_sequence=message.durable_sequence,
            durable_frames=message.durable_frames,
            final=message.final,
            frames_per_chunk=message.frames_per_chunk,
        )


@dataclass(frozen=True)
class ClosedFile:
    """A file after CloseFile: its path relative to the data root, size, and final stream counts."""

    path: str
    size_bytes: int
    streams: tuple[StreamCounts, ...]


@dataclass(frozen=True)
class ScanStatus:
    scan_id: str
    points_saved: int
    done: bool


@dataclass(frozen=True)
class SessionStatus:
    """One open file on the server. Times are seconds since the epoch (0: never)."""

    session_id: str
    path: str
    opened_at: float
    pending_frames: int
    last_flush_at: float
    streams: tuple[StreamCounts, ...]
    scans: tuple[ScanStatus, ...]
    queued_calls: int = 0
    """Calls waiting for the session's writer (at the server's limit, more get RESOURCE_EXHAUSTED)."""
    bytes_received: int = 0
    """Bytes of array data received by the session (frames, snapshots, scan points)."""
    file_bytes: int = 0
    """Bytes the HDF5 file takes on the server's disk now."""
    journal_bytes: int = 0
    """Bytes its crash journal takes on the server's disk now (0 without one; gone once the file
    closes cleanly)."""

    @classmethod
    def from_proto(cls, message: svc.SessionStatus) -> SessionStatus:
        return cls(
            session_id=message.session_id,
            path=message.path,
            opened_at=message.opened_at,
            pending_frames=message.pending_frames,
            last_flush_at=message.last_flush_at,
            streams=tuple(StreamCounts.from_proto(s) for s in message.streams),
            scans=tuple(ScanStatus(s.scan_id, s.points_saved, s.done) for s in message.scans),
            queued_calls=message.queued_calls,
            bytes_received=message.bytes_received,
            file_bytes=message.file_bytes,
            journal_bytes=message.journal_bytes,
        )


@dataclass(frozen=True)
class ServerStatus:
    server_version: str
    uptime_seconds: float
    sessions: tuple[SessionStatus, ...]


ElementType = Literal["numeric", "string", "other"]
_ELEMENT_TYPES: dict[int, ElementType] = {
    svc.ELEMENT_TYPE_NUMERIC: "numeric",
    svc.ELEMENT_TYPE_STRING: "string",
    svc.ELEMENT_TYPE_OTHER: "other",
}


@dataclass(frozen=True)
class DatasetInfo:
    """Type, shape and storage of a dataset. ``max_shape`` has None for an unlimited
    (enlargeable) dimension; ``chunks`` is empty for contiguous storage; ``dtype`` is None unless
    the elements are numeric."""

    element_type: ElementType
    dtype: np.dtype[Any] | None
    shape: tuple[int, ...]
    max_shape: tuple[int | None, ...]
    chunks: tuple[int, ...]
    filters: tuple[int, ...]

    @classmethod
    def from_proto(cls, message: svc.DatasetInfo) -> DatasetInfo:
        element_type = _ELEMENT_TYPES.get(message.element_type, "other")
        numeric = element_type == "numeric" and message.dtype != pb.DTYPE_UNSPECIFIED
        return cls(
            element_type=element_type,
            dtype=numpy_dtype(message.dtype) if numeric else None,
            shape=tuple(message.shape),
            max_shape=tuple(None if d < 0 else d for d in message.max_shape),
            chunks=tuple(message.chunks),
            filters=tuple(message.filters),
        )


NodeAttribute = str | int | float | bool | np.ndarray[Any, Any] | Any
"""A decoded attribute: str/int/float/bool, a numpy array, or JSON-decoded lists, tuples, None…"""


def _attribute(value: svc.NodeAttribute) -> NodeAttribute:
    kind = value.WhichOneof("kind")
    if kind == "array_value":
        array = value.array_value
        return array_from_bytes(array.data, array.dtype, list(array.shape), "attribute")
    if kind == "json_value":
        return json.loads(value.json_value)
    if kind is None:
        return None
    return getattr(value, kind)


@dataclass(frozen=True)
class Node:
    """One group or dataset of a file, with its children down to the depth asked for."""

    name: str
    path: str
    kind: Literal["group", "dataset"]
    attributes: dict[str, NodeAttribute] = field(default_factory=dict)
    dataset: DatasetInfo | None = None
    children: tuple[Node, ...] = ()

    @classmethod
    def from_proto(cls, message: svc.Node) -> Node:
        is_dataset = message.kind == svc.NODE_KIND_DATASET
        return cls(
            name=message.name,
            path=message.path,
            kind="dataset" if is_dataset else "group",
            attributes={key: _attribute(value) for key, value in message.attributes.items()},
            dataset=DatasetInfo.from_proto(message.dataset) if message.HasField("dataset") else None,
            children=tuple(cls.from_proto(child) for child in message.children),
        )

    def walk(self) -> list[Node]:
        """This node and every node below it, depth first, in the file's order."""
        nodes = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes

    def find(self, path: str) -> Node:
        """The node at an absolute path within this subtree (KeyError if it is not there)."""
        for node in self.walk():
            if node.path == path:
                return node
        raise KeyError(path)
