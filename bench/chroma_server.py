"""A chroma server process on a free local port, as the README's ``CHROMA_URL`` setup runs one
(``chroma run``): for the benchmarks that measure the engine against it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import BinaryIO


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_chroma(path: Path, log: BinaryIO) -> tuple[subprocess.Popen[bytes], str]:
    """``chroma run`` serving the collections stored under ``path``, and its URL, once it
    listens (a minute at most)."""
    port = _free_port()
    chroma = Path(sys.executable).with_name("chroma")
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server, f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    server.kill()
    server.wait()
    raise RuntimeError(f"the chroma server for {path} did not start (see {log.name})")


def stop_chroma(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
