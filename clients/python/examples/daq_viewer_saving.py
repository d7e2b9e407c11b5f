"""Continuous saving of a PyMoDAQ DAQ_Viewer through an h5saver server.

A DAQ_Viewer emits every acquisition on its ``grab_done_signal`` as a PyMoDAQ ``DataToExport``.
:class:`ViewerStreamSaver` connects to that signal and appends each acquisition to an h5saver
continuous stream, so the file is written by the h5saver service (laid out as PyMoDAQ's own
continuous saving would) instead of inside the GUI process.

The slot runs in the GUI thread: when the server's disk is slower than the detector, ``append``
blocks there (back-pressure) for as long as it takes the server to take the frame, rather than
buffering without bound. ``max_wait`` turns such a wait into a dropped frame, counted in
``dropped``, for set-ups that prefer a responsive GUI over a complete file.

Run against a server (needs pymodaq and a Qt binding; Mock is one of PyMoDAQ's mock detectors):

    node service/bin/h5saver.mjs serve --root /tmp/h5root --port 50051
    python clients/python/examples/daq_viewer_saving.py 127.0.0.1:50051 viewer.h5 --frames 100

Everything but :func:`main` works without Qt: the class only needs an object with a
``grab_done_signal`` that has ``connect``/``disconnect`` (the tests use a stand-in).
"""

from __future__ import annotations

import argparse
from typing import Any, Protocol

from h5saver import Ack, Client, ContinuousUpload, FlushPolicy, RemoteFile


class Signal(Protocol):
    def connect(self, slot: Any) -> Any: ...

    def disconnect(self, slot: Any) -> Any: ...


class Viewer(Protocol):
    """What is used of a DAQ_Viewer: its data signal."""

    grab_done_signal: Signal


class ViewerStreamSaver:
    """Saves every acquisition a DAQ_Viewer emits into one continuous stream of an h5saver file."""

    def __init__(
        self,
        client: Client,
        path: str,
        title: str,
        *,
        settings_xml: str = "",
        flush: FlushPolicy | None = None,
        max_wait: float | None = None,
    ) -> None:
        self.file: RemoteFile = client.open_file(path, mode="create", flush=flush)
        self.detector_id = self.file.add_detector(title, settings_xml)
        self.upload: ContinuousUpload = self.file.start_continuous(self.detector_id)
        self.max_wait = max_wait
        self.dropped = 0
        self._viewers: list[Viewer] = []

    def attach(self, viewer: Viewer) -> None:
        """Starts saving what ``viewer`` emits."""
        viewer.grab_done_signal.connect(self.on_grab_done)
        self._viewers.append(viewer)

    def on_grab_done(self, dte: Any) -> None:
        """The slot: one PyMoDAQ DataToExport → one frame of the stream."""
        try:
            self.upload.append(dte, timeout=self.max_wait)
        except TimeoutError:
            self.dropped += 1

    def close(self) -> Ack:
        """Disconnects, ends the stream (every frame durable) and closes the file."""
        for viewer in self._viewers:
            viewer.grab_done_signal.disconnect(self.on_grab_done)
        self._viewers.clear()
        try:
            return self.upload.end()
        finally:
            self.file.close()

    def __enter__(self) -> ViewerStreamSaver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _settings_xml(viewer: Any) -> str:
    """The viewer's settings as PyMoDAQ stores them beside the data (its ioxml format)."""
    from pymodaq_gui.parameter import ioxml

    xml = ioxml.parameter_to_xml_string(viewer.settings)
    return xml.decode() if isinstance(xml, bytes) else str(xml)


def main(argv: list[str] | None = None) -> None:  # pragma: no cover  (needs Qt and pymodaq)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("address", help="h5saver server, host:port")
    parser.add_argument("path", help="file to create, relative to the server's data root")
    parser.add_argument("--detector", default="Mock", help="DAQ_Viewer detector plugin (default Mock)")
    parser.add_argument("--daq-type", default="DAQ1D", help="DAQ0D, DAQ1D or DAQ2D (default DAQ1D)")
    parser.add_argument("--frames", type=int, default=100, help="stop after this many frames")
    args = parser.parse_args(argv)

    from pymodaq.control_modules.daq_viewer import DAQ_Viewer
    from pymodaq_gui.utils import DockArea
    from qtpy import QtCore, QtWidgets

    app = QtWidgets.QApplication([])
    area = DockArea()
    viewer = DAQ_Viewer(area, title=args.detector, daq_type=args.daq_type)
    viewer.detector = args.detector
    viewer.init_hardware_ui(True)
    while not viewer.initialized_state:
        QtWidgets.QApplication.processEvents()
        QtCore.QThread.msleep(50)

    with Client(args.address) as client:
        saver = ViewerStreamSaver(client, args.path, viewer.title, settings_xml=_settings_xml(viewer))
        saver.attach(viewer)
        viewer.grab()
        while saver.upload.sent < args.frames:
            QtWidgets.QApplication.processEvents()
            QtCore.QThread.msleep(10)
        viewer.stop_grab()
        final = saver.close()
        print(f"{final.durable_frames} frames saved in {saver.file.path} ({saver.dropped} dropped)")
    viewer.quit_fun()
    app.quit()


if __name__ == "__main__":
    main()
