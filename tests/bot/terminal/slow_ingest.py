"""Run by test_cli_hostile in a subprocess: ``archivist ingest`` (its real ``main``, signals and
all) with the hash embedder slowed to about a model's pace on a small machine (or to
``SECONDS_PER_TEXT``). Its first call creates the file named by ``FIRST_EMBED_MARK``, so the
test knows the page is being embedded."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from bot.terminal.cli import main
from index.embedder import HashEmbedder

SECONDS_PER_TEXT = float(os.environ.get("SECONDS_PER_TEXT", "0.002"))
_embed = HashEmbedder.embed


def slow_embed(self: HashEmbedder, texts: list[str]) -> np.ndarray:
    Path(os.environ["FIRST_EMBED_MARK"]).touch()
    time.sleep(SECONDS_PER_TEXT * len(texts))
    return _embed(self, texts)


HashEmbedder.embed = slow_embed  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
