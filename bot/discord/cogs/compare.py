"""``/compare``: how several outlets answer one question, side by side, each attributed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import archivist, community
from bot.discord.cogs.ask import cap_question
from bot.discord.comparison import comparison_messages
from bot.discord.markdown import clip
from bot.discord.replies import FILTER_OPTIONS, FILTER_SPELLING, checked_filters, send_embeds
from bot.services.community import CHOICE_VALUE_LIMIT, CommentMode, Rejected, site_choice_value
from bot.services.compare import MAX_SITES, compare
from bot.services.filters import check_sites, split_sites

if TYPE_CHECKING:
    from bot.discord.client import ArchivistBot

# Each named site costs one ask: a cap keeps a command from tying the bot up (the command
# line has none).
MAX_NAMED_SITES = 10


async def sites_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The archived sites that complete the last name of a comma-separated list, each offered
    with the names before it kept as typed; a list that would outgrow a choice's 100 characters
    is not offered."""
    *named, typing = current.split(",")
    kept = [name.strip() for name in named if name.strip()]
    choices = []
    for site in await community(interaction).site_choices(typing.strip()):
        if site in kept:
            continue
        value = ", ".join([*kept, site_choice_value(site)])
        if len(value) <= CHOICE_VALUE_LIMIT:
            choices.append(app_commands.Choice(name=clip(value, 100), value=value))
    return choices[:25]


class Compare(commands.Cog):
    def __init__(self, bot: ArchivistBot) -> None:
        self.bot = bot
        cap_question(self.compare, bot.settings.ask_max_chars)

    @app_commands.command(name="compare")
    @app_commands.describe(
        question="What you want each outlet's answer to, e.g. “why did the bridge collapse?”",
        sites=f"Sites to compare, separated by commas (default: the {MAX_SITES} that match best)",
        kind=FILTER_OPTIONS["kind"],
        since=FILTER_OPTIONS["since"],
        until=FILTER_OPTIONS["until"],
    )
    @app_commands.autocomplete(sites=sites_autocomplete)
    async def compare(
        self,
        interaction: discord.Interaction,
        question: str,
        sites: str | None = None,
        kind: Literal["article", "comment"] | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        """Compare how the archived outlets answer a question: each site's quotes side by side."""
        service = community(interaction)
        # Every refusal comes before the defer, so it stays private (see ``Ask.ask``).
        question = service.check_question(question)
        filters = await checked_filters(service, kind, None, since, until)
        named = split_sites(sites)
        if len(named) > MAX_NAMED_SITES:
            raise Rejected(f"Name at most {MAX_NAMED_SITES} sites to compare.")
        typed = [await service.resolve_site(name) or name for name in named]
        chosen = await check_sites(service.engine, typed, FILTER_SPELLING)
        comments, filters = await service.comment_policy(interaction.guild_id, filters, question)
        with archivist(interaction).ask_limiter.counted(interaction.user.id):
            await interaction.response.defer(thinking=True)
            comparison = await compare(service.engine, question, filters, chosen)
        spoiler = comments is CommentMode.SPOILER
        await send_embeds(interaction.followup.send, comparison_messages(comparison, spoiler))
