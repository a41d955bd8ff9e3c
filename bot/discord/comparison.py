"""A comparison (``/compare``) as Discord embeds: a lead naming the question and the sites that
answer, then each site's section, built as an answer's embeds are (``bot.discord.format``)."""

from __future__ import annotations

import dataclasses

import discord

from bot.discord.format import answer_embeds, pack_messages
from bot.discord.markdown import COLOUR, FOOTER, SITE_LIMIT, TITLE_LIMIT, fit, meta, value_or
from bot.services.compare import NO_SITE_MATCHES, NOTHING_FROM_SITE, Comparison


def comparison_embeds(
    comparison: Comparison, spoiler_comments: bool = False
) -> list[discord.Embed]:
    """A lead embed naming the question and which sites answer, then one section per site in
    the comparison's order: its answer as ``answer_embeds`` shows one, titled with the site, or
    that nothing from it answers. The footer goes under the last."""
    lead = discord.Embed(title=fit(f"Compare: {comparison.question}", TITLE_LIMIT), colour=COLOUR)
    if not comparison.sites:
        lead.description = NO_SITE_MATCHES
        return [lead]
    answered = len(comparison.answered)
    lead.description = f"{answered} of {len(comparison.sites)} sites answer."
    if comparison.unanswered:
        names = ", ".join(meta(site, SITE_LIMIT) for site in comparison.unanswered)
        lead.description += f" Nothing from {names} answers it."
    embeds = [lead]
    for site in comparison.sites:
        if site.answer.answered:
            titled = dataclasses.replace(site.answer, question=site.site)
            embeds += [embed.remove_footer() for embed in answer_embeds(titled, spoiler_comments)]
        else:
            title = value_or(site.site, TITLE_LIMIT, "(no site)")
            embeds.append(discord.Embed(title=title, description=NOTHING_FROM_SITE, colour=COLOUR))
    embeds[-1].set_footer(text=FOOTER)
    return embeds


def comparison_messages(
    comparison: Comparison, spoiler_comments: bool = False
) -> list[list[discord.Embed]]:
    """The comparison as the messages to send, in order, each within Discord's limits."""
    return pack_messages(comparison_embeds(comparison, spoiler_comments))
