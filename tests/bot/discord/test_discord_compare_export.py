"""``/compare`` and the Export button end to end: real discord.py against the fake Discord."""

from __future__ import annotations

import copy
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from citation_files import bibtex_entries, csv_rows, latex_plain, markdown_quotes
from discord_harness import MANAGE_GUILD, TOKEN, ask, components, running_bot
from discord_markdown import unescape
from fake_discord import DEFAULT_GUILD_ID, FakeDiscord, FakeInteraction, RecordedRequest

from bot.discord.client import ArchivistBot
from bot.services.community import NO_COMMENTS
from index.embedder import Embedder

EPHEMERAL = 64
BRIDGE = "Why did the Elm Street bridge collapse?"
READERS = "What did readers say about the bridge collapse?"


@pytest.fixture
def outlets_copy(outlets_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "outlets"
    shutil.copytree(outlets_dir, copy)
    return copy


@pytest.fixture
async def running(
    outlets_copy: Path, model: Embedder
) -> AsyncIterator[tuple[FakeDiscord, ArchivistBot]]:
    async with running_bot(outlets_copy, model) as pair:
        yield pair


async def compared(fake: FakeDiscord, **options: str) -> list[dict[str, Any]]:
    """/compare's embeds, after its public defer."""
    interaction = await fake.send_interaction("compare", options, guild_id=DEFAULT_GUILD_ID)
    callback = await interaction.wait_for_callback()
    assert callback.json["type"] == 5 and not (callback.json.get("data") or {}).get("flags")
    message = await interaction.wait_for_followup(timeout=30)
    assert message.json["allowed_mentions"] == {"parse": []}
    return [embed for sent in interaction.messages() for embed in sent["embeds"]]


async def exclude_comments(fake: FakeDiscord) -> None:
    """``/settings comments mode:exclude``, as an admin."""
    options = [{"name": "mode", "type": 3, "value": "exclude"}]
    settings = await fake.send_interaction(
        "settings",
        [{"name": "comments", "type": 1, "options": options}],
        guild_id=DEFAULT_GUILD_ID,
        permissions=MANAGE_GUILD,
    )
    assert "now `exclude`" in (await settings.wait_for_callback()).json["data"]["content"]


async def private_refusal(interaction: FakeInteraction) -> str:
    callback = await interaction.wait_for_callback(timeout=10)
    assert callback.json["type"] == 4, callback.json
    assert callback.json["data"]["flags"] & EPHEMERAL
    return callback.json["data"]["content"]


async def test_compare_gives_each_named_site_its_section(running) -> None:
    fake, bot = running
    embeds = await compared(
        fake, question=BRIDGE, sites="gazette regionale, valleytimes.example, Coast Courier"
    )
    lead, *sections = embeds
    assert lead["title"] == f"Compare: {BRIDGE}"
    assert lead["description"] == "2 of 3 sites answer. Nothing from Coast Courier answers it."
    titles = [embed["title"] for embed in sections if embed.get("title")]
    assert titles == ["Gazette Régionale", "Valley Times", "Coast Courier"]
    assert sections[-1]["description"] == "Nothing from this site answers the question."
    assert sections[-1]["footer"]["text"].startswith("Quotes are verbatim")
    # Every quote shown is a verbatim slice of a passage of its own site's.
    for section in sections[:-1]:
        site = section["title"]
        shown = unescape(section["description"])
        passages = [f["value"].rsplit("`", 2)[-2] for f in section["fields"]]
        for passage_id in passages:
            source = await bot.engine.source(passage_id)
            assert source["site"] == site
        texts = [(await bot.engine.source(p))["text"] for p in passages]
        for line in shown.split("\n\n"):
            quote = line.split(": “", 1)[1].rsplit("”", 1)[0]
            assert any(quote in text for text in texts), quote


async def test_compare_without_sites_compares_the_best_matching_ones(running) -> None:
    fake, _ = running
    lead, *_ = await compared(fake, question=BRIDGE)
    assert lead["description"] == "3 of 4 sites answer. Nothing from Coast Courier answers it."


async def test_compare_readers_names_them(running) -> None:
    fake, _ = running
    lead, herald, valley = await compared(
        fake, question=READERS, sites="Harbour Herald,Valley Times", kind="comment"
    )
    assert lead["description"] == "1 of 2 sites answer. Nothing from Valley Times answers it."
    assert herald["description"].startswith("**[1]** Reader Mara Quinn wrote: “The council")
    assert valley["description"] == "Nothing from this site answers the question."


async def test_compare_refusals_are_private(running) -> None:
    fake, _ = running
    unknown = await fake.send_interaction(
        "compare",
        {"question": BRIDGE, "sites": "Valley Times, Harbor Herald"},
        guild_id=DEFAULT_GUILD_ID,
    )
    assert await private_refusal(unknown) == (
        "no site named 'Harbor Herald' is archived; did you mean 'Harbour Herald'? "
        "(`/sources` lists them)"
    )
    many = ",".join(["Valley Times"] * 11)
    too_many = await fake.send_interaction(
        "compare", {"question": BRIDGE, "sites": many}, guild_id=DEFAULT_GUILD_ID
    )
    assert await private_refusal(too_many) == "Name at most 10 sites to compare."
    await exclude_comments(fake)
    readers = await fake.send_interaction(
        "compare", {"question": READERS, "kind": "comment"}, guild_id=DEFAULT_GUILD_ID
    )
    assert await private_refusal(readers) == NO_COMMENTS


async def test_the_sites_option_completes_the_last_name_of_the_list(running) -> None:
    fake, _ = running
    typed = await fake.send_autocomplete("compare", {"sites": "Valley Times, harb"}, "sites")
    choices = (await typed.wait_for_callback()).json["data"]["choices"]
    assert [c["value"] for c in choices] == ["Valley Times, Harbour Herald"]


def exported_files(followup: RecordedRequest) -> dict[str, str]:
    return {f.filename.rsplit(".", 1)[1]: f.data.decode("utf-8") for f in followup.files}


async def test_export_sends_the_citations_privately_and_works_after_a_restart(
    outlets_copy: Path, model: Embedder
) -> None:
    async with FakeDiscord(expected_token=TOKEN) as fake:
        async with running_bot(outlets_copy, model, fake) as (_, bot):
            interaction, followup = await ask(fake, BRIDGE, site="Harbour Herald")
            export = next(b for b in components(followup.json) if b.get("label") == "Export")
            message_id = int(
                fake.requests_matching("POST", interaction.webhook_path)[0].response["id"]
            )
            stored = await bot.community.store.answer(export["custom_id"].rsplit(":", 1)[1])
            quotes = [quote["text"] for quote in stored["quotes"]]
            passages = {
                q["passage_id"]: (await bot.engine.source(q["passage_id"]))["text"]
                for q in stored["quotes"]
            }
        assert len(quotes) == 3
        # A new bot on the same archive: the button's state is its custom id and SQLite.
        async with running_bot(outlets_copy, model, fake):
            clicked = await fake.send_component(export["custom_id"], message_id)
            deferred = await clicked.wait_for_callback()
            assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] & EPHEMERAL
            sent = await clicked.wait_for_followup(timeout=10)
    assert sent.json["flags"] & EPHEMERAL
    assert all(message["flags"] & EPHEMERAL for message in clicked.messages())
    files = exported_files(sent)
    assert sorted(files) == ["bib", "csv", "md"]
    rows = csv_rows(files["csv"])
    assert [row["quote"] for row in rows] == quotes
    for row in rows:
        assert passages[row["passage_id"]][int(row["start"]) : int(row["end"])] == row["quote"]
    assert [quote for quote, _ in markdown_quotes(files["md"])] == quotes
    entries = bibtex_entries(files["bib"])
    assert [latex_plain(e["note"]).split(": “", 1)[1][:-1] for e in entries] == quotes


async def test_export_leaves_out_comments_where_the_server_excludes_them(running) -> None:
    fake, _ = running
    interaction, followup = await ask(fake, BRIDGE, site="Harbour Herald")
    export = next(b for b in components(followup.json) if b.get("label") == "Export")
    message_id = int(fake.requests_matching("POST", interaction.webhook_path)[0].response["id"])
    await exclude_comments(fake)
    clicked = await fake.send_component(export["custom_id"], message_id)
    sent = await clicked.wait_for_followup(timeout=10)
    rows = csv_rows(exported_files(sent)["csv"])
    assert rows and {row["kind"] for row in rows} == {"article"}
    # An answer the store does not know (discord.py only calls a button its message holds).
    unknown = "archivist:export:a_0000000000000000"
    message = copy.deepcopy(fake.messages[message_id])
    for row in message["components"]:
        for button in row["components"]:
            if button.get("custom_id") == export["custom_id"]:
                button["custom_id"] = unknown
    gone = await fake.send_component(unknown, message)
    told = await gone.wait_for_followup(timeout=10)
    assert told.json["content"] == "That answer is no longer known."
    assert told.json["flags"] & EPHEMERAL
