"""Answers and sources as Discord embeds, within Discord's limits, archive text escaped."""

from __future__ import annotations

from typing import Any

import discord
from discord.utils import escape_markdown

from bot.answer import Answer, Quote
from bot.reindex import Progress
from bot.render import kind_label
from index.community import SiteSummary
from index.models import Hit
from ingest.pipeline import IngestReport

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
FIELD_NAME_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
MAX_FIELDS_PER_EMBED = 25
MAX_EMBEDS_PER_MESSAGE = 10
CONTENT_LIMIT = 2000
FOOTER = "Quotes are verbatim from the archive. /source <id> shows the context."
FOOTER_RESERVE = len(FOOTER) + 10
COLOUR = discord.Colour.dark_teal()


def clip(text: str, limit: int) -> str:
    """Shorten metadata (titles, names) at a word boundary; never used on quotes."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1] + "…"


def quote_line(quote: Quote, spoiler: bool = False) -> str:
    text = escape_markdown(quote.text)
    if spoiler and quote.kind == "comment":
        text = f"||{text}||"
    return f"**[{quote.n}]** {escape_markdown(quote.attribution)}: “{text}”"


def source_value(quote: Quote) -> str:
    title = escape_markdown(clip(quote.title or "untitled page", 200))
    linked = f"[{title}]({quote.url})" if quote.url else f"*{title}*"
    parts = [linked, *(escape_markdown(v) for v in (quote.site, quote.published) if v)]
    return clip(" · ".join(parts), FIELD_VALUE_LIMIT - 40) + f"\n`{quote.passage_id}`"


def _split_words(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at spaces where there are any."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip(" ")
    return [*pieces, text]


GENERATED_SUMMARY_LIMIT = 1500


def _generated_summary(answer: Answer, spoiler_comments: bool) -> str:
    """A model-written answer (already checked against the passages) leads the first embed;
    under the spoiler setting it is hidden whenever it may quote a reader."""
    if not answer.generated:
        return ""
    summary = clip(escape_markdown(answer.text), GENERATED_SUMMARY_LIMIT)
    if spoiler_comments and any(quote.kind == "comment" for quote in answer.quotes):
        summary = f"||{summary}||"
    return summary


def answer_embeds(answer: Answer, spoiler_comments: bool = False) -> list[discord.Embed]:
    """The answer as embeds, each within Discord's limits: numbered quotes in the description
    and one source field per quote. A quote that does not fit goes whole into the next embed;
    only a single quote longer than a whole description (which passages are far too short to
    hold) is split, at spaces, across embeds.
    """
    title = clip(escape_markdown(answer.question), TITLE_LIMIT)
    if not answer.answered:
        return [discord.Embed(title=title, description=answer.text, colour=COLOUR)]
    room = DESCRIPTION_LIMIT - 20
    # Each unit is one quote: its description text(s) and its source field.
    embeds: list[discord.Embed] = []
    current = discord.Embed(
        title=title, colour=COLOUR, description=_generated_summary(answer, spoiler_comments)
    )

    def full(text: int, field: tuple[str, str] | None) -> bool:
        return (
            len(current.description or "") + text + 2 > room
            or len(current.fields) + (field is not None) > MAX_FIELDS_PER_EMBED
            or len(current) + text + 2 + (len(field[0]) + len(field[1]) if field else 0)
            > EMBED_TOTAL_LIMIT - FOOTER_RESERVE
        )

    for quote in answer.quotes:
        line = quote_line(quote, spoiler_comments)
        name = clip(escape_markdown(f"[{quote.n}] {kind_label(quote.kind, quote.author)}"), 200)
        source = (name, source_value(quote))
        pieces = [line] if len(line) <= room else _split_words(line, room)
        for index, piece in enumerate(pieces):
            field = source if index == len(pieces) - 1 else None
            if current.description and full(len(piece), field):
                embeds.append(current)
                current = discord.Embed(colour=COLOUR, description="")
            current.description = "\n\n".join(p for p in (current.description, piece) if p)
            if field:
                current.add_field(name=field[0], value=field[1], inline=False)
    embeds.append(current)
    embeds[-1].set_footer(text=FOOTER)
    return embeds


def pack_messages(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Embeds grouped into messages: at most 10 per message and 6000 characters in all."""
    messages: list[list[discord.Embed]] = []
    for embed in embeds:
        last = messages[-1] if messages else None
        if (
            last is not None
            and len(last) < MAX_EMBEDS_PER_MESSAGE
            and sum(map(len, last)) + len(embed) <= EMBED_TOTAL_LIMIT
        ):
            last.append(embed)
        else:
            messages.append([embed])
    return messages


def answer_messages(answer: Answer, spoiler_comments: bool = False) -> list[list[discord.Embed]]:
    """The answer as the messages to send, in order, each within Discord's limits."""
    return pack_messages(answer_embeds(answer, spoiler_comments))


def answer_embed(answer: Answer) -> discord.Embed:
    """The first embed of the answer (all of it when it fits one, as short answers do)."""
    return answer_embeds(answer)[0]


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


def source_messages(sources: list[dict[str, Any]]) -> list[list[discord.Embed]]:
    """Several passages in context ("Show sources"), packed into messages within the limits."""
    return pack_messages([source_embed(source) for source in sources])


def _excerpt(text: str, limit: int = 300) -> str:
    return escape_markdown(clip(" ".join(text.split()), limit))


def search_embed(query: str, hits: list[Hit], page: int, pages: int, first: int) -> discord.Embed:
    """One page of search results, each with its passage id for ``/source``."""
    embed = discord.Embed(title=clip(f"Search: {escape_markdown(query)}", TITLE_LIMIT))
    embed.colour = COLOUR
    if not hits:
        embed.description = "Nothing in the archive matches."
        return embed
    for number, hit in enumerate(hits, start=first):
        passage = hit.passage
        where = " · ".join(
            escape_markdown(v)
            for v in (clip(passage.title or "untitled page", 120), passage.site, passage.published)
            if v
        )
        embed.add_field(
            name=clip(f"{number}. {kind_label(passage.kind, passage.author)}", FIELD_NAME_LIMIT),
            value=f"{_excerpt(passage.text)}\n{where}\n`{passage.passage_id}`",
            inline=False,
        )
    embed.set_footer(text=f"Page {page + 1} of {pages} · /source <id> shows a passage in context")
    return embed


def sites_embed(sites: list[SiteSummary], page: int, pages: int) -> discord.Embed:
    embed = discord.Embed(title="What is archived", colour=COLOUR)
    if not sites:
        embed.description = "The archive is empty."
        return embed
    for site in sites:
        span = " – ".join(
            dict.fromkeys(d for d in (site.first_published, site.last_published) if d)
        )
        embed.add_field(
            name=clip(escape_markdown(site.site or "(no site)"), FIELD_NAME_LIMIT),
            value=f"{site.documents} page(s) · {site.passages} passages · "
            f"{site.comments} comments" + (f"\n{span}" if span else "\nundated"),
            inline=False,
        )
    embed.set_footer(text=f"Page {page + 1} of {pages} · /sources <site> lists a site's pages")
    return embed


def site_documents_embed(
    site: str, documents: list[dict[str, Any]], page: int, pages: int
) -> discord.Embed:
    embed = discord.Embed(title=clip(f"Archived from {escape_markdown(site)}", TITLE_LIMIT))
    embed.colour = COLOUR
    if not documents:
        embed.description = "Nothing is archived from this site."
        return embed
    lines = [
        f"**{escape_markdown(clip(d['title'] or 'untitled page', 150))}** · "
        f"{d['published'] or 'undated'} · {d['passages']} passages · {d['comments']} comments"
        f"\n`{d['document_id']}`"
        for d in documents
    ]
    embed.description = "\n".join(lines)
    embed.set_footer(text=f"Page {page + 1} of {pages}")
    return embed


def stats_embed(stats: dict[str, Any]) -> discord.Embed:
    embed = discord.Embed(title="The archive", colour=COLOUR)
    for name, key in (
        ("Documents", "documents"),
        ("Passages", "passages"),
        ("Article passages", "article_passages"),
        ("Comment passages", "comment_passages"),
        ("Vectors", "vectors"),
        ("Index version", "index_version"),
    ):
        embed.add_field(name=name, value=str(stats[key]), inline=True)
    embed.add_field(name="Last ingest", value=stats["last_ingest"] or "never", inline=False)
    return embed


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes}:{secs:02d}"


def progress_bar(fraction: float, width: int = 20) -> str:
    filled = round(max(0.0, min(fraction, 1.0)) * width)
    return "█" * filled + "░" * (width - filled)


def progress_text(where: str, progress: Progress) -> str:
    return (
        f"**Re-indexing** `{where}`\n"
        f"`{progress_bar(progress.fraction)}` {progress.fraction:.0%} · {progress.phase}\n"
        f"files {progress.files}/{progress.files_total} · pages {progress.pages} · "
        f"passages {progress.passages} · vectors {progress.vectors} · "
        f"{progress.rate:.1f} passages/s · ETA {_duration(progress.eta)}"
    )


def reindex_report_text(where: str, report: IngestReport, stats: dict[str, Any]) -> str:
    text = (
        f"**Re-index of** `{where}` **finished** in {report.seconds:.1f} s\n"
        f"`{progress_bar(1.0)}` 100%\n"
        f"{escape_markdown(report.counts_text())}\n"
        f"{report.passages_added} passages written, {report.vectors_written} vectors embedded\n"
        f"The archive now holds {stats['documents']} documents and {stats['passages']} passages."
    )
    if report.skipped:
        shown = "\n".join(f"• {escape_markdown(clip(str(s), 150))}" for s in report.skipped[:5])
        more = len(report.skipped) - 5
        text += f"\nSkipped:\n{shown}" + (f"\n… and {more} more" if more > 0 else "")
    return clip(text, CONTENT_LIMIT)
