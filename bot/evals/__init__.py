"""Evaluations, run as ``archivist eval NAME``: each module here contributes one subcommand.

Each module defines ``register(subparsers, common)``, which adds its parser to the ``eval``
subparsers (with ``common``, the options every command shares, such as ``--data-dir``) and sets
``handler`` (an ``async (args, settings) -> int``) as the parser's default; ``EVALUATIONS``
lists them in the order ``archivist eval --help`` shows them.

Layer rule: an evaluation drives the answering engine and the index as the product does, so it
may import ``bot.answering``, ``bot.settings``, ``index`` and ``ingest``; never a face
(``bot.discord``, ``bot.terminal``) and never ``bench``. Only the terminal face imports it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.evals import extraction, news, qa, rerank_training

Register = Callable[
    ["argparse._SubParsersAction[argparse.ArgumentParser]", argparse.ArgumentParser], None
]

EVALUATIONS: list[Register] = [
    extraction.register,
    qa.register,
    news.register,
    rerank_training.register,
]
