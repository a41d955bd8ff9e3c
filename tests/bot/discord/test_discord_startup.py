"""Startup: guild sync at start, global sync only on purpose, sharding, and a token that never
shows up in logs or messages."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import discord
import pytest
from conftest import settings_for
from discord_harness import TOKEN, running_bot
from fake_discord import DEFAULT_GUILD_ID, FakeDiscord

from bot.answering.engine import Engine
from bot.discord.app import DiscordRefused, create_bot, run_discord, sync_commands
from bot.discord.client import ShardedArchivistBot
from bot.settings import Settings
from index.embedder import Embedder


def _settings_against(fake: FakeDiscord, data_dir: Path) -> Settings:
    """Settings for a bot with the test token, pointed at ``fake``."""
    return settings_for(
        data_dir,
        discord_token=TOKEN,
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.gateway_url,
    )


async def test_no_global_sync_at_start_and_sync_commands_does_it(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model) as (fake, _):
        await fake.wait_for_request("PUT", rf"/applications/\d+/guilds/{DEFAULT_GUILD_ID}/commands")
        assert not fake.requests_matching("PUT", r"/applications/\d+/commands")

    async with FakeDiscord(expected_token=TOKEN) as fake:
        settings = _settings_against(fake, seeded_copy)
        async with await Engine.open(settings, embedder=model) as engine:
            synced = await sync_commands(settings, engine)
        [sync] = fake.requests_matching("PUT", r"/applications/\d+/commands")
        assert synced == len(sync.json)
        assert {c["name"] for c in sync.json} >= {"ask", "reindex", "archive", "timeline"}


async def test_discord_shards_auto_runs_an_auto_sharded_bot(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model, discord_shards="auto") as (fake, bot):
        assert isinstance(bot, ShardedArchivistBot)
        assert isinstance(bot, discord.AutoShardedClient)
        await fake.wait_for_request("GET", r"/gateway/bot")
        stats = await fake.send_interaction("stats", guild_id=DEFAULT_GUILD_ID)
        [embed] = (await stats.wait_for_followup(timeout=10)).json["embeds"]
        assert embed["title"] == "The archive"


async def test_the_token_never_appears_in_logs_or_messages(
    seeded_copy: Path, model: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_bot(seeded_copy, model) as (fake, bot):

        async def broken(*args: object, **kwargs: object) -> object:
            raise RuntimeError(f"engine failure while holding {bot.settings!r}")

        bot.engine.ask = broken  # type: ignore[method-assign]
        interaction = await fake.send_interaction(
            "ask", {"question": "Anything?"}, guild_id=DEFAULT_GUILD_ID
        )
        failure = await interaction.wait_for_followup(timeout=10)
        assert failure.json["content"] == (
            "Something went wrong while answering; the error has been logged."
        )
        bodies = [str(r.json) + str(r.response) for r in fake.requests]
    assert "engine failure" in caplog.text and "Traceback" in caplog.text
    assert not [b for b in bodies if TOKEN in b]

    # A wrong token: discord.py's refusal names no token.
    async with FakeDiscord(expected_token="another-token") as fake:
        settings = settings_for(
            seeded_copy, discord_api_base=fake.api_base, discord_gateway_url=fake.gateway_url
        )
        async with await Engine.open(settings, embedder=model) as engine:
            bot = create_bot(settings, engine)
            with pytest.raises(discord.LoginFailure) as refused:
                async with bot:
                    await bot.login(TOKEN)
    assert TOKEN not in str(refused.value)
    assert TOKEN not in caplog.text
    assert "archivist-test-token" not in caplog.text


def test_sync_commands_needs_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.terminal.cli import main

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["sync-commands", "--data-dir", str(tmp_path / "data")]) == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err


# sync-commands logs in over REST only, so only the token can be refused there.
@pytest.mark.parametrize(
    ("entry", "fake_options", "expected"),
    [
        (run_discord, {"privileged_intents": 0}, "enable it for the bot in the developer portal"),
        (run_discord, {"expected_token": "another-token"}, "Discord rejected DISCORD_TOKEN"),
        (sync_commands, {"expected_token": "another-token"}, "Discord rejected DISCORD_TOKEN"),
    ],
    ids=["run-intent", "run-token", "sync-commands-token"],
)
async def test_discord_refusals_become_one_clear_sentence(
    seeded_copy: Path, model: Embedder, fake_options: dict, expected: str, entry
) -> None:
    async with FakeDiscord(**fake_options) as fake:
        settings = _settings_against(fake, seeded_copy)
        async with await Engine.open(settings, embedder=model) as engine:
            with pytest.raises(DiscordRefused, match=expected) as refused:
                await asyncio.wait_for(entry(settings, engine), timeout=30)
    assert TOKEN not in str(refused.value)


@pytest.mark.parametrize("entry", [run_discord, sync_commands])
async def test_an_unreachable_discord_is_one_clear_sentence(
    seeded_copy: Path, model: Embedder, entry
) -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/api/v10"
    settings = settings_for(
        seeded_copy,
        discord_token=TOKEN,
        discord_api_base=base,
        discord_gateway_url="ws://127.0.0.1:9/",
    )
    async with await Engine.open(settings, embedder=model) as engine:
        with pytest.raises(DiscordRefused, match=f"cannot reach Discord at {base}") as refused:
            await asyncio.wait_for(entry(settings, engine), timeout=30)
    assert TOKEN not in str(refused.value)
