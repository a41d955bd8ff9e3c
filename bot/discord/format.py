"""Answers, sources, lists and reports as Discord embeds and messages, within Discord's limits,
all archive text escaped through ``bot.discord.markdown`` (display only: quotes stay verbatim)."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.answering.answer import Answer, Quote, attribution
from bot.answering.generator import SENTENCE_END
from bot.answering.labels import (
    period_note,
    published_label,
    quote_numbers,
    sources_by_passage,
)
from bot.discord.markdown import (
    ADDRESS_LIMIT,
    COLOUR,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    EXCERPT_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FOOTER,
    FOOTER_RESERVE,
    MAX_EMBEDS_PER_MESSAGE,
    MAX_FIELDS_PER_EMBED,
    PUBLISHED_LIMIT,
    SITE_LIMIT,
    TITLE_LIMIT,
    escape_text,
    fit,
    meta,
    safe_url,
    shown_attribution,
    shown_author,
    shown_values,
    spoil,
    titled_link,
    value_or,
    who_label,
)
from index.community import SiteSummary
from index.models import Hit
from index.sites import wayback_original

# --- answers -----------------------------------------------------------------------------------


def _spoiled(text: str, quote: Quote, spoiler: bool) -> str:
    return spoil(text) if spoiler and quote.kind == "comment" else text


def quote_line(quote: Quote, spoiler: bool = False) -> str:
    """One numbered quote, attributed: the quote whole and escaped, hidden under the spoiler
    setting when a reader wrote it."""
    text = _spoiled(escape_text(quote.text), quote, spoiler)
    return f"**[{quote.n}]** {shown_attribution(quote)}: “{text}”"


def _split_words(text: str, limit: int) -> list[str]:
    """``text`` in pieces whose escaped forms hold at most ``limit`` characters, cut after a
    space where there is one: the pieces, joined, are ``text`` again."""
    pieces = []
    while len(escape_text(text)) > limit:
        # The longest head that fits once escaped (escaping only ever lengthens a head).
        low, high = 1, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if len(escape_text(text[:middle])) <= limit:
                low = middle
            else:
                high = middle - 1
        cut = text.rfind(" ", 0, low) + 1
        cut = cut if cut > low // 2 else low
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text]


def quote_pieces(quote: Quote, spoiler: bool, room: int) -> list[str]:
    """``quote_line``, or when it is longer than ``room`` (a quote longer than a whole
    description, which passages are far too short to be), the quote split at spaces into
    pieces that each fit, each escaped and hidden on its own so no piece leaves a spoiler or
    an escape open."""
    line = quote_line(quote, spoiler)
    if len(line) <= room:
        return [line]
    head = f"**[{quote.n}]** {shown_attribution(quote)}: “"
    chunks = _split_words(quote.text, room - len(head) - len("”||||"))
    pieces = [_spoiled(escape_text(chunk), quote, spoiler) for chunk in chunks]
    pieces[0] = head + pieces[0]
    pieces[-1] += "”"
    return pieces


def source_value(quote: Quote) -> str:
    """A quote's source field: the page's title (linked when it can be), site, date and the
    passage id, within a field's 1024 characters however long the stored values are."""
    code = f"\n`{quote.passage_id}`"
    published = published_label(quote.published, quote.published_inferred)
    rest = shown_values((quote.site, SITE_LIMIT), (published, PUBLISHED_LIMIT))
    room = FIELD_VALUE_LIMIT - len(code) - sum(len(part) + 3 for part in rest)
    return " · ".join([titled_link(quote.title, quote.url, room), *rest]) + code


GENERATED_SUMMARY_LIMIT = 1500

# A sentence of a model-written summary ends where the generator's sentences end, or at a line
# break.
_SENTENCE_END = re.compile(SENTENCE_END.pattern + r"|\n")


def _quotations(text: str) -> list[tuple[int, int]]:
    """Where ``text`` quotes: from an opening mark to its closing one (“…” or "…"), or to the
    end of the text for a quotation left open."""
    spans: list[tuple[int, int]] = []
    opened, closing = -1, ""
    for at, char in enumerate(text):
        if opened < 0 and char in '“"':
            opened, closing = at, "”" if char == "“" else '"'
        elif opened >= 0 and char == closing:
            spans.append((opened, at + 1))
            opened = -1
    return [*spans, (opened, len(text) + 1)] if opened >= 0 else spans


def _fit_summary(text: str, limit: int) -> str:
    """A model-written summary escaped, in ``limit``: whole sentences while they fit; failing
    those, cut at a space marked "…"; never inside a quotation, which would show part of a
    quote as if it were all of it (the quotes follow whole anyway)."""
    shown = escape_text(text)
    if len(shown) <= limit:
        return shown
    quoted = _quotations(text)

    def outside(at: int) -> bool:
        return not any(start < at < end for start, end in quoted)

    ends = [m.end() for m in _SENTENCE_END.finditer(text) if outside(m.end())]
    for end in reversed(ends):
        shown = escape_text(text[:end].rstrip())
        if shown and len(shown) <= limit:
            return shown
    spaces = [at for at, char in enumerate(text) if char == " " and outside(at)]
    for at in reversed(spaces):
        shown = escape_text(text[:at].rstrip())
        if shown and len(shown) + 1 <= limit:
            return shown + "…"
    return ""


def _generated_summary(answer: Answer, spoiler_comments: bool) -> str:
    """A model-written answer (already checked against the passages) leads the first embed;
    under the spoiler setting it is hidden whenever it may quote a reader."""
    if not answer.generated:
        return ""
    summary = _fit_summary(answer.text, GENERATED_SUMMARY_LIMIT)
    if summary and spoiler_comments and any(quote.kind == "comment" for quote in answer.quotes):
        summary = spoil(summary)
    return summary


def answer_embeds(answer: Answer, spoiler_comments: bool = False) -> list[discord.Embed]:
    """The answer as embeds, each within Discord's limits: numbered quotes in the description
    and one source field per quoted passage (led by a line saying so when the period the
    question named held no answer and the quotes are from the whole archive). A quote that
    does not fit goes whole into the next embed; only a single quote longer than a whole
    description (which passages are far too short to hold) is split, at spaces, across embeds.
    """
    title = fit(answer.question, TITLE_LIMIT)
    if not answer.answered:
        return [discord.Embed(title=title, description=answer.text, colour=COLOUR)]
    room = DESCRIPTION_LIMIT - 20
    # Each unit is one quote: its description text(s) and, for the first quote from its
    # passage, the passage's source field, named with the numbers of all its quotes.
    embeds: list[discord.Embed] = []
    note = period_note(answer)
    lead = [f"*{escape_text(note)}*" if note else "", _generated_summary(answer, spoiler_comments)]
    current = discord.Embed(
        title=title, colour=COLOUR, description="\n\n".join(part for part in lead if part)
    )
    numbers = {quote.passage_id: ns for ns, quote in sources_by_passage(answer.quotes)}
    cited: set[str] = set()

    def full(text: int, field: tuple[str, str] | None) -> bool:
        return (
            len(current.description or "") + text + 2 > room
            or len(current.fields) + (field is not None) > MAX_FIELDS_PER_EMBED
            or len(current) + text + 2 + (len(field[0]) + len(field[1]) if field else 0)
            > EMBED_TOTAL_LIMIT - FOOTER_RESERVE
        )

    for quote in answer.quotes:
        name = f"[{quote_numbers(numbers[quote.passage_id])}] {who_label(quote.kind, quote.author)}"
        source = None if quote.passage_id in cited else (name, source_value(quote))
        cited.add(quote.passage_id)
        pieces = quote_pieces(quote, spoiler_comments, room)
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


# --- sources -----------------------------------------------------------------------------------

# What labels a neighbouring comment when the source does not say who wrote it: it may be
# another reader's, so it must not read as the same reader's words.
UNKNOWN_READER = "*A nearby comment (its reader is not shown):*"
# Context shorter than this is left out rather than shown as a stub.
MIN_CONTEXT = 40


def _reader_label(author: str | None) -> str:
    """Who wrote a comment, in the words of the answer's quotes."""
    return f"*{attribution('comment', shown_author(author))}:*"


def _context_labels(source: dict[str, Any], side: str) -> list[str]:
    """A label per neighbouring passage on ``side`` ("before"/"after"): none for an article's
    own paragraphs; for comments, who wrote each one, from ``{side}_authors`` when the source
    gives it (a list beside ``{side}``), else a label that claims no reader."""
    texts = source[side]
    if source["kind"] != "comment":
        return [""] * len(texts)
    authors = source.get(f"{side}_authors")
    if authors is None or len(authors) != len(texts):
        return [UNKNOWN_READER] * len(texts)
    return [_reader_label(author) for author in authors]


def _context(texts: list[str], labels: list[str], room: int, keep_end: bool) -> str:
    """Neighbouring passages, labelled, in at most ``room`` characters. Those nearest the
    passage come first: the farthest go, and the one cut keeps the part next to the passage
    (the end of what comes before it, the start of what follows), "…" marking the far side."""
    order = list(zip(texts, labels, strict=True))
    if keep_end:
        order.reverse()
    blocks: list[str] = []
    used = 0
    for text, label in order:
        head = f"{label}\n" if label else ""
        left = room - used - len(head) - (2 if blocks else 0)
        shown = escape_text(text)
        cut = len(shown) > left
        if cut and left < MIN_CONTEXT:
            break
        if cut:
            shown = fit(text, left, keep_end=keep_end)
        blocks.append(head + shown)
        used += len(blocks[-1]) + (2 if len(blocks) > 1 else 0)
        if cut:
            break
    if keep_end:
        blocks.reverse()
    return "\n\n".join(blocks)


def source_embed(source: dict[str, Any], spoiler_comments: bool = False) -> discord.Embed:
    """One passage in context: the neighbours around it, shortened before the passage is.
    Under ``spoiler_comments`` a comment's whole description is hidden: the neighbours of a
    comment are comments too. The 20 characters kept free below fit the marks.

    A url Discord would refuse (not http(s), spaces, over 2048 characters) is not the embed's
    link, which would fail the whole message; it is shown, cut, as text instead.
    """
    url = safe_url(source["url"])
    title = value_or(source["title"], TITLE_LIMIT, "untitled page")
    embed = discord.Embed(title=title, url=url, colour=COLOUR)
    embed.add_field(name="Kind", value=who_label(source["kind"], source["author"]), inline=True)
    for name, value, limit in (
        ("Site", source["site"], SITE_LIMIT),
        (
            "Published",
            published_label(source["published"], bool(source.get("published_inferred"))),
            PUBLISHED_LIMIT,
        ),
        ("Address", None if url else source["url"], ADDRESS_LIMIT),
        # A Wayback capture's link is the capture: the page it captured is named beside it.
        ("Original", wayback_original(source["url"]), ADDRESS_LIMIT),
    ):
        for shown in shown_values((value, limit)):
            embed.add_field(name=name, value=shown, inline=name not in ("Address", "Original"))
    embed.set_footer(text=f"{source['passage_id']} · document {source['document_id']}")

    room = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(embed)) - 20
    label = _reader_label(source["author"]) + "\n" if source["kind"] == "comment" else ""
    # The passage is whole unless it alone outgrows a description (passages are far shorter).
    passage = f"{label}**{fit(source['text'], room - len(label) - 4)}**"
    room -= len(passage)
    parts = {}
    needs = {
        side: len(_context(source[side], _context_labels(source, side), room, side == "before"))
        for side in ("before", "after")
    }
    # Half the room each side, and what one side does not need to the other.
    for side, other in (("before", "after"), ("after", "before")):
        share = room // 2 - 2 + max(room // 2 - 2 - needs[other], 0)
        labels = _context_labels(source, side)
        parts[side] = _context(source[side], labels, share, side == "before")
    description = "\n\n".join(part for part in (parts["before"], passage, parts["after"]) if part)
    embed.description = (
        spoil(description) if spoiler_comments and source["kind"] == "comment" else description
    )
    return embed


def source_messages(
    sources: list[dict[str, Any]], spoiler_comments: bool = False
) -> list[list[discord.Embed]]:
    """Several passages in context ("Show sources"), packed into messages within the limits."""
    return pack_messages([source_embed(source, spoiler_comments) for source in sources])


def search_embed(
    query: str,
    hits: list[Hit],
    page: int,
    pages: int,
    first: int,
    spoiler_comments: bool = False,
) -> discord.Embed:
    """One page of search results, each with its passage id for ``/source``; the excerpts are
    shortened until the page fits an embed's 6000 characters. Under ``spoiler_comments`` a
    comment's excerpt is hidden; its site, date and id are not, so it can still be looked up."""
    excerpt_limit = EXCERPT_LIMIT
    while True:
        embed = _search_embed(query, hits, page, pages, first, excerpt_limit, spoiler_comments)
        if len(embed) <= EMBED_TOTAL_LIMIT or excerpt_limit < 20:
            return embed
        excerpt_limit //= 2


def _search_embed(
    query: str,
    hits: list[Hit],
    page: int,
    pages: int,
    first: int,
    excerpt_limit: int,
    spoiler_comments: bool,
) -> discord.Embed:
    embed = discord.Embed(title="Search: " + fit(query, TITLE_LIMIT - 8), colour=COLOUR)
    if not hits:
        embed.description = "Nothing in the archive matches."
        return embed
    for number, hit in enumerate(hits, start=first):
        passage = hit.passage
        published = published_label(passage.published, passage.published_inferred)
        where = " · ".join(
            [
                value_or(passage.title, 160, "untitled page"),
                *shown_values((passage.site, 120), (published, PUBLISHED_LIMIT)),
            ]
        )
        excerpt = meta(passage.text, excerpt_limit)
        if spoiler_comments and passage.kind == "comment" and excerpt:
            excerpt = spoil(excerpt)
        embed.add_field(
            name=f"{number}. {who_label(passage.kind, passage.author)}",
            value=f"{excerpt}\n{where}\n`{passage.passage_id}`",
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
        first = published_label(site.first_published, site.first_inferred)
        last = published_label(site.last_published, site.last_inferred)
        span = " – ".join(dict.fromkeys(end for end in (first, last) if end))
        embed.add_field(
            name=value_or(site.site, FIELD_NAME_LIMIT, "(no site)"),
            value=f"{site.documents} page(s) · {site.passages} passages · "
            f"{site.comments} comments" + (f"\n{span}" if span else "\nundated"),
            inline=False,
        )
    embed.set_footer(text=f"Page {page + 1} of {pages} · /sources <site> lists a site's pages")
    return embed


def site_documents_embed(
    site: str, documents: list[dict[str, Any]], page: int, pages: int
) -> discord.Embed:
    shown = value_or(site, TITLE_LIMIT - 14, "(no site)")
    embed = discord.Embed(title=f"Archived from {shown}", colour=COLOUR)
    if not documents:
        embed.description = "Nothing is archived from this site."
        return embed
    lines = []
    for d in documents:
        published = published_label(d["published"], bool(d.get("published_inferred")))
        lines.append(
            f"**{value_or(d['title'], 150, 'untitled page')}** · "
            f"{value_or(published, PUBLISHED_LIMIT, 'undated')} · "
            f"{d['passages']} passages · "
            f"{d['comments']} comments\n`{d['document_id']}`"
        )
    # Ten 150-character titles fit; the guard keeps a longer page whole lines at a time.
    while len("\n".join(lines)) > DESCRIPTION_LIMIT:
        lines.pop()
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
    # Which chromadb collection serves: what an operator looks for after a rebuild.
    embed.add_field(name="Collection", value=f"`{stats['collection']}`", inline=True)
    embed.add_field(name="Last ingest", value=stats["last_ingest"] or "never", inline=False)
    return embed
