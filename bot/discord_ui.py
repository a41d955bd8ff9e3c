"""What the cogs share: replies that never ping, failure reporting, the admin and cooldown
checks, the paged-embed view and the buttons under an answer."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands

from bot.community import CommentMode, Community, GivenAnswer, Rejected
from bot.discord_format import answer_messages, source_messages

if TYPE_CHECKING:
    from bot.discord_app import ArchivistBot

log = logging.getLogger("bot.discord")

NO_PINGS = discord.AllowedMentions.none()
GENERIC_ERROR = "Something went wrong while answering; the error has been logged."
PAGER_TIMEOUT_S = 900.0

#: ``describe`` texts of the filter options /ask, /search and /timeline share.
FILTER_OPTIONS = {
    "kind": "Only article text, or only reader comments",
    "site": "Only pages of this site",
    "since": "Only pages published on or after this date (YYYY, YYYY-MM or YYYY-MM-DD)",
    "until": "Only pages published on or before this date (YYYY, YYYY-MM or YYYY-MM-DD)",
}


def archivist(interaction: discord.Interaction) -> ArchivistBot:
    return cast("ArchivistBot", interaction.client)


def community(interaction: discord.Interaction) -> Community:
    return archivist(interaction).community


async def tell(interaction: discord.Interaction, text: str) -> None:
    """A short private message to whoever acted, as the response or as a followup.

    After a public defer the first followup replaces the "thinking…" placeholder and keeps
    its public visibility whatever its own flags say; so while that placeholder is there, it
    is deleted first and the message goes out as a followup of its own, which can be private.
    """
    if not interaction.response.is_done():
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
        return
    if await _public_placeholder(interaction):
        # already gone (NotFound): the followup below is a message of its own either way
        with contextlib.suppress(discord.NotFound):
            await interaction.delete_original_response()
    await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)


async def _public_placeholder(interaction: discord.Interaction) -> bool:
    """Whether the response is a public defer whose placeholder no followup has replaced yet.
    Asked of Discord (the placeholder carries the LOADING flag until then) rather than
    tracked, since any code path may have sent a followup before failing."""
    if interaction.response.type is not discord.InteractionResponseType.deferred_channel_message:
        return False
    try:
        original = await interaction.original_response()
    except discord.NotFound:
        return False  # deleted: nothing will be replaced
    except discord.HTTPException:
        # Unknown: deleting might remove an answer already given, which is worse than a
        # refusal shown publicly.
        log.warning("could not read the response of interaction %s", interaction.id)
        return False
    return original.flags.loading and not original.flags.ephemeral


def user_message(error: BaseException) -> str | None:
    """The message meant for the user when ``error`` is a refusal rather than a failure."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, Rejected | app_commands.CheckFailure):
        return str(error)
    return None


async def report_failure(interaction: discord.Interaction, error: BaseException) -> None:
    """Never silence: a refusal is told as it is; anything else is logged with its traceback and
    the user gets a short private message."""
    message = user_message(error)
    if message is None:
        what = interaction.command.name if interaction.command else interaction.data
        log.error("interaction %s failed", what, exc_info=error)
        message = GENERIC_ERROR
    try:
        await tell(interaction, message)
    except discord.HTTPException:
        log.exception("could not tell the user about a failure")


# --- checks ------------------------------------------------------------------------------------


class AdminOnly(app_commands.CheckFailure):
    pass


class SlowDown(app_commands.CheckFailure):
    pass


def is_admin(interaction: discord.Interaction) -> bool:
    """Enforced on every call: the default_permissions hint can be changed by a server's own
    integration settings, so the command checks Manage Server (or an ADMIN_ROLE_IDS role)."""
    if interaction.guild is None:
        raise AdminOnly("This command works in a server only.")
    if interaction.permissions.manage_guild:
        return True
    admin_roles = set(archivist(interaction).settings.admin_role_ids)
    user = interaction.user
    if isinstance(user, discord.Member) and admin_roles & {role.id for role in user.roles}:
        return True
    raise AdminOnly("Only members who can manage this server may use this command.")


def admin_only() -> Callable[[Any], Any]:
    """Hide the command from non-managers by default, and refuse them when they call it."""

    def decorate(command: Any) -> Any:
        command = app_commands.check(is_admin)(command)
        command = app_commands.guild_only()(command)
        return app_commands.default_permissions(manage_guild=True)(command)

    return decorate


class AskLimiter:
    """A per-user cooldown shared by /ask and mentions: ASK_COOLDOWN_RATE questions in any
    ASK_COOLDOWN_SECONDS.

    A question counts once it is accepted, so callers check it after their own refusals
    (too long, bad filter), inside :meth:`counted`, which gives it back when no answer came
    after all: a refusal or a failure never costs a question.
    """

    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        self._asked: dict[int, deque[float]] = {}

    def retry_after(self, user_id: int) -> float | None:
        """Counts a question and returns None, or returns the seconds until one may be asked
        (counting nothing)."""
        if self.rate <= 0:
            return None
        now = time.monotonic()
        asked = self._asked.setdefault(user_id, deque())
        while asked and asked[0] <= now - self.per:
            asked.popleft()
        if len(asked) >= self.rate:
            return asked[0] + self.per - now
        asked.append(now)
        return None

    def refund(self, user_id: int) -> None:
        """Uncount the user's latest question (it was refused after all)."""
        asked = self._asked.get(user_id)
        if asked:
            asked.pop()

    def check(self, user_id: int) -> None:
        wait = self.retry_after(user_id)
        if wait is not None:
            raise SlowDown(f"Slow down: you can ask again in {max(wait, 1):.0f} s.")

    @contextlib.contextmanager
    def counted(self, user_id: int) -> Iterator[None]:
        """Count the question (:meth:`check`) for the work inside; refund it when that work
        raises: refused after all (the server's setting changed meanwhile) or failed."""
        self.check(user_id)
        try:
            yield
        except Exception:
            self.refund(user_id)
            raise


# --- sending -----------------------------------------------------------------------------------

Send = Callable[..., Awaitable[Any]]


async def send_embeds(
    send: Send, messages: Sequence[Sequence[discord.Embed]], view: discord.ui.View | None = None
) -> None:
    """Each group of embeds as one message, in order; the view goes under the last one."""
    for index, embeds in enumerate(messages):
        options: dict[str, Any] = {"embeds": list(embeds), "allowed_mentions": NO_PINGS}
        if view is not None and index == len(messages) - 1:
            options["view"] = view
        await send(**options)


async def send_answer(send: Send, given: GivenAnswer) -> None:
    spoiler = given.comments == "spoiler"
    view = answer_view(given.answer_id) if given.answer.answered else None
    await send_embeds(send, answer_messages(given.answer, spoiler), view)


# --- views -------------------------------------------------------------------------------------


class Pager(discord.ui.View):
    """Previous/Next through pre-rendered pages of one public message. Only the member who
    asked pages it (the message is everyone's to read, and paging moves it for all); when the
    pager times out its buttons are disabled, so nobody clicks a dead button."""

    def __init__(self, pages: Sequence[discord.Embed], asked: discord.Interaction) -> None:
        super().__init__(timeout=PAGER_TIMEOUT_S)
        self.pages = list(pages)
        self.owner_id = asked.user.id
        self.index = 0
        #: The message the pager is under, set once it is sent; what the timeout edits.
        self.message: discord.Message | None = None
        #: The latest interaction on the message, whose token can edit it for 15 minutes.
        self.latest = asked
        self._update()

    def _update(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            self.latest = interaction
            return True
        await tell(
            interaction,
            f"Only <@{self.owner_id}> can page these results; "
            "run the command yourself to browse your own.",
        )
        return False

    async def on_timeout(self) -> None:
        self.previous.disabled = self.next.disabled = True
        if self.message is None:
            return
        # The bot's own token edits a public message at any age; an interaction's token only
        # for 15 minutes, about when this runs. It is the fallback, for a channel the bot
        # cannot read (interactions reach it there, its own requests do not).
        channel = self.latest.client.get_partial_messageable(
            self.message.channel.id, guild_id=self.latest.guild_id
        )
        try:
            await channel.get_partial_message(self.message.id).edit(view=self)
            return
        except discord.HTTPException as error:
            failure = error
        if not self.latest.is_expired():
            try:
                await self.latest.edit_original_response(view=self)
                return
            except discord.HTTPException as error:
                failure = error
        log.info("could not disable the buttons of message %s: %s", self.message.id, failure)

    async def _show(self, interaction: discord.Interaction, step: int) -> None:
        self.index = max(0, min(self.index + step, len(self.pages) - 1))
        self._update()
        await interaction.response.edit_message(
            embed=self.pages[self.index], view=self, allowed_mentions=NO_PINGS
        )

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await self._show(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await self._show(interaction, +1)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await report_failure(interaction, error)


async def send_pages(interaction: discord.Interaction, pages: Sequence[discord.Embed]) -> None:
    """Pages after a defer: one message, with Previous/Next when there is more than one."""
    if len(pages) == 1:
        await interaction.followup.send(embed=pages[0], allowed_mentions=NO_PINGS)
        return
    view = Pager(pages, interaction)
    view.message = await interaction.followup.send(
        embed=pages[0], view=view, allowed_mentions=NO_PINGS, wait=True
    )


class ShowSources(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"archivist:sources:(?P<answer>a_[0-9a-f]+)",
):
    """The passages an answer quotes, in context, privately. A dynamic item: its state is in
    its custom id and SQLite, so it works on answers given before a restart."""

    def __init__(self, answer_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Show sources",
                style=discord.ButtonStyle.primary,
                custom_id=f"archivist:sources:{answer_id}",
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ShowSources:
        return cls(match["answer"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            service = community(interaction)
            # The server's setting now, not when the answer was given: it may have changed.
            comments = await service.comment_mode(interaction.guild_id)
            sources = await service.cited_sources(self.answer_id, comments)
            if not sources:
                raise Rejected(
                    "The quoted passages are reader comments, which this server does not quote."
                    if comments is CommentMode.EXCLUDE
                    and await service.cited_sources(self.answer_id)
                    else "The quoted passages are no longer in the archive."
                )
            spoiler = comments is CommentMode.SPOILER
            for embeds in source_messages(sources, spoiler_comments=spoiler):
                await interaction.followup.send(
                    embeds=embeds, ephemeral=True, allowed_mentions=NO_PINGS
                )
        except Exception as error:
            await report_failure(interaction, error)


class Vote(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"archivist:vote:(?P<answer>a_[0-9a-f]+):(?P<vote>up|down)",
):
    """👍 / 👎 on an answer, stored with the question, the answer and the voter's id."""

    def __init__(self, answer_id: str, up: bool) -> None:
        super().__init__(
            discord.ui.Button(
                emoji="👍" if up else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"archivist:vote:{answer_id}:{'up' if up else 'down'}",
            )
        )
        self.answer_id = answer_id
        self.up = up

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Vote:
        return cls(match["answer"], match["vote"] == "up")

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await community(interaction).vote(self.answer_id, interaction.user.id, self.up)
            await tell(
                interaction,
                "Thanks, your vote is noted."
                if self.up
                else "Thanks: noted. Answers voted down are reviewed.",
            )
        except Exception as error:
            await report_failure(interaction, error)


def answer_view(answer_id: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ShowSources(answer_id))
    view.add_item(Vote(answer_id, up=True))
    view.add_item(Vote(answer_id, up=False))
    return view
