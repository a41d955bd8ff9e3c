"""The words every face uses for a quote's source: what kind of text it is and whose, its date
(marked when read from the page's text), quote numbers cited together, and the note for a
period that held no answer. Plain text, so the terminal and Discord say the same."""

from __future__ import annotations

from bot.answering.answer import Answer, Quote
from index.sites import wayback_original


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


def address_label(url: str | None) -> str | None:
    """A page's address as shown: a Wayback Machine capture names the page it captured
    first, the capture beside it ("https://example.com/a (archived: https://web.archive.org/
    web/2019…/https://example.com/a)")."""
    original = wayback_original(url)
    return f"{original} (archived: {url})" if original else url


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
