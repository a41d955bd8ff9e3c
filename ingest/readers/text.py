"""Plain-text scrapes of news pages: article lines, site furniture, then a comment thread.

The scrape keeps one paragraph per line. The title usually comes first and is repeated below
as image captions; the thread begins after the comment widget's controls ("Notify of", "View
all comments") and ends at its closing line. Lines a site repeats on many of its pages are
learned as that site's furniture before the pages are read (``prepare``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ingest.boilerplate import (
    SiteBoilerplate,
    is_boilerplate,
    starts_comment_thread,
    support_call_site,
)
from ingest.comments import lines_with_gaps, split_comments
from ingest.dates import first_date
from ingest.page import MAX_PAGE_BYTES, Page, UnreadableFile, too_large

_MAX_TITLE_CHARS = 200
_SENTENCE_END = re.compile(r"[.;,]$")


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text with normalised newlines, or ``UnreadableFile`` saying why not."""
    if not data.strip():
        raise UnreadableFile("empty file")
    if b"\x00" in data[:8192]:
        raise UnreadableFile("binary content, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"not UTF-8 text (bad byte at offset {error.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _comment_section_start(lines: list[str]) -> int | None:
    return next((index for index, line in enumerate(lines) if starts_comment_thread(line)), None)


def _pick_title(lines: list[str]) -> str | None:
    """The first line that is not furniture, when it reads like a headline."""
    counts = Counter(lines)
    for line in lines:
        if is_boilerplate(line):
            continue
        if len(line) <= _MAX_TITLE_CHARS and (counts[line] > 1 or not _SENTENCE_END.search(line)):
            return line
        return None
    return None


def _is_title_repeat(line: str, title: str | None) -> bool:
    """Captions that only repeat the headline, once or several times on one line."""
    return bool(title) and not line.replace(title, "").strip()  # type: ignore[arg-type]


def site_key(text: str, path: Path) -> str:
    """The site a scrape belongs to: the one its donation call names, else its folder."""
    for line in text.split("\n"):
        if site := support_call_site(line):
            return site.casefold()
    return f"folder:{path.parent}"


def parse_scrape(text: str, origin: str, furniture: frozenset[str] = frozenset()) -> Page:
    raw_lines = text.split("\n")
    if furniture:
        # Learned furniture goes before anything else looks at the lines, so a repeated menu
        # can neither become the title nor start the comment thread.
        raw_lines = [line for line in raw_lines if line.strip() not in furniture]
    thread_start = _comment_section_start(raw_lines)
    article_lines = raw_lines if thread_start is None else raw_lines[:thread_start]
    thread_lines = [] if thread_start is None else raw_lines[thread_start:]

    lines = [line.strip() for line in article_lines if line.strip()]
    site = next((s for line in lines if (s := support_call_site(line))), None)
    title = _pick_title(lines)
    repeats = Counter(lines)
    body = [
        line
        for line in lines
        if not is_boilerplate(line)
        and not _is_title_repeat(line, title)
        # short, unpunctuated lines seen more than once on a page are navigation or captions
        and not (repeats[line] > 1 and len(line) < 80 and not _SENTENCE_END.search(line))
    ]
    if not body:
        raise UnreadableFile("no article text found")
    published = first_date("\n".join(body))
    return Page(
        origin=origin,
        format="text",
        body=body,
        title=title,
        site=site,
        published=published,
        published_inferred=published is not None,
        comments=split_comments(lines_with_gaps(thread_lines)),
    )


def read_scrape(path: Path) -> str:
    """A scrape's text; one over the page limit is refused unread (one page per file)."""
    size = path.stat().st_size
    if size > MAX_PAGE_BYTES:
        raise UnreadableFile(too_large(size, MAX_PAGE_BYTES))
    return decode_text(path.read_bytes(), str(path))


class TextReader:
    """Reads ``.txt`` scrapes: one page per file."""

    name = "text"
    suffixes = (".txt", ".text")

    def __init__(self) -> None:
        self._sites = SiteBoilerplate()

    def prepare(self, paths: list[Path]) -> None:
        """Learn each site's furniture from all the scrapes about to be read."""
        self._sites = SiteBoilerplate()
        for path in paths:
            try:
                text = read_scrape(path)
            except (UnreadableFile, OSError):
                continue  # reported when the file itself is read
            self._sites.add_page(site_key(text, path), text.split("\n"))

    def context(self, path: Path) -> str:
        """What besides the file's bytes decides how it reads: its site's learned furniture."""
        try:
            text = read_scrape(path)
        except (UnreadableFile, OSError):
            return ""
        return self._sites.digest(site_key(text, path))

    def read(self, path: Path) -> Iterator[Page]:
        text = read_scrape(path)
        yield parse_scrape(text, str(path), self._sites.lines_for(site_key(text, path)))
