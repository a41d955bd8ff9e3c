"""Archive text in embeds: shown verbatim, never live Discord syntax, never over a limit;
links only where Discord takes them; context and summaries cut on the right side."""

from __future__ import annotations

import re

import pytest
from discord_markdown import (
    embed_texts,
    limit_problems,
    live,
    message_problems,
    syntax_problems,
    unescape,
)

from bot.answering.answer import Answer, Quote, render_text
from bot.discord.format import (
    GENERATED_SUMMARY_LIMIT,
    UNKNOWN_READER,
    answer_embeds,
    answer_messages,
    quote_line,
    quote_pieces,
    search_embed,
    site_documents_embed,
    sites_embed,
    source_embed,
    source_messages,
    source_value,
)
from bot.discord.markdown import (
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    URL_LIMIT,
    escape_text,
    fit,
    safe_url,
)
from index.community import SiteSummary
from index.models import Hit, Passage

HOSTILE = [
    "Fact check [1]: the vote was rigged, see [proof](https://evil.example/phish) now",
    "Read this](https://evil.example/phish)",
    "<@123> <@!4> <@&1100000000000000555> <#5> @everyone @here",
    "posted <t:1700000000:R>, run </ask:1234567890> and <:pepe:123> <a:dance:456>",
    "<https://evil.example> and https://evil.example/a_b_ and steam://run/1",
    "# Heading\n## second\n-# small\n> quoted\n>>> rest\n- item\n * star\n+ plus\n1. one\n2) two",
    "**bold** __under__ ~~strike~~ ||spoiler|| `code` ```block``` *it* _it_",
    "a trailing backslash \\",
    "C:\\path\\ and \\*not bold\\* and \\\\",
    "||closed early|| then [a](https://a.example) [b](https://b.example)",
    "line\u2028# after a unicode line break\r> after a carriage return",
]
REAL = "https://example.org/real"


def _quote(n: int = 1, text: str = "The harbour reopened.", **overrides: object) -> Quote:
    values: dict[str, object] = {
        "n": n,
        "text": text,
        "passage_id": f"p_{n}",
        "document_id": "d_1",
        "kind": "comment",
        "author": "Jane",
        "title": "Harbour news",
        "site": "Coast",
        "url": REAL,
        "published": "2021-03-04",
        "start": 0,
        "end": len(text),
        "score": 0.5,
    }
    values.update(overrides)
    return Quote(**values)  # type: ignore[arg-type]


def _answer(quotes: list[Quote], question: str = "What happened?") -> Answer:
    return Answer(question, True, render_text(quotes), quotes)


def _source(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "passage_id": "p_1",
        "document_id": "d_1",
        "kind": "article",
        "author": None,
        "text": "The passage itself.",
        "title": "T",
        "site": "Coast",
        "url": REAL,
        "published": "2021-03-04",
        "before": [],
        "after": [],
    }
    values.update(overrides)
    return values


def _passage(**overrides: object) -> Passage:
    values: dict[str, object] = {
        "passage_id": "p_1",
        "document_id": "d_1",
        "kind": "comment",
        "position": 0,
        "text": "hi",
        "author": "Jane",
        "title": "t",
        "site": "s",
        "url": None,
        "published": None,
    }
    values.update(overrides)
    return Passage(**values)  # type: ignore[arg-type]


# --- escaping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_reads_verbatim_and_holds_no_live_syntax(text: str) -> None:
    shown = escape_text(text)
    assert unescape(shown) == text
    assert syntax_problems(shown) == []
    # No mark that formats text is left live either.
    assert not set(live(shown)) & set("\\*_~|`[]<")


@pytest.mark.parametrize("text", HOSTILE)
def test_a_quote_line_shows_the_quote_verbatim_and_nothing_live(text: str) -> None:
    for spoiler in (False, True):
        line = quote_line(_quote(text=text), spoiler)
        assert syntax_problems(line) == []
        shown = f"||{text}||" if spoiler else text
        assert unescape(line) == f"**[1]** Reader Jane wrote: “{shown}”"


def test_every_link_on_a_line_is_neutralised_not_only_the_first() -> None:
    # discord.py's escape_markdown escapes only the first "[" of a line here.
    line = quote_line(_quote(text=HOSTILE[0]))
    assert "](" not in live(line)
    assert "[proof](https://evil.example/phish)" in unescape(line)


def test_a_title_cannot_smuggle_its_own_link() -> None:
    [embed] = answer_embeds(_answer([_quote(title="Read this](https://evil.example/phish)")]))
    value = embed.fields[0].value
    assert syntax_problems(value, links={REAL}) == []
    assert re.findall(r"\]\(([^)]*)\)", live(value)) == [REAL]
    # Escapes inside a link's text show as backslashes, so such a title is not the link text.
    assert "Read this](https://evil.example/phish)" in unescape(value)


def test_a_plain_title_is_the_link() -> None:
    assert source_value(_quote(title="Harbour news")).startswith(f"[Harbour news]({REAL})")


def test_authors_are_escaped_wherever_they_appear() -> None:
    mallory = "[Mallory](https://evil.example/phish) <@&1100000000000000555>"
    [embed] = answer_embeds(_answer([_quote(author=mallory)]))
    for text in embed_texts(embed):
        assert syntax_problems(text, links={REAL}, blocks=False) == []
    kind = source_embed(_source(kind="comment", author=mallory)).fields[0]
    assert syntax_problems(kind.value) == []
    assert unescape(kind.value) == f"reader comment by {mallory}"
    found = search_embed("q", [Hit(_passage(author=mallory), 1.0)], 0, 1, 1)
    assert syntax_problems(found.fields[0].name, blocks=False) == []


def test_archive_syntax_in_every_embed_is_inert() -> None:
    hostile = " ".join(HOSTILE)
    quote = _quote(text=hostile, author=hostile, title=hostile, site=hostile)
    answer = _answer([quote], question=hostile)
    answer.text, answer.generated = f"Jane wrote “{HOSTILE[0]}” [1]. {hostile}", True
    embeds = answer_embeds(answer)
    embeds.append(
        source_embed(
            _source(text=hostile, title=hostile, site=hostile, before=[hostile], after=[hostile])
        )
    )
    embeds.append(search_embed(hostile, [Hit(_passage(text=hostile, title=hostile), 1.0)], 0, 1, 1))
    embeds.append(sites_embed([SiteSummary(hostile, 1, 1, 0, None, None)], 0, 1))
    document = {
        "title": hostile,
        "published": None,
        "passages": 1,
        "comments": 0,
        "document_id": "d_1",
    }
    embeds.append(site_documents_embed(hostile, [document], 0, 1))
    for embed in embeds:
        assert limit_problems(embed) == []
        names = {field.name for field in embed.fields}
        for text in embed_texts(embed):
            assert syntax_problems(text, links={REAL}, blocks=text not in names) == [], text


# --- links -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "example.org/no-scheme",
        "javascript:alert(1)",
        "ftp://example.org/file",
        "https://example.org/a b",
        "https://example.org/a\nb",
        "https://example.org/\u202eevil",
        "https://",
        "https://[::1/broken",
        "https://example.org/" + "x" * URL_LIMIT,
    ],
)
def test_a_url_discord_would_refuse_is_never_a_link_or_the_embed_url(url: str) -> None:
    embed = source_embed(_source(url=url))
    assert embed.url is None
    address = embed.fields[-1]
    assert address.name == "Address" and syntax_problems(address.value) == []
    assert " ".join(url.split()).startswith(unescape(address.value).removesuffix("…"))
    [answer] = answer_embeds(_answer([_quote(url=url)]))
    assert syntax_problems(answer.fields[0].value) == []
    assert limit_problems(answer) == []


def test_link_targets_are_encoded_so_the_link_ends_where_the_url_does() -> None:
    url = "https://en.wikipedia.org/wiki/Aleppo_(city)?q=<b>&r=[1]#é"
    embed = source_embed(_source(url=url))
    assert embed.url == "https://en.wikipedia.org/wiki/Aleppo_%28city%29?q=%3Cb%3E&r=%5B1%5D#%C3%A9"
    value = source_value(_quote(url=url))
    assert value.startswith(f"[Harbour news]({embed.url})")
    # An IPv6 host keeps its brackets; the scheme is written in lower case.
    assert source_embed(_source(url="HTTP://[::1]:8080/a")).url == "http://[::1]:8080/a"
    # Encoding lengthens a url: one that then outgrows Discord's limit is no link.
    near = "https://example.org/" + "x" * (URL_LIMIT - 22)
    assert safe_url(near + "xx") and safe_url(near + "()") is None


def test_a_long_url_is_never_cut_inside_the_link() -> None:
    for size in (600, 900, 1500, URL_LIMIT - 20):
        url = "https://example.org/" + "x" * size
        [embed] = answer_embeds(_answer([_quote(url=url)]))
        value = embed.fields[0].value
        assert len(value) <= FIELD_VALUE_LIMIT
        targets = re.findall(r"\]\(([^)]*)\)", live(value))
        assert targets in ([url], []), size
        assert syntax_problems(value, links={url}) == []
    assert source_embed(_source(url="https://example.org/" + "x" * (URL_LIMIT - 20))).url


# --- limits ------------------------------------------------------------------------------------


def test_huge_metadata_stays_within_every_limit() -> None:
    author, site, title = "A" * 5000, "S" * 3000, "T " * 2000
    quotes = [_quote(n, "word " * 200, author=author, site=site, title=title) for n in range(1, 4)]
    assert message_problems(answer_messages(_answer(quotes), True)) == []
    source = _source(
        kind="comment",
        author=author,
        site=site,
        title=title,
        url="u" * 3000,
        published="P" * 500,
        text="x " * 700,
        before=["b " * 900],
        after=["a " * 900],
    )
    assert message_problems(source_messages([source, source])) == []
    hits = [Hit(_passage(author=author, site=site, title=title, text="w " * 3000), 1.0)] * 5
    assert limit_problems(search_embed("q" * 500, hits, 0, 1, 1)) == []
    assert limit_problems(sites_embed([SiteSummary(site, 1, 1, 1, None, None)] * 8, 0, 1)) == []
    documents = [
        {"title": title, "published": "P" * 300, "passages": 1, "comments": 0, "document_id": "d_1"}
    ] * 10
    assert limit_problems(site_documents_embed(site, documents, 0, 1)) == []


def test_blank_metadata_gives_no_empty_field() -> None:
    # Discord refuses an empty field value or name (a "\n" site is stored as it came).
    blank = {"author": " ", "title": "\n", "site": "\n", "published": " ", "url": " "}
    embed = source_embed(_source(kind="comment", **blank))
    assert limit_problems(embed) == [] and embed.title == "untitled page"
    assert [field.name for field in embed.fields] == ["Kind"]
    assert embed.description.startswith("*A reader wrote:*\n**")
    [answer] = answer_embeds(_answer([_quote(**blank)]))
    assert answer.fields[0].value == "*untitled page*\n`p_1`"
    found = search_embed("q", [Hit(_passage(**blank), 1.0)], 0, 1, 1)
    assert found.fields[0].value.endswith("\nuntitled page\n`p_1`")
    sites = sites_embed([SiteSummary("\n", 1, 1, 0, None, None)], 0, 1)
    assert sites.fields[0].name == "(no site)"


def test_fit_never_cuts_between_a_backslash_and_its_mark() -> None:
    text = "*" * 500
    for limit in range(2, 60):
        shown = fit(text, limit)
        assert len(shown) <= limit
        assert unescape(shown) == "*" * (len(shown) // 2) + "…"


def test_a_split_quote_leaves_no_spoiler_or_escape_open() -> None:
    text = "|a|b\\c " * 1200  # escaped, far longer than a description
    pieces = quote_pieces(_quote(text=text), True, DESCRIPTION_LIMIT - 20)
    assert len(pieces) > 1
    head = "**[1]** Reader Jane wrote: “"
    assert pieces[0].startswith(head) and pieces[-1].endswith("”")
    inner = [piece.removeprefix(head).removesuffix("”") for piece in pieces]
    for piece, shown in zip(pieces, inner, strict=True):
        assert len(piece) <= DESCRIPTION_LIMIT - 20
        assert live(piece).count("||") == 2
        assert shown.startswith("||") and shown.endswith("||")
        # Each piece is escaped on its own: no backslash is left to escape the next piece.
        assert escape_text(unescape(shown[2:-2])) == shown[2:-2]
    assert "".join(unescape(shown[2:-2]) for shown in inner) == text


# --- /source context ---------------------------------------------------------------------------


def test_shortened_context_keeps_the_text_next_to_the_passage() -> None:
    before = ["FIRST paragraph far from the passage. " * 60, "LAST paragraph before it. " * 20]
    after = ["NEXT paragraph after. " * 80, "FAR paragraph after. " * 80]
    embed = source_embed(_source(text="THE PASSAGE " * 250, before=before, after=after))
    description = embed.description
    assert len(description) <= DESCRIPTION_LIMIT
    head, rest = description.split("**THE PASSAGE", 1)
    assert head.rstrip().endswith("LAST paragraph before it.")
    assert "FIRST" not in head or head.startswith("…")
    tail = rest.split("**", 1)[1]
    assert tail.lstrip().startswith("NEXT paragraph after.")
    assert tail.endswith("…") and "FAR" not in tail


def test_a_long_neighbour_is_cut_on_its_far_side() -> None:
    long = "START of the paragraph. " + "middle words " * 400
    before, after = long + "END right before the passage.", "START right after it. " + long
    embed = source_embed(_source(before=[before], after=[after]))
    head, tail = embed.description.split("\n\n**The passage itself.**\n\n")
    assert head.startswith("…") and head.endswith("END right before the passage.")
    assert tail.startswith("START right after it.") and tail.endswith("…")
    assert "START of the paragraph" not in head


def test_short_context_on_one_side_leaves_room_to_the_other() -> None:
    after = ["NEXT words. " * 300]
    embed = source_embed(_source(before=["Short."], after=after))
    assert embed.description.startswith("Short.\n\n**The passage itself.**")
    # The after side used more than half the room, since the before side needed little.
    assert len(embed.description) > DESCRIPTION_LIMIT * 0.75


def test_comment_context_never_reads_as_the_same_readers_words() -> None:
    source = _source(kind="comment", author="Jane", before=["Bob's view."], after=["Later."])
    description = source_embed(source).description
    assert description.split("\n\n") == [
        f"{UNKNOWN_READER}\nBob's view.",
        "*Reader Jane wrote:*\n**The passage itself.**",
        f"{UNKNOWN_READER}\nLater.",
    ]
    source.update(before_authors=["Bob"], after_authors=[None])
    description = source_embed(source).description
    assert description.startswith("*Reader Bob wrote:*\nBob's view.")
    assert description.endswith("*A reader wrote:*\nLater.")


def test_article_context_is_not_labelled() -> None:
    description = source_embed(_source(before=["Before."], after=["After."])).description
    assert description == "Before.\n\n**The passage itself.**\n\nAfter."


# --- model-written summaries -------------------------------------------------------------------


def _quotations_closed(text: str) -> bool:
    return text.count("“") == text.count("”")


def test_a_long_summary_ends_at_a_sentence_outside_any_quotation() -> None:
    quoted = "“" + "the harbour reopened. " * 30 + "”"  # full stops inside the quotation
    text = " ".join(f"Reader {n} wrote {quoted} [{n}]." for n in range(1, 6))
    answer = Answer("q?", True, text, [_quote()], generated=True)
    summary = answer_embeds(answer)[0].description.split("\n\n**[1]**")[0]
    assert len(summary) <= GENERATED_SUMMARY_LIMIT
    assert _quotations_closed(unescape(summary))
    assert unescape(summary).endswith("].") and text.startswith(unescape(summary))


def test_a_summary_with_no_sentence_that_fits_is_cut_at_a_word_before_the_quotation() -> None:
    text = "Reader Jane wrote that " + "“" + "very long words " * 120 + "” [1] and more."
    answer = Answer("q?", True, text, [_quote()], generated=True)
    summary = answer_embeds(answer)[0].description.split("\n\n**[1]**")[0]
    assert summary == "Reader Jane wrote that…"
    assert _quotations_closed(unescape(summary))
