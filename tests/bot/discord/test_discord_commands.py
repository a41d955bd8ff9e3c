"""Every slash command end to end: real discord.py against the fake Discord on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord_harness import MANAGE_GUILD, ask, components, running_bot
from fake_discord import DEFAULT_GUILD_ID, DEFAULT_USER_ID, FakeDiscord

from bot.discord.client import ArchivistBot
from index.embedder import Embedder

ALEPPO = "Fighting in Aleppo broke out on July 19, 2012 and lasted more than four years."
COMMANDS = {
    "ask",
    "compare",
    "search",
    "source",
    "sources",
    "stats",
    "timeline",
    "reindex",
    "archive",
    "settings",
}


def _comments(mode: str) -> list[dict[str, object]]:
    """The options of ``/settings comments mode:<mode>`` (a subcommand)."""
    return [
        {"name": "comments", "type": 1, "options": [{"name": "mode", "type": 3, "value": mode}]}
    ]


@pytest.fixture
async def running(
    seeded_copy: Path, model: Embedder
) -> AsyncIterator[tuple[FakeDiscord, ArchivistBot]]:
    async with running_bot(seeded_copy, model) as pair:
        yield pair


async def test_every_command_is_synced_with_descriptions(running) -> None:
    fake, _ = running
    sync = await fake.wait_for_request(
        "PUT", rf"/applications/\d+/guilds/{DEFAULT_GUILD_ID}/commands"
    )
    commands = {c["name"]: c for c in sync.json}
    assert set(commands) == COMMANDS
    for command in commands.values():
        assert command["description"], command["name"]
        options = command.get("options", [])
        for option in options + [o for sub in options for o in sub.get("options", [])]:
            assert option["description"] and option["description"] != "…", option
    for admin in ("reindex", "archive", "settings"):
        assert int(commands[admin]["default_member_permissions"]) == MANAGE_GUILD
    ask_options = [o["name"] for o in commands["ask"]["options"]]
    assert ask_options == ["question", "kind", "site", "since", "until"]


async def test_ask_answers_with_buttons_that_show_sources_and_take_votes(running) -> None:
    fake, bot = running
    interaction, followup = await ask(fake, "When did fighting in Aleppo break out?")
    payload = followup.json
    assert payload["allowed_mentions"] == {"parse": []}
    [embed] = payload["embeds"]
    assert ALEPPO in embed["description"]
    # One field per quoted passage, named with the numbers of its quotes ("[1]", "[1, 3]").
    assert embed["fields"][0]["name"].startswith(("[1]", "[1,", "[1–"))
    assert embed["fields"][0]["name"].endswith("] article")
    assert "SouthFront" in embed["fields"][0]["value"]
    buttons = components(payload)
    assert [b.get("label") or b["emoji"]["name"] for b in buttons] == [
        "Show sources",
        "👍",
        "👎",
        "Export",
    ]
    message_id = int(fake.requests_matching("POST", interaction.webhook_path)[0].response["id"])

    shown = await fake.send_component(buttons[0]["custom_id"], message_id)
    assert (await shown.wait_for_callback()).json["data"]["flags"] & 64  # ephemeral defer
    sources = await shown.wait_for_followup(timeout=10)
    assert sources.json["flags"] & 64
    assert sources.json["allowed_mentions"] == {"parse": []}
    assert any(ALEPPO in e["description"] for e in sources.json["embeds"])

    vote = await fake.send_component(buttons[2]["custom_id"], message_id, user_id=42)
    thanks = await vote.wait_for_callback()
    assert thanks.json["data"]["flags"] & 64
    [stored] = await bot.community.store.feedback()
    assert stored["vote"] == -1 and stored["user_id"] == 42
    assert stored["question"] == "When did fighting in Aleppo break out?"
    assert ALEPPO in stored["answer"]["text"]


async def test_a_question_over_the_cap_gets_a_private_error(running) -> None:
    fake, bot = running
    interaction = await fake.send_interaction(
        "ask", {"question": "why " * 200}, guild_id=DEFAULT_GUILD_ID
    )
    callback = await interaction.wait_for_callback()
    assert callback.json["type"] == 4 and callback.json["data"]["flags"] & 64
    assert f"the limit is {bot.settings.ask_max_chars}" in callback.json["data"]["content"]


async def test_search_pages_with_previous_and_next(running) -> None:
    fake, _ = running
    interaction = await fake.send_interaction(
        "search", {"query": "Aleppo army Kurds Turkey"}, guild_id=DEFAULT_GUILD_ID
    )
    first = await interaction.wait_for_followup(timeout=10)
    [embed] = first.json["embeds"]
    assert len(embed["fields"]) == 5
    assert all("`p_" in field["value"] for field in embed["fields"])
    assert embed["footer"]["text"].startswith("Page 1 of ")
    previous, following = components(first.json)
    assert previous["label"] == "Previous" and previous["disabled"]
    assert following["label"] == "Next" and not following.get("disabled")

    assert not first.response["flags"] & 64  # the results are public
    click = await fake.send_component(following["custom_id"], int(first.response["id"]))
    update = await click.wait_for_callback()
    assert update.json["type"] == 7
    [second] = update.json["data"]["embeds"]
    assert second["footer"]["text"].startswith("Page 2 of ")
    assert second["fields"][0]["name"].startswith("6. ")


async def test_source_autocompletes_ids_and_titles(running) -> None:
    fake, _ = running
    by_title = await fake.send_autocomplete("source", {"id": "Aleppo Is"}, "id")
    choices = (await by_title.wait_for_callback()).json["data"]["choices"]
    assert choices and choices[0]["name"].startswith("Aleppo Is Liberated")
    prefix = choices[0]["value"][:6]
    by_id = await fake.send_autocomplete("source", {"id": prefix}, "id")
    choices = (await by_id.wait_for_callback()).json["data"]["choices"]
    assert choices and all(c["value"].startswith(prefix) for c in choices)


async def test_sources_stats_and_timeline(running) -> None:
    fake, _ = running
    sources = await fake.send_interaction("sources", guild_id=DEFAULT_GUILD_ID)
    [embed] = (await sources.wait_for_followup()).json["embeds"]
    assert embed["fields"][0]["name"] == "SouthFront"
    assert (
        "1 page(s)" in embed["fields"][0]["value"] and "2016-12-12" in embed["fields"][0]["value"]
    )

    site = await fake.send_interaction("sources", {"site": "southfront"}, guild_id=DEFAULT_GUILD_ID)
    [embed] = (await site.wait_for_followup()).json["embeds"]
    assert "Aleppo Is Liberated" in embed["description"]

    stats = await fake.send_interaction("stats", guild_id=DEFAULT_GUILD_ID)
    [embed] = (await stats.wait_for_followup()).json["embeds"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Documents"] == "1" and int(fields["Passages"]) > 10
    # The collection serving now, so an operator sees a rebuild's switch.
    assert (
        fields["Collection"].startswith("`archive_")
        and fields["Index version"] in fields["Collection"]
    )

    timeline = await fake.send_interaction(
        "timeline", {"query": "Aleppo"}, guild_id=DEFAULT_GUILD_ID
    )
    chart = await timeline.wait_for_followup(timeout=20)
    [png] = chart.files
    assert png.filename == "timeline.png" and png.data.startswith(b"\x89PNG")
    assert "in articles" in chart.json["content"]
    assert chart.json["allowed_mentions"] == {"parse": []}


async def test_search_and_sources_mark_a_date_read_from_the_text(running) -> None:
    """The sample page states no date of its own: the one it has was read from its text, and
    /search and /sources say so the way an answer's sources do."""
    fake, _ = running
    from_text = "2016-12-12 (from the text)"
    search = await fake.send_interaction(
        "search", {"query": "Aleppo army"}, guild_id=DEFAULT_GUILD_ID
    )
    [embed] = (await search.wait_for_followup(timeout=20)).json["embeds"]
    assert embed["fields"] and all(from_text in f["value"] for f in embed["fields"])

    overview = await fake.send_interaction("sources", guild_id=DEFAULT_GUILD_ID)
    [embed] = (await overview.wait_for_followup()).json["embeds"]
    assert embed["fields"][0]["value"].endswith(f"\n{from_text}")

    site = await fake.send_interaction("sources", {"site": "southfront"}, guild_id=DEFAULT_GUILD_ID)
    [embed] = (await site.wait_for_followup()).json["embeds"]
    assert f"· {from_text} ·" in embed["description"]


async def test_settings_spoiler_and_exclude_change_how_comments_are_quoted(running) -> None:
    fake, _ = running
    question = "What did Random guy say about Assad and Turkey?"
    admin = {"guild_id": DEFAULT_GUILD_ID, "permissions": MANAGE_GUILD}
    spoiler = await fake.send_interaction(
        "settings",
        _comments("spoiler"),
        **admin,
    )
    assert "spoiler" in (await spoiler.wait_for_callback()).json["data"]["content"]
    _, followup = await ask(fake, question)
    assert "||Assad will agree with Turkey" in followup.json["embeds"][0]["description"]

    exclude = await fake.send_interaction(
        "settings",
        _comments("exclude"),
        **admin,
    )
    await exclude.wait_for_callback()
    # Refused before any work: the response itself is the private refusal.
    interaction = await fake.send_interaction(
        "ask", {"question": question}, guild_id=DEFAULT_GUILD_ID
    )
    refusal = (await interaction.wait_for_callback()).json["data"]
    assert refusal["flags"] & 64 and "not to quote reader comments" in refusal["content"]


async def test_non_admins_are_refused_reindex_and_settings(running) -> None:
    fake, _ = running
    reindex = await fake.send_interaction("reindex", guild_id=DEFAULT_GUILD_ID)
    settings = await fake.send_interaction(
        "settings",
        _comments("exclude"),
        guild_id=DEFAULT_GUILD_ID,
    )
    for interaction in (reindex, settings):
        refusal = (await interaction.wait_for_callback()).json["data"]
        assert refusal["flags"] & 64
        assert refusal["content"] == "Only members who can manage this server may use this command."


async def test_an_admin_role_may_use_settings(seeded_copy: Path, model: Embedder) -> None:
    role = 1_100_000_000_000_000_777
    from fake_discord import DEFAULT_CHANNEL_ID, FakeChannel, FakeGuild

    guild = FakeGuild(
        id=DEFAULT_GUILD_ID, channels=[FakeChannel(id=DEFAULT_CHANNEL_ID)], role_ids=[role]
    )
    async with (
        FakeDiscord(guilds=[guild]) as fake,
        running_bot(seeded_copy, model, fake, admin_role_ids=[role]),
    ):
        interaction = await fake.send_interaction(
            "settings",
            _comments("spoiler"),
            guild_id=DEFAULT_GUILD_ID,
            roles=[role],
            user_id=DEFAULT_USER_ID,
        )
        assert "now `spoiler`" in (await interaction.wait_for_callback()).json["data"]["content"]
