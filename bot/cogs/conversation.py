"""Conversations: a question in a message that mentions the bot is answered in a new thread,
and later messages in that thread are follow-ups read against the question before them."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.community import Rejected
from bot.discord_format import clip
from bot.discord_ui import GENERIC_ERROR, NO_PINGS, SlowDown, send_answer

if TYPE_CHECKING:
    from bot.discord_app import ArchivistBot

log = logging.getLogger(__name__)

THREAD_NAME_LIMIT = 100
_THREADS = (discord.ChannelType.public_thread, discord.ChannelType.private_thread)


class Conversation(commands.Cog):
    def __init__(self, bot: ArchivistBot) -> None:
        self.bot = bot

    def _question(self, message: discord.Message) -> str:
        """The message without the mentions of the bot."""
        assert self.bot.user is not None
        mention = re.compile(rf"<@!?{self.bot.user.id}>")
        return mention.sub("", message.content).strip()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None or self.bot.user is None:
            return
        mentioned = self.bot.user in message.mentions
        channel = message.channel
        in_thread = getattr(channel, "type", None) in _THREADS
        # Only threads are looked up: most messages a server sends are not for the bot.
        if in_thread and await self.bot.community.is_conversation(channel.id):
            await self._guarded(message, self._follow_up(message))
        elif mentioned:
            await self._guarded(message, self._start(message, in_thread))

    async def _guarded(self, message: discord.Message, work: object) -> None:
        """Refusals are told; failures are logged with their traceback and told briefly."""
        try:
            await work  # type: ignore[misc]
        except (Rejected, SlowDown) as refusal:
            await message.reply(str(refusal), allowed_mentions=NO_PINGS)
        except Exception:
            log.exception("answering message %s failed", message.id)
            try:
                await message.reply(GENERIC_ERROR, allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                log.exception("could not tell the user about a failure")

    async def _start(self, message: discord.Message, in_thread: bool) -> None:
        service = self.bot.community
        question = service.check_question(self._question(message))
        self.bot.ask_limiter.check(message.author.id)
        if in_thread:  # a thread cannot hold a thread: this one becomes the conversation
            thread = message.channel
        else:
            thread = await message.create_thread(name=clip(question, THREAD_NAME_LIMIT))
        await service.start_conversation(thread.id, message.author.id, question)
        await self._answer(thread, message, question)

    async def _follow_up(self, message: discord.Message) -> None:
        service = self.bot.community
        text = service.check_question(self._question(message))
        self.bot.ask_limiter.check(message.author.id)
        question = await service.follow_up(message.channel.id, message.author.id, text)
        assert question is not None  # on_message checked the thread is a conversation
        await self._answer(message.channel, message, question)

    async def _answer(
        self, thread: discord.abc.Messageable, message: discord.Message, question: str
    ) -> None:
        async with thread.typing():
            given = await self.bot.community.ask(
                question,
                guild_id=message.guild.id if message.guild else None,
                channel_id=getattr(thread, "id", None),
                user_id=message.author.id,
            )
        await send_answer(thread.send, given)
