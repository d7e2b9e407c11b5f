"""examples/daq_viewer_saving.py: its ViewerStreamSaver, driven by a stand-in for a DAQ_Viewer's
grab_done_signal emitting PyMoDAQ DataToExport objects, writes the frames PyMoDAQ's loader reads."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from h5saver_test_server import REPO_ROOT

from h5saver import Client

EXAMPLE = REPO_ROOT / "clients" / "python" / "examples" / "daq_viewer_saving.py"


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("daq_viewer_saving", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class StandInSignal:
    """connect/disconnect/emit, as a Qt signal offers them."""

    def __init__(self) -> None:
        self.slots: list[Callable[[Any], None]] = []

    def connect(self, slot: Callable[[Any], None]) -> None:
        self.slots.append(slot)

    def disconnect(self, slot: Callable[[Any], None]) -> None:
        self.slots.remove(slot)

    def emit(self, value: Any) -> None:
        for slot in list(self.slots):
            slot(value)


class StandInViewer:
    def __init__(self) -> None:
        self.grab_done_signal = StandInSignal()


def test_viewer_frames_are_saved_as_a_continuous_stream(
    client: Client, server, cases: dict, ref: ModuleType
) -> None:
    example = _load_example()
    viewer = StandInViewer()
    t0, dt = cases["dte"]["timestamp"], cases["continuous"]["dt"]
    with example.ViewerStreamSaver(client, "viewer.h5", cases["detector"]["title"]) as saver:
        saver.attach(viewer)
        for k in range(5):
            viewer.grab_done_signal.emit(ref.make_dte(cases, k + 1, t0 + k * dt))
    assert viewer.grab_done_signal.slots == []  # closing disconnected it
    assert saver.upload.last_ack.final and saver.upload.last_ack.durable_frames == 5
    assert saver.dropped == 0

    from pymodaq_data.h5modules.data_saving import DataLoader
    from pymodaq_data.h5modules.saving import H5SaverLowLevel

    h5 = H5SaverLowLevel()
    h5.init_file(file_name=server.file("viewer.h5"), mode="r")
    try:
        spectro = DataLoader(h5).load_data("/RawData/Detector000/Data1D/CH00/EnlData00", load_all=True)
    finally:
        h5.close_file()
    base = ref.make_dte(cases).data[0].data[0]
    np.testing.assert_allclose(spectro.data[0], np.stack([base * (k + 1) for k in range(5)]))
    np.testing.assert_allclose(spectro.get_nav_axes()[0].get_data(), t0 + dt * np.arange(5))


def test_the_example_imports_without_qt() -> None:
    example = _load_example()
    with pytest.raises(SystemExit):  # argparse: the address and path are required
        example.main([])
