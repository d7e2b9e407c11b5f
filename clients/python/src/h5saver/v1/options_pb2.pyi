from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OpenMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPEN_MODE_UNSPECIFIED: _ClassVar[OpenMode]
    OPEN_MODE_CREATE: _ClassVar[OpenMode]
    OPEN_MODE_OVERWRITE: _ClassVar[OpenMode]
    OPEN_MODE_APPEND: _ClassVar[OpenMode]

class SaveType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SAVE_TYPE_UNSPECIFIED: _ClassVar[SaveType]
    SAVE_TYPE_DETECTOR: _ClassVar[SaveType]
    SAVE_TYPE_SCAN: _ClassVar[SaveType]
    SAVE_TYPE_LOGGER: _ClassVar[SaveType]
    SAVE_TYPE_CUSTOM: _ClassVar[SaveType]
    SAVE_TYPE_ACTUATOR: _ClassVar[SaveType]

class CompressionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPRESSION_KIND_UNSPECIFIED: _ClassVar[CompressionKind]
    COMPRESSION_KIND_NONE: _ClassVar[CompressionKind]
    COMPRESSION_KIND_GZIP: _ClassVar[CompressionKind]
    COMPRESSION_KIND_BLOSC_LZ4: _ClassVar[CompressionKind]

class LayoutFlavour(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LAYOUT_FLAVOUR_UNSPECIFIED: _ClassVar[LayoutFlavour]
    LAYOUT_FLAVOUR_PYMODAQ4: _ClassVar[LayoutFlavour]
    LAYOUT_FLAVOUR_PYMODAQ3: _ClassVar[LayoutFlavour]

class Durability(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DURABILITY_UNSPECIFIED: _ClassVar[Durability]
    DURABILITY_SYNCED: _ClassVar[Durability]
    DURABILITY_WRITTEN: _ClassVar[Durability]
OPEN_MODE_UNSPECIFIED: OpenMode
OPEN_MODE_CREATE: OpenMode
OPEN_MODE_OVERWRITE: OpenMode
OPEN_MODE_APPEND: OpenMode
SAVE_TYPE_UNSPECIFIED: SaveType
SAVE_TYPE_DETECTOR: SaveType
SAVE_TYPE_SCAN: SaveType
SAVE_TYPE_LOGGER: SaveType
SAVE_TYPE_CUSTOM: SaveType
SAVE_TYPE_ACTUATOR: SaveType
COMPRESSION_KIND_UNSPECIFIED: CompressionKind
COMPRESSION_KIND_NONE: CompressionKind
COMPRESSION_KIND_GZIP: CompressionKind
COMPRESSION_KIND_BLOSC_LZ4: CompressionKind
LAYOUT_FLAVOUR_UNSPECIFIED: LayoutFlavour
LAYOUT_FLAVOUR_PYMODAQ4: LayoutFlavour
LAYOUT_FLAVOUR_PYMODAQ3: LayoutFlavour
DURABILITY_UNSPECIFIED: Durability
DURABILITY_SYNCED: Durability
DURABILITY_WRITTEN: Durability

class Compression(_message.Message):
    __slots__ = ("kind", "level")
    KIND_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    kind: CompressionKind
    level: int
    def __init__(self, kind: _Optional[_Union[CompressionKind, str]] = ..., level: _Optional[int] = ...) -> None: ...

class FlushPolicy(_message.Message):
    __slots__ = ("max_frames", "max_delay_ms")
    MAX_FRAMES_FIELD_NUMBER: _ClassVar[int]
    MAX_DELAY_MS_FIELD_NUMBER: _ClassVar[int]
    max_frames: int
    max_delay_ms: int
    def __init__(self, max_frames: _Optional[int] = ..., max_delay_ms: _Optional[int] = ...) -> None: ...
