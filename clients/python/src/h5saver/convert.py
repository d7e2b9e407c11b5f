"""h5saver's Python model (and PyMoDAQ's, through h5saver.pymodaq) → protobuf messages.

The one place that builds data messages. Anything accepted where a DataToExport is expected goes
through :func:`as_data_to_export` first, so that PyMoDAQ objects and h5saver's own are sent alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import pymodaq
from .arrays import array_bytes, wire_dtype
from .errors import InvalidDataError
from .model import AttributeValue, Axis, DataToExport, DataWithAxes, check_attribute
from .v1 import data_pb2 as pb

DataLike = DataToExport | DataWithAxes | Any
"""h5saver's DataToExport or DataWithAxes, or PyMoDAQ's (when pymodaq_data is installed)."""

_SOURCE = {"raw": pb.DATA_SOURCE_RAW, "calculated": pb.DATA_SOURCE_CALCULATED}
_DIM = {
    None: pb.DATA_DIM_UNSPECIFIED,
    "Data0D": pb.DATA_DIM_DATA0D,
    "Data1D": pb.DATA_DIM_DATA1D,
    "Data2D": pb.DATA_DIM_DATA2D,
    "DataND": pb.DATA_DIM_DATAND,
}
_DISTRIBUTION = {"uniform": pb.DATA_DISTRIBUTION_UNIFORM, "spread": pb.DATA_DISTRIBUTION_SPREAD}


def as_data_to_export(data: DataLike) -> DataToExport:
    """A DataToExport from what a caller passed: h5saver's or PyMoDAQ's DataToExport, or one
    DataWithAxes (wrapped in a DataToExport of the same name and timestamp)."""
    if isinstance(data, DataToExport):
        return data
    if isinstance(data, DataWithAxes):
        return DataToExport(data.name, [data], timestamp=data.timestamp)
    if pymodaq.is_pymodaq_data(data):
        return pymodaq.to_data_to_export(data)
    raise InvalidDataError(
        "data",
        f"is a {type(data).__name__}: pass an h5saver DataToExport/DataWithAxes, or PyMoDAQ's (pymodaq_data)",
    )


def as_axis(axis: Axis | Any) -> Axis:
    """h5saver's Axis, or PyMoDAQ's converted."""
    if isinstance(axis, Axis):
        return axis
    if type(axis).__module__.startswith("pymodaq"):
        return pymodaq.axis_from_pymodaq(axis)
    raise InvalidDataError("axis", f"is a {type(axis).__name__}: pass an h5saver Axis, or PyMoDAQ's")


def attribute_to_proto(value: AttributeValue, name: str) -> pb.AttributeValue:
    value = check_attribute(value, name)
    if isinstance(value, bool):
        return pb.AttributeValue(bool_value=value)
    if isinstance(value, int):
        return pb.AttributeValue(int_value=value)
    if isinstance(value, float):
        return pb.AttributeValue(double_value=value)
    return pb.AttributeValue(string_value=value)


def attributes_to_proto(attributes: Mapping[str, AttributeValue], field: str) -> dict[str, pb.AttributeValue]:
    return {key: attribute_to_proto(value, f"{field}[{key!r}]") for key, value in attributes.items()}


def axis_to_proto(axis: Axis) -> pb.Axis:
    message = pb.Axis(label=axis.label, units=axis.units, index=axis.index, spread_order=axis.spread_order)
    if axis.data is not None:
        values = np.asarray(axis.data)
        message.data.CopyFrom(
            pb.AxisData(dtype=wire_dtype(values.dtype, f"axis {axis.label!r}"), data=array_bytes(values))
        )
    else:
        assert axis.offset is not None and axis.scaling is not None and axis.size is not None
        message.linear.CopyFrom(pb.LinearAxis(offset=axis.offset, scaling=axis.scaling, size=axis.size))
    return message


def _bytes_list(arrays: Sequence[np.ndarray[Any, Any]]) -> list[bytes]:
    return [array_bytes(a) for a in arrays]


def data_with_axes_to_proto(dwa: DataWithAxes, background: DataWithAxes | None = None) -> pb.DataWithAxes:
    errors = dwa.error_arrays
    backgrounds = dwa.background_arrays
    if background is not None:
        if backgrounds:
            raise InvalidDataError(f"DataWithAxes {dwa.name!r} background", "is given twice")
        if (
            background.shape != dwa.shape
            or background.dtype != dwa.dtype
            or len(background.channels) != len(dwa.channels)
        ):
            raise InvalidDataError(
                f"background {background.name!r}",
                f"has {len(background.channels)} x {background.shape} {background.dtype}: "
                f"the data has {len(dwa.channels)} x {dwa.shape} {dwa.dtype}",
            )
        backgrounds = background.channels
    message = pb.DataWithAxes(
        name=dwa.name,
        source=_SOURCE[dwa.source],
        dim=_DIM[dwa.dim],
        distribution=_DISTRIBUTION[dwa.distribution],
        dtype=wire_dtype(dwa.dtype, f"DataWithAxes {dwa.name!r} data"),
        shape=list(dwa.shape),
        data=_bytes_list(dwa.channels),
        labels=list(dwa.labels),
        units=dwa.units,
        axes=[axis_to_proto(axis) for axis in dwa.axes],
        nav_indexes=list(dwa.nav_indexes),
        errors=_bytes_list(errors),
        errors_dtype=wire_dtype(errors[0].dtype, "errors") if errors else pb.DTYPE_UNSPECIFIED,
        background=_bytes_list(backgrounds),
        origin=dwa.origin,
        extra_attributes=attributes_to_proto(
            dwa.extra_attributes, f"DataWithAxes {dwa.name!r} extra_attributes"
        ),
    )
    if dwa.timestamp is not None:
        message.timestamp = dwa.timestamp
    return message


def data_to_export_to_proto(data: DataLike, background: DataLike | None = None) -> pb.DataToExport:
    """The wire message of a DataToExport. ``background``: DataWithAxes matched by name to the
    data's, saved as their ``BkgNN`` arrays (PyMoDAQ's add_bkg)."""
    dte = as_data_to_export(data)
    backgrounds: dict[str, DataWithAxes] = {}
    if background is not None:
        for bkg in as_data_to_export(background).data:
            assert isinstance(bkg, DataWithAxes)
            backgrounds[bkg.name] = bkg
        unknown = set(backgrounds) - {dwa.name for dwa in dte.data if isinstance(dwa, DataWithAxes)}
        if unknown:
            raise InvalidDataError(
                "background", f"names {sorted(unknown)}, which are not DataWithAxes of {dte.name!r}"
            )
    message = pb.DataToExport(
        name=dte.name,
        data=[
            data_with_axes_to_proto(dwa, backgrounds.get(dwa.name))
            for dwa in dte.data
            if isinstance(dwa, DataWithAxes)
        ],
    )
    if dte.timestamp is not None:
        message.timestamp = dte.timestamp
    return message
