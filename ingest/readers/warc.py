"""Web archives (``.warc``, ``.warc.gz``, ``.arc``, ``.arc.gz``) read with warcio.

Every HTML ``response`` (or ``resource``) record becomes a page whose URL is the record's target
URI and whose origin is the file plus the record id; the capture date stands in for a
publication date the page does not state. Other records (requests, revisits, metadata,
non-HTML responses) are passed over with a notice each, so the report can count them. A file
cut short yields the records before the damage, then a warning.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from ingest.page import Notice, Page, UnreadableFile
from ingest.readers.html import MAX_HTML_BYTES, parse_html

_PAGE_RECORDS = frozenset({"response", "resource"})
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# What a damaged archive raises inside warcio or the decompressor under it.
_DAMAGE = (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error)


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


def _record_page(record: ArcWarcRecord, origin: str) -> Page | Notice:
    """The page in one record, or a notice saying why it holds none."""
    kind = record.rec_type
    if kind not in _PAGE_RECORDS:
        return Notice(origin, f"{kind} record skipped")
    content_type = _content_type(record)
    if not content_type.startswith(_HTML_TYPES):
        return Notice(origin, f"{kind} record skipped: not HTML ({content_type or 'no type'})")
    status = record.http_headers.get_statuscode() if record.http_headers is not None else "200"
    if status and not status.startswith("2"):
        return Notice(origin, f"{kind} record skipped: HTTP status {status}")
    data = record.content_stream().read(MAX_HTML_BYTES + 1)
    url = record.rec_headers.get_header("WARC-Target-URI")
    try:
        page = parse_html(data, origin, url=url, fmt="warc", captured=_capture_date(record))
    except UnreadableFile as error:
        return Notice(origin, f"{kind} record skipped: {error}")
    page.url = url or page.url  # the capture's own address identifies it, not a canonical link
    return page


class WarcReader:
    """Reads WARC and ARC files record by record, never holding more than one in memory."""

    name = "warc"
    suffixes = (".warc", ".warc.gz", ".arc", ".arc.gz")

    def read(self, path: Path) -> Iterator[Page | Notice]:
        read_any = False
        with path.open("rb") as stream:
            records = ArchiveIterator(stream, arc2warc=True)
            position = 0
            try:
                for record in records:
                    position += 1
                    record_id = record.rec_headers.get_header("WARC-Record-ID") or f"#{position}"
                    yield _record_page(record, f"{path}#{record_id}")
                    read_any = True
            except _DAMAGE as error:
                if not read_any:
                    raise UnreadableFile(f"not a readable WARC/ARC file ({error})") from None
                yield Notice(
                    str(path),
                    f"damaged after record {position}: the records before it were read ({error})",
                    warning=True,
                )
        if not read_any:
            raise UnreadableFile("no records in this WARC/ARC file")
