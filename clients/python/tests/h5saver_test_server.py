"""Starts and stops a real h5saver server (``h5saver serve`` under Node) on 127.0.0.1 for the
Python client's tests; a module of its own so that test modules can import it by a unique name."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
CLI = REPO_ROOT / "service" / "bin" / "h5saver.mjs"
"""The `h5saver` command as users run it (it bundles the TypeScript sources at start)."""
LISTENING = re.compile(r"^h5saver listening on (127\.0\.0\.1:\d+), data root (.+)$")


@dataclass
class Server:
    address: str
    root: Path
    process: subprocess.Popen[str]
    log: Path
    """The server's stderr (a file: a pipe nobody reads would stall the server once full)."""

    def file(self, relative: str) -> Path:
        return self.root / relative


def start_server(root: Path, timeout: float = 60.0, extra: tuple[str, ...] = ()) -> Server:
    """Starts ``h5saver serve`` on 127.0.0.1 (with ``extra`` arguments) and waits for its
    listening line."""
    log = root.parent / f"{root.name}-server.log"
    stderr = log.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [
            "node",
            str(CLI.relative_to(REPO_ROOT)),
            "serve",
            "--root",
            str(root),
            "--port",
            "0",
            "--host",
            "127.0.0.1",
            *extra,
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
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
            raise RuntimeError(
                f"h5saver serve printed no listening line within {timeout} s: {seen}"
            ) from None
        if line is None:
            raise RuntimeError(
                f"h5saver serve exited ({process.wait()}) before listening: {seen} {log.read_text()}"
            )
        seen.append(line)
        match = LISTENING.match(line)
        if match:
            return Server(match.group(1), Path(match.group(2)), process, log)


def stop_server(server: Server, timeout: float = 20.0) -> int:
    """SIGTERM (the server closes its files), then the exit status."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
    try:
        return server.process.wait(timeout)
    except subprocess.TimeoutExpired:
        server.process.kill()
        return server.process.wait()
