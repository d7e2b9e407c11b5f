"""numpy arrays ⇄ the wire's raw little-endian bytes plus a Dtype enum.

Outgoing, an array must already be what the wire carries — one of the eleven dtypes, little-endian
(or native on a little-endian host) and C-contiguous — and is refused otherwise, naming the field:
a silent conversion would hide a copy of every frame. Its bytes are taken with one copy (protobuf's
Python runtime only accepts ``bytes``). Incoming, values are wrapped with ``np.frombuffer``:
read-only views of the received bytes, without another copy.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import InvalidDataError
from .v1 import data_pb2 as pb

_NUMPY_BY_DTYPE: dict[pb.Dtype, np.dtype[Any]] = {
    pb.DTYPE_INT8: np.dtype("<i1"),
    pb.DTYPE_UINT8: np.dtype("<u1"),
    pb.DTYPE_INT16: np.dtype("<i2"),
    pb.DTYPE_UINT16: np.dtype("<u2"),
    pb.DTYPE_INT32: np.dtype("<i4"),
    pb.DTYPE_UINT32: np.dtype("<u4"),
    pb.DTYPE_INT64: np.dtype("<i8"),
    pb.DTYPE_UINT64: np.dtype("<u8"),
    pb.DTYPE_FLOAT32: np.dtype("<f4"),
    pb.DTYPE_FLOAT64: np.dtype("<f8"),
    pb.DTYPE_BOOL: np.dtype("?"),
}
_DTYPE_BY_NAME: dict[str, pb.Dtype] = {dt.name: code for code, dt in _NUMPY_BY_DTYPE.items()}
_NUMPY_BY_NUMBER: dict[int, np.dtype[Any]] = {int(code): dt for code, dt in _NUMPY_BY_DTYPE.items()}

SUPPORTED_DTYPES = tuple(dt.name for dt in _NUMPY_BY_DTYPE.values())
"""numpy names of the dtypes the wire carries."""


_DTYPE_BY_NUMPY: dict[np.dtype[Any], pb.Dtype] = {dt: code for code, dt in _NUMPY_BY_DTYPE.items()}
"""By the dtype itself: numpy's ``dtype.name`` is computed at each call (~10 µs), twice per
frame — a fifth of a small frame's conversion."""


def wire_dtype(dtype: npt.DTypeLike, field: str) -> pb.Dtype:
    """The Dtype enum value of a numpy dtype; anything the wire cannot carry is refused."""
    dt = np.dtype(dtype)
    # little-endian and native dtypes compare (and hash) equal on a little-endian host only
    known = _DTYPE_BY_NUMPY.get(dt) if sys.byteorder == "little" else None
    if known is not None:
        return known
    code = _DTYPE_BY_NAME.get(dt.name)
    if code is None:
        raise InvalidDataError(
            field, f"has dtype {dt}: h5saver stores {', '.join(SUPPORTED_DTYPES)} (convert with .astype)"
        )
    if dt.byteorder == ">" or (dt.byteorder == "=" and sys.byteorder == "big"):
        raise InvalidDataError(
            field, f"is big-endian ({dt.str}): convert it with .astype('{dt.newbyteorder('<').str}')"
        )
    return code


def numpy_dtype(code: int, field: str = "dtype") -> np.dtype[Any]:
    """The numpy dtype of a Dtype enum value received from the server."""
    try:
        return _NUMPY_BY_NUMBER[code]
    except KeyError:
        raise InvalidDataError(
            field, f"is Dtype enum value {code}, which this client does not know"
        ) from None


def as_wire_array(value: npt.ArrayLike, field: str) -> np.ndarray[Any, Any]:
    """An array ready to send: lists and scalars become arrays (scalars of shape (1,), PyMoDAQ's
    0D); an ndarray must already have a wire dtype and be C-contiguous."""
    if isinstance(value, np.ndarray):
        array = value
    else:
        array = np.asarray(value)
        if array.dtype == np.dtype("O") or array.dtype.kind in "USV":
            raise InvalidDataError(field, f"holds {array.dtype} values, not numbers")
    if array.ndim == 0:
        array = array.reshape(1)
    wire_dtype(array.dtype, field)
    if not array.flags.c_contiguous:
        raise InvalidDataError(
            field,
            f"is not C-contiguous (a strided view of shape {array.shape}): "
            "pass np.ascontiguousarray(array), which copies it once",
        )
    return array


def array_bytes(array: np.ndarray[Any, Any]) -> bytes:
    """The raw bytes of a C-contiguous little-endian array (the one copy protobuf needs)."""
    return array.tobytes(order="C")


def array_from_bytes(
    data: bytes, code: int, shape: Sequence[int], field: str = "data"
) -> np.ndarray[Any, Any]:
    """A read-only array over received bytes, without copying them."""
    dtype = numpy_dtype(code, f"{field}.dtype")
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise InvalidDataError(
            field, f"has {len(data)} bytes but shape {tuple(shape)} of {dtype} needs {expected}"
        )
    return np.frombuffer(data, dtype=dtype).reshape(tuple(shape))
