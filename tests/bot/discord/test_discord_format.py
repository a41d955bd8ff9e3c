"""Embeds: escaped archive text, whole quotes only, Discord's limits."""

from __future__ import annotations

from discord_markdown import message_problems

from bot.answering.answer import Answer, Quote, render_text
from bot.discord.comparison import comparison_messages
from bot.discord.format import (
    answer_embeds,
    answer_messages,
    quote_line,
    search_embed,
    source_embed,
    source_messages,
)
from bot.discord.markdown import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    MAX_EMBEDS_PER_MESSAGE,
    MAX_FIELDS_PER_EMBED,
)
from bot.discord.reindex_messages import progress_text
from bot.services.compare import Comparison, SiteAnswer
from bot.services.reindex import Progress
from index.models import Hit, Passage, PassageKind


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
    [embed] = answer_embeds(_answer([_quote(1, "@everyone look at **this** and <@&123>")]))
    assert "\\*\\*this\\*\\*" in embed.description
    assert "Reader Random \\*guy\\* wrote" in embed.description
    assert embed.fields[0].name == "[1] reader comment by Random \\*guy\\*"
    assert "*A \\_title\\_*" in embed.fields[0].value


def test_quotes_that_do_not_fit_go_whole_into_the_next_embed() -> None:
    quotes = [_quote(n, f"{n} " + "word " * 299) for n in range(1, 6)]
    embeds = answer_embeds(_answer(quotes))
    assert len(embeds) > 1
    placed = []
    for embed in embeds:
        assert len(embed.description) <= DESCRIPTION_LIMIT
        assert len(embed) <= EMBED_TOTAL_LIMIT
        assert len(embed.fields) == embed.description.count("**[")
        placed += [q.n for q in quotes if q.text in embed.description.replace("\\", "")]
    assert placed == [1, 2, 3, 4, 5]
    assert embeds[0].title and embeds[-1].footer.text


def test_messages_hold_at_most_ten_embeds_and_6000_characters() -> None:
    quotes = [_quote(n, f"{n} " + "word " * 60, kind="article") for n in range(1, 60)]
    messages = answer_messages(_answer(quotes))
    assert len(messages) > 1
    for embeds in messages:
        assert len(embeds) <= MAX_EMBEDS_PER_MESSAGE
        assert sum(len(e) for e in embeds) <= EMBED_TOTAL_LIMIT
        assert all(len(e.fields) <= MAX_FIELDS_PER_EMBED for e in embeds)
    assert sum(len(e.fields) for embeds in messages for e in embeds) == len(quotes)


def test_a_quote_longer_than_a_description_is_split_at_spaces_only() -> None:
    text = "long " * 1500
    embeds = answer_embeds(_answer([_quote(1, text.strip())]))
    assert len(embeds) == 2
    assert all(len(e.description) <= DESCRIPTION_LIMIT for e in embeds)
    joined = " ".join(e.description for e in embeds)
    assert joined.count("long") == 1500
    assert len(embeds[-1].fields) == 1 and not embeds[0].fields


def test_spoiler_mode_hides_comment_quotes_only() -> None:
    comment = _quote(1, "A reader's view.")
    article = _quote(2, "The article's words.", kind="article", author=None)
    [embed] = answer_embeds(_answer([comment, article]), spoiler_comments=True)
    assert "||A reader's view.||" in embed.description
    assert "“The article's words.”" in embed.description


def test_a_generated_answer_leads_the_first_embed() -> None:
    quote = _quote(1, "Assad will agree with Turkey.")
    answer = _answer([quote])
    answer.text, answer.generated = (
        "Reader Random guy expected a *deal*: “Assad will agree with Turkey.” [1]",
        True,
    )
    [embed] = answer_embeds(answer)
    assert embed.description.startswith("Reader Random guy expected a \\*deal\\*")
    assert quote_line(quote) in embed.description
    [hidden] = answer_embeds(answer, spoiler_comments=True)
    assert hidden.description.startswith("||Reader Random guy") and "deal\\*" in hidden.description
    answer.generated = False
    [plain] = answer_embeds(answer)
    assert plain.description == quote_line(quote)


def test_unanswered_questions_say_so() -> None:
    [embed] = answer_embeds(
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


def _source(kind: str, text: str) -> dict[str, object]:
    return {
        "passage_id": "p_1",
        "document_id": "d_1",
        "kind": kind,
        "author": "Random *guy*" if kind == "comment" else None,
        "text": text,
        "title": "T",
        "site": "Site",
        "url": None,
        "published": "2016-12-12",
        "before": ["Before || it."],
        "after": ["After it."],
        "before_authors": ["Other"],
        "after_authors": [None],
    }


def test_spoiler_comments_hide_a_comment_source_whole_and_no_article() -> None:
    comment, article = _source("comment", "A reader's | view."), _source("article", "Words.")
    plain = source_embed(comment)
    hidden = source_embed(comment, spoiler_comments=True)
    assert hidden.description == f"||{plain.description}||"
    assert "\\|" in hidden.description  # the text's own marks stay escaped inside
    assert hidden.fields == plain.fields and hidden.footer.text == plain.footer.text
    assert source_embed(article, spoiler_comments=True).description == (
        source_embed(article).description
    )
    [[first, second]] = source_messages([comment, article], spoiler_comments=True)
    assert first.description == hidden.description
    assert second.description == source_embed(article).description


def test_spoiler_comments_hide_a_comment_results_excerpt_only() -> None:
    def hit(n: int, kind: PassageKind) -> Hit:
        author = "Random guy" if kind == "comment" else None
        text = f"Passage {n} | of a {kind}."
        return Hit(Passage(f"p_{n}", "d_1", kind, n, text, author, "T", "Site", None, None), 1.0)

    hits = [hit(1, "comment"), hit(2, "article")]
    plain = search_embed("Aleppo", hits, 0, 1, 1)
    hidden = search_embed("Aleppo", hits, 0, 1, 1, spoiler_comments=True)
    comment, article = hidden.fields
    excerpt, rest = plain.fields[0].value.split("\n", 1)
    assert comment.value == f"||{excerpt}||\n{rest}"  # the id stays readable for /source
    assert comment.name == plain.fields[0].name
    assert article.value == plain.fields[1].value


def test_a_comparison_of_many_long_answers_stays_within_discords_limits() -> None:
    sentence = "A long sentence about the bridge that keeps going for a while. " * 12
    sites = [
        SiteAnswer(
            f"Site {n} " + "*x*" * 60,
            _answer([_quote(q, sentence + str(q), site=f"Site {n}") for q in (1, 2, 3)]),
        )
        for n in range(10)
    ]
    sites.append(SiteAnswer("Silent _Times_", Answer("q", False, "nothing")))
    messages = comparison_messages(Comparison("Why did it fall?", sites), spoiler_comments=True)
    assert message_problems(messages) == []
    embeds = [embed for message in messages for embed in message]
    assert embeds[0].description.endswith(r"Nothing from Silent \_Times\_ answers it.")
    assert embeds[-1].footer.text and not any(embed.footer.text for embed in embeds[:-1])
    assert sum(embed.title == r"Silent \_Times\_" for embed in embeds) == 1


def test_a_rebuilds_progress_counts_the_passages_it_embeds() -> None:
    rebuilding = Progress(files_total=566, rebuilding=True, rebuilt=3_000, rebuild_total=7_764)
    text = progress_text("news", rebuilding)
    assert "rebuilding the vectors" in text
    assert "passages 3000/7764 embedded into the new generation" in text
    assert "files 0/566" not in text
    reading = progress_text("news", Progress(files_total=566, files=12, pages=10, passages=80))
    assert "files 12/566 · pages 10 · passages 80" in reading
