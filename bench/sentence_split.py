"""Sentence splitting and chunking of one long paragraph, the worst case for both.

``python bench/sentence_split.py [--sizes 1000 2000 4000 20000]`` prints, per size, the seconds
``sentence_spans`` takes on a single paragraph of that many sentences and the seconds the JSONL
reader plus ``build_document`` take on a page whose text is that paragraph. A page extracted as
one paragraph, or a long transcript, reaches these sizes; the times should grow linearly.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.text import sentence_spans
from ingest.chunking import build_document
from ingest.readers.jsonl import parse_line

# Abbreviations and initials make every period go through the abbreviation check's slow path.
_SENTENCE = "Huge story about the weather. "
_MIXED = "Dr. J. Smith met Mr. Jones at 5 p.m. in the U.S. capital. It rained! "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 20000])
    args = parser.parse_args()
    print(f"{'sentences':>9} {'chars':>9} {'split s':>8} {'mixed s':>8} {'page s':>8} passages")
    for n in args.sizes:
        text = _SENTENCE * n
        started = time.perf_counter()
        spans = sentence_spans(text)
        split = time.perf_counter() - started
        assert len(spans) == n
        mixed_text = _MIXED * (n // 2)
        started = time.perf_counter()
        sentence_spans(mixed_text)
        mixed = time.perf_counter() - started
        raw = json.dumps({"url": "https://ex.org/j", "text": text}).encode()
        started = time.perf_counter()
        document = build_document(parse_line(raw, "bench:1"))
        page = time.perf_counter() - started
        print(
            f"{n:>9} {len(text):>9} {split:>8.3f} {mixed:>8.3f} {page:>8.3f} "
            f"{len(document.passages)}"
        )


if __name__ == "__main__":
    main()
