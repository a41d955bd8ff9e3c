"""What the cogs share: replies that never ping, failure reporting, the admin and cooldown
checks, the paged-embed view and the buttons under an answer."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands

from bot.community import Community, GivenAnswer, Rejected
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
    """A short private message to whoever acted, as the response or as a followup."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


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
    """A per-user cooldown shared by /ask and mentions: ASK_COOLDOWN_RATE questions per
    ASK_COOLDOWN_SECONDS."""

    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        self._buckets: dict[int, app_commands.Cooldown] = {}

    def retry_after(self, user_id: int) -> float | None:
        if self.rate <= 0:
            return None
        bucket = self._buckets.setdefault(user_id, app_commands.Cooldown(self.rate, self.per))
        return bucket.update_rate_limit()

    def check(self, user_id: int) -> None:
        wait = self.retry_after(user_id)
        if wait is not None:
            raise SlowDown(f"Slow down: you can ask again in {wait:.0f} s.")


def ask_cooldown() -> Callable[[Any], Any]:
    def predicate(interaction: discord.Interaction) -> bool:
        archivist(interaction).ask_limiter.check(interaction.user.id)
        return True

    return app_commands.check(predicate)


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
    """Previous/Next through pre-rendered pages of one message."""

    def __init__(self, pages: Sequence[discord.Embed]) -> None:
        super().__init__(timeout=PAGER_TIMEOUT_S)
        self.pages = list(pages)
        self.index = 0
        self._update()

    def _update(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

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
    view = Pager(pages)
    await interaction.followup.send(embed=pages[0], view=view, allowed_mentions=NO_PINGS, wait=True)


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
            sources = await community(interaction).cited_sources(self.answer_id)
            if not sources:
                raise Rejected("The quoted passages are no longer in the archive.")
            for embeds in source_messages(sources):
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
