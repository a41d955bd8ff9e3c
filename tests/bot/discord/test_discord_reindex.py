"""``/reindex`` end to end: progress in one edited message, a final report, one run at a time,
paths confined to the archive folder, and questions answered all along."""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import shutil
from pathlib import Path

from conftest import SEED
from discord_harness import MANAGE_GUILD, ask, hold_reindex, running_bot
from fake_discord import DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, FakeDiscord

from index.embedder import Embedder

PAGES = 8
OUTSIDE_REFUSAL = "That path is outside the archive folder; give one inside it."
TOPICS = ["harbour", "railway", "election", "drought", "festival", "strike", "flood", "museum"]


def _archive_folder(root: Path) -> Path:
    """The seed page plus generated plain-text pages, each with an article and comments."""
    folder = root / "archive-files"
    (folder / "generated").mkdir(parents=True)
    shutil.copy(SEED, folder / SEED.name)
    for n, topic in enumerate(TOPICS[:PAGES]):
        paragraphs = [
            f"The {topic} in town number {n} made the news on May {n + 1}, 2019.",
            f"Officials said the {topic} affected {100 * (n + 1)} residents in the district.",
            f"Reporters followed the {topic} for several weeks and spoke to the people involved.",
        ]
        comments = [f"Reader{n}", f"I saw the {topic} myself and it was worse than reported."]
        text = "\n\n".join(
            [
                f"News about the {topic} {n}",
                *paragraphs,
                "Notify of",
                "View all comments",
                *comments,
            ]
        )
        (folder / "generated" / f"page_{n}.txt").write_text(text + "\n", encoding="utf-8")
    return folder


async def _reindex(fake: FakeDiscord, path: str | None = None, admin: bool = True):
    options = {"path": path} if path is not None else None
    interaction = await fake.send_interaction(
        "reindex",
        options,
        guild_id=DEFAULT_GUILD_ID,
        permissions=MANAGE_GUILD if admin else 0,
    )
    return (await interaction.wait_for_callback()).json["data"]


async def test_reindex_reports_progress_and_refuses_a_second_run_while_asks_go_on(
    seeded_copy: Path, model: Embedder, tmp_path: Path
) -> None:
    folder = _archive_folder(tmp_path)
    async with running_bot(seeded_copy, model, archive_dir=folder) as (fake, bot):
        bot.get_cog("Reindex").progress_interval = 0  # type: ignore[union-attr]
        gate = hold_reindex(bot)

        started = await _reindex(fake)
        assert started["flags"] & 64 and "Re-indexing `.`" in started["content"]
        progress = await fake.wait_for_request("POST", rf"/channels/{DEFAULT_CHANNEL_ID}/messages")
        assert progress.json["allowed_mentions"] == {"parse": []}
        message_path = rf"/channels/{DEFAULT_CHANNEL_ID}/messages/{progress.response['id']}"

        refused = await _reindex(fake)
        assert refused["flags"] & 64
        assert refused["content"] == "A re-index is already running; wait for its report."

        gate.set()
        asks = [
            asyncio.create_task(ask(fake, "When did fighting in Aleppo break out?"))
            for _ in range(4)
        ]
        final = await fake.wait_for_request(
            "PATCH", message_path, where=lambda r: "finished" in r.json["content"], timeout=60
        )
        for _, answer in await asyncio.gather(*asks):
            assert "Fighting in Aleppo broke out" in answer.json["embeds"][0]["description"]
        edits = [r.json["content"] for r in fake.requests_matching("PATCH", message_path)]
        bars = [e for e in edits if e.startswith("**Re-indexing**")]
        assert bars and all(re.search(r"`[█░]{20}` \d+%", e) for e in bars)
        assert all("passages/s" in e and "ETA" in e and "pages" in e for e in bars)
        assert any("█" in e for e in bars)
        assert edits[-1] == final.json["content"]
        report = final.json["content"]
        # The seed's copy in the folder duplicates the archived seed: linked, not indexed twice.
        assert (
            f"{PAGES + 1} page(s) from {PAGES + 1} file(s): {PAGES} added, 0 updated, "
            "0 unchanged, 1 linked as duplicates, 0 skipped"
        ) in report
        assert f"The archive now holds {PAGES + 1} documents" in report
        assert (await bot.engine.stats())["documents"] == PAGES + 1

        # Once the run is over a new one may start.
        again = await _reindex(fake, "generated")
        assert "Re-indexing `generated`" in again["content"]


async def test_reindex_refuses_paths_outside_the_archive_folder(
    seeded_copy: Path, model: Embedder, tmp_path: Path
) -> None:
    folder = _archive_folder(tmp_path)
    async with running_bot(seeded_copy, model, archive_dir=folder) as (fake, bot):
        for path in ("../", "generated/../..", "../archive-files-elsewhere"):
            refused = await _reindex(fake, path)
            assert refused["content"] == OUTSIDE_REFUSAL
        missing = await _reindex(fake, "nope")
        assert missing["content"] == "Nothing exists at that path inside the archive folder."
        assert not bot.reindexer.running


async def _reindex_report(fake: FakeDiscord, path: str | None = None) -> str:
    """Run /reindex to its end; the final report it edits into its progress message."""
    started = await _reindex(fake, path)
    assert "Re-indexing" in started["content"], started
    progress = await fake.wait_for_request("POST", rf"/channels/{DEFAULT_CHANNEL_ID}/messages")
    message_path = rf"/channels/{DEFAULT_CHANNEL_ID}/messages/{progress.response['id']}"
    final = await fake.wait_for_request(
        "PATCH",
        message_path,
        where=lambda r: "finished" in r.json["content"] or "failed" in r.json["content"],
        timeout=60,
    )
    return final.json["content"]


async def test_reindex_skips_a_file_name_that_is_not_utf8_and_ingests_the_rest(
    seeded_copy: Path, model: Embedder, tmp_path: Path
) -> None:
    folder = _archive_folder(tmp_path)
    latin1 = folder / os.fsdecode(b"caf\xe9_report.txt")  # a Latin-1 name from a scraper
    shutil.copy(folder / "generated" / "page_0.txt", latin1)
    async with running_bot(seeded_copy, model, archive_dir=folder) as (fake, bot):
        report = await _reindex_report(fake)
        assert "finished" in report, report
        assert f"{PAGES} added" in report and "1 skipped" in report
        # The name is shown with its undecodable byte escaped (markdown-escaped for Discord).
        assert "caf\\\\xe9\\_report.txt: file name is not UTF-8" in report
        assert (await bot.engine.stats())["documents"] == PAGES + 1


async def test_reindex_reads_nothing_through_a_link_out_of_the_archive_folder(
    seeded_copy: Path, model: Embedder, tmp_path: Path
) -> None:
    folder = _archive_folder(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(
        "Secret plans\n\nThe vault code is kept under the harbour master's desk.\n"
    )
    (folder / "sub").mkdir()
    os.symlink("../../outside/secret.txt", folder / "sub" / "linked_secret.txt")
    async with running_bot(seeded_copy, model, archive_dir=folder) as (fake, bot):
        refused = await _reindex(fake, "sub/linked_secret.txt")
        assert refused["content"] == OUTSIDE_REFUSAL
        # With no path, the walk finds the link; it is counted as skipped, never read.
        report = await _reindex_report(fake)
        assert "1 skipped" in report and "link to outside the archive" in report, report
        hits = await bot.engine.search("vault code harbour master", None, 5)
        assert not any("vault" in hit.passage.text for hit in hits)
        assert (await bot.engine.stats())["documents"] == PAGES + 1


async def test_reindex_refuses_a_nul_byte_or_an_overlong_path_like_one_outside(
    seeded_copy: Path, model: Embedder, tmp_path: Path
) -> None:
    folder = _archive_folder(tmp_path)
    async with running_bot(seeded_copy, model, archive_dir=folder) as (fake, bot):
        for path in ("generated/\x00page_0.txt", "x" * 300, "generated/" + "y" * 300):
            refused = await _reindex(fake, path)
            assert refused["flags"] & 64
            assert refused["content"] == OUTSIDE_REFUSAL
        assert not bot.reindexer.running


async def test_reindex_waits_while_another_ingest_holds_the_archive(
    seeded_copy: Path, model: Embedder, tmp_path: Path
) -> None:
    """An `archivist ingest` on the same archive holds its lock file: /reindex says it waits,
    and runs once the lock is let go."""
    folder = _archive_folder(tmp_path)
    holder = os.open(seeded_copy / "archive.db.ingest-lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)  # as another process's ingest would
    try:
        async with running_bot(seeded_copy, model, archive_dir=folder) as (fake, bot):
            bot.get_cog("Reindex").progress_interval = 0  # type: ignore[union-attr]
            await _reindex(fake)
            progress = await fake.wait_for_request(
                "POST", rf"/channels/{DEFAULT_CHANNEL_ID}/messages"
            )
            message_path = rf"/channels/{DEFAULT_CHANNEL_ID}/messages/{progress.response['id']}"
            waiting = await fake.wait_for_request(
                "PATCH", message_path, where=lambda r: "waiting" in r.json["content"], timeout=30
            )
            assert "another ingest is running on this archive; waiting" in waiting.json["content"]
            assert bot.reindexer.running
            os.close(holder)
            holder = -1
            final = await fake.wait_for_request(
                "PATCH", message_path, where=lambda r: "finished" in r.json["content"], timeout=60
            )
            assert f"{PAGES} added" in final.json["content"]
    finally:
        if holder >= 0:
            os.close(holder)


async def test_reindex_rebuild_and_prune_report_the_generation_and_the_pages_removed(
    seeded_copy: Path, model: Embedder, tmp_path: Path
) -> None:
    folder = _archive_folder(tmp_path)
    async with running_bot(seeded_copy, model, archive_dir=folder) as (fake, bot):
        bot.get_cog("Reindex").progress_interval = 0  # type: ignore[union-attr]
        first = await _reindex_report(fake)
        assert f"now holds {PAGES + 1} documents" in first and "generation" not in first
        (folder / "generated" / "page_0.txt").unlink()

        interaction = await fake.send_interaction(
            "reindex",
            {"rebuild": True, "prune": True},
            guild_id=DEFAULT_GUILD_ID,
            permissions=MANAGE_GUILD,
        )
        assert "Re-indexing" in (await interaction.wait_for_callback()).json["data"]["content"]
        final = await fake.wait_for_request(
            "PATCH",
            rf"/channels/{DEFAULT_CHANNEL_ID}/messages/\d+",
            where=lambda r: "finished" in r.json["content"] and "generation" in r.json["content"],
            timeout=60,
        )
        report = final.json["content"]
        assert "Vectors rebuilt: generation 1 → 2" in report
        assert "Pruned 1 page(s) whose files are gone" in report
        assert f"now holds {PAGES} documents" in report
        stats = await bot.engine.stats()
        assert stats["index_version"] == 2 and stats["collection"].endswith("_v2")
        answer = await ask(fake, "When did fighting in Aleppo break out?")
        assert "Fighting in Aleppo broke out" in answer[1].json["embeds"][0]["description"]
