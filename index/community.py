"""What a community deployment keeps beside the archive, and the overviews its commands show.

Answers given and replies shown in pages (so buttons on old messages keep working), readers'
votes, per-guild settings and conversation threads live in the same ``archive.db`` but go
through their own connection: the ingest holds long write transactions on the archive's
connection, and a vote committed on that connection would commit half a page with it. WAL
lets this connection read the last committed archive while an ingest runs, and its writes wait
(busy timeout) for the ingest's short per-page transactions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from index.filters import filter_sql
from index.lexical import fts_query
from index.models import PassageKind, SearchFilters
from index.schema import migrate

BUSY_TIMEOUT_S = 30.0


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class SiteSummary:
    site: str | None
    documents: int
    passages: int
    comments: int
    first_published: str | None
    last_published: str | None
    # Whether a page of the site dated the first (last) day has that date from its text only.
    first_inferred: bool = False
    last_inferred: bool = False


@dataclass(frozen=True, slots=True)
class MonthCount:
    month: str  # "2016-12"
    kind: PassageKind
    passages: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    label: str
    passage_id: str


class CommunityStore:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    @classmethod
    async def open(cls, path: Path) -> CommunityStore:
        db = await aiosqlite.connect(path, timeout=BUSY_TIMEOUT_S)
        await db.execute("PRAGMA foreign_keys = ON")
        await migrate(db)
        return cls(db)

    async def close(self) -> None:
        await self._db.close()

    async def _write(self, sql: str, params: Sequence[Any]) -> None:
        await self._db.execute(sql, params)
        await self._db.commit()

    # --- answers and feedback ------------------------------------------------------------------

    async def save_answer(
        self,
        answer_id: str,
        *,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        question: str,
        answer: dict[str, Any],
    ) -> None:
        await self._write(
            "INSERT OR REPLACE INTO answers"
            " (id, created_at, guild_id, channel_id, user_id, question, answer)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (answer_id, _now(), guild_id, channel_id, user_id, question, json.dumps(answer)),
        )

    async def answer(self, answer_id: str) -> dict[str, Any] | None:
        async with self._db.execute("SELECT answer FROM answers WHERE id = ?", (answer_id,)) as c:
            row = await c.fetchone()
        return json.loads(row[0]) if row else None

    async def vote(self, answer_id: str, user_id: int, vote: int) -> None:
        """One vote per reader and answer: voting again replaces the earlier vote."""
        await self._write(
            "INSERT INTO feedback (answer_id, user_id, vote, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(answer_id, user_id)"
            " DO UPDATE SET vote = excluded.vote, created_at = excluded.created_at",
            (answer_id, user_id, vote, _now()),
        )

    async def feedback(self) -> list[dict[str, Any]]:
        """Every vote with the question and answer it was about, newest first."""
        async with self._db.execute(
            """
            SELECT f.answer_id, f.user_id, f.vote, f.created_at, a.question, a.answer
            FROM feedback f JOIN answers a ON a.id = f.answer_id
            ORDER BY f.created_at DESC, f.rowid DESC
            """
        ) as cursor:
            return [
                {
                    "answer_id": r[0],
                    "user_id": r[1],
                    "vote": r[2],
                    "created_at": r[3],
                    "question": r[4],
                    "answer": json.loads(r[5]),
                }
                for r in await cursor.fetchall()
            ]

    # --- replies in pages ----------------------------------------------------------------------

    async def save_pager(self, pager_id: str, *, user_id: int, listing: dict[str, Any]) -> None:
        await self._write(
            "INSERT OR REPLACE INTO pagers (id, created_at, user_id, listing) VALUES (?, ?, ?, ?)",
            (pager_id, _now(), user_id, json.dumps(listing)),
        )

    async def pager(self, pager_id: str) -> tuple[int, dict[str, Any]] | None:
        """Who may page a reply, and what it lists; None for an unknown id."""
        async with self._db.execute(
            "SELECT user_id, listing FROM pagers WHERE id = ?", (pager_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return (row[0], json.loads(row[1])) if row else None

    # --- guild settings ------------------------------------------------------------------------

    async def guild_setting(self, guild_id: int, key: str) -> str | None:
        async with self._db.execute(
            "SELECT value FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key)
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def set_guild_setting(self, guild_id: int, key: str, value: str) -> None:
        await self._write(
            "INSERT INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT(guild_id, key) DO UPDATE SET value = excluded.value",
            (guild_id, key, value),
        )

    # --- conversations -------------------------------------------------------------------------

    async def add_turn(self, thread_id: int, user_id: int, question: str, resolved: str) -> None:
        await self._write(
            """
            INSERT INTO conversation_turns (thread_id, turn, user_id, question, resolved,
                                            created_at)
            VALUES (?, (SELECT coalesce(max(turn), 0) + 1 FROM conversation_turns
                        WHERE thread_id = ?), ?, ?, ?, ?)
            """,
            (thread_id, thread_id, user_id, question, resolved, _now()),
        )

    async def last_question(self, thread_id: int) -> str | None:
        """The last question of a conversation thread as it was understood, or None when the
        thread is not one of ours."""
        async with self._db.execute(
            "SELECT resolved FROM conversation_turns WHERE thread_id = ?"
            " ORDER BY turn DESC LIMIT 1",
            (thread_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    # --- overviews -----------------------------------------------------------------------------

    async def sites(self) -> list[SiteSummary]:
        async with self._db.execute(
            """
            WITH span AS (SELECT site, min(published) AS first, max(published) AS last
                          FROM documents GROUP BY site)
            SELECT d.site, count(*), sum(p.n), sum(c.n), span.first, span.last,
                   max(d.published_inferred AND d.published = span.first),
                   max(d.published_inferred AND d.published = span.last)
            FROM documents d
            JOIN span ON span.site IS d.site
            LEFT JOIN (SELECT document_id, count(*) AS n FROM passages GROUP BY document_id) p
                   ON p.document_id = d.id
            LEFT JOIN (SELECT document_id, count(*) AS n FROM comments GROUP BY document_id) c
                   ON c.document_id = d.id
            GROUP BY d.site ORDER BY count(*) DESC, d.site
            """
        ) as cursor:
            return [
                SiteSummary(r[0], r[1], r[2] or 0, r[3] or 0, r[4], r[5], bool(r[6]), bool(r[7]))
                for r in await cursor.fetchall()
            ]

    async def timeline(self, terms: Sequence[str], filters: SearchFilters) -> list[MonthCount]:
        """Every passage matching any of ``terms`` (FTS5), counted per publication month and
        kind; passages of undated pages are left out."""
        if not terms:
            return []
        where, params = filter_sql(filters)
        sql = f"""
            SELECT substr(d.published, 1, 7) AS month, p.kind, count(*)
            FROM passages_fts
            JOIN passages p ON p.seq = passages_fts.rowid
            JOIN documents d ON d.id = p.document_id
            WHERE passages_fts MATCH ? AND d.published IS NOT NULL{where}
            GROUP BY month, p.kind ORDER BY month, p.kind
        """
        async with self._db.execute(sql, [fts_query(terms), *params]) as cursor:
            return [MonthCount(r[0], r[1], r[2]) for r in await cursor.fetchall()]

    async def suggest(
        self, typed: str, limit: int = 25, kind: PassageKind | None = None
    ) -> list[Suggestion]:
        """Passages for an id being typed: ids starting with it, then the first passage of each
        page whose title contains it; only passages of ``kind`` when one is given."""
        typed = typed.strip()
        found: list[Suggestion] = []
        # kind = NULL admits both kinds, so one statement serves either way.
        async with self._db.execute(
            """
            SELECT p.id, coalesce(d.title, 'untitled page'), p.kind, p.author
            FROM passages p JOIN documents d ON d.id = p.document_id
            WHERE p.id LIKE ?1 ESCAPE '\\' AND (?2 IS NULL OR p.kind = ?2)
            ORDER BY p.id LIMIT ?3
            """,
            (_like_prefix(typed), kind, limit),
        ) as cursor:
            for pid, title, passage_kind, author in await cursor.fetchall():
                who = (
                    f"{author} (comment)" if passage_kind == "comment" and author else passage_kind
                )
                found.append(Suggestion(f"{pid} · {who} · {title}", pid))
        if typed and len(found) < limit:
            async with self._db.execute(
                """
                SELECT d.title, (SELECT p.id FROM passages p WHERE p.document_id = d.id
                                   AND (?2 IS NULL OR p.kind = ?2)
                                 ORDER BY p.kind = 'comment', p.position LIMIT 1)
                FROM documents d WHERE d.title LIKE ?1 ESCAPE '\\' ORDER BY d.title LIMIT ?3
                """,
                ("%" + _like_escape(typed) + "%", kind, limit - len(found)),
            ) as cursor:
                found += [Suggestion(title, pid) for title, pid in await cursor.fetchall() if pid]
        return found


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_prefix(text: str) -> str:
    return _like_escape(text) + "%"
