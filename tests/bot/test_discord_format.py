"""Embeds: escaped archive text, whole quotes only, Discord's limits."""

from __future__ import annotations

from bot.answer import Answer, Quote, render_text
from bot.discord_format import DESCRIPTION_LIMIT, answer_embed, source_embed


def _quote(n: int, text: str, **overrides: object) -> Quote:
    values: dict[str, object] = {
        "n": n,
        "text": text,
        "passage_id": f"p_{n}",
        "document_id": "d_1",
        "kind": "comment",
        "author": "Random *guy*",
        "title": "A _title_",
        "site": "Site",
        "url": None,
        "published": "2016-12-12",
        "start": 0,
        "end": len(text),
        "score": 0.5,
    }
    values.update(overrides)
    return Quote(**values)  # type: ignore[arg-type]


def _answer(quotes: list[Quote]) -> Answer:
    return Answer("What did readers say?", True, render_text(quotes), quotes)


def test_archive_text_is_escaped() -> None:
    embed = answer_embed(_answer([_quote(1, "@everyone look at **this** and <@&123>")]))
    assert "\\*\\*this\\*\\*" in embed.description
    assert embed.fields[0].name == "[1] reader comment by Random \\*guy\\*"
    assert "*A \\_title\\_*" in embed.fields[0].value


def test_quotes_that_do_not_fit_are_left_out_whole() -> None:
    quotes = [_quote(n, f"{n} " + "word " * 299) for n in range(1, 6)]
    embed = answer_embed(_answer(quotes))
    assert len(embed.description) <= DESCRIPTION_LIMIT
    assert len(embed) <= 6000
    shown = [q for q in quotes if q.text in embed.description.replace("\\", "")]
    assert 1 <= len(shown) < 5
    assert "more quote(s) did not fit" in embed.description
    assert len(embed.fields) == len(shown)


def test_unanswered_questions_say_so() -> None:
    embed = answer_embed(
        Answer("Why?", False, "I found nothing in the archive that answers this question.")
    )
    assert embed.description.startswith("I found nothing")
    assert not embed.fields


def test_source_embed_keeps_the_passage_whole_and_trims_context() -> None:
    source = {
        "passage_id": "p_1",
        "document_id": "d_1",
        "kind": "article",
        "author": None,
        "text": "The passage itself.",
        "title": "T",
        "site": None,
        "url": "https://example.org/a",
        "published": None,
        "before": ["before " * 600],
        "after": ["after " * 600],
    }
    embed = source_embed(source)
    assert "**The passage itself.**" in embed.description
    assert len(embed.description) <= DESCRIPTION_LIMIT
    assert embed.url == "https://example.org/a"
