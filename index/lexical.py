"""Full-text search: FTS5 MATCH expressions (terms and filter facets) and BM25 ranking."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

from index.filters import nocase
from index.models import SearchFilters
from index.read_connections import read_only_connection
from index.store_base import StoreBase


def fts_query(terms: Iterable[str]) -> str:
    """An FTS5 MATCH expression that ORs the terms, each quoted so no term is read as syntax,
    looked for in the text, author and title (never among the facet tokens, which are filters)."""
    quoted = " OR ".join('"{}"'.format(term.replace('"', '""')) for term in terms)
    return f"{{text author title}} : ({quoted})"


def facet_query(filters: SearchFilters, dated: tuple[date, date] | None = None) -> str | None:
    """The FTS5 conditions (`` AND facets : (...)``) that apply ``filters`` through the facet
    tokens of ``schema.FACETS``; empty for no filter, None when no passage can match. An open
    end of a period is closed at ``dated``, the archive's first and last publication dates
    (None when nothing is dated)."""
    groups: list[list[str]] = []
    if filters.kind:
        groups.append([f"kind{filters.kind}"])
    if filters.site:
        groups.append(["s" + nocase(filters.site).encode().hex()])
    if filters.author:
        groups.append(["a" + nocase(filters.author).encode().hex()])
    if filters.since or filters.until:
        if dated is None:
            return None
        # Past the archive's dates there are no passages: an end beyond them moves to its
        # year's edge, which a single year token covers.
        first, last = dated
        since = filters.since if filters.since and filters.since > first else date(first.year, 1, 1)
        until = filters.until if filters.until and filters.until < last else date(last.year, 12, 31)
        tokens = period_tokens(since, until)
        if not tokens:
            return None
        groups.append(tokens)
    return "".join(
        " AND facets : (" + " OR ".join(f'"{token}"' for token in group) + ")" for group in groups
    )


def period_tokens(since: date, until: date) -> list[str]:
    """The fewest year, month and day tokens that cover ``since``..``until`` exactly."""
    tokens: list[str] = []
    day = since
    while day <= until:
        year_end = date(day.year, 12, 31)
        if day.month == 1 and day.day == 1 and year_end <= until:
            tokens.append(f"y{day.year}")
            day = year_end + timedelta(days=1)
            continue
        next_month = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        if day.day == 1 and next_month - timedelta(days=1) <= until:
            tokens.append(f"m{day.year}{day.month:02d}")
            day = next_month
            continue
        tokens.append(f"d{day.year}{day.month:02d}{day.day:02d}")
        day += timedelta(days=1)
    return tokens


def common_term_frequencies(db_path: Path, min_passages: int, most: int) -> dict[str, int]:
    """The passage count of each term in ``min_passages`` passages or more (at most the ``most``
    commonest), read on a read-only connection of its own: fts5vocab walks every posting list
    (~2 s at 1M passages), which would hold up the archive's own connection. Blocks: call it in
    a worker thread."""
    with contextlib.closing(read_only_connection(db_path)) as db:
        rows = db.execute(
            "SELECT term, doc FROM passages_fts_vocab WHERE doc >= ?", [min_passages]
        ).fetchall()
    rows.sort(key=lambda row: -row[1])
    return {term: int(doc) for term, doc in rows[:most]}


class LexicalSearch(StoreBase):
    """BM25 search over ``passages_fts`` and the statistics its callers weigh terms by."""

    async def lexical_search(
        self,
        terms: Sequence[str],
        filters: SearchFilters,
        limit: int,
        published_bounds: tuple[date, date] | None = None,
        *,
        beside: bool = False,
    ) -> list[tuple[str, float]]:
        """Passage ids ranked by BM25 (best first) with their scores; the author column counts
        most, so "what did Random guy say" finds Random guy's comments. Filters are facet
        tokens in the same FTS5 query; ranking inside FTS5 and joining only the top rows is
        ~3x faster than joining every match (30k rows for a common word at 100k passages).
        ``published_bounds`` are the archive's, when the caller keeps them; else they are read.
        ``beside``: on the side connection (``read_connections``), beside the archive's reads."""
        if not terms:
            return []
        dated = published_bounds
        if dated is None and (filters.since or filters.until):
            dated = await self.published_bounds()
        facets = facet_query(filters, dated)
        if facets is None:
            return []
        sql = """
            SELECT p.id, f.rank FROM (
                SELECT rowid, bm25(passages_fts, 1.0, 4.0, 0.5, 0.0) AS rank FROM passages_fts
                WHERE passages_fts MATCH ? ORDER BY rank LIMIT ?
            ) AS f JOIN passages p ON p.seq = f.rowid ORDER BY f.rank
        """
        parameters = [f"{fts_query(terms)}{facets}", limit]
        if beside:
            rows = await self.side.fetchall(sql, parameters)
        else:
            async with self._db.execute(sql, parameters) as cursor:
                rows = list(await cursor.fetchall())
        return [(pid, -score) for pid, score in rows]

    async def facet_sequences(
        self,
        filters: SearchFilters,
        published_bounds: tuple[date, date] | None,
        cap: int | None = None,
    ) -> list[int]:
        """The seqs of the passages ``filters`` admits (``filters`` not empty), ascending, at
        most ``cap``, read from the facet tokens' posting lists: FTS5 intersects them by seeking
        through the shorter one, where SQL walks every passage of the broadest condition ("kind
        = comment", half the archive: ~0.7 s at 1M passages) to find the few of one year.
        ``published_bounds``: the archive's first and last publication dates."""
        facets = facet_query(filters, published_bounds)
        if facets is None:
            return []
        limit = "" if cap is None else f" LIMIT {int(cap)}"
        sql = f"SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? ORDER BY rowid{limit}"
        async with self._db.execute(sql, [facets.removeprefix(" AND ")]) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """In how many passages each term occurs (FTS5's own tokens: folded, no diacritics)."""
        if not terms:
            return {}
        marks = ",".join("?" * len(terms))
        async with self._db.execute(
            f"SELECT term, doc FROM passages_fts_vocab WHERE term IN ({marks})", list(terms)
        ) as cursor:
            return {term: int(doc) for term, doc in await cursor.fetchall()}

    async def published_bounds(self) -> tuple[date, date] | None:
        """The first and last publication dates in the archive (two index lookups)."""
        async with self._db.execute(
            "SELECT min(published_int), max(published_int) FROM documents"
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] is None:
            return None
        first, last = (date(v // 10000, v // 100 % 100, v % 100) for v in row)
        return first, last
