"""JSONL exports from scrapers: one page per line (schema in the README).

``{"url", "site", "title", "published", "author", "text",
   "comments": [{"author", "published", "text", "parent"}]}``; only ``text`` is required.
``author`` may be a string or a list; ``parent`` is the position (from 0) of the comment
answered. A line that is not such an object (bad JSON, no ``text``, a field of the wrong type)
is skipped and reported by its number and the field at fault; the rest are read.

Values a line holds but that cannot be kept as given cost neither the line nor silence: each
gives a warning naming the line and the field. A lone surrogate escape becomes U+FFFD. A
``published`` value in another notation than ISO is read when its meaning is certain
(``ingest.dates.read_date_value``: "2021/03/04", "04.03.2021", "March 4, 2021"); a year or a
month alone, an invalid day ("2020-02-30") or text without a date is left empty. Comment dates
are stored as ISO (an ISO value as written, another notation as its day) or left empty, and so
is a comment day before 1990 or in the future, as on HTML pages. A
byte-order mark at the start of a line (a file's first, or one left by joining files) is ignored.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from ingest.dates import DateValue, implausible_comment_day, iso_timestamp, read_date_value
from ingest.page import MAX_PAGE_BYTES, Notice, Page, PageComment, UnreadableFile, too_large

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


class BadLine(ValueError):
    """A line that is not a page; the message says why."""


# A lone UTF-16 surrogate is valid JSON ("\\ud800") but no character: text holding one cannot
# be encoded, so SQLite, the tokenizer and the model would all fail on it later.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_BOM = b"\xef\xbb\xbf"


def _kind(value: Any) -> str:
    """A JSON value's type, as a message names it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


def _optional_str(item: dict[str, Any], key: str, where: str = "") -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadLine(f'{where}"{key}" must be a string, got {_kind(value)}')
    return value.strip() or None


class _Line:
    """The warnings of the line being read: values it keeps other than as given, or not at all."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def page_published(self, value: str | None) -> tuple[date | None, bool]:
        if not value:
            return None, False
        read = read_date_value(value)
        if read.problem:
            self.warnings.append(f'"published" {json.dumps(value)} {read.problem}: left empty')
        return read.day, read.inferred

    def comment_published(self, value: str | None, position: int) -> str | None:
        """An ISO value as given; another notation as its ISO day; else nothing, with a warning
        (a "yesterday" beside ISO dates would mislead whoever reads the field). A day before
        1990 or in the future is left out too, as on HTML pages (``implausible_comment_day``)."""
        if not value:
            return None
        iso = iso_timestamp(value)
        read = DateValue(datetime.fromisoformat(iso).date()) if iso else read_date_value(value)
        if read.day is None:
            problem = read.problem or "holds no date"
        else:
            problem = implausible_comment_day(read.day)
            if problem is None:
                return iso or read.day.isoformat()
        self.warnings.append(
            f'comment {position}: "published" {json.dumps(value)} {problem}: left empty'
        )
        return None


def paragraphs(text: str) -> list[str]:
    """Paragraphs at blank lines; a text without blank lines keeps one paragraph per line."""
    parts = _PARAGRAPH_BREAK.split(text) if _PARAGRAPH_BREAK.search(text) else text.split("\n")
    return [" ".join(part.split()) for part in parts if part.strip()]


def _authors(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    got = "a list holding something else" if isinstance(value, list) else _kind(value)
    raise BadLine(f'"author" must be a string or a list of strings, got {got}')


def _required_text(item: dict[str, Any], where: str = "") -> str:
    if "text" not in item or item["text"] is None:
        raise BadLine(f'{where}no "text"')
    text = item["text"]
    if not isinstance(text, str):
        raise BadLine(f'{where}"text" must be a string, got {_kind(text)}')
    if not text.strip():
        raise BadLine(f'{where}"text" is empty')
    return text


def _comment(line: _Line, item: Any, position: int) -> PageComment:
    where = f"comment {position}: "
    if not isinstance(item, dict):
        raise BadLine(f"comment {position} must be an object, got {_kind(item)}")
    text = _required_text(item, where)
    parent = item.get("parent")
    if parent is not None and not (
        isinstance(parent, int) and not isinstance(parent, bool) and 0 <= parent < position
    ):
        raise BadLine(f'{where}"parent" must be the position of an earlier comment')
    return PageComment(
        text="\n\n".join(paragraphs(text)),
        author=_optional_str(item, "author", where),
        published=line.comment_published(_optional_str(item, "published", where), position),
        parent=parent,
    )


def _replace_surrogates(value: Any, path: str, found: list[str]) -> Any:
    """``value`` with every lone surrogate replaced by U+FFFD; ``found`` gets the fields."""
    if isinstance(value, str):
        if _LONE_SURROGATE.search(value):
            found.append(path)
            return _LONE_SURROGATE.sub("\ufffd", value)
        return value
    if isinstance(value, list):
        return [_replace_surrogates(v, f"{path}[{i}]", found) for i, v in enumerate(value)]
    if isinstance(value, dict):
        # The field's name goes into a warning: it must be printable, surrogates and all.
        names = {k: _LONE_SURROGATE.sub("\ufffd", k) for k in value}
        fields = {k: f"{path}.{names[k]}" if path else names[k] for k in value}
        return {
            _replace_surrogates(k, fields[k], found): _replace_surrogates(v, fields[k], found)
            for k, v in value.items()
        }
    return value


def read_line(raw: bytes, origin: str) -> tuple[Page, list[str]]:
    """One page from one line, with warnings about values it could not keep as given (each
    names its field), or ``BadLine``.

    A lone surrogate escape is replaced by U+FFFD, with a warning, rather than costing the page:
    it is usually half of an emoji a scraper split, and the rest of the text is sound.
    """
    if raw.startswith(_BOM):  # Windows tools start files (and so joined files' lines) with one
        raw = raw[len(_BOM) :]
    try:
        item = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise BadLine(f"not UTF-8 (bad byte at offset {error.start})") from None
    except (ValueError, RecursionError) as error:
        raise BadLine(f"not JSON ({error})") from None
    if not isinstance(item, dict):
        raise BadLine(f"not a JSON object but {type(item).__name__}")
    replaced: list[str] = []
    if _SURROGATE_ESCAPE.search(raw):
        item = _replace_surrogates(item, "", replaced)
    line = _Line()
    text = _required_text(item)
    comments = item.get("comments") or []
    if not isinstance(comments, list):
        raise BadLine(f'"comments" must be a list, got {_kind(comments)}')
    published, inferred = line.page_published(_optional_str(item, "published"))
    page = Page(
        origin=origin,
        format="jsonl",
        body=paragraphs(text),
        title=_optional_str(item, "title"),
        url=_optional_str(item, "url"),
        site=_optional_str(item, "site"),
        published=published,
        published_inferred=inferred,
        authors=_authors(item.get("author")),
        comments=[_comment(line, c, position) for position, c in enumerate(comments)],
    )
    warnings = [
        f'"{field}" held an unpaired surrogate escape, kept as U+FFFD' for field in replaced
    ]
    return page, warnings + line.warnings


def parse_line(raw: bytes, origin: str) -> Page:
    """One page from one line, or ``BadLine`` (warnings, as in ``read_line``, left out)."""
    return read_line(raw, origin)[0]


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
                    if not raw.strip() or raw.strip() == _BOM:
                        continue
                    origin = f"{path}:{number}"
                    if len(raw) > MAX_PAGE_BYTES:
                        yield Notice(
                            origin, f"line {number} skipped: {too_large(len(raw), MAX_PAGE_BYTES)}"
                        )
                        continue
                    try:
                        page, warnings = read_line(raw, origin)
                    except BadLine as error:
                        yield Notice(origin, f"line {number} skipped: {error}")
                        continue
                    yield page
                    for warning in warnings:
                        yield Notice(origin, f"line {number}: {warning}", warning=True)
            except (EOFError, OSError, zlib.error) as error:
                if not number:
                    raise UnreadableFile(f"damaged gzip data ({error})") from None
                yield Notice(
                    str(path),
                    f"damaged after line {number}: lines before were read",
                    warning=True,
                    damaged=True,
                )
        if not number:
            raise UnreadableFile("empty file")
