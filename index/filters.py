"""``SearchFilters`` as SQL over passages, and the store's queries that only filter.

The full-text search applies the same filters as FTS5 facet tokens instead (``lexical``);
``nocase`` is the case folding both forms share, so they admit the same passages.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from index.models import SearchFilters, date_as_int
from index.store_base import StoreBase


def nocase(text: str) -> str:
    """What SQLite's ``lower()`` and COLLATE NOCASE do: fold ASCII letters only."""
    return "".join(c.lower() if c.isascii() else c for c in text)


def filter_sql(filters: SearchFilters) -> tuple[str, list[Any]]:
    """The conditions (`` AND ...``, over passages ``p`` and documents ``d``) that apply
    ``filters``, with their parameters; empty for no filter."""
    clauses: list[str] = []
    params: list[Any] = []
    if filters.kind:
        clauses.append("p.kind = ?")
        params.append(filters.kind)
    if filters.site:
        clauses.append("d.site = ? COLLATE NOCASE")
        params.append(filters.site)
    if filters.author:
        clauses.append("p.author = ? COLLATE NOCASE")
        params.append(filters.author)
    if filters.since:
        clauses.append("d.published_int >= ?")
        params.append(date_as_int(filters.since))
    if filters.until:
        clauses.append("d.published_int <= ?")
        params.append(date_as_int(filters.until))
    return "".join(f" AND {clause}" for clause in clauses), params


def documents_join(where: str) -> str:
    """The join to ``documents`` that ``where`` (from ``filter_sql``) needs: only when it
    filters on a document column (site, date), since it costs a lookup per passage."""
    return " JOIN documents d ON d.id = p.document_id" if "d." in where else ""


class FilteredQueries(StoreBase):
    """Which passages a filter admits: their vectors, or picked out of candidates (the
    filtered dense search in ``Archive.dense_search``). Counting and listing them reads the
    facet tokens instead (``LexicalSearch.facet_sequences``)."""

    async def vectors_matching(self, filters: SearchFilters) -> tuple[list[str], list[bytes]]:
        """Ids and packed vectors of every embedded passage the filter admits."""
        where, params = filter_sql(filters)
        sql = f"""
            SELECT p.id, v.vector FROM passages p
            JOIN documents d ON d.id = p.document_id
            JOIN passage_vectors v ON v.seq = p.seq
            WHERE 1{where}
        """
        async with self._db.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
        return [row[0] for row in rows], [row[1] for row in rows]

    async def admitted(self, passage_ids: Sequence[str], filters: SearchFilters) -> set[str]:
        """Which of ``passage_ids`` the filter admits."""
        if not passage_ids:
            return set()
        where, params = filter_sql(filters)
        # CROSS JOIN keeps the candidates as the outer loop: otherwise SQLite may walk a filter's
        # index (half the archive for --kind comment) and test each row against the list.
        sql = f"""
            SELECT p.id FROM json_each(?) AS c
            CROSS JOIN passages p ON p.id = c.value
            JOIN documents d ON d.id = p.document_id
            WHERE 1{where}
        """
        async with self._db.execute(sql, [json.dumps(list(passage_ids)), *params]) as cursor:
            return {row[0] for row in await cursor.fetchall()}
