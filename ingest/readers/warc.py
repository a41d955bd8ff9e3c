"""Web archives (``.warc``, ``.warc.gz``, ``.arc``, ``.arc.gz``) read with warcio.

Every HTML ``response`` (or ``resource``) record becomes a page whose URL is the record's target
URI and whose origin is the file plus the record id; the capture date stands in for a
publication date the page does not state. Other records (requests, revisits, metadata,
non-HTML responses) are passed over with a notice each, so the report can count them. A file
cut short yields the records before the damage, then a warning.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from ingest.page import Notice, Page, UnreadableFile, too_large
from ingest.readers.html import MAX_HTML_BYTES, parse_html

_SIGNATURES = (b"WARC/", b"filedesc://")
_PAGE_RECORDS = frozenset({"response", "resource"})
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# What a damaged archive raises inside warcio or the decompressor under it.
_DAMAGE = (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error)


def _not_a_repaired_uri(record: logging.LogRecord) -> bool:
    """warcio logs a warning for each target URI with spaces it percent-encodes itself: nothing
    for the user to act on, and a log line written under the progress bar breaks it."""
    return not record.getMessage().startswith("Replacing spaces in invalid WARC-Target-URI")


logging.getLogger("warcio.recordloader").addFilter(_not_a_repaired_uri)


class _QuietArchiveIterator(ArchiveIterator):
    """warcio writes "Record not followed by newline" straight to ``sys.stderr`` (under the
    progress bar) through this message; the reader reports the damage itself as a notice
    naming the record (``records.err_count``), so the message is left empty."""

    INC_RECORD = ""


def _capture_date(record: ArcWarcRecord) -> date | None:
    value = record.rec_headers.get_header("WARC-Date") or ""
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _content_type(record: ArcWarcRecord) -> str:
    headers = record.http_headers if record.http_headers is not None else record.rec_headers
    value = headers.get_header("Content-Type") or ""
    return value.split(";")[0].strip().lower()


def _declared_size(record: ArcWarcRecord) -> int | None:
    """The payload's size as the record declares it, when its bytes are the page's bytes (no
    chunked transfer or content encoding to undo): what is left of the record's block once
    warcio has read the HTTP headers."""
    headers = record.http_headers
    if headers is not None and (
        headers.get_header("Content-Encoding") or headers.get_header("Transfer-Encoding")
    ):
        return None
    return getattr(record.raw_stream, "limit", None)


def _record_page(record: ArcWarcRecord, origin: str) -> Page | Notice:
    """The page in one record, or a notice saying why it holds none."""
    kind = record.rec_type
    if kind not in _PAGE_RECORDS:
        return Notice(origin, f"{kind or 'untyped'} record skipped")
    content_type = _content_type(record)
    if not content_type.startswith(_HTML_TYPES):
        return Notice(origin, f"{kind} record skipped: not HTML ({content_type or 'no type'})")
    status = record.http_headers.get_statuscode() if record.http_headers is not None else "200"
    if status and not status.startswith("2"):
        return Notice(origin, f"{kind} record skipped: HTTP status {status}")
    size = _declared_size(record)
    if size is not None and size > MAX_HTML_BYTES:
        # Refused unread: reading up to the limit first would hold 20 MB (twice over, in
        # warcio's pieces and their join) only to throw it away.
        return Notice(origin, f"{kind} record skipped: {too_large(size, MAX_HTML_BYTES)}")
    data = record.content_stream().read(MAX_HTML_BYTES + 1)
    url = record.rec_headers.get_header("WARC-Target-URI")
    try:
        page = parse_html(data, origin, url=url, fmt="warc", captured=_capture_date(record))
    except UnreadableFile as error:
        return Notice(origin, f"{kind} record skipped: {error}")
    page.url = url or page.url  # the capture's own address identifies it, not a canonical link
    return page


def _check_header(path: Path) -> None:
    """Refuse a file that does not begin like a WARC or ARC file: warcio reads any text as
    ARC records, which would turn junk into dozens of meaningless notices."""
    with path.open("rb") as stream:
        gzipped = stream.read(2) == b"\x1f\x8b"
    try:
        with gzip.open(path, "rb") if gzipped else path.open("rb") as stream:
            start = stream.read(16).lstrip()
    except _DAMAGE as error:
        raise UnreadableFile(f"damaged gzip data ({error})") from None
    if not start.startswith(_SIGNATURES):
        raise UnreadableFile("not a WARC/ARC file (it does not begin with a record header)")


def _drain(record: ArcWarcRecord) -> None:
    """Read what is left of a record, in pieces, so that a cut-short one shows as such."""
    while record.raw_stream.read(1 << 16):
        pass


class WarcReader:
    """Reads WARC and ARC files record by record, never holding more than one in memory."""

    name = "warc"
    suffixes = (".warc", ".warc.gz", ".arc", ".arc.gz")

    def read(self, path: Path) -> Iterator[Page | Notice]:
        _check_header(path)
        read_any = False
        with path.open("rb") as stream:
            records = _QuietArchiveIterator(stream, arc2warc=True)
            position = 0
            try:
                for record in records:
                    position += 1
                    if records.err_count:
                        break  # the previous record did not end where its length said
                    record_id = record.rec_headers.get_header("WARC-Record-ID") or f"#{position}"
                    item = _record_page(record, f"{path}#{record_id}")
                    _drain(record)
                    if getattr(record.raw_stream, "limit", 0):
                        raise EOFError(f"record {position} is cut short")
                    yield item
                    read_any = True
                if records.err_count:
                    raise EOFError(f"record {position - 1} does not end where its length says")
            except _DAMAGE as error:
                if not read_any:
                    raise UnreadableFile(f"not a readable WARC/ARC file ({error})") from None
                yield Notice(
                    str(path),
                    f"damaged ({error}): the records before it were read",
                    warning=True,
                    damaged=True,
                )
        if not read_any:
            raise UnreadableFile("no records in this WARC/ARC file")
