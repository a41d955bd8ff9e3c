"""Proves the fake Discord harness against the real discord.py.

These tests are about the harness, not the bot: a tiny ``commands.Bot`` logs in against
:class:`FakeDiscord`, syncs a slash command, answers an interaction, and shuts down cleanly.  If
they pass, failures in bot tests built on the harness point at the bot rather than the fake.
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import AsyncIterator, Iterator

import discord
import discord.gateway
import discord.http
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands
from fake_discord import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_GUILD_ID,
    DEFAULT_USER_ID,
    FakeDiscord,
    run_bot,
)

from bot.discord.app import point_discord_at

TOKEN = "fake-token"


class EchoBot(commands.Bot):
    """A minimal bot with ``/echo text``, synced to one guild the way a real bot would."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            # when_mentioned: a text prefix without the message_content intent makes
            # commands.Bot log a warning at startup.
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            # Readiness waits this long after the last GUILD_CREATE; the default 2 s would make
            # every test slow for nothing.
            guild_ready_timeout=0.1,
        )
        self.guild = discord.Object(id=guild_id)
        #: Resolved with the first app-command error, so waits fail fast instead of timing out.
        self.command_error: asyncio.Future[BaseException] = (
            asyncio.get_running_loop().create_future()
        )

        @app_commands.command(description="Repeat text back as an embed.")
        async def echo(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.defer()
            await interaction.followup.send(
                embed=discord.Embed(description=text),
                allowed_mentions=discord.AllowedMentions.none(),
            )

        self.tree.add_command(echo)
        self.tree.error(self._on_tree_error)

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if not self.command_error.done():
            self.command_error.set_result(error)

    async def setup_hook(self) -> None:
        self.tree.copy_global_to(guild=self.guild)
        await self.tree.sync(guild=self.guild)


@pytest.fixture
def restore_discord_endpoints() -> Iterator[None]:
    """point_discord_at() changes process-wide class attributes; put them back afterwards so
    one test's (now closed) port can't leak into the next."""
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    yield
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


@pytest_asyncio.fixture
async def fake(restore_discord_endpoints: None) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        point_discord_at(server.api_base, server.gateway_url)
        yield server


@pytest.mark.asyncio
async def test_echo_slash_command_round_trip(restore_discord_endpoints: None) -> None:
    """Login, command sync, IDENTIFY, a deferred slash command with a followup, clean close."""
    text = "hello @everyone <@1>"
    fake = FakeDiscord()
    await fake.start()
    try:
        point_discord_at(fake.api_base, fake.gateway_url)
        bot = EchoBot(DEFAULT_GUILD_ID)
        fake.watch(bot.command_error)

        async with run_bot(bot, fake, TOKEN):
            # discord.py learned its application id from GET /oauth2/applications/@me.
            assert bot.application_id == fake.application_id
            sync = await fake.wait_for_request(
                "PUT", rf"/applications/{fake.application_id}/guilds/{DEFAULT_GUILD_ID}/commands"
            )
            assert [c["name"] for c in sync.json] == ["echo"]
            assert sync.json[0]["options"][0]["name"] == "text"

            identify = await fake.wait_for_gateway(2)
            assert identify["d"]["token"] == TOKEN
            assert identify["d"]["intents"] == discord.Intents.default().value

            # READY + GUILD_CREATE reached the cache.
            guild = bot.get_guild(DEFAULT_GUILD_ID)
            assert guild is not None and guild.me is not None
            assert guild.get_channel(DEFAULT_CHANNEL_ID) is not None

            # Registered before the interaction so the completion event can't be missed.
            completed = asyncio.ensure_future(bot.wait_for("app_command_completion", timeout=5.0))
            interaction = await fake.send_interaction("echo", {"text": text})

            callback = await interaction.wait_for_callback()
            assert callback.json == {"type": 5}  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
            assert callback.status == 200

            followup = await interaction.wait_for_followup()
            assert followup.status == 200
            assert followup.json["embeds"][0]["description"] == text
            assert followup.json["allowed_mentions"] == {"parse": []}

            # Via the fake's wait so a command error (watched above) fails this at once.
            await fake.wait_for_future(completed, what="echo to complete")
            assert not fake.unknown, fake.describe_traffic()
            assert not fake.errors, fake.describe_traffic()

        http_session = bot.http._HTTPClient__session  # type: ignore[attr-defined]
        assert http_session.closed
    finally:
        await fake.stop()

    leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert not leftovers, f"tasks still pending after close: {leftovers}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del bot, http_session
        gc.collect()
    resource_warnings = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert not resource_warnings, [str(w.message) for w in resource_warnings]


@pytest.mark.asyncio
async def test_messages_files_and_buttons(fake: FakeDiscord) -> None:
    """MESSAGE_CREATE in, a multipart reply with a file out, then a button click on it."""
    bot = EchoBot(DEFAULT_GUILD_ID)
    clicked: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    class Buttons(discord.ui.View):
        @discord.ui.button(label="Next", custom_id="archive:next")
        async def next_page(
            self, interaction: discord.Interaction, button: discord.ui.Button[Buttons]
        ) -> None:
            await interaction.response.edit_message(content="page 2", view=None)
            clicked.set_result(interaction.user.name)

    @bot.listen()
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        attachment = message.attachments[0]
        data = await attachment.read()  # fetched from the fake's CDN
        await message.reply(
            f"got {len(data)} bytes",
            file=discord.File(__file__, filename="copy.py"),
            view=Buttons(),
        )

    async with run_bot(bot, fake, TOKEN):
        upload = fake.add_attachment("notes.txt", b"archive me", "text/plain")
        await fake.send_message("please archive", attachments=[upload])

        sent = await fake.wait_for_request("POST", rf"/channels/{DEFAULT_CHANNEL_ID}/messages")
        # Multipart: the JSON lives in payload_json and is parsed like a plain JSON body.
        assert sent.json["content"] == "got 10 bytes"
        assert sent.json["attachments"] == [{"id": 0, "filename": "copy.py"}]
        assert sent.files[0].field == "files[0]" and sent.files[0].filename == "copy.py"
        assert sent.files[0].data.startswith(b'"""Proves the fake Discord')
        button = sent.json["components"][0]["components"][0]
        assert button["custom_id"] == "archive:next"

        message_id = int(sent.response["id"])
        interaction = await fake.send_component("archive:next", message_id)
        assert await fake.wait_for_future(clicked, what="the button callback") == "tester"
        callback = await interaction.wait_for_callback()
        assert callback.json["type"] == 7  # UPDATE_MESSAGE
        assert fake.messages[message_id]["content"] == "page 2"
        assert fake.messages[message_id]["components"] == []


@pytest.mark.asyncio
async def test_autocomplete_and_unknown_routes(fake: FakeDiscord) -> None:
    """Autocomplete answers arrive as callback type 8; unknown routes are 404 and recorded."""
    bot = EchoBot(DEFAULT_GUILD_ID)

    @bot.tree.command(guild=bot.guild, description="Look up a topic.")
    async def topic(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(name)

    @topic.autocomplete("name")
    async def topic_names(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f"{current}-1", value=f"{current}-1")]

    async with run_bot(bot, fake, TOKEN):
        auto = await fake.send_autocomplete("topic", {"name": "elec"}, focused="name")
        callback = await auto.wait_for_callback()
        assert callback.json == {
            "type": 8,
            "data": {"choices": [{"name": "elec-1", "value": "elec-1"}]},
        }

        with pytest.raises(discord.NotFound):
            await bot.http.get_user(DEFAULT_USER_ID)
        assert [str(r) for r in fake.unknown] == [f"GET /users/{DEFAULT_USER_ID} -> 404"]


@pytest.mark.asyncio
async def test_missing_followup_fails_with_clear_message(fake: FakeDiscord) -> None:
    """A wait that is never satisfied fails quickly and says what the fake did see."""
    bot = EchoBot(DEFAULT_GUILD_ID)
    async with run_bot(bot, fake, TOKEN):
        interaction = await fake.send_interaction("echo", {"text": "only one followup"})
        await interaction.wait_for_followup()
        with pytest.raises(AssertionError, match=r"timed out after 0.2s .*#1 POST /webhooks/"):
            await interaction.wait_for_followup(timeout=0.2, nth=1)
