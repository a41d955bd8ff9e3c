"""Running the archivist bot against the fake Discord, for the end-to-end tests and the bench."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import discord.gateway
import discord.http
from conftest import settings_for
from fake_discord import DEFAULT_GUILD_ID, FakeDiscord, FakeInteraction, RecordedRequest, run_bot

from bot.answering.engine import Engine
from bot.discord.app import create_bot
from bot.discord.client import ArchivistBot
from index.embedder import Embedder

TOKEN = "MTIzNDU2Nzg5.fake.archivist-test-token"
MANAGE_GUILD = discord.Permissions(manage_guild=True).value


@contextlib.asynccontextmanager
async def running_bot(
    data_dir: Path, model: Embedder, fake: FakeDiscord | None = None, **overrides: Any
) -> AsyncIterator[tuple[FakeDiscord, ArchivistBot]]:
    """The bot on ``data_dir``, connected to a fake Discord (started here unless given), with
    its commands synced to the fake's guild; Discord's endpoints are put back afterwards."""
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    try:
        async with contextlib.AsyncExitStack() as stack:
            if fake is None:
                fake = await stack.enter_async_context(FakeDiscord(expected_token=TOKEN))
            options: dict[str, Any] = {
                "discord_token": TOKEN,
                "discord_guild_ids": [DEFAULT_GUILD_ID],
                "discord_api_base": fake.api_base,
                "discord_gateway_url": fake.gateway_url,
                "ask_cooldown_rate": 0,
            }
            settings = settings_for(data_dir, **(options | overrides))
            engine = await stack.enter_async_context(await Engine.open(settings, embedder=model))
            bot = create_bot(settings, engine, guild_ready_timeout=0.1)
            await stack.enter_async_context(run_bot(bot, fake, TOKEN))
            yield fake, bot
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


async def ask(
    fake: FakeDiscord, question: str, **options: Any
) -> tuple[FakeInteraction, RecordedRequest]:
    """/ask, waiting for the deferral and the (first) answer message."""
    interaction = await fake.send_interaction(
        "ask", {"question": question, **options}, guild_id=DEFAULT_GUILD_ID
    )
    callback = await interaction.wait_for_callback()
    assert callback.json["type"] == 5, callback.json
    return interaction, await interaction.wait_for_followup(timeout=30)


def components(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The buttons of a message payload, flattened out of their action rows."""
    return [c for row in message.get("components") or [] for c in row.get("components", [])]


def hold_reindex(bot: ArchivistBot) -> asyncio.Event:
    """Keep the next re-index from starting its work until the returned event is set, so a
    command certainly arrives while it runs."""
    gate = asyncio.Event()
    run = bot.reindexer._run

    async def held(*args: object) -> object:
        await gate.wait()
        return await run(*args)  # type: ignore[arg-type]

    bot.reindexer._run = held  # type: ignore[method-assign]
    return gate
