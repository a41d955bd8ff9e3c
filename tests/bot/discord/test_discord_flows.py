"""How the slash commands answer, judged by what Discord would show: who sees each message
(a followup after a public defer is public whatever its flags), the server's comment setting
in every command that shows archive text, the pager's owner and restarts, the /ask cooldown and
long site names picked by autocomplete. Real discord.py against the fake Discord."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands
from discord_harness import MANAGE_GUILD, TOKEN, ask, components, running_bot
from fake_discord import DEFAULT_GUILD_ID, FakeDiscord, FakeInteraction, run_bot
from PIL import Image, ImageColor

from bot.discord.app import point_discord_at
from bot.discord.client import ArchivistBot
from bot.discord.cogs.ask import Ask
from bot.discord.replies import GENERIC_ERROR
from bot.services.charts import ARTICLE_COLOUR, COMMENT_COLOUR
from bot.services.community import NO_COMMENTS, site_choice_value
from index.archive import Archive
from index.embedder import Embedder, HashEmbedder
from index.models import SearchFilters
from ingest.pipeline import ingest_paths

EPHEMERAL = 64
READER = "Random guy"
READER_QUESTION = "What did Random guy say about Assad and Turkey?"


def _comments(mode: str) -> list[dict[str, object]]:
    return [
        {"name": "comments", "type": 1, "options": [{"name": "mode", "type": 3, "value": mode}]}
    ]


async def _set_comments(fake: FakeDiscord, mode: str) -> None:
    interaction = await fake.send_interaction(
        "settings", _comments(mode), guild_id=DEFAULT_GUILD_ID, permissions=MANAGE_GUILD
    )
    assert f"now `{mode}`" in (await interaction.wait_for_callback()).json["data"]["content"]


def _private(message: dict[str, Any]) -> bool:
    return bool(message["flags"] & EPHEMERAL)


async def _private_refusal(interaction: FakeInteraction) -> str:
    """The refusal an interaction got, checked to be the private response itself (no defer)."""
    callback = await interaction.wait_for_callback(timeout=10)
    assert callback.json["type"] == 4, callback.json
    [message] = interaction.messages()
    assert _private(message), message
    return message["content"]


async def _private_after_defer(fake: FakeDiscord, interaction: FakeInteraction) -> str:
    """The message a publicly deferred interaction ended with, checked to be seen by its user
    alone: the public placeholder deleted, the text in a private followup of its own."""
    callback = await interaction.wait_for_callback(timeout=10)
    assert callback.json["type"] == 5 and not (callback.json.get("data") or {}).get("flags")
    await interaction.wait_for_followup(timeout=20)
    assert fake.requests_matching("DELETE", interaction.webhook_path + "/messages/@original")
    [message] = interaction.messages()
    assert _private(message), message
    return message["content"]


@pytest.fixture
async def running(
    seeded_copy: Path, model: Embedder
) -> AsyncIterator[tuple[FakeDiscord, ArchivistBot]]:
    async with running_bot(seeded_copy, model) as pair:
        yield pair


# --- the fake tells the truth ------------------------------------------------------------------


class _DeferBot(commands.Bot):
    """``/shout``: a public defer, then two followups flagged ephemeral."""

    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.1,
        )

        @app_commands.command(description="Defer publicly, then answer 'privately'.")
        async def shout(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("first", ephemeral=True)
            await interaction.followup.send("second", ephemeral=True)

        self.tree.add_command(shout)

    async def setup_hook(self) -> None:
        guild = discord.Object(id=DEFAULT_GUILD_ID)
        self.tree.copy_global_to(guild=guild)
        await self.tree.sync(guild=guild)


async def test_the_first_followup_after_a_public_defer_is_public_whatever_its_flags() -> None:
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    try:
        async with FakeDiscord() as fake:
            point_discord_at(fake.api_base, fake.gateway_url)
            async with run_bot(_DeferBot(), fake):
                interaction = await fake.send_interaction("shout", guild_id=DEFAULT_GUILD_ID)
                first = await interaction.wait_for_followup()
                await interaction.wait_for_followup(nth=1)
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
    assert first.json["flags"] & EPHEMERAL  # asked for, and ignored:
    placeholder, second = interaction.messages()
    assert (placeholder["content"], _private(placeholder)) == ("first", False)
    assert (second["content"], _private(second)) == ("second", True)


# --- failures and refusals are private -----------------------------------------------------------


async def _boom(*args: object, **kwargs: object) -> Any:
    raise RuntimeError("the archive is on fire")


@pytest.mark.parametrize(
    ("command", "options", "target", "name"),
    [
        ("ask", {"question": "When did fighting in Aleppo break out?"}, "engine", "ask"),
        ("search", {"query": "Aleppo"}, "engine", "search"),
        ("sources", None, "community", "sites"),
        ("stats", None, "engine", "stats"),
        ("timeline", {"query": "Aleppo"}, "store", "timeline"),
    ],
)
async def test_a_failure_after_the_public_defer_is_told_privately(
    running, monkeypatch: pytest.MonkeyPatch, command: str, options: Any, target: str, name: str
) -> None:
    fake, bot = running
    owners = {
        "engine": bot.engine,
        "community": bot.community,
        "store": bot.community.store,
    }
    monkeypatch.setattr(owners[target], name, _boom)
    interaction = await fake.send_interaction(command, options, guild_id=DEFAULT_GUILD_ID)
    assert await _private_after_defer(fake, interaction) == GENERIC_ERROR


@pytest.mark.parametrize(
    ("command", "options", "told"),
    [
        ("search", {"query": "?!"}, "Give a few words to search for."),
        ("timeline", {"query": "?!"}, "Give a few words to chart."),
        ("ask", {"question": "Who won?", "since": "last week"}, "is not a date"),
        ("search", {"query": "Aleppo", "until": "someday"}, "is not a date"),
    ],
)
async def test_refusals_that_need_no_work_come_before_the_defer(
    running, command: str, options: dict[str, str], told: str
) -> None:
    fake, _ = running
    interaction = await fake.send_interaction(command, options, guild_id=DEFAULT_GUILD_ID)
    assert told in await _private_refusal(interaction)


@pytest.mark.parametrize(
    ("command", "options", "told"),
    [
        (
            "ask",
            {"question": "Who won?", "since": "2017", "until": "2015"},
            "since:2017-01-01 is after until:2015-12-31: no date is in that range",
        ),
        (
            "search",
            {"query": "Aleppo", "since": "2016-12", "until": "2016-11"},
            "since:2016-12-01 is after until:2016-11-30",
        ),
        ("ask", {"question": "Who won?", "site": "%"}, "no site named '%' is archived"),
        (
            "search",
            {"query": "Aleppo", "site": "southfront.com"},
            "no site named 'southfront.com' is archived; did you mean 'SouthFront'? "
            "(`/sources` lists them)",
        ),
        ("timeline", {"query": "Aleppo", "site": "Nowhere Times"}, "no site named"),
    ],
)
async def test_a_filter_that_can_find_nothing_is_refused_privately_saying_why(
    running, command: str, options: dict[str, str], told: str
) -> None:
    """As the command line refuses it, not answered "I found nothing" in public as if the
    archive lacked the answer."""
    fake, _ = running
    interaction = await fake.send_interaction(command, options, guild_id=DEFAULT_GUILD_ID)
    assert told in await _private_refusal(interaction)


async def test_the_comment_policy_refusal_is_private(running) -> None:
    fake, _ = running
    await _set_comments(fake, "exclude")
    # Only the question says it is about a reader: still refused before any work.
    inferred = await fake.send_interaction(
        "ask", {"question": READER_QUESTION}, guild_id=DEFAULT_GUILD_ID
    )
    assert await _private_refusal(inferred) == NO_COMMENTS
    # Asked for in so many words: refused before any work.
    explicit = await fake.send_interaction(
        "ask", {"question": "What about Assad?", "kind": "comment"}, guild_id=DEFAULT_GUILD_ID
    )
    assert await _private_refusal(explicit) == NO_COMMENTS


async def test_an_answer_stays_public(running) -> None:
    fake, _ = running
    interaction, _ = await ask(fake, "When did fighting in Aleppo break out?")
    [answer] = interaction.messages()
    assert not _private(answer) and answer["embeds"]
    assert not fake.requests_matching("DELETE", interaction.webhook_path + r"/messages/.*")


# --- the comment setting in every command that shows archive text ------------------------------


async def _comment_passage(bot: ArchivistBot) -> str:
    [hit, *_] = await bot.engine.search("Assad Turkey", SearchFilters(kind="comment"), 5)
    return hit.passage.passage_id


async def _search_fields(fake: FakeDiscord, options: dict[str, str]) -> list[dict[str, Any]]:
    interaction = await fake.send_interaction("search", options, guild_id=DEFAULT_GUILD_ID)
    first = await interaction.wait_for_followup(timeout=20)
    return first.json["embeds"][0].get("fields", [])


async def test_spoiler_hides_comment_text_in_search_source_and_show_sources(running) -> None:
    fake, bot = running
    await _set_comments(fake, "spoiler")

    fields = await _search_fields(fake, {"query": "Aleppo army Kurds Turkey Assad"})
    by_readers = [f for f in fields if "reader comment" in f["name"]]
    by_articles = [f for f in fields if "reader comment" not in f["name"]]
    assert by_readers and by_articles
    for field in by_readers:
        excerpt, rest = field["value"].split("\n", 1)
        assert excerpt.startswith("||") and excerpt.endswith("||") and len(excerpt) > 4
        assert "`p_" in rest and "||" not in rest
    assert not any(f["value"].startswith("||") for f in by_articles)

    passage_id = await _comment_passage(bot)
    shown = await fake.send_interaction("source", {"id": passage_id}, guild_id=DEFAULT_GUILD_ID)
    [embed] = (await shown.wait_for_callback()).json["data"]["embeds"]
    assert embed["description"].startswith("||") and embed["description"].endswith("||")
    assert "Assad" in embed["description"]

    interaction, answer = await ask(fake, READER_QUESTION)
    show = components(answer.json)[0]
    message_id = int(fake.requests_matching("POST", interaction.webhook_path)[0].response["id"])
    clicked = await fake.send_component(show["custom_id"], message_id)
    sources = await clicked.wait_for_followup(timeout=10)
    comment = next(e for e in sources.json["embeds"] if READER in e["fields"][0]["value"])
    assert comment["description"].startswith("||") and comment["description"].endswith("||")


async def test_exclude_keeps_comments_out_of_search_source_timeline_and_show_sources(
    running,
) -> None:
    fake, bot = running
    # An answer quoting a reader, given before the server excluded comments.
    interaction, answer = await ask(fake, READER_QUESTION)
    show = components(answer.json)[0]
    answer_message = int(fake.requests_matching("POST", interaction.webhook_path)[0].response["id"])
    await _set_comments(fake, "exclude")

    fields = await _search_fields(fake, {"query": "Assad Turkey Random guy"})
    assert fields and not any("reader comment" in f["name"] for f in fields)
    for command, options in (
        ("search", {"query": "Assad Turkey", "kind": "comment"}),
        ("timeline", {"query": "Assad", "kind": "comment"}),
        ("source", {"id": await _comment_passage(bot)}),
    ):
        refused = await fake.send_interaction(command, options, guild_id=DEFAULT_GUILD_ID)
        assert await _private_refusal(refused) == NO_COMMENTS, command

    timeline = await fake.send_interaction(
        "timeline", {"query": "Assad Aleppo"}, guild_id=DEFAULT_GUILD_ID
    )
    chart = (await timeline.wait_for_followup(timeout=20)).json["content"]
    assert "in articles" in chart and "in reader comments" not in chart

    clicked = await fake.send_component(show["custom_id"], answer_message)
    shown = await clicked.wait_for_followup(timeout=10)
    embeds = shown.json.get("embeds") or []
    assert not any(READER in e["fields"][0]["value"] for e in embeds)
    assert embeds or "does not quote" in shown.json["content"]


async def _timeline_chart(fake: FakeDiscord, query: str) -> tuple[str, set[tuple[int, ...]]]:
    """/timeline's text and the colours its chart is drawn in."""
    interaction = await fake.send_interaction(
        "timeline", {"query": query}, guild_id=DEFAULT_GUILD_ID
    )
    chart = await interaction.wait_for_followup(timeout=20)
    [png] = chart.files
    with Image.open(io.BytesIO(png.data)) as image:
        colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1 << 20)}
    return chart.json["content"], colours


async def test_the_timeline_draws_no_comment_series_where_comments_are_excluded(running) -> None:
    """Not even an empty one: a "reader comments" bar or legend would claim the chart counts
    what this server leaves out."""
    fake, _ = running
    comment_colour = ImageColor.getrgb(COMMENT_COLOUR)
    text, colours = await _timeline_chart(fake, "Assad Aleppo")
    assert "in reader comments" in text and comment_colour in colours
    await _set_comments(fake, "exclude")
    text, colours = await _timeline_chart(fake, "Assad Aleppo")
    assert "in articles" in text and "in reader comments" not in text
    assert ImageColor.getrgb(ARTICLE_COLOUR) in colours
    assert comment_colour not in colours


async def test_source_autocomplete_offers_no_comment_where_comments_are_excluded(
    running,
) -> None:
    fake, bot = running
    comment = await _comment_passage(bot)

    async def offered(typed: str) -> list[str]:
        typing = await fake.send_autocomplete("source", {"id": typed}, "id")
        return [c["value"] for c in (await typing.wait_for_callback()).json["data"]["choices"]]

    for mode in ("show", "spoiler"):
        await _set_comments(fake, mode)
        assert await offered(comment) == [comment], mode
    before = await offered("p_")
    await _set_comments(fake, "exclude")
    assert await offered(comment) == []  # what /source would refuse is not offered
    articles = await offered("p_")
    kinds = await bot.engine.archive.store.passages(before + articles)
    assert {kinds[p].kind for p in before} == {"article", "comment"}
    assert {kinds[p].kind for p in articles} == {"article"}
    # The same order, the comments left out, and the list filled up with later articles.
    earlier_articles = [p for p in before if kinds[p].kind == "article"]
    assert articles[: len(earlier_articles)] == earlier_articles
    # Titles still lead to the page's first article passage.
    [by_title] = await offered("Aleppo Is")
    assert (await bot.engine.source(by_title))["kind"] == "article"


# --- the pager -----------------------------------------------------------------------------------


async def _paged_search(fake: FakeDiscord) -> tuple[int, dict[str, Any]]:
    interaction = await fake.send_interaction(
        "search", {"query": "Aleppo army Kurds Turkey"}, guild_id=DEFAULT_GUILD_ID
    )
    first = await interaction.wait_for_followup(timeout=20)
    _, following = components(first.json)
    return int(first.response["id"]), following


async def test_only_the_requester_pages_the_results(running) -> None:
    fake, _ = running
    message_id, following = await _paged_search(fake)
    other = await fake.send_component(following["custom_id"], message_id, user_id=42)
    assert "can page these results" in await _private_refusal(other)
    assert fake.messages[message_id]["embeds"][0]["footer"]["text"].startswith("Page 1 of ")

    mine = await fake.send_component(following["custom_id"], message_id)
    assert (await mine.wait_for_callback()).json["type"] == 7
    assert fake.messages[message_id]["embeds"][0]["footer"]["text"].startswith("Page 2 of ")


async def test_results_page_after_a_restart(seeded_copy: Path, model: Embedder) -> None:
    """The buttons under /search results keep their state in their custom ids and SQLite,
    like those under answers: a bot started anew pages a reply its predecessor sent, for the
    member who asked alone."""
    async with FakeDiscord(expected_token=TOKEN) as fake:
        async with running_bot(seeded_copy, model, fake):
            message_id, following = await _paged_search(fake)
        async with running_bot(seeded_copy, model, fake):
            other = await fake.send_component(following["custom_id"], message_id, user_id=42)
            assert "can page these results" in await _private_refusal(other)
            click = await fake.send_component(following["custom_id"], message_id)
            update = await click.wait_for_callback(timeout=10)
    assert update.json["type"] == 7
    [second] = update.json["data"]["embeds"]
    assert second["footer"]["text"].startswith("Page 2 of ")
    assert second["fields"][0]["name"].startswith("6. ")
    previous, following = components(update.json["data"])
    assert previous["label"] == "Previous" and not previous.get("disabled")
    assert fake.messages[message_id]["embeds"][0]["footer"]["text"].startswith("Page 2 of ")


async def test_the_site_overview_pages_after_a_restart(tmp_path: Path) -> None:
    """/sources pages the same way, its listing drawn from the archive at each click."""
    source = tmp_path / "pages.jsonl"
    source.write_text(
        "\n".join(
            json.dumps(
                {
                    "url": f"https://site{n:02}.example.org/",
                    "site": f"Site {n:02}",
                    "text": f"Local news number {n} from the harbour of town {n * 7919}.",
                }
            )
            for n in range(10)
        ),
        encoding="utf-8",
    )
    data = tmp_path / "data"
    embedder = HashEmbedder()
    async with await Archive.open(data, embedder=embedder) as archive:
        await ingest_paths(archive, [source])
    async with FakeDiscord(expected_token=TOKEN) as fake:
        async with running_bot(data, embedder, fake):
            interaction = await fake.send_interaction("sources", guild_id=DEFAULT_GUILD_ID)
            first = await interaction.wait_for_followup(timeout=10)
            assert first.json["embeds"][0]["footer"]["text"].startswith("Page 1 of 2")
            _, following = components(first.json)
        async with running_bot(data, embedder, fake):
            click = await fake.send_component(following["custom_id"], int(first.response["id"]))
            update = await click.wait_for_callback(timeout=10)
    [second] = update.json["data"]["embeds"]
    assert [f["name"] for f in second["fields"]] == ["Site 08", "Site 09"]
    previous, following = components(update.json["data"])
    assert not previous.get("disabled") and following["disabled"]


# --- the /ask cooldown ---------------------------------------------------------------------------


async def test_refused_questions_do_not_use_up_the_cooldown(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model, ask_cooldown_rate=1, ask_cooldown_seconds=600) as (
        fake,
        _,
    ):
        for options in (
            {"question": "why " * 200},
            {"question": "When did fighting in Aleppo break out?", "since": "last week"},
        ):
            refused = await fake.send_interaction("ask", options, guild_id=DEFAULT_GUILD_ID)
            assert "Slow down" not in await _private_refusal(refused)
        await _set_comments(fake, "exclude")
        excluded = await fake.send_interaction(
            "ask", {"question": READER_QUESTION}, guild_id=DEFAULT_GUILD_ID
        )
        assert await _private_refusal(excluded) == NO_COMMENTS

        await ask(fake, "When did fighting in Aleppo break out?")  # accepted: deferred
        again = await fake.send_interaction(
            "ask", {"question": "Who fought in Aleppo?"}, guild_id=DEFAULT_GUILD_ID
        )
        assert (await _private_refusal(again)).startswith("Slow down")


async def test_the_question_option_is_capped_at_the_setting(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model, ask_max_chars=120) as (fake, _):
        sync = await fake.wait_for_request(
            "PUT", rf"/applications/\d+/guilds/{DEFAULT_GUILD_ID}/commands"
        )
    [command] = [c for c in sync.json if c["name"] == "ask"]
    question = next(o for o in command["options"] if o["name"] == "question")
    assert question["max_length"] == 120
    # The cog's own copy was changed, not the command every Ask instance starts from.
    assert Ask.ask.get_parameter("question").max_value is None


# --- long site names -----------------------------------------------------------------------------

# Two names longer than a choice's 100 characters that share their first 120.
LONG_A = "L" * 120 + " Alpha Gazette" + "a" * 20
LONG_B = "L" * 120 + " Beta Courier" + "b" * 20


@pytest.fixture
async def long_sites(tmp_path: Path) -> AsyncIterator[tuple[FakeDiscord, ArchivistBot]]:
    pages = [
        {"site": LONG_A, "title": "Harbour news from Alpha", "text": "The harbour reopened."},
        {"site": LONG_B, "title": "Harbour news from Beta", "text": "The harbour closed again."},
        {"site": "Short", "title": "Harbour news, briefly", "text": "A harbour story."},
    ]
    source = tmp_path / "pages.jsonl"
    source.write_text(
        "\n".join(
            # One host each: an archive gives all pages of one host a single site name.
            json.dumps({"url": f"https://site{n}.example.org/", "published": "2021-03-04", **p})
            for n, p in enumerate(pages)
        ),
        encoding="utf-8",
    )
    data = tmp_path / "data"
    embedder = HashEmbedder()
    async with await Archive.open(data, embedder=embedder) as archive:
        await ingest_paths(archive, [source])
    async with running_bot(data, embedder) as pair:
        yield pair


async def test_a_long_site_name_picked_by_autocomplete_selects_its_site(long_sites) -> None:
    fake, _ = long_sites
    typed = await fake.send_autocomplete("sources", {"site": "LLLL"}, "site")
    choices = (await typed.wait_for_callback()).json["data"]["choices"]
    assert len(choices) == 2
    assert all(1 <= len(c["name"]) <= 100 and 1 <= len(c["value"]) <= 100 for c in choices)
    for choice in choices:
        title = "Alpha" if choice["value"] == site_choice_value(LONG_A) else "Beta"
        listed = await fake.send_interaction(
            "sources", {"site": choice["value"]}, guild_id=DEFAULT_GUILD_ID
        )
        [embed] = (await listed.wait_for_followup(timeout=10)).json["embeds"]
        assert re.search(rf"Harbour news from {title}\b", embed["description"]), embed
        assert "Alpha" not in embed["description"] or title == "Alpha"
        found = await fake.send_interaction(
            "search", {"query": "harbour", "site": choice["value"]}, guild_id=DEFAULT_GUILD_ID
        )
        fields = (await found.wait_for_followup(timeout=10)).json["embeds"][0]["fields"]
        assert fields and all(f"from {title}" in f["value"] for f in fields)
