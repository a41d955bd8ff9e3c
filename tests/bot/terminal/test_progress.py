"""The ingest and rebuild progress bars and log lines printed while they are drawn."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest
from rich.console import Console
from rich.logging import RichHandler

from bot.terminal.progress import ingest_progress, rebuild_progress
from ingest.pipeline import Progress

# What a terminal does with what rich's live display writes: text, carriage returns, newlines
# and control sequences (cursor up and down, erase in line; colours and cursor visibility
# change nothing on screen).
_TOKEN = re.compile(r"\x1b\[\??(?P<n>[\d;]*)(?P<code>[A-Za-z])|\r|\n|[^\x1b\r\n]+")


def screen(output: str) -> list[str]:
    """The lines a terminal shows once ``output`` is written to it, trailing spaces cut."""
    lines = [""]
    row = column = 0
    for token in _TOKEN.finditer(output):
        text = token.group()
        code = token.group("code")
        if text == "\r":
            column = 0
        elif text == "\n":
            row, column = row + 1, 0
        elif code == "A":
            row = max(0, row - int(token.group("n") or 1))
        elif code == "B":
            row += int(token.group("n") or 1)
        elif code == "K":
            lines[row] = "" if token.group("n") == "2" else lines[row][:column]
        elif code is None:
            line = lines[row].ljust(column)
            lines[row] = line[:column] + text + line[column + len(text) :]
            column += len(text)
        lines += [""] * (row + 1 - len(lines))
    return [line.rstrip() for line in lines]


def test_the_screen_model_follows_cursor_moves() -> None:
    assert screen("bar 1\r\x1b[2Klog\nbar 2\x1b[1A\rLOG") == ["LOG", "bar 2"]


@pytest.fixture
def terminal() -> Iterator[tuple[Console, io.StringIO, logging.Handler]]:
    """A terminal console, with the root logger writing to the same stream the way
    ``logging.basicConfig`` makes it write to stderr, where the bar is drawn."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield Console(file=stream, force_terminal=True, width=160), stream, handler
    finally:
        root.removeHandler(handler)


def _progress(files_done: int) -> Progress:
    return Progress(files_done, 3, pages=files_done, passages=4, vectors=4, vectors_per_second=2.0)


def test_a_log_line_while_the_bar_is_drawn_stands_whole_above_it(terminal) -> None:
    console, stream, handler = terminal
    message = "a damaged record in crawl-17.warc.gz was passed over"
    with ingest_progress(enabled=True, console=console) as draw:
        assert draw is not None
        draw(_progress(1))
        console.file.flush()
        logging.getLogger("ingest.test").warning(message)
        draw(_progress(2))
        during = [line for line in screen(stream.getvalue()) if line]
    [logged, bar] = during
    assert message in logged and "files" not in logged
    assert bar.startswith("ingest") and "files" in bar and message not in bar
    # The bar is transient: once done, the log line alone stays.
    after = [line for line in screen(stream.getvalue()) if line]
    assert len(after) == 1 and message in after[0]
    # The root logger has its own handler back.
    root = logging.getLogger().handlers
    assert handler in root and not any(isinstance(h, RichHandler) for h in root)


def test_a_rebuild_draws_the_passages_embedded_into_the_new_generation(terminal) -> None:
    console, stream, _ = terminal
    with rebuild_progress(enabled=True, console=console) as draw:
        assert draw is not None
        draw(256, 1000)
        draw(512, 1000)
        console.file.flush()
        [bar] = [line for line in screen(stream.getvalue()) if line]
    assert bar.startswith("rebuild") and "512/1000 passages" in bar
    assert not [line for line in screen(stream.getvalue()) if line]
    with rebuild_progress(enabled=False) as draw:
        assert draw is None
