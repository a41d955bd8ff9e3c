"""The benchmarks start the way the Makefile starts them. They are not run here (speed targets
live in ``make bench``), but a script that cannot even import its modules would only be found
by the next person who needs its figures."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.parametrize(
    "command",
    [
        ["bench/discord_load.py", "--help"],
        ["bench/discord_reindex.py", "--help"],
        ["-m", "bench", "--help"],
    ],
    ids=["bench-discord", "bench-discord-reindex", "bench"],
)
def test_a_benchmark_starts_as_make_starts_it(command: list[str]) -> None:
    # Run from the checkout like make does: a script's own folder, not the checkout, is first on
    # its path, so the test folders' namesakes of the packages must not shadow them.
    run = subprocess.run(
        [sys.executable, *command], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "usage:" in run.stdout
