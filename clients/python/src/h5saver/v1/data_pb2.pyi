from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Dtype(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DTYPE_UNSPECIFIED: _ClassVar[Dtype]
    DTYPE_INT8: _ClassVar[Dtype]
    DTYPE_UINT8: _ClassVar[Dtype]
    DTYPE_INT16: _ClassVar[Dtype]
    DTYPE_UINT16: _ClassVar[Dtype]
    DTYPE_INT32: _ClassVar[Dtype]
    DTYPE_UINT32: _ClassVar[Dtype]
    DTYPE_INT64: _ClassVar[Dtype]
    DTYPE_UINT64: _ClassVar[Dtype]
    DTYPE_FLOAT32: _ClassVar[Dtype]
    DTYPE_FLOAT64: _ClassVar[Dtype]
    DTYPE_BOOL: _ClassVar[Dtype]

class DataSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_SOURCE_UNSPECIFIED: _ClassVar[DataSource]
    DATA_SOURCE_RAW: _ClassVar[DataSource]
    DATA_SOURCE_CALCULATED: _ClassVar[DataSource]

class DataDim(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_DIM_UNSPECIFIED: _ClassVar[DataDim]
    DATA_DIM_DATA0D: _ClassVar[DataDim]
    DATA_DIM_DATA1D: _ClassVar[DataDim]
    DATA_DIM_DATA2D: _ClassVar[DataDim]
    DATA_DIM_DATAND: _ClassVar[DataDim]

class DataDistribution(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_DISTRIBUTION_UNSPECIFIED: _ClassVar[DataDistribution]
    DATA_DISTRIBUTION_UNIFORM: _ClassVar[DataDistribution]
    DATA_DISTRIBUTION_SPREAD: _ClassVar[DataDistribution]
DTYPE_UNSPECIFIED: Dtype
DTYPE_INT8: Dtype
DTYPE_UINT8: Dtype
DTYPE_INT16: Dtype
DTYPE_UINT16: Dtype
DTYPE_INT32: Dtype
DTYPE_UINT32: Dtype
DTYPE_INT64: Dtype
DTYPE_UINT64: Dtype
DTYPE_FLOAT32: Dtype
DTYPE_FLOAT64: Dtype
DTYPE_BOOL: Dtype
DATA_SOURCE_UNSPECIFIED: DataSource
DATA_SOURCE_RAW: DataSource
DATA_SOURCE_CALCULATED: DataSource
DATA_DIM_UNSPECIFIED: DataDim
DATA_DIM_DATA0D: DataDim
DATA_DIM_DATA1D: DataDim
DATA_DIM_DATA2D: DataDim
DATA_DIM_DATAND: DataDim
DATA_DISTRIBUTION_UNSPECIFIED: DataDistribution
DATA_DISTRIBUTION_UNIFORM: DataDistribution
DATA_DISTRIBUTION_SPREAD: DataDistribution

class AxisData(_message.Message):
    __slots__ = ("dtype", "data")
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    dtype: Dtype
    data: bytes
    def __init__(self, dtype: _Optional[_Union[Dtype, str]] = ..., data: _Optional[bytes] = ...) -> None: ...

class LinearAxis(_message.Message):
    __slots__ = ("offset", "scaling", "size")
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    SCALING_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    offset: float
    scaling: float
    size: int
    def __init__(self, offset: _Optional[float] = ..., scaling: _Optional[float] = ..., size: _Optional[int] = ...) -> None: ...

class Axis(_message.Message):
    __slots__ = ("label", "units", "index", "spread_order", "data", "linear")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    SPREAD_ORDER_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    LINEAR_FIELD_NUMBER: _ClassVar[int]
    label: str
    units: str
    index: int
    spread_order: int
    data: AxisData
    linear: LinearAxis
    def __init__(self, label: _Optional[str] = ..., units: _Optional[str] = ..., index: _Optional[int] = ..., spread_order: _Optional[int] = ..., data: _Optional[_Union[AxisData, _Mapping]] = ..., linear: _Optional[_Union[LinearAxis, _Mapping]] = ...) -> None: ...

class NdArray(_message.Message):
    __slots__ = ("dtype", "shape", "data")
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    dtype: Dtype
    shape: _containers.RepeatedScalarFieldContainer[int]
    data: bytes
    def __init__(self, dtype: _Optional[_Union[Dtype, str]] = ..., shape: _Optional[_Iterable[int]] = ..., data: _Optional[bytes] = ...) -> None: ...

class AttributeValue(_message.Message):
    __slots__ = ("string_value", "int_value", "double_value", "bool_value")
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    INT_VALUE_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    string_value: str
    int_value: int
    double_value: float
    bool_value: bool
    def __init__(self, string_value: _Optional[str] = ..., int_value: _Optional[int] = ..., double_value: _Optional[float] = ..., bool_value: _Optional[bool] = ...) -> None: ...

class DataWithAxes(_message.Message):
    __slots__ = ("name", "source", "dim", "distribution", "dtype", "shape", "data", "labels", "units", "axes", "nav_indexes", "errors", "errors_dtype", "background", "origin", "extra_attributes", "timestamp", "padding")
    class ExtraAttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: AttributeValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[AttributeValue, _Mapping]] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DIM_FIELD_NUMBER: _ClassVar[int]
    DISTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    AXES_FIELD_NUMBER: _ClassVar[int]
    NAV_INDEXES_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_DTYPE_FIELD_NUMBER: _ClassVar[int]
    BACKGROUND_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    EXTRA_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    PADDING_FIELD_NUMBER: _ClassVar[int]
    name: str
    source: DataSource
    dim: DataDim
    distribution: DataDistribution
    dtype: Dtype
    shape: _containers.RepeatedScalarFieldContainer[int]
    data: _containers.RepeatedScalarFieldContainer[bytes]
    labels: _containers.RepeatedScalarFieldContainer[str]
    units: str
    axes: _containers.RepeatedCompositeFieldContainer[Axis]
    nav_indexes: _containers.RepeatedScalarFieldContainer[int]
    errors: _containers.RepeatedScalarFieldContainer[bytes]
    errors_dtype: Dtype
    background: _containers.RepeatedScalarFieldContainer[bytes]
    origin: str
    extra_attributes: _containers.MessageMap[str, AttributeValue]
    timestamp: float
    padding: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, name: _Optional[str] = ..., source: _Optional[_Union[DataSource, str]] = ..., dim: _Optional[_Union[DataDim, str]] = ..., distribution: _Optional[_Union[DataDistribution, str]] = ..., dtype: _Optional[_Union[Dtype, str]] = ..., shape: _Optional[_Iterable[int]] = ..., data: _Optional[_Iterable[bytes]] = ..., labels: _Optional[_Iterable[str]] = ..., units: _Optional[str] = ..., axes: _Optional[_Iterable[_Union[Axis, _Mapping]]] = ..., nav_indexes: _Optional[_Iterable[int]] = ..., errors: _Optional[_Iterable[bytes]] = ..., errors_dtype: _Optional[_Union[Dtype, str]] = ..., background: _Optional[_Iterable[bytes]] = ..., origin: _Optional[str] = ..., extra_attributes: _Optional[_Mapping[str, AttributeValue]] = ..., timestamp: _Optional[float] = ..., padding: _Optional[_Iterable[bytes]] = ...) -> None: ...

class DataToExport(_message.Message):
    __slots__ = ("name", "timestamp", "data")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    name: str
    timestamp: float
    data: _containers.RepeatedCompositeFieldContainer[DataWithAxes]
    def __init__(self, name: _Optional[str] = ..., timestamp: _Optional[float] = ..., data: _Optional[_Iterable[_Union[DataWithAxes, _Mapping]]] = ...) -> None: ...
