"""``python -m bench [NAME…]``: run the named benchmarks (all by default)."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from bench import (
    BENCHMARKS,
    ask_latency,  # noqa: F401  (registers "ask")
    scale,  # noqa: F401  (registers "scale")
    warc_memory,  # noqa: F401  (registers "warc")
)
from bench.ask_latency import LATENCY_SIZES


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {sorted(BENCHMARKS)}")
    parser.add_argument("--eval", type=Path, default=Path("../shared/eval"), help="shared data")
    # The same flags as `archivist bench`, so README examples work with either.
    parser.add_argument("--passages", type=int, default=10_000, help="scale: passages to ingest")
    parser.add_argument(
        "--latency-passages",
        type=int,
        nargs="+",
        default=LATENCY_SIZES,
        help="archive sizes for ask latency (each built once under --cache)",
    )
    parser.add_argument("--device", help="embedding device (cpu, cuda); default: automatic")
    parser.add_argument("--json", action="store_true", help="scale: the figures as JSON")
    parser.add_argument("--questions", type=int, default=200, help="asks per row")
    parser.add_argument(
        "--size-mb", type=float, default=1024, help="warc: the large generated WARC's size"
    )
    parser.add_argument(
        "--small-mb", type=float, help="warc: the small WARC's size (default: a tenth)"
    )
    parser.add_argument(
        "--model",
        choices=("hash", "real"),
        default="hash",
        help="warc: embed with the hash embedder (default) or the real model",
    )
    parser.add_argument(
        "--chroma-server",
        action="store_true",
        help="warc: vectors in a chroma server process (CHROMA_URL), its memory measured apart;"
        " ask: the latency rows with the archive's vectors served by one",
    )
    parser.add_argument("--cache", type=Path, default=Path("build/bench"), help="scratch")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for name in args.names or list(BENCHMARKS):
        asyncio.run(BENCHMARKS[name](args))


if __name__ == "__main__":
    main()
