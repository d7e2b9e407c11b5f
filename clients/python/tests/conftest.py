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
import re
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from h5saver_test_server import REPO_ROOT, Server, start_server, stop_server

from h5saver import Client

INTEROP = REPO_ROOT / "test" / "interop"

if str(INTEROP) not in sys.path:
    sys.path.insert(0, str(INTEROP))

import pymodaq_reference  # noqa: E402  (imports no PyMoDAQ at module level)


def pytest_configure(config: pytest.Config) -> None:
    # PyMoDAQ reads and writes ~/.pymodaq: a private HOME, before anything imports it
    pymodaq_reference.isolate_pymodaq_config()
    config.addinivalue_line("filterwarnings", "ignore::UserWarning:pymodaq_data.data")
    config.addinivalue_line("filterwarnings", "ignore::RuntimeWarning:numpy")
    config.addinivalue_line("filterwarnings", "ignore::Warning:pymodaq_data.data")


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
