"""PyMoDAQ's own DataToExport / DataWithAxes / Axis (pymodaq_data) → h5saver's model.

pymodaq_data is optional: it is imported only when an object that comes from it is converted,
so ``import h5saver`` never pulls in PyMoDAQ. Every attribute PyMoDAQ's savers write is carried
over: name, source, dim, distribution, labels, units, origin, axes (with their index and
spread order), navigation indexes, error bars, extra attributes and timestamps.

PyMoDAQ's savers accept any numpy array, so this conversion does too: a strided view (e.g. a
transposed camera frame) is copied into a C-contiguous array here, once. Dtypes the wire cannot
carry (float16, complex…) are still refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import Axis, DataToExport, DataWithAxes


def is_pymodaq_data(value: object) -> bool:
    """Whether ``value`` is a pymodaq_data DataToExport or DataWithAxes (without importing
    PyMoDAQ when it is not loaded: such an object cannot exist then)."""
    module = type(value).__module__
    if not module.startswith("pymodaq"):
        return False
    from pymodaq_data.data import DataToExport as PmdDataToExport
    from pymodaq_data.data import DataWithAxes as PmdDataWithAxes

    return isinstance(value, PmdDataToExport | PmdDataWithAxes)


def is_pymodaq_data_with_axes(value: object) -> bool:
    """Whether ``value`` is a pymodaq_data DataWithAxes (DataRaw, DataCalculated, …)."""
    if not type(value).__module__.startswith("pymodaq"):
        return False
    from pymodaq_data.data import DataWithAxes as PmdDataWithAxes

    return isinstance(value, PmdDataWithAxes)


def _contiguous(arrays: Any) -> list[np.ndarray[Any, Any]] | None:
    if arrays is None:
        return None
    return [np.ascontiguousarray(a) for a in arrays]


def axis_from_pymodaq(axis: Any) -> Axis:
    """An h5saver Axis with the explicit values of a PyMoDAQ Axis (``get_data()``: linear axes
    are expanded, as PyMoDAQ's AxisSaver does before writing them)."""
    return Axis(
        label=axis.label,
        units=axis.units,
        data=np.ascontiguousarray(axis.get_data()),
        index=int(axis.index),
        spread_order=int(axis.spread_order),
    )


def data_with_axes_from_pymodaq(dwa: Any) -> DataWithAxes:
    return DataWithAxes(
        name=dwa.name,
        data=_contiguous(dwa.data) or [],
        source=dwa.source.name,
        dim=dwa.dim.name,
        distribution=dwa.distribution.name,
        labels=list(dwa.labels),
        units=dwa.units,
        axes=[axis_from_pymodaq(axis) for axis in dwa.axes],
        nav_indexes=[int(i) for i in dwa.nav_indexes],
        errors=_contiguous(dwa.errors),
        origin=dwa.origin,
        extra_attributes={key: getattr(dwa, key) for key in dwa.extra_attributes},
        timestamp=float(dwa.timestamp),
    )


def to_data_to_export(value: Any) -> DataToExport:
    """h5saver's DataToExport of a PyMoDAQ DataToExport, or of one DataWithAxes (which becomes a
    DataToExport of its name, as DAQ_Viewer hands a single DataWithAxes over)."""
    from pymodaq_data.data import DataWithAxes as PmdDataWithAxes

    if isinstance(value, PmdDataWithAxes):
        return DataToExport(
            value.name, [data_with_axes_from_pymodaq(value)], timestamp=float(value.timestamp)
        )
    return DataToExport(
        value.name,
        [data_with_axes_from_pymodaq(dwa) for dwa in value.data],
        timestamp=float(value.timestamp),
    )
