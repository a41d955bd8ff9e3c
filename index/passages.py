"""Reading pages and passages back: by id, around a passage, whole documents, listings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from index.models import Passage
from index.schema import PASSAGE_TEXT
from index.sites import site_key, typed_host
from index.store_base import StoreBase
from index.stored_text import unsqueeze

_PASSAGE_COLUMNS = f"""
    p.id, p.document_id, p.kind, p.position, {PASSAGE_TEXT}, p.author,
    d.title, d.site, d.url, d.published, d.published_inferred
"""


def _passage(row: Sequence[Any]) -> Passage:
    return Passage(*row[:-1], published_inferred=bool(row[-1]))


class PassageReads(StoreBase):
    """Lookups of stored pages and passages (no search: see ``lexical`` and ``filters``)."""

    async def passages(self, passage_ids: Sequence[str]) -> dict[str, Passage]:
        if not passage_ids:
            return {}
        marks = ",".join("?" * len(passage_ids))
        sql = f"""
            SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN documents d ON d.id = p.document_id
            WHERE p.id IN ({marks})
        """
        async with self._db.execute(sql, list(passage_ids)) as cursor:
            return {row[0]: _passage(row) for row in await cursor.fetchall()}

    async def neighbours(self, passage: Passage, count: int) -> tuple[list[Passage], list[Passage]]:
        """The passages just before and after ``passage`` in its document, of the same kind."""
        base = f"""
            SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN documents d ON d.id = p.document_id
            WHERE p.document_id = ? AND p.kind = ?
        """
        args = (passage.document_id, passage.kind, passage.position, count)
        async with self._db.execute(
            base + " AND p.position < ? ORDER BY p.position DESC LIMIT ?", args
        ) as cursor:
            before = [_passage(row) for row in await cursor.fetchall()][::-1]
        async with self._db.execute(
            base + " AND p.position > ? ORDER BY p.position LIMIT ?", args
        ) as cursor:
            after = [_passage(row) for row in await cursor.fetchall()]
        return before, after

    async def document(self, document_id: str) -> dict[str, Any] | None:
        async with self._db.execute(
            """SELECT id, origin, url, site, title, published, published_inferred, authors, body
               FROM documents WHERE id = ?""",
            (document_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        async with self._db.execute(
            """SELECT id, author, published, parent, text FROM comments
               WHERE document_id = ? ORDER BY position""",
            (document_id,),
        ) as cursor:
            comments = [
                {
                    "comment_id": c[0],
                    "author": c[1],
                    "published": c[2],
                    "parent": c[3],
                    "text": unsqueeze(c[4]),
                }
                for c in await cursor.fetchall()
            ]
        async with self._db.execute(
            "SELECT id FROM passages WHERE document_id = ? ORDER BY position", (document_id,)
        ) as cursor:
            passage_ids = [r[0] for r in await cursor.fetchall()]
        return {
            "document_id": row[0],
            "origin": row[1],
            "url": row[2],
            "site": row[3],
            "title": row[4],
            "published": row[5],
            "published_inferred": bool(row[6]),
            "authors": json.loads(row[7]),
            "body": unsqueeze(row[8]),
            "comments": comments,
            "passage_ids": passage_ids,
        }

    async def documents(self) -> list[dict[str, Any]]:
        async with self._db.execute(
            """
            SELECT d.id, d.origin, d.title, d.site, d.published, d.published_inferred,
                   (SELECT count(*) FROM passages p WHERE p.document_id = d.id),
                   (SELECT count(*) FROM comments c WHERE c.document_id = d.id)
            FROM documents d ORDER BY d.site, d.published, d.title
            """
        ) as cursor:
            return [
                {
                    "document_id": r[0],
                    "origin": r[1],
                    "title": r[2],
                    "site": r[3],
                    "published": r[4],
                    "published_inferred": bool(r[5]),
                    "passages": r[6],
                    "comments": r[7],
                }
                for r in await cursor.fetchall()
            ]

    async def comment_texts(self, document_id: str) -> list[str]:
        async with self._db.execute(
            "SELECT text FROM comments WHERE document_id = ? ORDER BY position", (document_id,)
        ) as cursor:
            return [unsqueeze(row[0]) for row in await cursor.fetchall()]

    async def counts(self) -> dict[str, int]:
        async with self._db.execute(
            """
            SELECT (SELECT count(*) FROM documents),
                   count(*), coalesce(sum(kind = 'article'), 0), coalesce(sum(kind = 'comment'), 0)
            FROM passages
            """
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return {
            "documents": row[0],
            "passages": row[1],
            "article_passages": row[2],
            "comment_passages": row[3],
        }

    async def dates_from_text(self, document_ids: Sequence[str]) -> set[str]:
        """Which of ``document_ids`` have a date read from their text, stating none of their
        own (``published_inferred``): the flag alone, without reading the pages."""
        if not document_ids:
            return set()
        async with self._db.execute(
            "SELECT d.id FROM json_each(?) AS c JOIN documents d ON d.id = c.value"
            " WHERE d.published_inferred",
            [json.dumps(list(document_ids))],
        ) as cursor:
            return {row[0] for row in await cursor.fetchall()}

    async def archived_days(self, document_ids: Sequence[str]) -> dict[str, str]:
        """The day (UTC, YYYY-MM-DD) each of ``document_ids`` was written to the archive as it
        now stands: a citation's access date, since the archive is what was read."""
        if not document_ids:
            return {}
        async with self._db.execute(
            "SELECT d.id, substr(d.ingested_at, 1, 10) FROM json_each(?) AS c"
            " JOIN documents d ON d.id = c.value",
            [json.dumps(list(document_ids))],
        ) as cursor:
            return {row[0]: row[1] for row in await cursor.fetchall()}

    async def sites(self) -> list[str]:
        """Every site name pages are archived under, in order."""
        async with self._db.execute(
            "SELECT DISTINCT site FROM documents WHERE site IS NOT NULL ORDER BY site"
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def site_named(self, typed: str) -> str | None:
        """The archived site ``typed`` names: its stored name in any case, accents or spacing
        ("national post" for "National Post"), or the address of its pages
        ("nationalpost.com", "https://www.nationalpost.com/news/…"). None: no such site."""
        key = site_key(typed)
        if key:
            for site in await self.sites():
                if site_key(site) == key:
                    return site
        host = typed_host(typed)
        if host is None:
            return None
        async with self._db.execute(
            "SELECT site FROM documents WHERE host = ? AND site IS NOT NULL"
            " GROUP BY site ORDER BY count(*) DESC LIMIT 1",
            (host,),
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def site_hosts(self) -> dict[str, list[str]]:
        """Every archived site with the hosts of its pages (none for pages without a URL)."""
        async with self._db.execute(
            "SELECT DISTINCT site, host FROM documents WHERE site IS NOT NULL ORDER BY site, host"
        ) as cursor:
            rows = await cursor.fetchall()
        hosts: dict[str, list[str]] = {}
        for site, host in rows:
            hosts.setdefault(site, [])
            if host:
                hosts[site].append(host)
        return hosts

    async def authors(self) -> list[str]:
        """Every named commenter or article author, longest first (so longer names match first)."""
        async with self._db.execute(
            "SELECT DISTINCT author FROM passages WHERE author IS NOT NULL"
        ) as cursor:
            names = [row[0] for row in await cursor.fetchall()]
        return sorted(names, key=len, reverse=True)
