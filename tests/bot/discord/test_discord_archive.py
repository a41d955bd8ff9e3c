"""``/archive`` end to end through real discord.py: a page added from an attachment or from a
web address is then quoted in answers; every refusal is one private sentence, and leaves the
archive as it was (no file under ``added/``, no new page)."""

from __future__ import annotations

import fcntl
import os
import random
import re
import socket
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from discord_harness import MANAGE_GUILD, ask, hold_reindex, running_bot
from fake_discord import DEFAULT_GUILD_ID, FakeDiscord
from web_pages import PageServer

from bot.services.archive_add import AddressPolicy, PageFetcher
from index.embedder import Embedder

HARBOUR_PAGE = (ROOT / "tests" / "fixtures" / "wordpress_comments.html").read_bytes()
HARBOUR_COST = "The repairs cost 2.4 million pounds"
BARRIER_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Tidal barrier opens | River Post</title>
<link rel="canonical" href="https://riverpost.example/2022/06/tidal-barrier"></head>
<body><article><h1>Tidal barrier opens on the estuary</h1>
<p>The tidal barrier on the estuary was opened on Tuesday after six years of building work.</p>
<p>Its eleven steel gates can be closed in forty minutes when a surge tide is forecast.</p>
<p>The barrier protects about 9,000 homes on the low ground along both banks of the river.</p>
</article></body></html>"""
BARRIER_HOMES = "The barrier protects about 9,000 homes on the low ground"
SAVED_NAME = re.compile(r"added/\d{8}T\d{6}Z-[0-9a-f]{16}\.html")
NOT_ADMIN = "Only members who can manage this server may use this command."


async def _archive(fake: FakeDiscord, *, admin: bool = True, **options: Any) -> str:
    """Run /archive to its one private reply (a refusal before or after the defer, or the
    report after it)."""
    interaction = await fake.send_interaction(
        "archive",
        options,
        guild_id=DEFAULT_GUILD_ID,
        permissions=MANAGE_GUILD if admin else 0,
    )
    callback = (await interaction.wait_for_callback()).json
    assert callback["data"]["flags"] & 64, callback
    if callback["type"] == 4:  # refused at once
        return callback["data"]["content"]
    assert callback["type"] == 5, callback  # deferred, privately
    followup = (await interaction.wait_for_followup(timeout=60)).json
    assert followup["flags"] & 64, followup
    return followup["content"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The bot's ARCHIVE_DIR, empty."""
    folder = tmp_path / "archive-files"
    folder.mkdir()
    return folder


def _saved(folder: Path) -> list[str]:
    added = folder / "added"
    return sorted(p.name for p in added.iterdir()) if added.is_dir() else []


async def test_a_page_attached_is_added_and_then_quoted(
    seeded_copy: Path, model: Embedder, folder: Path
) -> None:
    async with running_bot(seeded_copy, model, archive_dir=folder) as (fake, bot):
        before = (await bot.engine.stats())["documents"]
        upload = fake.add_attachment("Harbour story (saved).html", HARBOUR_PAGE, "text/html")
        reply = await _archive(fake, attachment=upload)
        assert reply.startswith("Added “Harbour reopens after storm repairs” as `added/"), reply
        assert SAVED_NAME.search(reply) and reply.endswith(", 3 comments."), reply
        assert re.search(r": 1 page, \d+ passages, 3 comments\.$", reply), reply
        [name] = _saved(folder)
        assert f"`added/{name}`" in reply
        assert (folder / "added" / name).read_bytes() == HARBOUR_PAGE
        assert (await bot.engine.stats())["documents"] == before + 1

        _, answer = await ask(fake, "How much did the harbour repairs cost?")
        assert HARBOUR_COST in answer.json["embeds"][0]["description"]

        again = fake.add_attachment("copy.html", HARBOUR_PAGE, "text/html")
        assert await _archive(fake, attachment=again) == (
            f"That file was added before, as `added/{name}`."
        )
        assert _saved(folder) == [name]


async def test_a_page_at_an_address_is_fetched_added_and_then_quoted(
    seeded_copy: Path, model: Embedder, folder: Path
) -> None:
    async with (
        PageServer() as server,
        running_bot(seeded_copy, model, archive_dir=folder, archive_fetch_allow_private=True) as (
            fake,
            _,
        ),
    ):
        # Moved once, then served without a file name: typed by its Content-Type.
        server.page("/2022/06/tidal-barrier", BARRIER_PAGE)
        address = server.redirect("/r/barrier", "/2022/06/tidal-barrier")
        reply = await _archive(fake, url=address)
        assert reply.startswith("Added “Tidal barrier opens on the estuary” as `added/"), reply
        assert SAVED_NAME.search(reply) and reply.endswith(", 0 comments."), reply
        [name] = _saved(folder)
        assert (folder / "added" / name).read_bytes() == BARRIER_PAGE

        _, answer = await ask(fake, "How many homes does the tidal barrier protect?")
        assert BARRIER_HOMES in answer.json["embeds"][0]["description"]


async def test_refusals_are_one_private_sentence_and_write_nothing(
    seeded_copy: Path, model: Embedder, folder: Path
) -> None:
    junk = random.Random(15).randbytes(4096)
    async with (
        PageServer() as server,
        running_bot(seeded_copy, model, archive_dir=folder) as (fake, bot),
    ):
        before = await bot.engine.stats()
        page = server.page("/story", BARRIER_PAGE)
        with_attachment = {
            "binary junk under a page's name": (
                fake.add_attachment("story.html", junk, "text/html"),
                "That file holds binary data, not the text or HTML of a page.",
            ),
            "over 20 MB": (
                fake.add_attachment("long.txt", b"word " * 4_000_001, "text/plain"),
                "That page is larger than 20 MB, the archive's page limit.",
            ),
            "a type the archive cannot read": (
                fake.add_attachment("story.pdf", b"%PDF-1.7", "application/pdf"),
                "Attach an .html, .html.gz, .htm, .txt, .warc, .warc.gz or .jsonl file; the "
                "archive cannot read that type.",
            ),
            "a page with no text": (
                fake.add_attachment("empty.html", b"<html><body></body></html>", "text/html"),
                "No page could be read from that file",
            ),
        }
        for case, (upload, says) in with_attachment.items():
            assert (await _archive(fake, attachment=upload)).startswith(says), case

        # ARCHIVE_FETCH_ALLOW_PRIVATE is off: the local server is a private address.
        assert await _archive(fake, url=page) == (
            "That address leads to a private or local network address, which the bot does not "
            "fetch."
        )
        assert server.asked == []

        # Only the local server trusted: its redirect into a private network is refused, and
        # a port where nothing listens cannot be reached.
        cog = bot.get_cog("AddToArchive")
        cog.fetcher = PageFetcher(AddressPolicy(trusted=(ip_network("127.0.0.1/32"),)))  # type: ignore[union-attr]
        moved = server.redirect("/moved", "http://10.20.30.40/story")
        assert await _archive(fake, url=moved) == (
            "That address redirects to a private or local network address, which the bot "
            "does not fetch."
        )
        assert server.asked == ["/moved"]
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{unused.getsockname()[1]}/story"
        assert await _archive(fake, url=closed) == (
            "That address cannot be reached; check it and try again."
        )

        upload = fake.add_attachment("story.html", BARRIER_PAGE, "text/html")
        assert await _archive(fake, admin=False, attachment=upload) == NOT_ADMIN
        assert await _archive(fake, admin=False, url=page) == NOT_ADMIN
        assert await _archive(fake) == "Give either an attachment or a url, one of the two."
        assert await _archive(fake, attachment=upload, url=page) == (
            "Give either an attachment or a url, one of the two."
        )

        assert _saved(folder) == []
        after = await bot.engine.stats()
        assert (after["documents"], after["passages"]) == (before["documents"], before["passages"])


async def test_archive_refuses_while_a_reindex_runs_and_waits_for_another_ingest(
    seeded_copy: Path, model: Embedder, folder: Path
) -> None:
    async with running_bot(seeded_copy, model, archive_dir=folder) as (fake, bot):
        gate = hold_reindex(bot)
        reindex = bot.reindexer.start(folder)
        upload = fake.add_attachment("story.html", BARRIER_PAGE, "text/html")
        assert await _archive(fake, attachment=upload) == (
            "A re-index is running; add the page once it has finished."
        )
        assert _saved(folder) == []
        gate.set()
        await reindex

        # An `archivist ingest` holds the archive: /archive says it waits, then adds the page.
        holder = os.open(seeded_copy / "archive.db.ingest-lock", os.O_RDWR | os.O_CREAT)
        fcntl.flock(holder, fcntl.LOCK_EX)
        try:
            interaction = await fake.send_interaction(
                "archive",
                {"attachment": upload},
                guild_id=DEFAULT_GUILD_ID,
                permissions=MANAGE_GUILD,
            )
            waiting = await interaction.wait_for_original_edit(timeout=30)
            assert waiting.json["content"].startswith("Saved; another ingest is running")
        finally:
            os.close(holder)
        added = await interaction.wait_for_followup(timeout=60)
        assert added.json["content"].startswith("Added “Tidal barrier opens on the estuary”")
