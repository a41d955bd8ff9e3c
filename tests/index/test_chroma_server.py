"""The scale path: vectors in a chroma server (`chroma run`) instead of the embedded client."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEED, settings_for

from bot.answering.engine import Engine
from index.archive import Archive
from index.embedder import Embedder
from index.vectors import VectorStoreUnavailable
from ingest.pipeline import ingest_paths

CHROMA = Path(sys.executable).with_name("chroma")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A chroma server on 127.0.0.1 with a temporary path, stopped after the module."""
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("wb")
    server = subprocess.Popen(
        [
            str(CHROMA),
            "run",
            "--path",
            str(path / "data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"chroma run did not start: {(path / 'server.log').read_text()}"
                    ) from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


async def test_ingest_and_ask_through_a_chroma_server(
    chroma_url: str, tmp_path: Path, model: Embedder
) -> None:
    settings = settings_for(tmp_path / "data", chroma_url=chroma_url)
    async with await Engine.open(settings, embedder=model) as engine:
        report = await ingest_paths(engine.archive, [SEED])
        answer = await engine.ask("When did fighting in Aleppo break out?")
        stats = await engine.stats()
    assert report.vectors_written == stats["vectors"] == stats["passages"] == 32
    assert answer.quotes[0].text.startswith("Fighting in Aleppo broke out on July 19, 2012")
    assert not (tmp_path / "data" / "chroma").exists()  # nothing embedded locally


async def test_archives_sharing_a_server_keep_their_own_vectors(
    chroma_url: str, tmp_path: Path, hash_embedder
) -> None:
    counts = []
    for name in ("one", "two"):
        async with await Archive.open(
            tmp_path / name, chroma_url=chroma_url, embedder=hash_embedder
        ) as archive:
            await ingest_paths(archive, [SEED] if name == "one" else [])
            counts.append((await archive.stats()).vectors)
    assert counts == [32, 0]


async def test_an_unreachable_server_is_named(tmp_path: Path, hash_embedder) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(VectorStoreUnavailable, match=f"CHROMA_URL={url}"):
        await Archive.open(tmp_path, chroma_url=url, embedder=hash_embedder)
