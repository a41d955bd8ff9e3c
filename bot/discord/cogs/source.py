"""``/source``: one archived passage in context, to check a quote against its page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering.engine import NotFound
from bot.discord.client import community
from bot.discord.format import source_embed
from bot.discord.markdown import clip
from bot.discord.replies import NO_PINGS, tell
from bot.services.community import CommentMode

if TYPE_CHECKING:
    from bot.discord.client import ArchivistBot


async def passage_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Passage ids starting with what has been typed, then pages whose title contains it;
    only those ``/source`` would show here: where the server excludes comments, articles."""
    found = await community(interaction).suggest(current, guild_id=interaction.guild_id)
    return [app_commands.Choice(name=clip(s.label, 100), value=s.passage_id) for s in found]


class Source(commands.Cog):
    def __init__(self, bot: ArchivistBot) -> None:
        self.bot = bot

    @app_commands.command(name="source")
    @app_commands.rename(passage_id="id")
    @app_commands.describe(
        passage_id="A passage id from an answer (p_…), or words of a page's title to pick one"
    )
    @app_commands.autocomplete(passage_id=passage_autocomplete)
    async def source(self, interaction: discord.Interaction, passage_id: str) -> None:
        """Show an archived passage with the text around it and where it was published."""
        try:
            # A comment is refused (privately) where the server excludes them.
            found, comments = await community(interaction).source(
                passage_id.strip(), interaction.guild_id
            )
        except NotFound:
            # inside a code span markdown is inert, so only a backtick could break out of it
            shown = passage_id[:80].replace("`", "'")
            await tell(interaction, f"No archived passage has the id `{shown}`.")
            return
        await interaction.response.send_message(
            embed=source_embed(found, spoiler_comments=comments is CommentMode.SPOILER),
            allowed_mentions=NO_PINGS,
        )
