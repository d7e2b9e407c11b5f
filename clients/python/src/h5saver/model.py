"""PyMoDAQ's data model as plain Python values: DataToExport holds DataWithAxes, which hold
channels (numpy arrays of one shape and dtype) with their Axis. Names follow pymodaq_data; these
classes need nothing of PyMoDAQ installed (``h5saver.pymodaq`` converts PyMoDAQ's own objects).

They are checked when built, so that a bad array fails where it is made, with the field named as
the server would name it, before anything is sent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .arrays import as_wire_array
from .errors import InvalidDataError

DataSource = Literal["raw", "calculated"]
DataDim = Literal["Data0D", "Data1D", "Data2D", "DataND"]
DataDistribution = Literal["uniform", "spread"]
AttributeValue = str | int | float | bool
"""A scalar attribute value, as HDF5 attributes of PyMoDAQ files hold them."""

_SOURCES = ("raw", "calculated")
_DIMS = ("Data0D", "Data1D", "Data2D", "DataND")
_DISTRIBUTIONS = ("uniform", "spread")


def _one_of(value: str, allowed: Sequence[str], name: str) -> None:
    if value not in allowed:
        raise InvalidDataError(name, f"is {value!r}: expected one of {', '.join(allowed)}")


def check_attribute(value: object, name: str) -> AttributeValue:
    """An attribute value the wire carries: str, int (within ±(2^53 - 1)), finite float, bool.
    numpy scalars are taken as their Python value."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise InvalidDataError(
                name, f"= {value} overflows: integer attributes must be within ±(2^53 - 1)"
            )
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidDataError(name, f"= {value}: PyMoDAQ cannot read NaN or infinite attributes")
        return value
    raise InvalidDataError(name, f"is a {type(value).__name__}: attributes are str, int, float or bool")


@dataclass(frozen=True)
class Axis:
    """An axis: explicit ``data``, or evenly spaced values ``offset + scaling * i`` for ``size``
    points (PyMoDAQ's linear axis). ``index`` is the data dimension it spans."""

    label: str = ""
    units: str = ""
    data: npt.ArrayLike | None = None
    index: int = 0
    spread_order: int = 0
    offset: float | None = None
    scaling: float | None = None
    size: int | None = None

    def __post_init__(self) -> None:
        linear = (self.offset, self.scaling, self.size)
        if self.data is not None:
            if any(v is not None for v in linear):
                raise InvalidDataError(
                    "axis", f"{self.label!r} has both data and offset/scaling/size: give one"
                )
            object.__setattr__(self, "data", as_wire_array(self.data, f"axis {self.label!r} data"))
        elif any(v is None for v in linear):
            raise InvalidDataError("axis", f"{self.label!r} needs data, or offset, scaling and size")
        if self.index < 0 or self.spread_order < 0:
            raise InvalidDataError("axis", f"{self.label!r} has a negative index or spread_order")

    @property
    def values(self) -> np.ndarray[Any, Any]:
        """The axis' values (computed for a linear axis)."""
        if self.data is not None:
            return np.asarray(self.data)
        assert self.offset is not None and self.scaling is not None and self.size is not None
        return self.offset + self.scaling * np.arange(self.size, dtype=np.float64)


def _checked_arrays(arrays: Sequence[npt.ArrayLike], name: str) -> list[np.ndarray[Any, Any]]:
    if isinstance(arrays, np.ndarray):
        arrays = [arrays]  # one channel given as a bare array
    return [as_wire_array(a, f"{name}[{i}]") for i, a in enumerate(arrays)]


@dataclass
class DataWithAxes:
    """One or more channels of the same shape and dtype, with labels, units and axes: one CHnn
    group of a PyMoDAQ file. ``errors`` and ``background`` hold one array per channel when given.
    ``dim=None`` lets the server infer Data0D/1D/2D/ND from the shape, as PyMoDAQ does."""

    name: str
    data: Sequence[npt.ArrayLike]
    source: DataSource = "raw"
    dim: DataDim | None = None
    distribution: DataDistribution = "uniform"
    labels: Sequence[str] = ()
    units: str = ""
    axes: Sequence[Axis] = ()
    nav_indexes: Sequence[int] = ()
    errors: Sequence[npt.ArrayLike] | None = None
    background: Sequence[npt.ArrayLike] | None = None
    origin: str = ""
    extra_attributes: Mapping[str, AttributeValue] = field(default_factory=dict)
    timestamp: float | None = None
    _channels: list[np.ndarray[Any, Any]] = field(init=False, repr=False, compare=False, default_factory=list)
    _errors: list[np.ndarray[Any, Any]] = field(init=False, repr=False, compare=False, default_factory=list)
    _background: list[np.ndarray[Any, Any]] = field(
        init=False, repr=False, compare=False, default_factory=list
    )

    def __post_init__(self) -> None:
        where = f"DataWithAxes {self.name!r}"
        if not self.name:
            raise InvalidDataError("name", "is empty: every DataWithAxes needs a name")
        _one_of(self.source, _SOURCES, f"{where} source")
        if self.dim is not None:
            _one_of(self.dim, _DIMS, f"{where} dim")
        _one_of(self.distribution, _DISTRIBUTIONS, f"{where} distribution")
        self._channels = _checked_arrays(self.data, f"{where} data")
        self.data = self._channels
        if not self._channels:
            raise InvalidDataError(f"{where} data", "is empty: give at least one array")
        first = self._channels[0]
        for i, array in enumerate(self._channels[1:], start=1):
            if array.shape != first.shape:
                raise InvalidDataError(
                    f"{where} data[{i}]",
                    f"has shape {array.shape}, data[0] has {first.shape}: channels share one shape",
                )
            if array.dtype != first.dtype:
                raise InvalidDataError(
                    f"{where} data[{i}]",
                    f"has dtype {array.dtype}, data[0] has {first.dtype}: channels share one dtype",
                )
        if self.labels and len(self.labels) != len(self._channels):
            raise InvalidDataError(
                f"{where} labels", f"has {len(self.labels)} labels for {len(self._channels)} channels"
            )
        self.labels = list(self.labels)
        self.axes = list(self.axes)
        self.nav_indexes = [int(i) for i in self.nav_indexes]
        if self.errors is not None:
            self.errors = self._errors = self._per_channel(self.errors, "errors", same_dtype=False)
        if self.background is not None:
            self.background = self._background = self._per_channel(
                self.background, "background", same_dtype=True
            )
        self.extra_attributes = {
            key: check_attribute(value, f"{where} extra_attributes[{key!r}]")
            for key, value in self.extra_attributes.items()
        }
        if self.timestamp is not None and not math.isfinite(self.timestamp):
            raise InvalidDataError(f"{where} timestamp", f"= {self.timestamp} is not finite")

    def _per_channel(
        self, arrays: Sequence[npt.ArrayLike], what: str, same_dtype: bool
    ) -> list[np.ndarray[Any, Any]]:
        where = f"DataWithAxes {self.name!r} {what}"
        checked = _checked_arrays(arrays, where)
        first = self._channels[0]
        if checked and len(checked) != len(self._channels):
            raise InvalidDataError(where, f"has {len(checked)} arrays for {len(self._channels)} channels")
        for i, array in enumerate(checked):
            if array.shape != first.shape:
                raise InvalidDataError(f"{where}[{i}]", f"has shape {array.shape}, the data {first.shape}")
            if same_dtype and array.dtype != first.dtype:
                raise InvalidDataError(f"{where}[{i}]", f"has dtype {array.dtype}, the data {first.dtype}")
            if not same_dtype and array.dtype != checked[0].dtype:
                raise InvalidDataError(
                    f"{where}[{i}]", f"has dtype {array.dtype}, {what}[0] has {checked[0].dtype}"
                )
        return checked

    @property
    def channels(self) -> list[np.ndarray[Any, Any]]:
        """The data arrays, checked: C-contiguous, of a wire dtype, one shape."""
        return self._channels

    @property
    def error_arrays(self) -> list[np.ndarray[Any, Any]]:
        """The error bars, checked (empty when there are none)."""
        return self._errors

    @property
    def background_arrays(self) -> list[np.ndarray[Any, Any]]:
        """The backgrounds, checked (empty when there are none)."""
        return self._background

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._channels[0].shape)

    @property
    def dtype(self) -> np.dtype[Any]:
        dtype: np.dtype[Any] = self._channels[0].dtype
        return dtype


@dataclass
class DataToExport:
    """What one detector hands over in one acquisition: a snapshot, a stream frame, a scan point.
    ``timestamp`` (seconds since the epoch) is the time axis of continuous saving; ``None`` lets
    the server stamp the time it received it."""

    name: str
    data: Sequence[DataWithAxes]
    timestamp: float | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidDataError("name", "is empty: every DataToExport needs a name")
        self.data = list(self.data)
        if not self.data:
            raise InvalidDataError(
                f"DataToExport {self.name!r} data", "is empty: give at least one DataWithAxes"
            )
        from . import pymodaq  # PyMoDAQ's DataWithAxes are welcome here too (imported late: it imports us)

        checked: list[DataWithAxes] = []
        for i, dwa in enumerate(self.data):
            if isinstance(dwa, DataWithAxes):
                checked.append(dwa)
            elif pymodaq.is_pymodaq_data_with_axes(dwa):
                checked.append(pymodaq.data_with_axes_from_pymodaq(dwa))
            else:
                raise InvalidDataError(
                    f"DataToExport {self.name!r} data[{i}]",
                    f"is a {type(dwa).__name__}, not a DataWithAxes (h5saver's or PyMoDAQ's)",
                )
        self.data = checked
        if self.timestamp is not None and not math.isfinite(self.timestamp):
            raise InvalidDataError(
                f"DataToExport {self.name!r} timestamp", f"= {self.timestamp} is not finite"
            )
