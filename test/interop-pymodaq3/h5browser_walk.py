"""Opens files in PyMoDAQ 3's H5Browser (the GUI, on Qt's offscreen platform) and shows every
node of its tree as a user clicking through it would (``show_h5_data``: attributes, settings,
data in its viewer). Prints JSON ``{file: {"nodes": [path...], "errors": {path: [message...]}}}``:
what the browser lists and what it logs as errors per node. Runs in its own process (one
QApplication) from test_h5browser.py.

Usage: .venv-pymodaq3/bin/python test/interop-pymodaq3/h5browser_walk.py FILE.h5...
"""
from __future__ import annotations

import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pymodaq3_reference as ref  # noqa: E402

ref.isolate()


class _Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.current = None
        self.by_node: dict[str, list[str]] = {}

    def emit(self, record):
        if self.current is not None:
            detail = f" ({record.exc_info[1]})" if record.exc_info else ""
            self.by_node.setdefault(self.current, []).append(record.getMessage() + detail)


def walk(path: str, errors: _Errors) -> dict:
    from pymodaq.daq_utils.h5modules import H5Browser
    from qtpy import QtWidgets
    copy = Path(tempfile.mkdtemp()) / Path(path).name  # the browser opens files 'r+'
    shutil.copy(path, copy)
    browser = H5Browser(QtWidgets.QWidget(), h5file_path=str(copy))
    tree = browser.ui.h5file_tree.ui.Tree
    items = []

    def collect(item):
        items.append(item)
        for k in range(item.childCount()):
            collect(item.child(k))

    for k in range(tree.topLevelItemCount()):
        collect(tree.topLevelItem(k))
    errors.by_node = {}
    for item in items:
        errors.current = item.text(2)
        tree.setCurrentItem(item)
        browser.show_h5_data(item)
    errors.current = None
    browser.h5utils.close_file()
    return {"nodes": [item.text(2) for item in items], "errors": errors.by_node}


def main(files: list[str]) -> int:
    from qtpy import QtWidgets
    app = QtWidgets.QApplication(sys.argv[:1])  # noqa: F841  (kept alive while browsing)
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    logging.getLogger("pymodaq").addHandler(errors)
    out = {f: walk(f, errors) for f in files}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
