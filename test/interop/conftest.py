"""Session fixtures of the interop suite.

* ``cases``                  test/interop/cases.json, parsed
* ``pymodaq_files``          {mode: Path} reference files written by PyMoDAQ (pymodaq_data 5.3.0)
                             with the backend named by H5SAVER_PYMODAQ_BACKEND (default 'tables')
* ``pymodaq_files_all``      {backend: {mode: Path}} the same for both PyMoDAQ backends
* ``h5saver_files``          {mode: Path} the same three files written by h5saver's TypeScript
                             writer (test/interop/h5saver-write.ts)
* ``h5saver_read``           callable FILE -> parsed JSON of test/interop/h5saver-read.ts FILE
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
CASES_JSON = HERE / "cases.json"
WRITE_TS = HERE / "h5saver-write.ts"
READ_TS = HERE / "h5saver-read.ts"

if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import pymodaq_reference as ref  # noqa: E402  (no pymodaq import at module level)

MODES = ref.MODES


def pytest_configure(config):
    # PyMoDAQ reads/writes ~/.pymodaq (config that can change the backend, logs): give it a
    # private HOME before anything imports pymodaq_utils.
    ref.isolate_pymodaq_config()
    # PyMoDAQ's DataWithAxes warns a lot while rebuilding axes from files: not our concern here
    config.addinivalue_line("filterwarnings", "ignore::UserWarning:pymodaq_data.data")
    config.addinivalue_line("filterwarnings", "ignore::RuntimeWarning:numpy")


def _node_cmd(script: Path, *args: str) -> list[str]:
    return ["node", "--import", "tsx", str(script.relative_to(REPO_ROOT)), *args]


def _require_ts(script: Path):
    if not script.is_file():
        pytest.fail(f"{script.relative_to(REPO_ROOT)} does not exist yet: the TypeScript side of "
                    f"the interop suite is missing, so h5saver files cannot be produced/read",
                    pytrace=False)
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH: cannot run the TypeScript writer/reader", pytrace=False)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def cases() -> dict:
    return ref.load_cases(CASES_JSON)


@pytest.fixture(scope="session")
def pymodaq_files_all(tmp_path_factory, cases) -> dict[str, dict[str, Path]]:
    out = {}
    for backend in ref.BACKENDS:
        out[backend] = ref.write_all(tmp_path_factory.mktemp(f"pymodaq-{backend}"), cases, backend)
    return out


@pytest.fixture(scope="session")
def pymodaq_backend() -> str:
    return ref.DEFAULT_BACKEND


@pytest.fixture(scope="session")
def pymodaq_files(pymodaq_files_all, pymodaq_backend) -> dict[str, Path]:
    return pymodaq_files_all[pymodaq_backend]


def _write_h5saver(outdir: Path, *extra: str) -> dict[str, Path]:
    _require_ts(WRITE_TS)
    proc = subprocess.run(_node_cmd(WRITE_TS, str(CASES_JSON.relative_to(REPO_ROOT)), str(outdir), *extra),
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail(f"h5saver-write.ts {' '.join(extra)} failed (exit {proc.returncode})\nstdout:\n"
                    f"{proc.stdout}\nstderr:\n{proc.stderr}", pytrace=False)
    files = {mode: outdir / f"{mode}.h5" for mode in MODES}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        pytest.fail(f"h5saver-write.ts did not write {missing}", pytrace=False)
    return files


@pytest.fixture(scope="session")
def h5saver_files(tmp_path_factory) -> dict[str, Path]:
    """The cases written by h5saver's writer in-process."""
    return _write_h5saver(tmp_path_factory.mktemp("h5saver"))


@pytest.fixture(scope="session")
def service_files(tmp_path_factory) -> dict[str, Path]:
    """The same cases written through the gRPC service (server on 127.0.0.1, TypeScript client)."""
    return _write_h5saver(tmp_path_factory.mktemp("h5saver-service"), "--via-service")


@pytest.fixture(scope="session")
def h5saver_read():
    cache: dict[str, dict] = {}

    def read(path: str | Path) -> dict:
        key = str(path)
        if key not in cache:
            _require_ts(READ_TS)
            proc = subprocess.run(_node_cmd(READ_TS, str(path)), cwd=REPO_ROOT,
                                  capture_output=True, text=True, timeout=300)
            if proc.returncode != 0:
                pytest.fail(f"h5saver-read.ts {path} failed (exit {proc.returncode})\n"
                            f"stderr:\n{proc.stderr}", pytrace=False)
            try:
                cache[key] = json.loads(proc.stdout)
            except json.JSONDecodeError as e:
                pytest.fail(f"h5saver-read.ts {path} printed no valid JSON ({e}):\n"
                            f"{proc.stdout[:2000]}", pytrace=False)
        return cache[key]

    return read


@pytest.fixture(scope="session")
def h5dump() -> str:
    exe = shutil.which("h5dump")
    if exe is None:
        why = "h5dump not installed (bash scripts/debian-deps.sh installs hdf5-tools)"
        # CI runs as root, where debian-deps.sh installs it: a missing h5dump there is a failure.
        if os.environ.get("CI") == "true" or os.geteuid() == 0:
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    return exe


@pytest.fixture
def scratch_copy(tmp_path):
    def copy(path: Path) -> Path:
        dst = tmp_path / Path(path).name
        shutil.copyfile(path, dst)
        return dst

    return copy


def pytest_report_header(config):
    return [f"interop: PyMoDAQ reference backend = {ref.DEFAULT_BACKEND} "
            f"(H5SAVER_PYMODAQ_BACKEND), HOME = {os.environ.get('HOME')}"]
