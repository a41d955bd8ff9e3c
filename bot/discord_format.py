"""Answers and sources as Discord embeds, within Discord's limits, archive text escaped."""

from __future__ import annotations

from typing import Any

import discord
from discord.utils import escape_markdown

from bot.answer import Answer, Quote
from bot.render import kind_label

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
FIELD_NAME_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
COLOUR = discord.Colour.dark_teal()


def clip(text: str, limit: int) -> str:
    """Shorten metadata (titles, names) at a word boundary; never used on quotes."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1] + "…"


def quote_line(quote: Quote) -> str:
    return f"**[{quote.n}]** {quote.attribution}: “{escape_markdown(quote.text)}”"


def source_value(quote: Quote) -> str:
    title = escape_markdown(clip(quote.title or "untitled page", 200))
    linked = f"[{title}]({quote.url})" if quote.url else f"*{title}*"
    parts = [linked, *(escape_markdown(v) for v in (quote.site, quote.published) if v)]
    return clip(" · ".join(parts), FIELD_VALUE_LIMIT - 40) + f"\n`{quote.passage_id}`"


def answer_embed(answer: Answer) -> discord.Embed:
    """The answer as one embed: numbered quotes in the description, one source field each.

    Quotes that would overflow the description are left out whole (and said to be), never cut.
    """
    embed = discord.Embed(title=clip(escape_markdown(answer.question), TITLE_LIMIT), colour=COLOUR)
    if not answer.answered:
        embed.description = answer.text
        return embed
    lines: list[str] = []
    shown: list[Quote] = []
    for quote in answer.quotes:
        line = quote_line(quote)
        if len("\n\n".join([*lines, line])) > DESCRIPTION_LIMIT - 60:
            break
        lines.append(line)
        shown.append(quote)
    if len(shown) < len(answer.quotes):
        lines.append(f"*({len(answer.quotes) - len(shown)} more quote(s) did not fit)*")
    embed.description = "\n\n".join(lines)
    for quote in shown:
        name = f"[{quote.n}] {kind_label(quote.kind, quote.author)}"
        embed.add_field(
            name=clip(escape_markdown(name), FIELD_NAME_LIMIT),
            value=source_value(quote),
            inline=False,
        )
    embed.set_footer(text="Quotes are verbatim from the archive. /source <id> shows the context.")
    return embed


def source_embed(source: dict[str, Any]) -> discord.Embed:
    """One passage in context: the neighbours around it, shortened before the passage is."""
    embed = discord.Embed(
        title=clip(escape_markdown(source["title"] or "untitled page"), TITLE_LIMIT),
        url=source["url"] or None,
        colour=COLOUR,
    )
    passage = f"**{escape_markdown(source['text'])}**"
    room = DESCRIPTION_LIMIT - len(passage) - 20
    before = [escape_markdown(text) for text in source["before"]]
    after = [escape_markdown(text) for text in source["after"]]
    share = max(room // 2, 0)
    context_before = clip("\n\n".join(before), share) if before and share > 20 else ""
    context_after = clip("\n\n".join(after), share) if after and share > 20 else ""
    embed.description = "\n\n".join(
        part for part in (context_before, passage, context_after) if part
    )
    embed.add_field(name="Kind", value=kind_label(source["kind"], source["author"]), inline=True)
    if source["site"]:
        embed.add_field(name="Site", value=escape_markdown(source["site"]), inline=True)
    if source["published"]:
        embed.add_field(name="Published", value=source["published"], inline=True)
    embed.set_footer(text=f"{source['passage_id']} · document {source['document_id']}")
    return embed
