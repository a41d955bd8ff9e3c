"""How an answer cites its sources, in the terminal and in Discord: one source per quoted
passage, a date read from the page's text marked as such, a period that held no answer said."""

from __future__ import annotations

from typing import Any

from bot.answering.answer import Answer, Quote, render_text
from bot.answering.labels import address_label, quote_numbers
from bot.discord.format import answer_embeds, source_embed
from bot.terminal.render import answer_text, document_text, source_details, source_text

TITLE = "Aleppo Is Liberated By Govt Forces!"


def _quote(n: int, passage_id: str, **overrides: Any) -> Quote:
    values: dict[str, Any] = {
        "n": n,
        "text": f"Sentence number {n}.",
        "passage_id": passage_id,
        "document_id": "d_1",
        "kind": "article",
        "author": None,
        "title": TITLE,
        "site": "SouthFront",
        "url": "https://southfront.example/aleppo",
        "published": "2016-12-12",
        "start": 0,
        "end": 10,
        "score": 0.5,
    }
    values.update(overrides)
    return Quote(**values)


def _answer(quotes: list[Quote], **overrides: Any) -> Answer:
    answer = Answer("Who helped the Syrian army in Aleppo?", True, render_text(quotes), quotes)
    for name, value in overrides.items():
        setattr(answer, name, value)
    return answer


def _sources(text: str) -> list[str]:
    return text.split("\n\nSources:\n", 1)[1].splitlines()


def test_quote_numbers_are_cited_together() -> None:
    assert quote_numbers([1]) == "1"
    assert quote_numbers([1, 2]) == "1, 2"
    assert quote_numbers([3, 1, 2]) == "1–3"
    assert quote_numbers([1, 3]) == "1, 3"
    assert quote_numbers([1, 2, 3, 5]) == "1–3, 5"


def test_quotes_from_one_passage_share_one_source_line() -> None:
    text = answer_text(_answer([_quote(1, "p_a"), _quote(2, "p_a"), _quote(3, "p_a")]))
    [line] = _sources(text)
    assert line.startswith("[1–3] article · “Aleppo Is Liberated")
    assert line.endswith(" · p_a")
    # The quotes keep their own numbers.
    assert all(f"” [{n}]" in text for n in (1, 2, 3))


def test_sources_follow_their_first_quote() -> None:
    quotes = [_quote(1, "p_a"), _quote(2, "p_b"), _quote(3, "p_a")]
    first, second = _sources(answer_text(_answer(quotes)))
    assert first.startswith("[1, 3] ") and first.endswith("p_a")
    assert second.startswith("[2] ") and second.endswith("p_b")


def test_a_date_read_from_the_text_is_marked() -> None:
    inferred = _quote(1, "p_a", published_inferred=True)
    assert " · 2016-12-12 (from the text) · " in source_details(inferred)
    assert " · 2016-12-12 · " in source_details(_quote(1, "p_a"))
    [line] = _sources(answer_text(_answer([inferred])))
    assert "2016-12-12 (from the text)" in line
    # JSON keeps the date as stored, beside the flag.
    quote = _answer([inferred]).as_dict()["quotes"][0]
    assert (quote["published"], quote["published_inferred"]) == ("2016-12-12", True)


def _source(**overrides: Any) -> dict[str, Any]:
    source = {
        "passage_id": "p_a",
        "document_id": "d_1",
        "kind": "article",
        "author": None,
        "text": "The Syrian Army liberated the city of Aleppo.",
        "title": TITLE,
        "site": "SouthFront",
        "url": "https://southfront.example/aleppo",
        "published": "2016-12-12",
        "published_inferred": True,
        "before": [],
        "after": [],
    }
    return {**source, **overrides}


def test_a_source_and_a_document_mark_a_date_read_from_the_text() -> None:
    assert "· 2016-12-12 (from the text) ·" in source_text(_source())
    assert "(from the text)" not in source_text(_source(published_inferred=False))
    document = {
        "title": TITLE,
        "site": "SouthFront",
        "published": "2016-12-12",
        "published_inferred": True,
        "url": None,
        "origin": "samples/a.txt",
        "body": "Body.",
        "comments": [],
    }
    assert "SouthFront · 2016-12-12 (from the text) · samples/a.txt" in document_text(document)


def test_a_period_that_held_no_answer_is_said_first() -> None:
    answer = _answer([_quote(1, "p_a")], unmatched_period="In 2015")
    text = answer_text(answer)
    assert text.startswith(
        "Nothing published in 2015 answers this; these quotes are from the whole archive.\n\n"
        "The article reported:"
    )
    assert answer.as_dict()["unmatched_period"] == "In 2015"
    assert not answer_text(_answer([_quote(1, "p_a")])).startswith("Nothing published")


def test_discord_gives_one_source_field_per_passage() -> None:
    [embed] = answer_embeds(_answer([_quote(1, "p_a"), _quote(2, "p_b"), _quote(3, "p_a")]))
    assert [field.name for field in embed.fields] == ["[1, 3] article", "[2] article"]
    assert embed.fields[0].value.endswith("`p_a`") and embed.fields[1].value.endswith("`p_b`")
    assert all(f"**[{n}]**" in embed.description for n in (1, 2, 3))
    [one] = answer_embeds(_answer([_quote(n, "p_a") for n in (1, 2, 3)]))
    assert [field.name for field in one.fields] == ["[1–3] article"]


def test_discord_marks_a_date_read_from_the_text() -> None:
    [embed] = answer_embeds(_answer([_quote(1, "p_a", published_inferred=True)]))
    assert "2016-12-12 (from the text)" in embed.fields[0].value
    [plain] = answer_embeds(_answer([_quote(1, "p_a")]))
    assert "2016-12-12" in plain.fields[0].value and "from the text" not in plain.fields[0].value
    fields = {field.name: field.value for field in source_embed(_source()).fields}
    assert fields["Published"] == "2016-12-12 (from the text)"
    fields = {
        field.name: field.value for field in source_embed(_source(published_inferred=False)).fields
    }
    assert fields["Published"] == "2016-12-12"


def test_discord_says_when_the_period_held_no_answer() -> None:
    [embed] = answer_embeds(_answer([_quote(1, "p_a")], unmatched_period="in *2015*"))
    first, rest = embed.description.split("\n\n", 1)
    assert first == (
        "*Nothing published in \\*2015\\* answers this; these quotes are from the whole archive.*"
    )
    assert rest.startswith("**[1]** The article reported")
    [plain] = answer_embeds(_answer([_quote(1, "p_a")]))
    assert plain.description.startswith("**[1]**")


def test_a_wayback_capture_is_shown_as_the_page_it_captured_beside_the_capture() -> None:
    capture = "https://web.archive.org/web/20160330101229/http:/muffinrezept.net/grundrezept/"
    assert address_label(capture) == f"http://muffinrezept.net/grundrezept/ (archived: {capture})"
    assert address_label("https://muffinrezept.net/a") == "https://muffinrezept.net/a"
    assert address_label(None) is None
