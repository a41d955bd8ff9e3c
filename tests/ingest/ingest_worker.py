"""Run by test_kill_safety in a subprocess: ingest a folder with the hash embedder, small
batches, so that a SIGKILL lands between SQLite commits and chromadb writes."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from index.archive import Archive
from index.embedder import HashEmbedder
from ingest.pipeline import ingest_paths


async def main(data_dir: Path, corpus: Path) -> None:
    async with await Archive.open(data_dir, embedder=HashEmbedder()) as archive:
        print("ready", flush=True)
        await ingest_paths(archive, [corpus], batch_size=8)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
