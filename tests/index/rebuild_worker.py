"""Run by test_generations in a subprocess: rebuild an archive's vectors with the hash embedder
in small batches, so that a SIGKILL lands anywhere in the rebuild (embedding, the switch, the
drop of the old collection)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from index.archive import Archive
from index.embedder import HashEmbedder
from ingest.rebuild import rebuild


async def main(data_dir: Path) -> None:
    async with await Archive.open(data_dir, embedder=HashEmbedder()) as archive:
        print("ready", flush=True)
        await rebuild(archive, batch_size=4)
        print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
