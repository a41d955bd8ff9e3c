"""Benchmarks, run as ``python -m bench [NAME…]`` (``make bench``): each prints a table.

A module registers a benchmark by adding ``name: async (args) -> None`` to ``BENCHMARKS``; later
ones (ingest throughput) slot in beside ``ask``. Benchmarks read ``../shared/eval`` and skip
cleanly when it is absent; they are never timed unit tests.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable

Benchmark = Callable[[argparse.Namespace], Awaitable[None]]

BENCHMARKS: dict[str, Benchmark] = {}
