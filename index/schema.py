"""The SQLite schema as an append-only list of migrations.

Never edit a migration that has shipped: add a new one. ``PRAGMA user_version`` records how many
have been applied, so opening an old archive brings it up to date.
"""

from __future__ import annotations

import aiosqlite

# SQL expressions shared with the store: a migration that rebuilds the full-text index needs them.
# A passage's text is a slice of its source (the page body, or its comment's text), cut out by
# ``passage_text`` (a function the store registers on every connection); the ``text`` column
# stays for rows written before migration 6 blanked it.
PASSAGE_TEXT = """passage_text(
    p.text,
    CASE WHEN p.comment_id IS NULL THEN d.body
         ELSE (SELECT c.text FROM comments c WHERE c.id = p.comment_id) END,
    p.source_start, p.source_end)"""
# Filter tokens of a passage (see ``lexical.facet_query``): site and author as hex of their
# ASCII-lowercased text (what COLLATE NOCASE compares), dates at three grains.
FACETS = """('kind' || p.kind
    || CASE WHEN d.site IS NULL THEN '' ELSE ' s' || hex(lower(d.site)) END
    || CASE WHEN p.author IS NULL THEN '' ELSE ' a' || hex(lower(p.author)) END
    || CASE WHEN d.published_int IS NULL THEN ''
            ELSE ' y' || (d.published_int / 10000) || ' m' || (d.published_int / 100)
                 || ' d' || d.published_int END)"""

MIGRATIONS: list[str] = [
    # 1: documents, comments, passages, FTS over passages, key/value metadata.
    """
    CREATE TABLE documents (
        id                 TEXT PRIMARY KEY,
        origin             TEXT NOT NULL,
        format             TEXT NOT NULL,
        content_hash       TEXT NOT NULL,
        url                TEXT,
        site               TEXT,
        title              TEXT,
        published          TEXT,
        published_int      INTEGER,
        published_inferred INTEGER NOT NULL DEFAULT 0,
        authors            TEXT NOT NULL DEFAULT '[]',
        body               TEXT NOT NULL,
        ingested_at        TEXT NOT NULL
    );
    CREATE INDEX documents_site ON documents(site);

    CREATE TABLE comments (
        id          TEXT PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        author      TEXT,
        published   TEXT,
        parent      TEXT,
        text        TEXT NOT NULL
    );
    CREATE INDEX comments_document ON comments(document_id, position);

    -- seq: the stable integer key the FTS rows point at (a bare rowid may change on VACUUM).
    CREATE TABLE passages (
        seq          INTEGER PRIMARY KEY,
        id           TEXT NOT NULL UNIQUE,
        document_id  TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        comment_id   TEXT REFERENCES comments(id) ON DELETE CASCADE,
        kind         TEXT NOT NULL CHECK (kind IN ('article', 'comment')),
        author       TEXT,
        position     INTEGER NOT NULL,
        source_start INTEGER NOT NULL,
        source_end   INTEGER NOT NULL,
        text         TEXT NOT NULL,
        embedded     INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX passages_document ON passages(document_id, position);
    CREATE INDEX passages_author ON passages(author) WHERE author IS NOT NULL;
    CREATE INDEX passages_pending ON passages(embedded) WHERE embedded = 0;

    -- Contentless: the text lives once, in passages; the store deletes FTS rows explicitly.
    CREATE VIRTUAL TABLE passages_fts USING fts5(
        text, author, title,
        content = '',
        tokenize = 'unicode61 remove_diacritics 2'
    );

    -- Vectors that must leave chromadb: written in the same transaction that removes a passage,
    -- so a crash between SQLite and chromadb is repaired on the next sync.
    CREATE TABLE vector_deletions (id TEXT PRIMARY KEY);

    CREATE TABLE ingest_runs (
        id          INTEGER PRIMARY KEY,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        report      TEXT
    );

    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # Vectors kept beside the passages (float16 blobs, derived like chromadb's): the passage
    # vector, so filtered dense search can score exactly the passages a filter admits without
    # chromadb's scanning `where`; and one vector per sentence, computed once at sync so an ask
    # embeds only the question. fts5vocab gives document frequencies (IDF for quote scoring,
    # and dropping near-universal terms that make FTS5 OR queries slow). Indexes for filters.
    """
    CREATE TABLE passage_vectors (
        seq    INTEGER PRIMARY KEY REFERENCES passages(seq) ON DELETE CASCADE,
        vector BLOB NOT NULL
    );
    CREATE TABLE sentence_vectors (
        seq     INTEGER PRIMARY KEY REFERENCES passages(seq) ON DELETE CASCADE,
        spans   TEXT NOT NULL,
        vectors BLOB NOT NULL
    );
    CREATE VIRTUAL TABLE passages_fts_vocab USING fts5vocab(passages_fts, 'row');
    CREATE INDEX passages_kind ON passages(kind);
    CREATE INDEX documents_published ON documents(published_int);
    """,
    # Incremental ingest: where each page came from (for --prune), body fingerprints (exact and
    # near-exact duplicates), pages linked to a document they duplicate, and the files already
    # ingested (an unchanged file is not read again).
    """
    CREATE TABLE document_sources (
        document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        source      TEXT NOT NULL,
        fingerprint TEXT,
        simhash     INTEGER
    );
    CREATE INDEX document_sources_source ON document_sources(source);
    CREATE INDEX document_sources_fingerprint ON document_sources(fingerprint);

    -- 64-bit simhashes cut in four 16-bit bands: two hashes within 3 bits share a band.
    CREATE TABLE simhash_bands (
        band        INTEGER NOT NULL,
        value       INTEGER NOT NULL,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        PRIMARY KEY (band, value, document_id)
    ) WITHOUT ROWID;
    CREATE INDEX simhash_bands_document ON simhash_bands(document_id);

    CREATE TABLE document_aliases (
        identity     TEXT PRIMARY KEY,
        document_id  TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        origin       TEXT NOT NULL,
        source       TEXT NOT NULL,
        content_hash TEXT NOT NULL
    );
    CREATE INDEX document_aliases_document ON document_aliases(document_id);
    CREATE INDEX document_aliases_source ON document_aliases(source);

    CREATE TABLE ingested_files (
        source  TEXT PRIMARY KEY,
        digest  TEXT NOT NULL,
        pages   INTEGER NOT NULL
    );
    """,
    # What a Discord community keeps beside the archive: every answer given (so its buttons
    # work after a restart), readers' votes on them, per-guild settings, and conversation
    # threads with the questions asked in them (for follow-ups).
    """
    CREATE TABLE answers (
        id          TEXT PRIMARY KEY,
        created_at  TEXT NOT NULL,
        guild_id    INTEGER,
        channel_id  INTEGER,
        user_id     INTEGER NOT NULL,
        question    TEXT NOT NULL,
        answer      TEXT NOT NULL
    );

    CREATE TABLE feedback (
        answer_id   TEXT NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
        user_id     INTEGER NOT NULL,
        vote        INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        created_at  TEXT NOT NULL,
        PRIMARY KEY (answer_id, user_id)
    );

    CREATE TABLE guild_settings (
        guild_id    INTEGER NOT NULL,
        key         TEXT NOT NULL,
        value       TEXT NOT NULL,
        PRIMARY KEY (guild_id, key)
    );

    CREATE TABLE conversation_turns (
        thread_id   INTEGER NOT NULL,
        turn        INTEGER NOT NULL,
        user_id     INTEGER NOT NULL,
        question    TEXT NOT NULL,
        resolved    TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        PRIMARY KEY (thread_id, turn)
    );
    """,
    # Filters compare site and author case-insensitively; indexes in that collation let SQLite
    # use them (a site filter scanned every passage: ~60 ms at 100k).
    """
    CREATE INDEX documents_site_nocase ON documents(site COLLATE NOCASE);
    CREATE INDEX passages_author_nocase ON passages(author COLLATE NOCASE)
        WHERE author IS NOT NULL;
    """,
    # A passage's text is its source's slice (``store.PASSAGE_TEXT`` cuts it out of the page
    # body or the comment): stored again it was a fifth of the archive. The column stays, blank.
    """
    UPDATE passages SET text = '';
    """,
    # Filters inside the full-text index: a ``facets`` column of tokens for the passage's kind,
    # site, author and publication year, month and day (``store.FACETS``), weighing nothing in
    # BM25. A filtered lexical search becomes one FTS5 query that intersects posting lists,
    # instead of joining every match to its passage and page (~30 ms at 100k passages).
    f"""
    DROP TABLE passages_fts_vocab;
    DROP TABLE passages_fts;
    CREATE VIRTUAL TABLE passages_fts USING fts5(
        text, author, title, facets,
        content = '',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE passages_fts_vocab USING fts5vocab(passages_fts, 'row');
    INSERT INTO passages_fts (rowid, text, author, title, facets)
    SELECT p.seq, {PASSAGE_TEXT}, coalesce(p.author, ''), coalesce(d.title, ''), {FACETS}
    FROM passages p JOIN documents d ON d.id = p.document_id;
    """,
    # Every file each page was last read from, beside ``document_sources`` (the one file its
    # stored text came from): captures of one URL in several files, or several WARCs. When the
    # file a page's text came from is pruned, a remaining capture is read again to take its
    # place. Filled from ``document_sources`` here; other captures become known as their files
    # are read again.
    # Archives written before origins were resolved stored paths as typed (often relative): once
    # such a path is matched to its resolved file, the old spelling stays recorded so pages
    # without a URL keep the identity (and document id) they were archived under.
    """
    CREATE TABLE page_files (
        source      TEXT NOT NULL,
        document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        PRIMARY KEY (source, document_id)
    ) WITHOUT ROWID;
    CREATE INDEX page_files_document ON page_files(document_id);
    INSERT INTO page_files (source, document_id) SELECT source, document_id FROM document_sources;

    CREATE TABLE source_spellings (
        source   TEXT PRIMARY KEY,
        spelling TEXT NOT NULL
    );
    """,
    # One site name per outlet: each page keeps every name its metadata gives its outlet
    # (``site_names``, best first) and its host (a Wayback capture's is its original's), so
    # that after each ingest all pages of a host go by the name most of them state, and a site
    # can be asked for by its address. Hosts of pages written before are filled in by that
    # step (``Store.site_statements``).
    """
    ALTER TABLE documents ADD COLUMN host TEXT;
    ALTER TABLE documents ADD COLUMN site_names TEXT NOT NULL DEFAULT '[]';
    UPDATE documents SET site_names = json_array(site) WHERE site IS NOT NULL;
    CREATE INDEX documents_host ON documents(host);
    """,
    # Replies shown in pages (/search, /sources): what each lists and who may page it, so that
    # their Previous / Next buttons work after a restart, like the buttons under answers.
    """
    CREATE TABLE pagers (
        id          TEXT PRIMARY KEY,
        created_at  TEXT NOT NULL,
        user_id     INTEGER NOT NULL,
        listing     TEXT NOT NULL
    );
    """,
    # Generations of the derived vectors: a rebuild writes a complete new one (a chromadb
    # collection, and the passage and sentence vector copies in ``*_next`` tables) beside the
    # live one, then switches meta ``index_version`` to it in one transaction. A row per
    # generation records its collection, its model and where it stands, so a start can tell a
    # half-built one (``building``) from the live one and remove it.
    """
    CREATE TABLE generations (
        number      INTEGER PRIMARY KEY,
        collection  TEXT NOT NULL UNIQUE,
        embed_model TEXT,
        state       TEXT NOT NULL CHECK (state IN ('building', 'live', 'retired')),
        started_at  TEXT NOT NULL,
        switched_at TEXT
    );
    """,
]


# Migration 6 frees a fifth of an existing archive's pages; the file shrinks only by VACUUM.
SHRINKING_MIGRATION = 6


async def migrate(db: aiosqlite.Connection) -> None:
    """Apply every migration the database has not seen yet, each in its own transaction."""
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    applied = row[0] if row else 0
    for version, script in enumerate(MIGRATIONS[applied:], start=applied + 1):
        # executescript commits what is pending first; BEGIN/COMMIT make the migration atomic.
        await db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
    if 0 < applied < SHRINKING_MIGRATION:
        # An archive from before passage texts were blanked: hand the freed room back once.
        await db.execute("VACUUM")
