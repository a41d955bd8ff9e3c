"""SQLite and chromadb together, with the deterministic embedder (meaning does not matter)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from index.archive import Archive, ModelMismatch
from index.embedder import HashEmbedder
from index.models import SearchFilters
from index.store import PAGE_CACHE_KIB, Store, period_tokens
from ingest.chunking import build_document
from ingest.page import Page, PageComment


def _page(
    comments: list[PageComment], body: str = "The harbour council approved the budget."
) -> Page:
    return Page(
        origin="/archive/harbour.txt",
        format="text",
        body=[body],
        title="Harbour news",
        site="Gazette",
        comments=comments,
    )


async def _open(path: Path, embedder: HashEmbedder) -> Archive:
    return await Archive.open(path, embedder=embedder)


async def test_save_is_idempotent_and_vectors_follow(tmp_path: Path, hash_embedder) -> None:
    document = build_document(_page([PageComment("Great news for fishermen.", author="Ann")]))
    async with await _open(tmp_path, hash_embedder) as archive:
        assert await archive.save_document(document) == "added"
        assert await archive.sync_vectors() == 2
        assert await archive.save_document(document) == "unchanged"
        assert await archive.sync_vectors() == 0
        stats = await archive.stats()
    assert (stats.documents, stats.passages, stats.vectors) == (1, 2, 2)
    assert (stats.article_passages, stats.comment_passages) == (1, 1)


async def test_update_replaces_exactly_the_changed_passages(tmp_path: Path, hash_embedder) -> None:
    before = build_document(_page([PageComment("Keep me."), PageComment("Old remark.")]))
    after = build_document(_page([PageComment("Keep me."), PageComment("New remark.")]))
    async with await _open(tmp_path, hash_embedder) as archive:
        await archive.save_document(before)
        await archive.sync_vectors()
        assert await archive.save_document(after) == "updated"
        await archive.sync_vectors()
        ids = set(await archive.store._document_passage_ids(after.document_id))
        vector_ids = set(archive.vectors._collection.get(include=[])["ids"])
        hits = await archive.search("remark")
    assert ids == {p.passage_id for p in after.passages} == vector_ids
    assert [h.passage.text for h in hits if "remark" in h.passage.text] == ["New remark."]


async def test_an_interrupted_sync_is_finished_on_reopen(tmp_path: Path, hash_embedder) -> None:
    document = build_document(_page([PageComment("A comment.")]))
    async with await _open(tmp_path, hash_embedder) as archive:
        await archive.save_document(document)  # written to SQLite, never embedded
    async with await _open(tmp_path, hash_embedder) as archive:
        assert (await archive.stats()).vectors == 0
        assert await archive.sync_vectors() == 2
        assert (await archive.stats()).vectors == 2


async def test_lexical_search_matches_authors_and_filters(tmp_path: Path, hash_embedder) -> None:
    document = build_document(
        _page(
            [
                PageComment("I disagree with the plan.", author="Random guy"),
                PageComment("So do I.", author="Someone else"),
            ]
        )
    )
    async with await _open(tmp_path, hash_embedder) as archive:
        await archive.save_document(document)
        await archive.sync_vectors()
        by_author = await archive.store.lexical_search(["random", "guy"], SearchFilters(), 5)
        articles = await archive.search("plan budget", SearchFilters(kind="article"))
        comments = await archive.search("plan budget", SearchFilters(kind="comment"))
    top = await _passage_texts(tmp_path, hash_embedder, [by_author[0][0]])
    assert top == ["I disagree with the plan."]
    assert {h.passage.kind for h in articles} == {"article"}
    assert {h.passage.kind for h in comments} == {"comment"}


async def _passage_texts(path: Path, embedder: HashEmbedder, ids: list[str]) -> list[str]:
    async with await _open(path, embedder) as archive:
        found = await archive.store.passages(ids)
    return [found[pid].text for pid in ids]


async def test_fts_survives_updates_without_stale_rows(tmp_path: Path, hash_embedder) -> None:
    async with await _open(tmp_path, hash_embedder) as archive:
        await archive.save_document(build_document(_page([], body="Zanzibar ferry story.")))
        await archive.save_document(build_document(_page([], body="Mombasa ferry story.")))
        stale = await archive.store.lexical_search(["zanzibar"], SearchFilters(), 5)
        fresh = await archive.store.lexical_search(["mombasa"], SearchFilters(), 5)
    assert stale == [] and len(fresh) == 1


async def test_reopening_runs_no_migration_twice(tmp_path: Path, hash_embedder) -> None:
    for _ in range(2):
        async with await _open(tmp_path, hash_embedder) as archive:
            assert await archive.store.get_meta("index_version") == "1"


async def test_another_model_is_refused(tmp_path: Path) -> None:
    """Vectors of another model are never written beside the live generation's, nor searched:
    search is keyword-only until a rebuild, and the archive says a rebuild is needed."""
    async with await Archive.open(tmp_path, embedder=HashEmbedder(64)) as archive:
        await archive.save_document(build_document(_page([], body="Zanzibar ferry story.")))
        await archive.sync_vectors()
    async with await Archive.open(tmp_path, embedder=HashEmbedder(32)) as archive:
        assert "rebuild" in (archive.model_mismatch() or "")
        await archive.save_document(build_document(_page([], body="Mombasa ferry story.")))
        with pytest.raises(ModelMismatch, match="hash-64"):
            await archive.sync_vectors()
        hits = await archive.search("ferry story")
        assert hits and {hit.dense_rank for hit in hits} == {None}
        assert await archive.sentence_vectors([hit.passage.passage_id for hit in hits]) == {}


async def test_read_caches_follow_commits_from_another_connection(
    tmp_path: Path, hash_embedder
) -> None:
    reader = await _open(tmp_path, hash_embedder)
    writer = await _open(tmp_path, hash_embedder)
    try:
        first = build_document(_page([PageComment("The toll bridge again.", author="Ann Lee")]))
        await writer.save_document(first)
        await writer.sync_vectors()
        assert await reader.authors() == ["Ann Lee"]
        assert (await reader.document_frequencies(["toll"]))[0] == {"toll": 1}
        second_page = _page([PageComment("A toll on every bridge.", author="Bo Marsh")], "Tolls.")
        second_page.origin = "/archive/other.txt"
        second = build_document(second_page)
        await writer.save_document(second)
        await writer.sync_vectors()
        assert await reader.authors() == ["Ann Lee"]  # cached until the next refresh
        # the reader's cached authors and term counts are dropped: the other connection committed
        await reader.refresh()
        assert sorted(await reader.authors()) == ["Ann Lee", "Bo Marsh"]
        assert (await reader.document_frequencies(["toll"]))[0] == {"toll": 2}
    finally:
        await writer.close()
        await reader.close()


async def test_dated_search_follows_an_earlier_page_committed_elsewhere(
    tmp_path: Path, hash_embedder
) -> None:
    """The archive's first and last publication dates bound a dated filter's facet tokens and
    are cached: a page dated before them, committed by another connection, must still match."""
    reader = await _open(tmp_path, hash_embedder)
    writer = await _open(tmp_path, hash_embedder)
    since_2010 = SearchFilters(since=date(2010, 1, 1))
    try:
        recent = _page([], "The toll bridge reopened in December.")
        recent.published = date(2016, 12, 12)
        await writer.save_document(build_document(recent))
        await writer.sync_vectors()
        assert len(await _lexical_documents(reader, since_2010)) == 1
        older = _page([], "A toll was first charged on the bridge.")
        older.origin, older.published = "/archive/older.txt", date(2012, 5, 1)
        await writer.save_document(build_document(older))
        await writer.sync_vectors()
        assert len(await _lexical_documents(reader, since_2010)) == 2
    finally:
        await writer.close()
        await reader.close()


async def _lexical_documents(archive: Archive, filters: SearchFilters) -> set[str]:
    hits = await archive.search("toll", filters)
    return {hit.passage.document_id for hit in hits if hit.lexical_rank is not None}


def test_period_tokens_cover_each_day_of_a_period_once() -> None:
    rng = random.Random(5)
    for _ in range(200):
        since = date(2014, 1, 1) + timedelta(days=rng.randrange(1200))
        until = since + timedelta(days=rng.randrange(-3, 900))
        covered: list[date] = []
        for token in period_tokens(since, until):
            grain, digits = token[0], token[1:]
            first = date(int(digits[:4]), int(digits[4:6] or 1), int(digits[6:] or 1))
            last = (
                date(first.year, 12, 31)
                if grain == "y"
                else date(first.year + first.month // 12, first.month % 12 + 1, 1)
                - timedelta(days=1)
                if grain == "m"
                else first
            )
            covered.extend(first + timedelta(days=n) for n in range((last - first).days + 1))
        expected = [since + timedelta(days=n) for n in range((until - since).days + 1)]
        assert covered == expected


async def test_filtered_lexical_search_admits_exactly_what_sql_filters_admit(
    tmp_path: Path, hash_embedder
) -> None:
    archive = await _open(tmp_path, hash_embedder)
    try:
        for n in range(40):
            page = Page(
                origin=f"/archive/{n}.txt",
                format="text",
                body=[f"The harbour toll rose again in year {n}. Council minutes {n}."],
                title=f"Harbour {n}",
                site=["Gazette", "Ébéniste Daily"][n % 2],
                published=date(2015, 1, 1) + timedelta(days=37 * n),
                comments=[PageComment(f"Harbour toll remark {n}.", author=f"Reader {n % 3}")],
            )
            await archive.save_document(build_document(page))
        await archive.sync_vectors()
        terms = ["harbour", "toll"]
        everything = await archive.store.lexical_search(terms, SearchFilters(), 1000)
        assert len(everything) == 80
        matched = 0
        for filters in [
            SearchFilters(kind="comment"),
            SearchFilters(site="gazette"),
            SearchFilters(site="ébéniste daily"),
            SearchFilters(author="READER 1"),
            SearchFilters(since=date(2016, 3, 1)),
            SearchFilters(until=date(2015, 12, 31)),
            SearchFilters(kind="article", since=date(2015, 6, 15), until=date(2016, 2, 10)),
            SearchFilters(since=date(2030, 1, 1)),
        ]:
            found = await archive.store.lexical_search(terms, filters, 1000)
            admitted = await archive.store.admitted([pid for pid, _ in everything], filters)
            assert {pid for pid, _ in found} == admitted, filters
            # the same order as unfiltered: filters only remove
            order = [pid for pid, _ in everything if pid in admitted]
            assert [pid for pid, _ in found] == order
            matched += bool(found)
        assert matched == 6
    finally:
        await archive.close()


async def test_an_archive_of_the_older_layout_is_brought_up_to_date(tmp_path: Path) -> None:
    import sqlite3

    from index.schema import MIGRATIONS

    path = tmp_path / "archive.db"
    db = sqlite3.connect(path)
    for version, script in enumerate(MIGRATIONS[:5], start=1):
        db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
    body = "The harbour toll rose. " * 40
    db.execute(
        "INSERT INTO documents (id, origin, format, content_hash, site, title, published,"
        " published_int, body, ingested_at) VALUES ('d_1', 'a.txt', 'text', 'h', 'Gazette',"
        " 'Tolls', '2016-12-05', 20161205, ?, 'now')",
        (body,),
    )
    for seq, (start, end) in enumerate([(0, 23), (23, 46)], start=1):
        db.execute(
            "INSERT INTO passages (seq, id, document_id, kind, position, source_start,"
            " source_end, text, embedded) VALUES (?, ?, 'd_1', 'article', ?, ?, ?, ?, 1)",
            (seq, f"p_{seq}", seq, start, end, body[start:end]),
        )
        db.execute(
            "INSERT INTO passages_fts (rowid, text, author, title) VALUES (?, ?, '', 'Tolls')",
            (seq, body[start:end]),
        )
    db.commit()
    db.close()

    store = await Store.open(path)
    try:
        passages = await store.passages(["p_1", "p_2"])
        assert [passages[p].text for p in ("p_1", "p_2")] == [body[0:23], body[23:46]]
        december = SearchFilters(site="gazette", since=date(2016, 12, 1), until=date(2016, 12, 31))
        found = await store.lexical_search(["toll"], december, 10)
        assert {pid for pid, _ in found} == {"p_1", "p_2"}
        assert await store.lexical_search(["toll"], SearchFilters(kind="comment"), 10) == []
    finally:
        await store.close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute("SELECT count(*) FROM passages WHERE text != ''").fetchone()[0] == 0
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    finally:
        db.close()


async def test_pages_written_before_hosts_were_kept_get_theirs_when_names_are_settled(
    tmp_path: Path,
) -> None:
    import sqlite3

    from index.schema import MIGRATIONS

    path = tmp_path / "archive.db"
    db = sqlite3.connect(path)
    for version, script in enumerate(MIGRATIONS[:5], start=1):
        db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
    for n, (url, site) in enumerate(
        [("https://www.metro.co.uk/a", "Metro.co.uk"), ("https://metro.co.uk/b", "Metro")]
    ):
        db.execute(
            "INSERT INTO documents (id, origin, format, content_hash, url, site, body,"
            " ingested_at) VALUES (?, 'a.html', 'html', 'h', ?, ?, 'x', 'now')",
            (f"d_{n}", url, site),
        )
    db.commit()
    db.close()

    store = await Store.open(path)
    try:
        statements = sorted(await store.site_statements(), key=lambda s: s.document_id)
        assert [(s.host, s.site, s.names) for s in statements] == [
            ("metro.co.uk", "Metro.co.uk", ["Metro.co.uk"]),
            ("metro.co.uk", "Metro", ["Metro"]),
        ]
        await store.rename_sites({"d_0": "Metro"})
        assert await store.sites() == ["Metro"]
        assert await store.site_named("metro.co.uk") == "Metro"
    finally:
        await store.close()


async def test_the_store_keeps_a_larger_page_cache_than_sqlites_default(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "archive.db")
    try:
        async with store._db.execute("PRAGMA cache_size") as cursor:
            row = await cursor.fetchone()
        assert row is not None and row[0] == -PAGE_CACHE_KIB
        assert PAGE_CACHE_KIB > 2000  # SQLite's default: -2000 (KiB)
    finally:
        await store.close()
