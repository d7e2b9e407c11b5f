"""The package is lint-clean (ruff) and type-checks under mypy --strict (the generated
h5saver.v1 excluded, as pyproject.toml configures)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=PACKAGE, capture_output=True, text=True, timeout=300)


def test_ruff_lint_and_format() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    lint = _run(str(ruff), "check", "--no-cache", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    formatted = _run(str(ruff), "format", "--no-cache", "--check", ".")
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_mypy_strict() -> None:
    result = _run(sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir=/dev/null")
    assert result.returncode == 0, result.stdout + result.stderr
