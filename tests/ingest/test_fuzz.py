"""Junk never crashes ingest and never costs a good file of the same run."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from conftest import ROOT, SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.archive import Archive
from index.embedder import HashEmbedder
from ingest.page import UnreadableFile
from ingest.pipeline import ingest_paths
from ingest.readers.html import parse_html
from ingest.readers.jsonl import BadLine, parse_line

HTML = ROOT / "tests" / "fixtures" / "wordpress_comments.html"


def junk_corpus(folder: Path) -> None:
    folder.mkdir()
    page = HTML.read_bytes()
    (folder / "empty.html").write_bytes(b"")
    (folder / "binary.html").write_bytes(bytes(range(256)) * 64)
    (folder / "latin1.txt").write_bytes("caf\xe9 au lait\n".encode("latin-1"))
    (folder / "bad-utf8.html").write_bytes(b"<html><body><p>" + b"\xff\xfe\xfa" * 500)
    # 20 MB of markup: over the size a page may have, refused with a reason, not parsed.
    (folder / "huge.html").write_bytes(b"<html><body>" + b"<p>word word</p>" * 1_400_000)
    (folder / "cut.html.gz").write_bytes(gzip.compress(page)[:200])
    (folder / "cut.warc.gz").write_bytes(gzip.compress(b"WARC/1.0\r\nWARC-Type: resp")[:30])
    (folder / "not-a.warc").write_bytes(b"hello, I am not an archive\n" * 10)
    (folder / "empty.jsonl").write_bytes(b"")
    lines = [b'{"text": 5}', b"\xff\xfe", b"[]", b'{"text": "A good line in a bad file."}']
    (folder / "mixed.jsonl").write_bytes(b"\n".join(lines))
    (folder / "good.html").write_bytes(page)
    shutil.copy(SEED, folder / "seed.txt")


async def test_junk_is_skipped_with_reasons_and_good_files_go_in(tmp_path: Path) -> None:
    junk_corpus(tmp_path / "junk")
    async with await Archive.open(tmp_path / "data", embedder=HashEmbedder()) as archive:
        report = await ingest_paths(archive, [tmp_path / "junk"])
        origins = {d["origin"] for d in await archive.store.documents()}
    assert {Path(o).name for o in origins} >= {"good.html", "seed.txt"}
    assert any(o.endswith("mixed.jsonl:4") for o in origins)
    # A skipped record or line is named by its file plus "#record" or ":line".
    skipped = {
        Path(s.path.split("#")[0].split(":")[0]).name: s.reason
        for s in [*report.skipped, *report.warnings]
    }
    for name in ("empty.html", "binary.html", "huge.html", "cut.html.gz", "cut.warc.gz"):
        assert name in skipped, name
    assert "too large" in skipped["huge.html"]
    assert all(s.reason for s in report.skipped)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_any_bytes_are_a_page_or_a_reason(data: bytes) -> None:
    try:
        parse_html(data, "fuzz.html")
    except UnreadableFile as error:
        assert str(error)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=256),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(
                    st.sampled_from(["text", "url", "comments", "author", "parent", "published"]),
                    inner,
                    max_size=4,
                )
            ),
            max_leaves=10,
        ).map(lambda value: json.dumps(value).encode()),
    )
)
def test_any_jsonl_line_is_a_page_or_a_reason(line: bytes) -> None:
    try:
        parse_line(line, "fuzz.jsonl:1")
    except BadLine as error:
        assert str(error)
