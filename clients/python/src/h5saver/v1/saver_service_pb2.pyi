from h5saver.v1 import data_pb2 as _data_pb2
from h5saver.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NodeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NODE_KIND_UNSPECIFIED: _ClassVar[NodeKind]
    NODE_KIND_GROUP: _ClassVar[NodeKind]
    NODE_KIND_DATASET: _ClassVar[NodeKind]

class ElementType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ELEMENT_TYPE_UNSPECIFIED: _ClassVar[ElementType]
    ELEMENT_TYPE_NUMERIC: _ClassVar[ElementType]
    ELEMENT_TYPE_STRING: _ClassVar[ElementType]
    ELEMENT_TYPE_OTHER: _ClassVar[ElementType]
NODE_KIND_UNSPECIFIED: NodeKind
NODE_KIND_GROUP: NodeKind
NODE_KIND_DATASET: NodeKind
ELEMENT_TYPE_UNSPECIFIED: ElementType
ELEMENT_TYPE_NUMERIC: ElementType
ELEMENT_TYPE_STRING: ElementType
ELEMENT_TYPE_OTHER: ElementType

class OpenFileRequest(_message.Message):
    __slots__ = ("path", "mode", "save_type", "compression", "flush_policy", "metadata", "layout", "data_dtype", "durability")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _data_pb2.AttributeValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_data_pb2.AttributeValue, _Mapping]] = ...) -> None: ...
    PATH_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    SAVE_TYPE_FIELD_NUMBER: _ClassVar[int]
    COMPRESSION_FIELD_NUMBER: _ClassVar[int]
    FLUSH_POLICY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    LAYOUT_FIELD_NUMBER: _ClassVar[int]
    DATA_DTYPE_FIELD_NUMBER: _ClassVar[int]
    DURABILITY_FIELD_NUMBER: _ClassVar[int]
    path: str
    mode: _options_pb2.OpenMode
    save_type: _options_pb2.SaveType
    compression: _options_pb2.Compression
    flush_policy: _options_pb2.FlushPolicy
    metadata: _containers.MessageMap[str, _data_pb2.AttributeValue]
    layout: _options_pb2.LayoutFlavour
    data_dtype: _data_pb2.Dtype
    durability: _options_pb2.Durability
    def __init__(self, path: _Optional[str] = ..., mode: _Optional[_Union[_options_pb2.OpenMode, str]] = ..., save_type: _Optional[_Union[_options_pb2.SaveType, str]] = ..., compression: _Optional[_Union[_options_pb2.Compression, _Mapping]] = ..., flush_policy: _Optional[_Union[_options_pb2.FlushPolicy, _Mapping]] = ..., metadata: _Optional[_Mapping[str, _data_pb2.AttributeValue]] = ..., layout: _Optional[_Union[_options_pb2.LayoutFlavour, str]] = ..., data_dtype: _Optional[_Union[_data_pb2.Dtype, str]] = ..., durability: _Optional[_Union[_options_pb2.Durability, str]] = ...) -> None: ...

class OpenFileResponse(_message.Message):
    __slots__ = ("session_id", "path", "recovery")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    path: str
    recovery: FileRecovery
    def __init__(self, session_id: _Optional[str] = ..., path: _Optional[str] = ..., recovery: _Optional[_Union[FileRecovery, _Mapping]] = ...) -> None: ...

class FileRecovery(_message.Message):
    __slots__ = ("calls", "frames", "refused", "seconds")
    CALLS_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    calls: int
    frames: int
    refused: int
    seconds: float
    def __init__(self, calls: _Optional[int] = ..., frames: _Optional[int] = ..., refused: _Optional[int] = ..., seconds: _Optional[float] = ...) -> None: ...

class CloseFileRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class CloseFileResponse(_message.Message):
    __slots__ = ("path", "size_bytes", "streams")
    PATH_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    path: str
    size_bytes: int
    streams: _containers.RepeatedCompositeFieldContainer[StreamStatus]
    def __init__(self, path: _Optional[str] = ..., size_bytes: _Optional[int] = ..., streams: _Optional[_Iterable[_Union[StreamStatus, _Mapping]]] = ...) -> None: ...

class AddDetectorRequest(_message.Message):
    __slots__ = ("session_id", "title", "settings_xml", "scan_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_XML_FIELD_NUMBER: _ClassVar[int]
    SCAN_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    title: str
    settings_xml: str
    scan_id: str
    def __init__(self, session_id: _Optional[str] = ..., title: _Optional[str] = ..., settings_xml: _Optional[str] = ..., scan_id: _Optional[str] = ...) -> None: ...

class AddDetectorResponse(_message.Message):
    __slots__ = ("detector_id",)
    DETECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    detector_id: str
    def __init__(self, detector_id: _Optional[str] = ...) -> None: ...

class SaveSnapshotRequest(_message.Message):
    __slots__ = ("session_id", "detector_id", "data")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    DETECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    detector_id: str
    data: _data_pb2.DataToExport
    def __init__(self, session_id: _Optional[str] = ..., detector_id: _Optional[str] = ..., data: _Optional[_Union[_data_pb2.DataToExport, _Mapping]] = ...) -> None: ...

class SaveSnapshotResponse(_message.Message):
    __slots__ = ("channel_paths",)
    CHANNEL_PATHS_FIELD_NUMBER: _ClassVar[int]
    channel_paths: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, channel_paths: _Optional[_Iterable[str]] = ...) -> None: ...

class BeginScanRequest(_message.Message):
    __slots__ = ("session_id", "title", "settings_xml", "shape", "nav_axes", "distribution")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_XML_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    NAV_AXES_FIELD_NUMBER: _ClassVar[int]
    DISTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    title: str
    settings_xml: str
    shape: _containers.RepeatedScalarFieldContainer[int]
    nav_axes: _containers.RepeatedCompositeFieldContainer[_data_pb2.Axis]
    distribution: _data_pb2.DataDistribution
    def __init__(self, session_id: _Optional[str] = ..., title: _Optional[str] = ..., settings_xml: _Optional[str] = ..., shape: _Optional[_Iterable[int]] = ..., nav_axes: _Optional[_Iterable[_Union[_data_pb2.Axis, _Mapping]]] = ..., distribution: _Optional[_Union[_data_pb2.DataDistribution, str]] = ...) -> None: ...

class BeginScanResponse(_message.Message):
    __slots__ = ("scan_id",)
    SCAN_ID_FIELD_NUMBER: _ClassVar[int]
    scan_id: str
    def __init__(self, scan_id: _Optional[str] = ...) -> None: ...

class SaveScanPointRequest(_message.Message):
    __slots__ = ("session_id", "scan_id", "detector_id", "indexes", "data")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SCAN_ID_FIELD_NUMBER: _ClassVar[int]
    DETECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    INDEXES_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    scan_id: str
    detector_id: str
    indexes: _containers.RepeatedScalarFieldContainer[int]
    data: _data_pb2.DataToExport
    def __init__(self, session_id: _Optional[str] = ..., scan_id: _Optional[str] = ..., detector_id: _Optional[str] = ..., indexes: _Optional[_Iterable[int]] = ..., data: _Optional[_Union[_data_pb2.DataToExport, _Mapping]] = ...) -> None: ...

class SaveScanPointResponse(_message.Message):
    __slots__ = ("points_saved",)
    POINTS_SAVED_FIELD_NUMBER: _ClassVar[int]
    points_saved: int
    def __init__(self, points_saved: _Optional[int] = ...) -> None: ...

class EndScanRequest(_message.Message):
    __slots__ = ("session_id", "scan_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SCAN_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    scan_id: str
    def __init__(self, session_id: _Optional[str] = ..., scan_id: _Optional[str] = ...) -> None: ...

class EndScanResponse(_message.Message):
    __slots__ = ("points_saved",)
    POINTS_SAVED_FIELD_NUMBER: _ClassVar[int]
    points_saved: int
    def __init__(self, points_saved: _Optional[int] = ...) -> None: ...

class StartContinuousRequest(_message.Message):
    __slots__ = ("session_id", "detector_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    DETECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    detector_id: str
    def __init__(self, session_id: _Optional[str] = ..., detector_id: _Optional[str] = ...) -> None: ...

class StartContinuousResponse(_message.Message):
    __slots__ = ("stream_id",)
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    def __init__(self, stream_id: _Optional[str] = ...) -> None: ...

class StreamRequest(_message.Message):
    __slots__ = ("session_id", "stream_id", "sequence", "data", "frames", "timestamps")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    stream_id: str
    sequence: int
    data: _data_pb2.DataToExport
    frames: int
    timestamps: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, session_id: _Optional[str] = ..., stream_id: _Optional[str] = ..., sequence: _Optional[int] = ..., data: _Optional[_Union[_data_pb2.DataToExport, _Mapping]] = ..., frames: _Optional[int] = ..., timestamps: _Optional[_Iterable[float]] = ...) -> None: ...

class StreamResponse(_message.Message):
    __slots__ = ("appended_sequence", "durable_sequence", "durable_frames", "final", "frames_per_chunk")
    APPENDED_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DURABLE_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DURABLE_FRAMES_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    FRAMES_PER_CHUNK_FIELD_NUMBER: _ClassVar[int]
    appended_sequence: int
    durable_sequence: int
    durable_frames: int
    final: bool
    frames_per_chunk: int
    def __init__(self, appended_sequence: _Optional[int] = ..., durable_sequence: _Optional[int] = ..., durable_frames: _Optional[int] = ..., final: _Optional[bool] = ..., frames_per_chunk: _Optional[int] = ...) -> None: ...

class AddLogRequest(_message.Message):
    __slots__ = ("session_id", "lines")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    lines: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, session_id: _Optional[str] = ..., lines: _Optional[_Iterable[str]] = ...) -> None: ...

class AddLogResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FlushRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class FlushResponse(_message.Message):
    __slots__ = ("streams",)
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    streams: _containers.RepeatedCompositeFieldContainer[StreamStatus]
    def __init__(self, streams: _Optional[_Iterable[_Union[StreamStatus, _Mapping]]] = ...) -> None: ...

class BrowseRequest(_message.Message):
    __slots__ = ("session_id", "path", "node_path", "max_depth", "include_attributes")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    NODE_PATH_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    path: str
    node_path: str
    max_depth: int
    include_attributes: bool
    def __init__(self, session_id: _Optional[str] = ..., path: _Optional[str] = ..., node_path: _Optional[str] = ..., max_depth: _Optional[int] = ..., include_attributes: _Optional[bool] = ...) -> None: ...

class BrowseResponse(_message.Message):
    __slots__ = ("root",)
    ROOT_FIELD_NUMBER: _ClassVar[int]
    root: Node
    def __init__(self, root: _Optional[_Union[Node, _Mapping]] = ...) -> None: ...

class Node(_message.Message):
    __slots__ = ("name", "path", "kind", "attributes", "dataset", "children")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: NodeAttribute
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[NodeAttribute, _Mapping]] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    name: str
    path: str
    kind: NodeKind
    attributes: _containers.MessageMap[str, NodeAttribute]
    dataset: DatasetInfo
    children: _containers.RepeatedCompositeFieldContainer[Node]
    def __init__(self, name: _Optional[str] = ..., path: _Optional[str] = ..., kind: _Optional[_Union[NodeKind, str]] = ..., attributes: _Optional[_Mapping[str, NodeAttribute]] = ..., dataset: _Optional[_Union[DatasetInfo, _Mapping]] = ..., children: _Optional[_Iterable[_Union[Node, _Mapping]]] = ...) -> None: ...

class NodeAttribute(_message.Message):
    __slots__ = ("string_value", "int_value", "double_value", "bool_value", "array_value", "json_value")
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    INT_VALUE_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    ARRAY_VALUE_FIELD_NUMBER: _ClassVar[int]
    JSON_VALUE_FIELD_NUMBER: _ClassVar[int]
    string_value: str
    int_value: int
    double_value: float
    bool_value: bool
    array_value: _data_pb2.NdArray
    json_value: str
    def __init__(self, string_value: _Optional[str] = ..., int_value: _Optional[int] = ..., double_value: _Optional[float] = ..., bool_value: _Optional[bool] = ..., array_value: _Optional[_Union[_data_pb2.NdArray, _Mapping]] = ..., json_value: _Optional[str] = ...) -> None: ...

class DatasetInfo(_message.Message):
    __slots__ = ("element_type", "dtype", "shape", "max_shape", "chunks", "filters")
    ELEMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    MAX_SHAPE_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    element_type: ElementType
    dtype: _data_pb2.Dtype
    shape: _containers.RepeatedScalarFieldContainer[int]
    max_shape: _containers.RepeatedScalarFieldContainer[int]
    chunks: _containers.RepeatedScalarFieldContainer[int]
    filters: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, element_type: _Optional[_Union[ElementType, str]] = ..., dtype: _Optional[_Union[_data_pb2.Dtype, str]] = ..., shape: _Optional[_Iterable[int]] = ..., max_shape: _Optional[_Iterable[int]] = ..., chunks: _Optional[_Iterable[int]] = ..., filters: _Optional[_Iterable[int]] = ...) -> None: ...

class ReadDatasetRequest(_message.Message):
    __slots__ = ("session_id", "path", "dataset_path", "start", "count", "max_chunk_bytes")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    DATASET_PATH_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MAX_CHUNK_BYTES_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    path: str
    dataset_path: str
    start: _containers.RepeatedScalarFieldContainer[int]
    count: _containers.RepeatedScalarFieldContainer[int]
    max_chunk_bytes: int
    def __init__(self, session_id: _Optional[str] = ..., path: _Optional[str] = ..., dataset_path: _Optional[str] = ..., start: _Optional[_Iterable[int]] = ..., count: _Optional[_Iterable[int]] = ..., max_chunk_bytes: _Optional[int] = ...) -> None: ...

class ReadDatasetResponse(_message.Message):
    __slots__ = ("dtype", "selection_shape", "first_row", "row_count", "data")
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    SELECTION_SHAPE_FIELD_NUMBER: _ClassVar[int]
    FIRST_ROW_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    dtype: _data_pb2.Dtype
    selection_shape: _containers.RepeatedScalarFieldContainer[int]
    first_row: int
    row_count: int
    data: bytes
    def __init__(self, dtype: _Optional[_Union[_data_pb2.Dtype, str]] = ..., selection_shape: _Optional[_Iterable[int]] = ..., first_row: _Optional[int] = ..., row_count: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class GetStatusRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetStatusResponse(_message.Message):
    __slots__ = ("server_version", "uptime_seconds", "sessions")
    SERVER_VERSION_FIELD_NUMBER: _ClassVar[int]
    UPTIME_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    server_version: str
    uptime_seconds: float
    sessions: _containers.RepeatedCompositeFieldContainer[SessionStatus]
    def __init__(self, server_version: _Optional[str] = ..., uptime_seconds: _Optional[float] = ..., sessions: _Optional[_Iterable[_Union[SessionStatus, _Mapping]]] = ...) -> None: ...

class SessionStatus(_message.Message):
    __slots__ = ("session_id", "path", "opened_at", "pending_frames", "last_flush_at", "streams", "scans", "queued_calls", "bytes_received", "file_bytes", "journal_bytes")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    PENDING_FRAMES_FIELD_NUMBER: _ClassVar[int]
    LAST_FLUSH_AT_FIELD_NUMBER: _ClassVar[int]
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    SCANS_FIELD_NUMBER: _ClassVar[int]
    QUEUED_CALLS_FIELD_NUMBER: _ClassVar[int]
    BYTES_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    FILE_BYTES_FIELD_NUMBER: _ClassVar[int]
    JOURNAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    path: str
    opened_at: float
    pending_frames: int
    last_flush_at: float
    streams: _containers.RepeatedCompositeFieldContainer[StreamStatus]
    scans: _containers.RepeatedCompositeFieldContainer[ScanStatus]
    queued_calls: int
    bytes_received: int
    file_bytes: int
    journal_bytes: int
    def __init__(self, session_id: _Optional[str] = ..., path: _Optional[str] = ..., opened_at: _Optional[float] = ..., pending_frames: _Optional[int] = ..., last_flush_at: _Optional[float] = ..., streams: _Optional[_Iterable[_Union[StreamStatus, _Mapping]]] = ..., scans: _Optional[_Iterable[_Union[ScanStatus, _Mapping]]] = ..., queued_calls: _Optional[int] = ..., bytes_received: _Optional[int] = ..., file_bytes: _Optional[int] = ..., journal_bytes: _Optional[int] = ...) -> None: ...

class StreamStatus(_message.Message):
    __slots__ = ("stream_id", "frames", "durable_frames", "appended_sequence", "durable_sequence", "bytes", "frames_per_second")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    DURABLE_FRAMES_FIELD_NUMBER: _ClassVar[int]
    APPENDED_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DURABLE_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    FRAMES_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    frames: int
    durable_frames: int
    appended_sequence: int
    durable_sequence: int
    bytes: int
    frames_per_second: float
    def __init__(self, stream_id: _Optional[str] = ..., frames: _Optional[int] = ..., durable_frames: _Optional[int] = ..., appended_sequence: _Optional[int] = ..., durable_sequence: _Optional[int] = ..., bytes: _Optional[int] = ..., frames_per_second: _Optional[float] = ...) -> None: ...

class ScanStatus(_message.Message):
    __slots__ = ("scan_id", "points_saved", "done")
    SCAN_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_SAVED_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    scan_id: str
    points_saved: int
    done: bool
    def __init__(self, scan_id: _Optional[str] = ..., points_saved: _Optional[int] = ..., done: _Optional[bool] = ...) -> None: ...
