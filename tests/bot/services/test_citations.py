"""Citations: read back from the archive, and written as Markdown, CSV and BibTeX that standard
parsers read back to the very quote."""

from __future__ import annotations

from dataclasses import replace

from citation_files import bibtex_entries, csv_rows, latex_plain, markdown_quotes

from bot.answering.engine import Engine
from bot.services.citations import (
    Citation,
    CitedSpan,
    as_bibtex,
    as_csv,
    as_markdown,
    cite,
)

ALEPPO = "Fighting in Aleppo broke out on July 19, 2012 and lasted more than four years."

# Every character Markdown, CSV or LaTeX would act on, lines that would start a block, blanks
# a renderer would drop, and an unpaired brace (BibTeX counts braces, escaped or not).
HOSTILE = (
    "*Not bold* _nor_ `code` [a link](http://x.example) <b>html</b> &amp; & 50% $5 #tag a_b "
    '{brace ~tilde ^caret \\backslash | pipe "quoted", 1,000.\n'
    "# not a heading\n"
    "1. not a list\n"
    "- nor this\n"
    "> nor a quote\n"
    "    not code  \n"
    "===\n"
    "\n"
    "A second paragraph}}"
)


def citation(quote: str, **changes: object) -> Citation:
    base = Citation(
        quote=quote,
        kind="comment",
        author="Random {guy} & co",
        title="Aleppo: *news* & 100% {facts}",
        site="South_Front #1",
        url="https://example.org/a_b?x=1&y=%20",
        published="2016-12-12",
        published_inferred=True,
        passage_id="p_0123456789abcdef0123",
        document_id="d_0123456789abcdef0123",
        start=0,
        end=len(quote),
        archived="2024-05-01",
    )
    return replace(base, **changes)


def test_markdown_renders_back_to_each_quote_with_its_source_line() -> None:
    citations = [citation(HOSTILE), citation(ALEPPO, kind="article", author=None)]
    quotes = markdown_quotes(as_markdown(citations))
    assert [quote for quote, _ in quotes] == [HOSTILE, ALEPPO]
    reader_line, article_line = (source for _, source in quotes)
    assert reader_line.startswith(
        "— Reader Random {guy} & co, commenting on “Aleppo: *news* & 100% {facts}”, South_Front #1"
    )
    assert "2016-12-12 (from the text)" in reader_line
    assert "https://example.org/a_b?x=1&y=%20" in reader_line
    assert reader_line.endswith("Archive passage p_0123456789abcdef0123, archived 2024-05-01.")
    assert article_line.startswith("— The article, “Aleppo")


def test_csv_has_a_header_and_every_field_of_a_citation() -> None:
    rows = csv_rows(as_csv([citation(HOSTILE), citation(ALEPPO, published_inferred=False)]))
    assert [row["quote"] for row in rows] == [HOSTILE, ALEPPO]
    first = rows[0]
    assert first["attribution"] == "Reader Random {guy} & co"
    assert (first["kind"], first["reader"]) == ("comment", "Random {guy} & co")
    assert (first["title"], first["site"]) == ("Aleppo: *news* & 100% {facts}", "South_Front #1")
    assert first["url"] == "https://example.org/a_b?x=1&y=%20"
    assert (first["published"], first["published_from_text"]) == ("2016-12-12", "yes")
    assert rows[1]["published_from_text"] == "no"
    assert (first["passage_id"], first["archived"]) == ("p_0123456789abcdef0123", "2024-05-01")
    assert (first["start"], first["end"]) == ("0", str(len(HOSTILE)))


def test_bibtex_parses_with_unique_keys_and_escaped_fields() -> None:
    # Two quotes of one passage: one entry each, under two keys.
    citations = [citation(HOSTILE), citation(ALEPPO, start=5, end=20), citation("Plain.")]
    entries = bibtex_entries(as_bibtex(citations))
    assert len(entries) == 3
    assert len({entry["ID"] for entry in entries}) == 3
    assert all(entry["ENTRYTYPE"] == "online" for entry in entries)
    first = entries[0]
    assert first["ID"].startswith("southfront12016_p_0123456789abcdef0123")
    # BibTeX reads any run of blanks as one space; every other character is the quote's.
    one_line = " ".join(HOSTILE.split())
    assert latex_plain(first["note"]) == f"Reader Random {{guy}} & co wrote: “{one_line}”"
    assert latex_plain(first["title"]) == "Aleppo: *news* & 100% {facts}"
    assert latex_plain(first["author"]) == "{Random {guy} & co}"
    assert latex_plain(first["organization"]) == "South_Front #1"
    assert first["url"] == "https://example.org/a_b?x=1&y=%20"
    assert (first["date"], first["urldate"]) == ("2016-12-12", "2024-05-01")
    assert "read from the page text" in first["addendum"]
    assert "p\\_0123456789abcdef0123" in first["addendum"]


async def test_citations_are_read_back_from_the_archive(seeded_engine: Engine) -> None:
    answer = await seeded_engine.ask("When did fighting in Aleppo break out?")
    quoted = [CitedSpan(q.passage_id, q.start, q.end, q.text) for q in answer.quotes]
    cited = await cite(seeded_engine, [*quoted, CitedSpan(answer.quotes[0].passage_id)])
    assert not cited.missing
    *from_answer, whole = cited.citations
    assert [c.quote for c in from_answer] == [q.text for q in answer.quotes]
    source = await seeded_engine.source(whole.passage_id)
    assert whole.quote == source["text"] and ALEPPO in whole.quote
    for found in cited.citations:
        # The seed page states no date: the one it has was read from its text.
        assert (found.published, found.published_inferred) == ("2016-12-12", True)
        assert found.archived and len(found.archived) == 10 and found.site == "SouthFront"


async def test_gone_or_changed_passages_are_named_not_cited(seeded_engine: Engine) -> None:
    [hit] = await seeded_engine.search("Aleppo", limit=1)
    text = hit.passage.text
    cited = await cite(
        seeded_engine,
        [
            CitedSpan("p_nope"),
            CitedSpan(hit.passage.passage_id, 0, 10, expected=text[1:11]),
            CitedSpan(hit.passage.passage_id, 0, 10, expected=text[:10]),
        ],
    )
    assert cited.missing == ["p_nope", hit.passage.passage_id]
    assert [c.quote for c in cited.citations] == [text[:10]]
