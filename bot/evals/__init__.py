"""Evaluations, run as ``archivist eval NAME``: each module here contributes one subcommand.

A module registers itself by adding a function to ``EVALUATIONS`` that takes the ``eval``
subparsers and the options every command shares (``--data-dir``), adds its parser and sets
``handler`` (an ``async (args, settings) -> int``) as the parser's default.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

Register = Callable[
    ["argparse._SubParsersAction[argparse.ArgumentParser]", argparse.ArgumentParser], None
]

EVALUATIONS: list[Register] = []

# Modules that register themselves (imported last: they append to EVALUATIONS above).
from bot import rerank  # noqa: E402
from bot.evals import extraction, news, qa  # noqa: E402, F401

EVALUATIONS.append(rerank.register)
