"""JSONL exports from scrapers: one page per line (schema in the README).

``{"url", "site", "title", "published", "author", "text",
   "comments": [{"author", "published", "text", "parent"}]}``; only ``text`` is required.
``author`` may be a string or a list; ``parent`` is the position (from 0) of the comment
answered. A line that is not such an object is reported by its number and the rest are read.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from ingest.dates import first_date
from ingest.page import Notice, Page, PageComment, UnreadableFile

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_MAX_LINE_BYTES = 50_000_000


class BadLine(ValueError):
    """A line that is not a page; the message says why."""


def _optional_str(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadLine(f'"{key}" must be a string')
    return value.strip() or None


def paragraphs(text: str) -> list[str]:
    """Paragraphs at blank lines; a text without blank lines keeps one paragraph per line."""
    parts = _PARAGRAPH_BREAK.split(text) if _PARAGRAPH_BREAK.search(text) else text.split("\n")
    return [" ".join(part.split()) for part in parts if part.strip()]


def _published(value: str | None) -> tuple[date | None, bool]:
    if not value:
        return None, False
    try:
        return date.fromisoformat(value[:10]), False
    except ValueError:
        found = first_date(value)
        return found, found is not None


def _authors(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise BadLine('"author" must be a string or a list of strings')


def _comment(item: Any, position: int) -> PageComment:
    if not isinstance(item, dict):
        raise BadLine(f"comment {position} is not an object")
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadLine(f'comment {position} has no "text"')
    parent = item.get("parent")
    if parent is not None and not (
        isinstance(parent, int) and not isinstance(parent, bool) and 0 <= parent < position
    ):
        raise BadLine(f'comment {position}: "parent" must be the position of an earlier comment')
    return PageComment(
        text="\n\n".join(paragraphs(text)),
        author=_optional_str(item, "author"),
        published=_optional_str(item, "published"),
        parent=parent,
    )


def parse_line(raw: bytes, origin: str) -> Page:
    """One page from one line, or ``BadLine``."""
    try:
        item = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise BadLine(f"not UTF-8 (bad byte at offset {error.start})") from None
    except (ValueError, RecursionError) as error:
        raise BadLine(f"not JSON ({error})") from None
    if not isinstance(item, dict):
        raise BadLine(f"not a JSON object but {type(item).__name__}")
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadLine('no "text"')
    comments = item.get("comments") or []
    if not isinstance(comments, list):
        raise BadLine('"comments" must be a list')
    published, inferred = _published(_optional_str(item, "published"))
    return Page(
        origin=origin,
        format="jsonl",
        body=paragraphs(text),
        title=_optional_str(item, "title"),
        url=_optional_str(item, "url"),
        site=_optional_str(item, "site"),
        published=published,
        published_inferred=inferred,
        authors=_authors(item.get("author")),
        comments=[_comment(c, position) for position, c in enumerate(comments)],
    )


def _open(path: Path) -> IO[bytes]:
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else path.open("rb")


class JsonlReader:
    """Reads ``.jsonl`` (optionally gzipped) line by line."""

    name = "jsonl"
    suffixes = (".jsonl", ".jsonl.gz", ".ndjson")

    def read(self, path: Path) -> Iterator[Page | Notice]:
        number = 0
        with _open(path) as lines:
            try:
                for number, raw in enumerate(lines, start=1):
                    if not raw.strip():
                        continue
                    origin = f"{path}:{number}"
                    if len(raw) > _MAX_LINE_BYTES:
                        yield Notice(origin, f"line {number} skipped: longer than 50 MB")
                        continue
                    try:
                        yield parse_line(raw, origin)
                    except BadLine as error:
                        yield Notice(origin, f"line {number} skipped: {error}")
            except (EOFError, OSError, zlib.error) as error:
                if not number:
                    raise UnreadableFile(f"damaged gzip data ({error})") from None
                yield Notice(
                    str(path), f"damaged after line {number}: lines before were read", warning=True
                )
        if not number:
            raise UnreadableFile("empty file")
