"""A chat in the terminal on the same engine the Discord bot uses."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import AsyncIterator
from typing import TextIO

from bot.answering.engine import Engine
from bot.terminal.render import answer_text
from index.text import without_surrogates

BANNER = (
    "archivist console: ask about the archive, one question per line "
    "('help' for more; Ctrl-D or 'quit' to leave)."
)
PROMPT = "archivist> "
HELP = """Type a question; the answer quotes the archive, with a source for each quote:
  What did the article report about the ceasefire?
  What did readers say about the ceasefire?    (reader comments only)
  What did <a reader's name> say?               (that reader's comments)
  What was reported in December 2016?          (pages published then)
In a shell, `archivist --help` lists the other commands: `archivist sources` (what is archived),
`archivist search QUERY`, `archivist source PASSAGE_ID` (a quote in its context),
`archivist document DOCUMENT_ID`, `archivist stats`, and `archivist ingest PATH` to add pages.
'quit' or Ctrl-D leaves."""


async def _lines(stdin: TextIO) -> AsyncIterator[str]:
    """``stdin``'s lines, read by a daemon thread: a read blocked in the default executor would
    keep Ctrl-C from ending the program until Enter is pressed, since ``asyncio.run`` waits for
    that executor's threads; a daemon thread is left behind at exit."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | Exception] = asyncio.Queue()

    def read() -> None:
        while True:
            try:
                line: str | Exception = stdin.readline()
            except Exception as error:  # handed over, so the chat fails rather than waits
                line = error
            loop.call_soon_threadsafe(lines.put_nowait, line)
            if not isinstance(line, str) or not line:
                return

    threading.Thread(target=read, name="console-stdin", daemon=True).start()
    while line := await lines.get():
        if isinstance(line, Exception):
            raise line
        yield line


async def chat(engine: Engine, stdin: TextIO, stdout: TextIO) -> None:
    """Answer each line of ``stdin``. Prompts, 'help' and 'quit' only when a person is typing
    at a terminal, so piped questions give clean output (and a piped "help" is a question)."""
    interactive = stdin.isatty()
    if isinstance(stdin, io.TextIOWrapper):
        # Bytes that are not UTF-8 (Latin-1 text pasted in) become U+FFFD, not a decode error.
        stdin.reconfigure(errors="replace")
    if interactive:
        print(BANNER, file=stdout)
    try:
        if interactive:
            print(PROMPT, end="", file=stdout, flush=True)
        async for line in _lines(stdin):
            # A stream decoding with surrogateescape hands such bytes over as lone surrogates.
            question = without_surrogates(line.strip())
            command = question.lower() if interactive else None
            if command in {"quit", "exit"}:
                break
            if command in {"help", "?"}:
                print(HELP, file=stdout)
            elif question:
                answer = await engine.ask(question)
                print(f"{answer_text(answer)}\n", file=stdout, flush=True)
            if interactive:
                print(PROMPT, end="", file=stdout, flush=True)
    except asyncio.CancelledError:
        if interactive:
            print(file=stdout, flush=True)  # Ctrl-C: the shell's prompt on a line of its own
        raise
