"""The README's Python snippet runs as written against a file h5saver wrote (the path swapped)."""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_readme_python_snippet_loads_h5saver_file(h5saver_files):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    code, swapped = re.subn(r'Path\("[^"]+"\)', f'Path("{h5saver_files["continuous"]}")', code)
    assert swapped == 1, "the snippet should name one file"
    out = io.StringIO()
    scope: dict = {}
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 (our own README)
    spectra = scope["spectra"]
    # the interop file's Data1D is cases.json's 'Spectro' (the demo's is 'Spectrum', 2048 pixels)
    assert spectra.name == "Spectro"
    assert spectra.shape == (5, 11)
    assert out.getvalue().strip() == "Spectro (5, 11) ['wavelength', 'time']"
