"""Plain-text rendering for the terminal (the console chat and the CLI without ``--json``)."""

from __future__ import annotations

from typing import Any

from bot.answer import Answer, Quote


def kind_label(kind: str, author: str | None) -> str:
    if kind == "comment":
        return f"reader comment by {author}" if author else "reader comment (unnamed)"
    return "article"


def published_label(published: str | None, inferred: bool) -> str | None:
    """A page's date as shown: marked when it was read from the page's text (the page states
    none of its own), so it is never cited as the outlet's publication date."""
    if not published:
        return None
    return f"{published} (from the text)" if inferred else published


def source_details(quote: Quote) -> str:
    """Where a quote comes from: kind and reader, title, site, date, address, passage id."""
    parts = [kind_label(quote.kind, quote.author)]
    if quote.title:
        parts.append(f"“{quote.title}”")
    published = published_label(quote.published, quote.published_inferred)
    parts.extend(value for value in (quote.site, published, quote.url) if value)
    parts.append(quote.passage_id)
    return " · ".join(parts)


def quote_numbers(numbers: list[int]) -> str:
    """Quote numbers as cited together: "1–3" for a run of three or more, else "1, 3"."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(
        f"{run[0]}–{run[-1]}" if len(run) >= 3 else ", ".join(map(str, run)) for run in runs
    )


def sources_by_passage(quotes: list[Quote]) -> list[tuple[list[int], Quote]]:
    """The quotes' sources, one per passage, each with the numbers of its quotes, in the
    order of their first quote: several quotes from one passage share one source."""
    grouped: dict[str, tuple[list[int], Quote]] = {}
    for quote in quotes:
        grouped.setdefault(quote.passage_id, ([], quote))[0].append(quote.n)
    return list(grouped.values())


def period_note(answer: Answer) -> str | None:
    """What the answer says when the period its question named held nothing that answers,
    and its quotes come from the whole archive instead."""
    phrase = answer.unmatched_period
    if not answer.answered or not phrase:
        return None
    phrase = phrase[:1].lower() + phrase[1:]
    return f"Nothing published {phrase} answers this; these quotes are from the whole archive."


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


def source_text(source: dict[str, Any]) -> str:
    header = " · ".join(
        value
        for value in (
            kind_label(source["kind"], source["author"]),
            f"“{source['title']}”" if source["title"] else None,
            source["site"],
            published_label(source["published"], bool(source.get("published_inferred"))),
            source["url"],
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
    meta = [document["site"], published, document["url"], document["origin"]]
    lines.append(" · ".join(str(value) for value in meta if value))
    lines += ["", document["body"], "", f"Comments ({len(document['comments'])}):"]
    for comment in document["comments"]:
        lines.append(f"- {comment['author'] or '(unnamed)'}: {comment['text']}")
    return "\n".join(lines)


def sources_text(sources: dict[str, Any]) -> str:
    rows = sources["documents"]
    if not rows:
        return "The archive is empty."
    return "\n".join(
        f"{row['document_id']}  {row['site'] or '-'}  {row['published'] or '-'}  "
        f"{row['passages']} passages, {row['comments']} comments  {row['title'] or row['origin']}"
        for row in rows
    )


def stats_text(stats: dict[str, Any]) -> str:
    return "\n".join(f"{key}: {value}" for key, value in stats.items())
