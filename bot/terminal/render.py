"""Plain-text rendering for the terminal (the console chat and the CLI without ``--json``)."""

from __future__ import annotations

from typing import Any

from bot.answering.answer import Answer, Quote
from bot.answering.labels import (
    address_label,
    kind_label,
    period_note,
    published_label,
    quote_numbers,
    sources_by_passage,
)
from bot.services.compare import NO_SITE_MATCHES, NOTHING_FROM_SITE, Comparison
from index.text import printable


def source_details(quote: Quote) -> str:
    """Where a quote comes from: kind and reader, title, site, date, address, passage id."""
    parts = [kind_label(quote.kind, quote.author)]
    if quote.title:
        parts.append(f"“{quote.title}”")
    published = published_label(quote.published, quote.published_inferred)
    parts.extend(value for value in (quote.site, published, address_label(quote.url)) if value)
    parts.append(quote.passage_id)
    return " · ".join(parts)


def answer_text(answer: Answer) -> str:
    if not answer.answered:
        return answer.text
    sources = "\n".join(
        f"[{quote_numbers(numbers)}] {source_details(quote)}"
        for numbers, quote in sources_by_passage(answer.quotes)
    )
    note = period_note(answer)
    text = f"{note}\n\n{answer.text}" if note else answer.text
    return f"{text}\n\nSources:\n{sources}"


def comparison_text(comparison: Comparison) -> str:
    """One section per site, headed by its name: its answer with its sources, or that nothing
    from it answers."""
    if not comparison.sites:
        return NO_SITE_MATCHES
    sections = [
        f"== {printable(site.site)} ==\n"
        + (answer_text(site.answer) if site.answer.answered else NOTHING_FROM_SITE)
        for site in comparison.sites
    ]
    return "\n\n".join(sections)


def source_text(source: dict[str, Any]) -> str:
    header = " · ".join(
        value
        for value in (
            kind_label(source["kind"], source["author"]),
            f"“{source['title']}”" if source["title"] else None,
            source["site"],
            published_label(source["published"], bool(source.get("published_inferred"))),
            address_label(source["url"]),
        )
        if value
    )
    context = [*_neighbours(source, "before"), f"> {source['text']}", *_neighbours(source, "after")]
    return f"{source['passage_id']} ({header})\n\n" + "\n\n".join(context)


def _neighbours(source: dict[str, Any], side: str) -> list[str]:
    """The passages on ``side`` of a source; a comment's neighbours are other comments, each
    named with its own reader."""
    texts = source[side]
    if source["kind"] != "comment":
        return [f"  … {text}" for text in texts]
    authors = source.get(f"{side}_authors") or [None] * len(texts)
    return [
        f"  … ({kind_label('comment', author)}) {text}"
        for text, author in zip(texts, authors, strict=True)
    ]


def document_text(document: dict[str, Any]) -> str:
    lines = [document["title"] or "(untitled)"]
    published = published_label(document["published"], bool(document.get("published_inferred")))
    meta = [document["site"], published, address_label(document["url"]), document["origin"]]
    # The origin is a file's name when the page has no address: shown escaped, on one line.
    lines.append(printable(" · ".join(str(value) for value in meta if value)))
    lines += ["", document["body"], "", f"Comments ({len(document['comments'])}):"]
    for comment in document["comments"]:
        lines.append(f"- {comment['author'] or '(unnamed)'}: {comment['text']}")
    return "\n".join(lines)


def sources_text(sources: dict[str, Any]) -> str:
    rows = sources["documents"]
    if not rows:
        return "The archive is empty."
    return "\n".join(
        printable(
            f"{row['document_id']}  {row['site'] or '-'}  "
            f"{published_label(row['published'], bool(row.get('published_inferred'))) or '-'}  "
            f"{row['passages']} passages, {row['comments']} comments  "
            f"{row['title'] or row['origin']}"
        )
        for row in rows
    )


def stats_text(stats: dict[str, Any]) -> str:
    return "\n".join(f"{key}: {value}" for key, value in stats.items())
