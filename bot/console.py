"""A chat in the terminal on the same engine the Discord bot uses."""

from __future__ import annotations

import asyncio
from typing import TextIO

from bot.engine import Engine
from bot.render import answer_text

BANNER = (
    "archivist console: ask about the archive, one question per line (Ctrl-D or 'quit' to leave)."
)
PROMPT = "archivist> "


async def chat(engine: Engine, stdin: TextIO, stdout: TextIO) -> None:
    """Answer each line of ``stdin``. Prompts only when a person is typing at a terminal, so
    piped questions give clean output."""
    interactive = stdin.isatty()
    if interactive:
        print(BANNER, file=stdout)
    while True:
        if interactive:
            print(PROMPT, end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        question = line.strip()
        if not question:
            continue
        if interactive and question.lower() in {"quit", "exit"}:
            break
        answer = await engine.ask(question)
        print(f"{answer_text(answer)}\n", file=stdout, flush=True)
