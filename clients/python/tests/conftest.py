"""Fixtures of the Python client's suite.

* ``server``   one real h5saver server for the whole session (``h5saver serve`` under Node, on
               127.0.0.1, port chosen by the OS), with its data root; stopped with SIGTERM.
* ``client``   an h5saver.Client connected to it (30 s deadline per unary call).
* ``unique``   a fresh relative file name per test.
* ``ref``      test/interop/pymodaq_reference (PyMoDAQ's own savers and the node-by-node
               comparison), and ``cases``, test/interop/cases.json.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from h5saver import Client

REPO_ROOT = Path(__file__).resolve().parents[3]
INTEROP = REPO_ROOT / "test" / "interop"
CLI = REPO_ROOT / "service" / "src" / "cli" / "h5saver.ts"
LISTENING = re.compile(r"^h5saver listening on (127\.0\.0\.1:\d+), data root (.+)$")

if str(INTEROP) not in sys.path:
    sys.path.insert(0, str(INTEROP))

import pymodaq_reference  # noqa: E402  (imports no PyMoDAQ at module level)


def pytest_configure(config: pytest.Config) -> None:
    # PyMoDAQ reads and writes ~/.pymodaq: a private HOME, before anything imports it
    pymodaq_reference.isolate_pymodaq_config(tempfile.mkdtemp(prefix="h5saver-pyclient-home-"))
    config.addinivalue_line("filterwarnings", "ignore::UserWarning:pymodaq_data.data")
    config.addinivalue_line("filterwarnings", "ignore::RuntimeWarning:numpy")
    config.addinivalue_line("filterwarnings", "ignore:The specified dimensionality is not coherent:Warning")


@dataclass
class Server:
    address: str
    root: Path
    process: subprocess.Popen[str]

    def file(self, relative: str) -> Path:
        return self.root / relative


def start_server(root: Path, timeout: float = 60.0) -> Server:
    """Starts ``h5saver serve`` on 127.0.0.1 and waits for its listening line."""
    process = subprocess.Popen(
        ["node", "--import", "tsx", str(CLI.relative_to(REPO_ROOT)), "serve", "--root", str(root),
         "--port", "0", "--host", "127.0.0.1"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            process.kill()
            raise RuntimeError(f"h5saver serve printed no listening line within {timeout} s: {seen}") from None
        if line is None:
            stderr = process.stderr.read() if process.stderr else ""
            raise RuntimeError(f"h5saver serve exited ({process.wait()}) before listening: {seen} {stderr}")
        seen.append(line)
        match = LISTENING.match(line)
        if match:
            return Server(match.group(1), Path(match.group(2)), process)


def stop_server(server: Server, timeout: float = 20.0) -> int:
    """SIGTERM (the server closes its files), then the exit status."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
    try:
        return server.process.wait(timeout)
    except subprocess.TimeoutExpired:
        server.process.kill()
        return server.process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("data-root"))
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture
def client(server: Server) -> Iterator[Client]:
    with Client(server.address, timeout=30) as connected:
        yield connected


_counter = iter(range(1_000_000))


@pytest.fixture
def unique(request: pytest.FixtureRequest) -> str:
    """A file name no other test uses: <test name>-<n>.h5."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name).strip("_")
    return f"{name}-{next(_counter)}-{os.getpid()}.h5"


@pytest.fixture(scope="session")
def ref() -> ModuleType:
    return pymodaq_reference


@pytest.fixture(scope="session")
def cases() -> dict[str, Any]:
    return pymodaq_reference.load_cases(INTEROP / "cases.json")
