"""``/settings``: how this server wants the bot to behave (admins only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.checks import is_admin
from bot.discord.client import community
from bot.discord.replies import tell
from bot.services.community import CommentMode

if TYPE_CHECKING:
    from bot.discord.client import ArchivistBot

_EXPLAINED = {
    CommentMode.SHOW: "reader comments are quoted like articles",
    CommentMode.SPOILER: "reader comments are quoted behind spoiler marks",
    CommentMode.EXCLUDE: "reader comments are never quoted",
}


class Settings(commands.Cog):
    settings = app_commands.Group(
        name="settings",
        description="How archivist behaves on this server (server managers only).",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: ArchivistBot) -> None:
        self.bot = bot

    @settings.command(name="comments")
    @app_commands.describe(
        mode="show: quote them · spoiler: quote them hidden behind spoiler marks · exclude: never"
    )
    @app_commands.check(is_admin)
    async def comments(self, interaction: discord.Interaction, mode: CommentMode) -> None:
        """Choose how reader comments appear in answers on this server."""
        assert interaction.guild_id is not None  # guild_only
        await community(interaction).set_comment_mode(interaction.guild_id, mode)
        await tell(interaction, f"Comments are now `{mode.value}`: {_EXPLAINED[mode]}.")
