"""The examples of clients/python/README.md run, in order, against the suite's server, and print
exactly the output the README shows after each of them (its ```text block)."""

from __future__ import annotations

import contextlib
import io
import re

from h5saver_test_server import REPO_ROOT

README = REPO_ROOT / "clients" / "python" / "README.md"
BLOCK = re.compile(r"```python\n(.*?)```\s*(?:```text\n(.*?)```)?", re.S)
ADDRESS_LINE = re.compile(r'^ADDRESS = "127\.0\.0\.1:50051".*$', re.M)


def test_readme_examples_print_what_the_readme_shows(server) -> None:
    blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 6, "the README's examples were not found"
    scope: dict[str, object] = {}
    for index, (code, shown) in enumerate(blocks):
        if index == 0:
            code, swapped = ADDRESS_LINE.subn(f'ADDRESS = "{server.address}"', code)
            assert swapped == 1, "the first example sets ADDRESS"
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"README.md example {index + 1}", "exec"), scope)
        assert shown, f"example {index + 1} shows no output"
        assert out.getvalue() == shown, f"example {index + 1} printed:\n{out.getvalue()}"


def test_main_readme_python_client_example_runs(server) -> None:
    """The repository README's "The Python client" example, against the suite's server."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The Python client", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "the main README's Python client example was not found"
    source, swapped = re.subn(r'"127\.0\.0\.1:50051"', f'"{server.address}"', code.group(1))
    assert swapped == 1, "the example connects to one address"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "README.md (Python client)", "exec"), {})
    assert out.getvalue().strip() == "100"
