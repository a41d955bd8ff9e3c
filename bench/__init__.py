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


def peak_rss_kb(pid: int | str) -> int:
    """The kernel's high-water mark of a process's resident memory (VmHWM), in KiB; ``pid`` may
    be ``"self"``. Raises ``OSError`` where ``/proc`` has no such process."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0
