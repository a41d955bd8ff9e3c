"""The WARC reader: HTML responses become pages; other records and damage are reported."""

from __future__ import annotations

import logging
import tracemalloc
from io import BytesIO
from pathlib import Path

import pytest
from conftest import ROOT
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ingest.page import Notice, Page
from ingest.readers.warc import WarcReader

PAGE = (ROOT / "tests" / "fixtures" / "wordpress_comments.html").read_bytes()


def write_warc(path: Path, gzipped: bool = True) -> None:
    """A small archive: a request, two HTML responses, an image, a revisit."""
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=gzipped)

    def response(url: str, body: bytes, content_type: str) -> None:
        headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers)
        )

    request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "a.example")], is_http_request=True)
    writer.write_record(
        writer.create_warc_record("https://a.example/", "request", http_headers=request)
    )
    response("https://a.example/harbour", PAGE, "text/html; charset=utf-8")
    response("https://a.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
    other = PAGE.replace(b"harbour reopened", b"harbour stayed shut")
    response("https://a.example/harbour-2", other, "text/html")
    writer.write_record(
        writer.create_revisit_record(
            "https://a.example/harbour",
            digest="sha1:AAAA",
            refers_to_uri="https://a.example/harbour",
            refers_to_date="2021-03-04T00:00:00Z",
        )
    )
    path.write_bytes(buffer.getvalue())


def test_html_responses_become_pages_and_the_rest_is_counted(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    write_warc(path)
    items = list(WarcReader().read(path))
    pages = [i for i in items if isinstance(i, Page)]
    notices = [i for i in items if isinstance(i, Notice)]
    assert [p.url for p in pages] == ["https://a.example/harbour", "https://a.example/harbour-2"]
    assert all(p.format == "warc" and "#<urn:uuid:" in p.origin for p in pages)
    assert pages[0].comments and pages[0].authors == ["Jane Doe"]
    reasons = sorted(n.reason.split(":")[0] for n in notices)
    assert reasons == [
        "request record skipped",
        "response record skipped",
        "revisit record skipped",
    ]
    assert not any(n.warning for n in notices)


def test_a_truncated_archive_yields_the_records_before_the_damage(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc"
    write_warc(whole, gzipped=False)
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc"
    # Cut inside the second HTML response.
    cut.write_bytes(data[: data.index(b"harbour stayed shut") + 10])
    items = list(WarcReader().read(cut))
    pages = [i for i in items if isinstance(i, Page)]
    assert [p.url for p in pages] == ["https://a.example/harbour"]
    [warning] = [i for i in items if isinstance(i, Notice) and i.warning]
    assert "record 4 is cut short" in warning.reason


def test_a_record_longer_than_its_length_is_reported_once_as_a_notice(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    whole = tmp_path / "whole.warc"
    write_warc(whole, gzipped=False)
    data = whole.read_bytes()
    # The first HTML response's record says it is four bytes shorter than it is.
    start = data.index(b"WARC-Type: response")
    at = data.index(b"Content-Length: ", start) + len(b"Content-Length: ")
    end = data.index(b"\r\n", at)
    bad = tmp_path / "bad.warc"
    bad.write_bytes(data[:at] + str(int(data[at:end]) - 4).encode() + data[end:])
    items = list(WarcReader().read(bad))
    [warning] = [i for i in items if isinstance(i, Notice) and i.warning]
    assert "does not end where its length says" in warning.reason
    assert capfd.readouterr().err == ""  # warcio's own message would break the progress bar


def test_a_target_uri_with_spaces_is_repaired_without_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(
            "https://a.example/harbour news",
            "response",
            payload=BytesIO(PAGE),
            http_headers=headers,
        )
    )
    path = tmp_path / "spaces.warc"
    path.write_bytes(buffer.getvalue())
    with caplog.at_level(logging.WARNING):
        [page] = [i for i in WarcReader().read(path) if isinstance(i, Page)]
    assert page.origin.startswith(str(path))
    assert not [r for r in caplog.records if "WARC-Target-URI" in r.getMessage()]


def test_an_html_record_over_the_size_limit_is_refused_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 1 MB limit stands in for the real 20 MB so the archive stays small; the page is 3 MB.
    limit = 1_000_000
    monkeypatch.setattr("ingest.readers.warc.MAX_HTML_BYTES", limit)
    body = b"<html><body><p>" + b"Harbour news. " * (3_000_000 // 14) + b"</p></body></html>"
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(
            "https://a.example/huge", "response", payload=BytesIO(body), http_headers=headers
        )
    )
    path = tmp_path / "huge.warc"
    path.write_bytes(buffer.getvalue())
    del body, buffer
    tracemalloc.start()
    try:
        items = list(WarcReader().read(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [notice] = items
    assert isinstance(notice, Notice) and not notice.warning
    assert "page too large (3.0 MB; the limit is 1 MB)" in notice.reason
    # Reading the record up to the limit to find it too large would hold at least that much.
    assert peak < limit / 2
