"""Session fixtures of the PyMoDAQ 3.x interop suite (runs in .venv-pymodaq3).

* ``cases``           test/interop-pymodaq3/cases.json, parsed
* ``pymodaq3_files``  {name: Path} snapshot/continuous/scan1d/scan2d written by PyMoDAQ 3.6 itself
* ``h5saver_files``   {name: Path} the same four files written by h5saver in the pymodaq3 layout
                      (h5saver-write-v3.ts, in a node subprocess)
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
WRITE_TS = HERE / "h5saver-write-v3.ts"

if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import pymodaq3_reference as ref  # noqa: E402  (no pymodaq import at module level)


def pytest_configure(config):
    # PyMoDAQ 3 writes ~/pymodaq_local and ~/.pymodaq at import and needs a Qt platform:
    # a private HOME and the offscreen platform before anything imports it.
    ref.isolate()
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning")


@pytest.fixture(scope="session")
def cases() -> dict:
    return ref.load_cases()


@pytest.fixture(scope="session")
def pymodaq3_files(tmp_path_factory, cases) -> dict[str, Path]:
    return ref.write_all(tmp_path_factory.mktemp("pymodaq3"), cases)


@pytest.fixture(scope="session")
def h5saver_files(tmp_path_factory) -> dict[str, Path]:
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH: cannot run h5saver's writer", pytrace=False)
    outdir = tmp_path_factory.mktemp("h5saver-v3")
    cmd = ["node", "--import", "tsx", str(WRITE_TS.relative_to(REPO_ROOT)),
           str(ref.CASES_JSON.relative_to(REPO_ROOT)), str(outdir)]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail(f"h5saver-write-v3.ts failed (exit {proc.returncode})\nstdout:\n{proc.stdout}\n"
                    f"stderr:\n{proc.stderr}", pytrace=False)
    files = {name: outdir / f"{name}.h5" for name in ref.FILES}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        pytest.fail(f"h5saver-write-v3.ts did not write {missing}", pytrace=False)
    return files
