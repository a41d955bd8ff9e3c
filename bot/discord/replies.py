"""Replies every Discord command shares: messages that never ping, a private word to whoever
acted, and failures told as they are (a refusal) or logged (anything else)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.services.community import Community, Rejected
from bot.services.filters import Spelling, check_filters, filters_from
from index.models import PassageKind, SearchFilters

log = logging.getLogger("bot.discord")

NO_PINGS = discord.AllowedMentions.none()
GENERIC_ERROR = "Something went wrong while answering; the error has been logged."

#: ``describe`` texts of the filter options /ask, /search and /timeline share.
FILTER_OPTIONS = {
    "kind": "Only article text, or only reader comments",
    "site": "Only pages of this site",
    "since": "Only pages published on or after this date (YYYY, YYYY-MM or YYYY-MM-DD)",
    "until": "Only pages published on or before this date (YYYY, YYYY-MM or YYYY-MM-DD)",
}

#: How a refusal names the filter options: as a member types them.
FILTER_SPELLING = Spelling(option="{name}:{value}", site_listing="`/sources`")

Send = Callable[..., Awaitable[Any]]


async def checked_filters(
    service: Community,
    kind: PassageKind | None,
    site: str | None,
    since: str | None = None,
    until: str | None = None,
) -> SearchFilters:
    """The filters of a command as typed, refused (privately, before any defer) where the
    command line refuses them: a malformed date, a reversed range, a site not archived."""
    filters = filters_from(kind, await service.resolve_site(site), since, until)
    return await check_filters(service.engine, filters, FILTER_SPELLING)


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
