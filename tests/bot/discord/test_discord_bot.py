"""The archivist bot end to end: real discord.py against the fake Discord on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import discord
import discord.gateway
import discord.http
import pytest
from conftest import settings_for
from fake_discord import DEFAULT_GUILD_ID, FakeDiscord, run_bot

from bot.answering.engine import Engine
from bot.discord.app import create_bot
from bot.discord.client import ArchivistBot
from index.embedder import Embedder

TOKEN = "MTIzNDU2Nzg5.fake.archivist-test-token"
ALEPPO = "Fighting in Aleppo broke out on July 19, 2012 and lasted more than four years."


@pytest.fixture
def restore_discord_endpoints() -> Iterator[None]:
    """The endpoints are process-wide class attributes: put Discord's back afterwards."""
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    yield
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


@pytest.fixture
async def running(
    restore_discord_endpoints: None, seeded_dir: Path, model: Embedder
) -> AsyncIterator[tuple[FakeDiscord, ArchivistBot]]:
    async with FakeDiscord(expected_token=TOKEN) as fake:
        settings = settings_for(
            seeded_dir,
            discord_token=TOKEN,
            discord_guild_ids=[DEFAULT_GUILD_ID],
            discord_api_base=fake.api_base,
            discord_gateway_url=fake.gateway_url,
        )
        async with await Engine.open(settings, embedder=model) as engine:
            bot = create_bot(settings, engine, guild_ready_timeout=0.1)
            async with run_bot(bot, fake, TOKEN):
                yield fake, bot


async def test_commands_are_registered_to_the_configured_guild(running) -> None:
    fake, _ = running
    sync = await fake.wait_for_request(
        "PUT", rf"/applications/\d+/guilds/{DEFAULT_GUILD_ID}/commands"
    )
    commands = {command["name"]: command for command in sync.json}
    assert set(commands) >= {"ask", "source"}
    assert commands["ask"]["description"].startswith("Ask the archive a question")
    question = commands["ask"]["options"][0]
    assert question["name"] == "question" and question["required"] is True
    assert question["description"]
    assert commands["source"]["options"][0]["name"] == "id"
    identify = await fake.wait_for_gateway(2)
    assert identify["d"]["token"] == TOKEN


async def test_ask_defers_then_answers_with_the_quote_and_its_source(running) -> None:
    fake, _ = running
    interaction = await fake.send_interaction(
        "ask", {"question": "When did fighting in Aleppo break out?"}, guild_id=DEFAULT_GUILD_ID
    )
    callback = await interaction.wait_for_callback()
    assert callback.json["type"] == 5  # deferred channel message: the answer follows
    followup = await interaction.wait_for_followup(timeout=30)
    payload = followup.json
    assert payload["allowed_mentions"] == {"parse": []}
    [embed] = payload["embeds"]
    assert ALEPPO in embed["description"]
    assert embed["description"].startswith("**[1]** The article reported: “Fighting in Aleppo")
    [first_source, *_] = embed["fields"]
    # One field per quoted passage, named with the numbers of its quotes ("[1]", "[1, 3]").
    assert first_source["name"].startswith(("[1]", "[1,", "[1–")), first_source["name"]
    assert first_source["name"].endswith("] article")
    assert "Aleppo Is Liberated By Govt Forces" in first_source["value"]
    # The seed page states no date: the one shown was read from its text.
    assert "SouthFront" in first_source["value"]
    assert "2016-12-12 (from the text)" in first_source["value"]


async def test_source_shows_the_passage_in_context(running, seeded_engine: Engine) -> None:
    fake, _ = running
    answer = await seeded_engine.ask("What did Random guy say about Assad and Turkey?")
    passage_id = answer.quotes[0].passage_id
    interaction = await fake.send_interaction(
        "source", {"id": passage_id}, guild_id=DEFAULT_GUILD_ID
    )
    callback = await interaction.wait_for_callback()
    assert callback.json["type"] == 4
    data = callback.json["data"]
    assert data["allowed_mentions"] == {"parse": []}
    [embed] = data["embeds"]
    assert "**Assad will agree with Turkey and push them to Iraq. Easy.**" in embed["description"]
    assert {"name": "Kind", "value": "reader comment by Random guy", "inline": True} in (
        embed["fields"]
    )
    assert passage_id in embed["footer"]["text"]


async def test_unknown_source_id_gets_a_private_message(running) -> None:
    fake, _ = running
    interaction = await fake.send_interaction("source", {"id": "p_nope"}, guild_id=DEFAULT_GUILD_ID)
    callback = await interaction.wait_for_callback()
    assert callback.json["data"]["flags"] & 64  # ephemeral
    assert "No archived passage has the id `p_nope`" in callback.json["data"]["content"]
