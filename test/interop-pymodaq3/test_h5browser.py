"""PyMoDAQ 3's H5Browser (its GUI, offscreen) lists the same tree for h5saver's pymodaq3-layout
files as for PyMoDAQ 3's own, and showing each node (attributes, settings XML, data in the
viewer) goes exactly as it goes for PyMoDAQ 3's own file. PyMoDAQ 3.6's viewers log errors on
Python 3.11 for some plots (e.g. ``collections.Iterable``), for its own files too: the test
requires the same outcome per node, not none."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import pymodaq3_reference as ref
from conftest import HERE

# one file of each saving mode, to keep the GUI part of the suite short
BROWSED = ("snapshot", "continuous", "scan2d")


@pytest.fixture(scope="session")
def browsed(h5saver_files, pymodaq3_files) -> dict:
    files = [str(f[name]) for f in (h5saver_files, pymodaq3_files) for name in BROWSED]
    proc = subprocess.run([sys.executable, str(HERE / "h5browser_walk.py"), *files],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(f"h5browser_walk.py failed (exit {proc.returncode})\n{proc.stderr[-4000:]}",
                    pytrace=False)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", BROWSED)
def test_h5browser_shows_h5saver_files_as_pymodaq3_files(browsed, h5saver_files, pymodaq3_files, cases,
                                                          name):
    ours, theirs = browsed[str(h5saver_files[name])], browsed[str(pymodaq3_files[name])]
    assert ours["nodes"] == theirs["nodes"]
    data_nodes = [n for n in ours["nodes"] if n.endswith("/Data")]
    assert len(data_nodes) == sum(len(d["arrays"]) for d in ref.dwas_of(cases, name)), ours["nodes"]
    assert ours["errors"] == theirs["errors"]
