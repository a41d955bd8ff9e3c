"""Conversations: a question addressed to the bot in a server channel is answered in a new
thread the bot starts, and later messages in that thread that ask something are follow-ups
read against the question before them. A question in a DM is answered in the DM.

What counts as addressed is narrow on purpose, since most messages a server sends are not for
the bot: the bot's mention written in the text (``<@id>``), or a mention of the role Discord
manages for the bot. A Discord reply to one of the bot's messages lists the bot in
``message.mentions`` as well (the reply ping), and "ok thanks" must not open a thread. In the
bot's own thread members talk among themselves too, so a message that does not address the
bot is a follow-up only when it asks something (:func:`asks_something`).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.discord.cooldown import SlowDown
from bot.discord.markdown import clip
from bot.discord.replies import GENERIC_ERROR, NO_PINGS, Send
from bot.discord.views import send_answer
from bot.services.community import Rejected
from index.text import content_words, words

if TYPE_CHECKING:
    from bot.discord.client import ArchivistBot

log = logging.getLogger(__name__)

THREAD_NAME_LIMIT = 100
THREAD_PERMISSION = "Create Public Threads"
# What people write; every other type is a notice Discord posts (a pin, a thread renamed to
# "Aleppo", a member joining) that must not be read as a question.
_WRITTEN = (discord.MessageType.default, discord.MessageType.reply)
# Discord markup, which holds no words of a question though ids and emoji names read as words:
# mentions of members, roles and channels, custom emoji, timestamps, command links; and links,
# which members share with each other.
_MARKUP = re.compile(r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:-?\d+(?::\w)?|/[^<>:]+:\d+)>|https?://\S+")
_QUESTION_MARKS = ("?", "\uff1f", "\u061f")  # also the full-width and the Arabic marks


def asks_something(text: str) -> bool:
    """Whether a message in a conversation that does not address the bot asks something of
    the archive: a question ("and readers?", which names nothing itself but points back), or
    words of which some name something (``content_words``: "Homs too", "casualties in
    Aleppo").

    A lone word with no question mark is taken for a reaction ("thanks!", "ok", "lol"). The
    search's notion of a content word knows no chat words, so it counts those too; how many
    words there are is what sets them apart. Emoji, mentions and links carry no words at all.
    """
    text = _MARKUP.sub(" ", text)
    if any(mark in text for mark in _QUESTION_MARKS):
        return bool(words(text))
    return bool(content_words(text)) and len(words(text)) > 1


class Conversation(commands.Cog):
    def __init__(self, bot: ArchivistBot) -> None:
        self.bot = bot

    # --- who is addressed ----------------------------------------------------------------------

    @property
    def _me(self) -> discord.ClientUser:
        assert self.bot.user is not None  # on_message checked
        return self.bot.user

    @staticmethod
    def _own_role(message: discord.Message) -> discord.Role | None:
        """The role Discord made for the bot in this server; the @ menu offers it beside the
        bot itself, so people pick it to call the bot."""
        return message.guild.self_role if message.guild is not None else None

    def _addressed(self, message: discord.Message) -> bool:
        if self._me.id in message.raw_mentions:
            return True
        roles = message.raw_role_mentions  # looked at first: most messages mention no role
        role = self._own_role(message) if roles else None
        return role is not None and role.id in roles

    def _question(self, message: discord.Message) -> str:
        """The message without the mentions that address the bot."""
        pattern = rf"<@!?{self._me.id}>"
        role = self._own_role(message)
        if role is not None:
            pattern += rf"|<@&{role.id}>"
        return re.sub(pattern, "", message.content).strip()

    def _is_own_thread(self, channel: Any) -> bool:
        """Only threads the bot started hold conversations: a mention in someone else's
        thread must not make every later message there a question."""
        return isinstance(channel, discord.Thread) and channel.owner_id == self._me.id

    # --- events --------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if self.bot.user is None or message.author.bot or message.type not in _WRITTEN:
            return
        channel = message.channel
        if isinstance(channel, discord.DMChannel):
            # Everything in a DM is addressed to the bot.
            await self._guarded(message, self._start(message))
            return
        if message.guild is None:
            return
        addressed = self._addressed(message)
        if self._is_own_thread(channel):
            if not addressed and not self._is_plain_follow_up(message):
                return
            # Only the bot's own threads are looked up: a server sends many messages.
            if await self.bot.community.is_conversation(channel.id):
                await self._guarded(message, self._follow_up(message))
                return
        if addressed:
            await self._guarded(message, self._start(message))

    def _is_plain_follow_up(self, message: discord.Message) -> bool:
        """A message in a conversation thread that does not mention the bot is a follow-up
        when it asks something (:func:`asks_something`), from whichever member; one that
        mentions other members speaks to them. Without the Message Content intent such
        messages arrive empty, or with their text but no mention written when they reply to
        the bot: then only mentions are follow-ups."""
        return (
            self.bot.intents.message_content
            and not (message.raw_mentions or message.raw_role_mentions)
            and asks_something(message.content)
        )

    async def _guarded(self, message: discord.Message, work: object) -> None:
        """Refusals are told; failures are logged with their traceback and told briefly."""
        try:
            await work  # type: ignore[misc]
        except (Rejected, SlowDown) as refusal:
            await _replying_to(message)(content=str(refusal), allowed_mentions=NO_PINGS)
        except Exception:
            log.exception("answering message %s failed", message.id)
            try:
                await _replying_to(message)(content=GENERIC_ERROR, allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                log.exception("could not tell the user about a failure")

    # --- answering -----------------------------------------------------------------------------

    async def _start(self, message: discord.Message) -> None:
        service = self.bot.community
        question = service.check_question(self._question(message))
        await service.comment_policy(message.guild.id if message.guild else None, None, question)
        with self.bot.ask_limiter.counted(message.author.id):
            thread = await self._new_thread(message, question)
            if thread is None:
                await self._answer(message.channel, message, question)
                return
            await service.start_conversation(thread.id, message.author.id, question)
            await self._answer(thread, message, question)

    async def _new_thread(self, message: discord.Message, question: str) -> discord.Thread | None:
        """Where the conversation the question opens goes on: a thread on the message, the
        bot's own thread it was asked in, or None to answer in place."""
        channel = message.channel
        if self._is_own_thread(channel):
            assert isinstance(channel, discord.Thread)
            return channel
        if not isinstance(channel, discord.TextChannel):
            # A DM, someone else's thread or forum post, a voice channel's chat: no thread can
            # start here, or none should.
            return None
        try:
            return await message.create_thread(
                name=clip(" ".join(question.split()), THREAD_NAME_LIMIT)
            )
        except discord.Forbidden:
            log.warning(
                "cannot start a thread in #%s (%s) of guild %s: the bot lacks the %s "
                "permission there; answering in the channel instead",
                channel.name,
                channel.id,
                channel.guild.id,
                THREAD_PERMISSION,
            )
            return None

    async def _follow_up(self, message: discord.Message) -> None:
        service = self.bot.community
        text = service.check_question(self._question(message))
        with self.bot.ask_limiter.counted(message.author.id):
            question = await service.follow_up(message.channel.id, message.author.id, text)
            assert question is not None  # on_message checked the thread is a conversation
            await self._answer(message.channel, message, question)

    async def _answer(
        self, channel: discord.abc.Messageable, message: discord.Message, question: str
    ) -> None:
        """The answer in ``channel``. In the bot's own thread or a DM answers follow their
        questions; anywhere else the answer replies to its question, among other messages."""
        async with channel.typing():
            given = await self.bot.community.ask(
                question,
                guild_id=message.guild.id if message.guild else None,
                channel_id=getattr(channel, "id", None),
                user_id=message.author.id,
            )
        among_others = not (isinstance(channel, discord.DMChannel) or self._is_own_thread(channel))
        await send_answer(_replying_to(message) if among_others else channel.send, given)


def _replying_to(message: discord.Message) -> Send:
    """A send whose first message replies to ``message``; the rest of a long answer follows
    it in the channel. The question may be deleted meanwhile: the reply is still sent,
    without the link."""
    replied = False

    async def send(**options: Any) -> discord.Message:
        nonlocal replied
        if not replied:
            replied = True
            options["reference"] = message.to_reference(fail_if_not_exists=False)
        return await message.channel.send(**options)

    return send
