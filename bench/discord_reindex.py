"""``/reindex`` under load: the bot re-indexes an archive folder from Discord while a client
keeps asking, through the fake Discord. Prints the asks that failed (goal 0), the progress
edits seen, the final report (checked against the archive's counts) and whether a second
``/reindex`` during the first was refused. Then ``/reindex rebuild:true`` under the same load:
the vectors are rebuilt as a new generation, the report must say generation N → N+1, and no
ask may fail across the switch.

    make bench-discord-reindex ARCHIVE=path/to/folder     # default: samples/

The folder is used as ARCHIVE_DIR as it is; the archive starts empty (the seed is in samples/).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import tempfile
from pathlib import Path

import discord
from discord_load import ROOT, BotThread, bot_against_fake
from fake_discord import DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, FakeDiscord

from index.embedder import load_embedder

QUESTION = "When did fighting in Aleppo break out?"
ADMIN = discord.Permissions(manage_guild=True).value


async def _reindex(fake: FakeDiscord, options: dict[str, object] | None = None) -> str:
    interaction = await fake.send_interaction(
        "reindex", options, guild_id=DEFAULT_GUILD_ID, permissions=ADMIN
    )
    return (await interaction.wait_for_callback(timeout=30)).json["data"]["content"]


async def keep_asking(fake: FakeDiscord, done: asyncio.Event, results: list[bool]) -> None:
    """One question at a time, each waited for, until the re-index has reported."""
    n = 0
    while not done.is_set():
        n += 1
        interaction = await fake.send_interaction(
            "ask", {"question": QUESTION}, guild_id=DEFAULT_GUILD_ID, user_id=5_000 + n
        )
        try:
            await interaction.wait_for_callback(timeout=3)
            answer = await interaction.wait_for_followup(timeout=120)
            results.append(bool(answer.json.get("embeds")))
        except AssertionError:
            results.append(False)


async def run(archive: Path) -> int:
    model = load_embedder("all-MiniLM-L6-v2")
    with tempfile.TemporaryDirectory() as tmp:
        async with bot_against_fake(Path(tmp), model, archive_dir=archive) as (fake, bot):
            return await drive(fake, bot)


async def drive(fake: FakeDiscord, bot: BotThread) -> int:
    started = await _reindex(fake)
    print(f"/reindex:            {started}")
    progress = await fake.wait_for_request(
        "POST", rf"/channels/{DEFAULT_CHANNEL_ID}/messages", timeout=30
    )
    message = rf"/channels/{DEFAULT_CHANNEL_ID}/messages/{progress.response['id']}"
    second = await _reindex(fake)
    print(f"second /reindex:     {second}")
    done = asyncio.Event()
    results: list[bool] = []
    asker = asyncio.create_task(keep_asking(fake, done, results))
    final = await fake.wait_for_request(
        "PATCH",
        message,
        where=lambda r: "finished" in r.json["content"] or "failed" in r.json["content"],
        timeout=3600,
    )
    done.set()
    await asker
    edits = fake.requests_matching("PATCH", message)
    print(f"progress edits:      {len(edits) - 1}")
    for edit in edits[1:-1][-2:]:
        print("  " + edit.json["content"].replace("\n", "\n  "))
    report = final.json["content"]
    print("final report:\n  " + report.replace("\n", "\n  "))
    failed = results.count(False)
    print(f"asks during the run: {len(results)}, failed: {failed}")
    holds = re.search(r"now holds (\d+) documents and (\d+) passages", report)
    stats = await asyncio.wrap_future(
        asyncio.run_coroutine_threadsafe(bot.engine.stats(), bot.loop)
    )
    consistent = bool(holds) and (int(holds[1]), int(holds[2])) == (
        stats["documents"],
        stats["passages"],
    )
    print(f"report matches the archive ({stats['documents']} documents): {consistent}")
    refused = second.startswith("A re-index is already running")
    ok = failed == 0 and len(edits) > 1 and consistent and refused and "finished" in report
    print("result:              " + ("PASS" if ok else "FAIL"))
    rebuilt = await drive_rebuild(fake, bot)
    return 0 if ok and rebuilt else 1


async def drive_rebuild(fake: FakeDiscord, bot: BotThread) -> bool:
    """``/reindex rebuild:true`` while asks go on: generation N → N+1, no failed ask."""
    before = await asyncio.wrap_future(
        asyncio.run_coroutine_threadsafe(bot.engine.stats(), bot.loop)
    )
    channel = rf"/channels/{DEFAULT_CHANNEL_ID}/messages"
    # The channel's messages are the re-index runs' progress messages: this run's comes next.
    posted = len(fake.requests_matching("POST", channel))
    started = await _reindex(fake, {"rebuild": True})
    print(f"/reindex rebuild:    {started}")
    progress = await fake.wait_for_request("POST", channel, timeout=30, nth=posted)
    message = rf"/channels/{DEFAULT_CHANNEL_ID}/messages/{progress.response['id']}"
    done = asyncio.Event()
    results: list[bool] = []
    asker = asyncio.create_task(keep_asking(fake, done, results))
    final = await fake.wait_for_request(
        "PATCH",
        message,
        where=lambda r: "Vectors rebuilt" in r.json["content"] or "failed" in r.json["content"],
        timeout=3600,
    )
    done.set()
    await asker
    edits = fake.requests_matching("PATCH", message)
    rebuilding = [e for e in edits if "rebuilding the vectors" in e.json["content"]]
    print(f"progress edits:      {len(edits) - 1} ({len(rebuilding)} while rebuilding)")
    for edit in rebuilding[-2:]:
        print("  " + edit.json["content"].replace("\n", "\n  "))
    report = final.json["content"]
    print("rebuild report:\n  " + report.replace("\n", "\n  "))
    after = await asyncio.wrap_future(
        asyncio.run_coroutine_threadsafe(bot.engine.stats(), bot.loop)
    )
    old, new = before["index_version"], after["index_version"]
    said = f"generation {old} → {new}" in report
    failed = results.count(False)
    print(f"generation:          {old} → {new} ({after['collection']}), in the report: {said}")
    print(f"asks during rebuild: {len(results)}, failed: {failed}")
    ok = (
        said
        and new == old + 1
        and failed == 0
        and after["vectors"] == after["passages"]
        and bool(rebuilding)
    )
    print("rebuild result:      " + ("PASS" if ok else "FAIL"))
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", type=Path, default=ROOT / "samples")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    return asyncio.run(run(args.archive.resolve()))


if __name__ == "__main__":
    sys.exit(main())
