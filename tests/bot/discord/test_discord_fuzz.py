"""Hostile archive text of any shape, through every embed: Discord's limits hold, no syntax
comes alive, and the quotes read verbatim."""

from __future__ import annotations

import re

from discord_markdown import embed_texts, live, message_problems, syntax_problems, unescape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answering.answer import Answer, Quote, render_text
from bot.discord.format import (
    GENERATED_SUMMARY_LIMIT,
    answer_messages,
    quote_line,
    search_embed,
    source_messages,
)
from bot.discord.markdown import URL_LIMIT, escape_text, safe_url
from index.models import Hit, Passage

# Pieces that mean something to Discord, mixed with plain words and every kind of line break.
FRAGMENTS = [
    "[",
    "]",
    "(",
    ")",
    "](",
    "[x](https://evil.example)",
    "<@123>",
    "<@&5>",
    "<#7>",
    "<t:1700000000:R>",
    "</ask:1>",
    "<:e:1>",
    "<a:e:2>",
    "<https://evil.example>",
    "https://evil.example/a_b",
    "://",
    "@everyone",
    "*",
    "**",
    "_",
    "__",
    "~~",
    "||",
    "`",
    "```",
    "\\",
    "# ",
    "## ",
    "-# ",
    "> ",
    ">>> ",
    "- ",
    "* ",
    "+ ",
    "1. ",
    "2) ",
    "\n",
    "\n\n",
    "\r",
    "\u2028",
    "  ",
    " ",
    "“",
    "”",
    '"',
    "word",
    "é",
    "😀",
    "中",
]
hostile = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=40).map("".join)
long_hostile = st.one_of(
    hostile, st.builds(lambda text, times: text * times, hostile, st.integers(1, 300))
)
urls = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "https://example.org/a",
            "https://en.wikipedia.org/wiki/Aleppo_(city)",
            "example.org/no-scheme",
            "javascript:alert(1)",
            "https://example.org/a b",
            "http://[::1]/x",
        ]
    ),
    st.builds(lambda n: "https://example.org/" + "x" * n, st.integers(0, 2100)),
    st.builds(lambda tail: "https://example.org/" + tail, hostile),
)
settings_ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings_
@given(hostile)
def test_escaped_text_is_verbatim_and_inert(text: str) -> None:
    shown = escape_text(text)
    assert unescape(shown) == text
    assert syntax_problems(shown) == []
    assert not set(live(shown)) & set("\\*_~|`[]<")


@settings_
@given(st.text(max_size=2100) | urls.filter(bool))
def test_a_safe_url_is_one_discord_takes_as_a_link(url: str) -> None:
    safe = safe_url(url)
    if safe is not None:
        assert re.fullmatch(r"https?://[^\s()<>\[\]\\]*(\[[0-9a-fA-F:.]*\][^\s()<>\[\]\\]*)?", safe)
        assert len(safe) <= URL_LIMIT and safe.isascii()


def _quote(n: int, text: str, author: str, title: str, site: str, url: str | None) -> Quote:
    kind = "comment" if n % 2 else "article"
    return Quote(n, text, f"p_{n:020d}", "d_1", kind, author, title, site, url, "2016", 0, 1, 0.5)


quotes = st.lists(
    st.tuples(long_hostile, hostile | long_hostile, long_hostile, long_hostile, urls),
    min_size=1,
    max_size=12,
).map(lambda rows: [_quote(n, *row) for n, row in enumerate(rows, start=1)])


@settings_
@given(quotes, hostile, st.booleans(), st.booleans(), long_hostile)
def test_any_answer_fits_discord_and_reads_verbatim(
    found: list[Quote], question: str, spoiler: bool, generated: bool, summary: str
) -> None:
    answer = Answer(question, True, render_text(found), found)
    if generated:
        answer.text, answer.generated = summary, True
    messages = answer_messages(answer, spoiler)
    assert message_problems(messages) == []
    links = {safe_url(quote.url) for quote in found} - {None}
    embeds = [embed for embeds in messages for embed in embeds]
    for embed in embeds:
        names = {field.name for field in embed.fields}
        for text in embed_texts(embed):
            assert syntax_problems(text, links, blocks=text not in names) == [], text
    descriptions = "\n\n".join(embed.description or "" for embed in embeds)
    for quote in found:
        line = quote_line(quote, spoiler)
        shown = f"||{quote.text}||" if spoiler and quote.kind == "comment" else quote.text
        assert unescape(line).endswith(f": “{shown}”")
        # Passages are at most 1500 characters: every quote line is whole in one embed.
        if len(quote.text) <= 1500:
            assert line in descriptions
    if generated:
        # The summary (escaped, so holding no live "**[1]**"), hidden or not, leads.
        summary_shown = (embeds[0].description or "").split("**[1]**", 1)[0].rstrip("\n")
        assert len(summary_shown) <= GENERATED_SUMMARY_LIMIT + len("||||")


@settings_
@given(
    long_hostile,
    st.lists(long_hostile, max_size=3),
    st.lists(long_hostile, max_size=3),
    hostile | long_hostile,
    long_hostile,
    urls,
    st.sampled_from(["article", "comment"]),
)
def test_any_source_fits_discord_and_shows_the_passage_verbatim(
    text: str,
    before: list[str],
    after: list[str],
    author: str,
    title: str,
    url: str | None,
    kind: str,
) -> None:
    source = {
        "passage_id": "p_1",
        "document_id": "d_1",
        "kind": kind,
        "author": author,
        "text": text,
        "title": title,
        "site": title,
        "url": url,
        "published": "2016",
        "before": before,
        "after": after,
    }
    [[embed]] = source_messages([source])
    assert message_problems([[embed]]) == []
    for part in embed_texts(embed):
        assert syntax_problems(part) == [], part
    if len(text) <= 1500:
        assert f"**{escape_text(text)}**" in (embed.description or "")
    hit = Hit(Passage("p_1", "d_1", kind, 0, text, author, title, title, url, "2016"), 1.0)  # type: ignore[arg-type]
    found = search_embed(title, [hit] * 5, 0, 1, 1)
    assert message_problems([[found]]) == []
    for part in embed_texts(found):
        assert syntax_problems(part, blocks=part not in {f.name for f in found.fields}) == []
