"""The community features without Discord: answers kept for their buttons, votes, guild
settings, follow-ups, paged search, the timeline, suggestions, and the re-index adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from conftest import settings_for

from bot.answering.engine import Engine
from bot.discord.cooldown import AskLimiter, SlowDown
from bot.services.community import (
    CommentMode,
    Community,
    Pager,
    Rejected,
    SearchResults,
    SiteListing,
    resolve_follow_up,
    site_choice_value,
)
from bot.services.filters import date_bound, filters_from
from bot.services.reindex import BadPath, Progress, ReindexBusy, Reindexer
from index.community import SiteSummary
from index.embedder import Embedder
from index.models import SearchFilters


@pytest.fixture
async def community(seeded_copy: Path, model: Embedder) -> AsyncIterator[Community]:
    settings = settings_for(seeded_copy, ask_max_chars=100)
    async with await Engine.open(settings, embedder=model) as engine:
        service = await Community.open(engine, settings)
        yield service
        await service.close()


@pytest.mark.parametrize(
    ("previous", "question", "resolved"),
    [
        (
            "When did fighting in Aleppo break out?",
            "what did readers say about that?",
            "what did readers say about fighting aleppo break?",
        ),
        ("What about the Kurds?", "and readers?", "and readers about kurds?"),
        ("What about the Kurds?", "What did Random guy say?", "What did Random guy say?"),
        ("What about the Kurds?", "Who won in Palmyra?", "Who won in Palmyra?"),
    ],
)
def test_follow_ups_are_read_against_the_previous_question(
    previous: str, question: str, resolved: str
) -> None:
    assert resolve_follow_up(previous, question) == resolved


def test_dates_and_filters_from_what_users_type() -> None:
    assert date_bound("2016", end=True) == date(2016, 12, 31)
    assert date_bound("2016-02", end=True) == date(2016, 2, 29)
    assert date_bound("2016-02-03", end=False) == date(2016, 2, 3)
    assert filters_from("comment", " SouthFront ", "2016-12").since == date(2016, 12, 1)
    with pytest.raises(Rejected, match="not a date"):
        filters_from(since="last week")


async def test_answers_are_kept_and_votes_stored_with_them(community: Community) -> None:
    given = await community.ask(
        "When did fighting in Aleppo break out?", guild_id=1, channel_id=2, user_id=3
    )
    assert given.answer.answered and given.comments is CommentMode.SHOW
    sources = await community.cited_sources(given.answer_id)
    assert sources[0]["passage_id"] == given.answer.quotes[0].passage_id
    await community.vote(given.answer_id, 7, up=True)
    await community.vote(given.answer_id, 7, up=False)  # a second vote replaces the first
    [vote] = await community.store.feedback()
    assert (vote["user_id"], vote["vote"]) == (7, -1)
    assert vote["answer"]["quotes"][0]["text"] == given.answer.quotes[0].text
    with pytest.raises(Rejected):
        await community.vote("a_0000", 7, up=True)


async def test_questions_over_the_cap_are_refused(community: Community) -> None:
    with pytest.raises(Rejected, match="the limit is 100"):
        community.check_question("why " * 30)


async def test_guild_comment_modes(community: Community) -> None:
    assert await community.comment_mode(5) is CommentMode.SHOW
    await community.set_comment_mode(5, CommentMode.EXCLUDE)
    assert await community.comment_mode(5) is CommentMode.EXCLUDE
    assert await community.comment_mode(6) is CommentMode.SHOW
    with pytest.raises(Rejected, match="not to quote reader comments"):
        await community.ask("What did readers say?", guild_id=5, channel_id=None, user_id=1)
    given = await community.ask("What happened in Aleppo?", guild_id=5, channel_id=None, user_id=1)
    assert all(quote.kind == "article" for quote in given.answer.quotes)


async def test_conversations_remember_the_resolved_question(community: Community) -> None:
    assert await community.follow_up(99, 1, "and then?") is None
    await community.start_conversation(99, 1, "When did fighting in Aleppo break out?")
    first = await community.follow_up(99, 1, "what did readers say about that?")
    assert first == "what did readers say about fighting aleppo break?"
    assert await community.store.last_question(99) == first
    assert await community.is_conversation(99) and not await community.is_conversation(98)


async def test_browsing_search_sites_timeline_and_suggestions(community: Community) -> None:
    pages = (await community.search("Aleppo Kurds Turkey army")).pages(CommentMode.SHOW)
    assert len(pages) > 1 and all(len(page) <= 5 for page in pages)
    [site] = await community.sites()
    assert (site.site, site.documents, site.first_published) == ("SouthFront", 1, "2016-12-12")
    counts, png = await community.timeline("Aleppo")
    assert {c.kind for c in counts} == {"article", "comment"}
    assert {c.month for c in counts} == {"2016-12"}
    assert png is not None and png.startswith(b"\x89PNG")
    assert await community.timeline("zzzyzzy") == ([], None)
    [by_title] = await community.suggest("liberated")
    assert by_title.label.startswith("Aleppo Is Liberated")
    by_id = await community.suggest(by_title.passage_id[:5])
    assert by_id and all(s.passage_id.startswith(by_title.passage_id[:5]) for s in by_id)


async def test_replies_in_pages_are_kept_for_their_buttons(community: Community) -> None:
    found = await community.search("Aleppo Kurds Turkey army")
    kept = await community.pager(await community.keep_pager(7, found))
    assert kept.user_id == 7 and isinstance(kept.listing, SearchResults)
    assert kept.listing.query == found.query
    assert [(h.passage, h.score) for h in kept.listing.hits] == [
        (h.passage, h.score) for h in found.hits
    ]
    # Kept before the server excluded comments: its pages leave them out now.
    assert any(h.passage.kind == "comment" for h in found.hits)
    shown = kept.listing.pages(CommentMode.EXCLUDE)
    assert shown[0] and all(h.passage.kind == "article" for page in shown for h in page)

    listing = await community.pager(await community.keep_pager(7, SiteListing("SouthFront")))
    assert listing == Pager(7, SiteListing("SouthFront"))
    with pytest.raises(Rejected, match="no longer known"):
        await community.pager("l_0123456789abcdef")


async def test_suggestions_hold_no_comment_where_the_guild_excludes_them(
    community: Community,
) -> None:
    await community.set_comment_mode(7, CommentMode.EXCLUDE)
    everything = await community.suggest("")
    articles = await community.suggest("", guild_id=7)
    assert any("(comment)" in s.label for s in everything)
    assert articles and all(" · article · " in s.label for s in articles)
    # The page found by its title is offered by its first article passage.
    [by_title] = await community.suggest("liberated", guild_id=7)
    assert (await community.store.suggest(by_title.passage_id, kind="article"))[0].passage_id == (
        by_title.passage_id
    )


async def test_reindex_paths_stay_inside_the_archive_folder(
    seeded_engine: Engine, tmp_path: Path
) -> None:
    (tmp_path / "archive" / "sub").mkdir(parents=True)
    reindexer = Reindexer(seeded_engine, tmp_path / "archive")
    assert reindexer.resolve(None) == (tmp_path / "archive").resolve()
    assert reindexer.resolve("sub") == (tmp_path / "archive" / "sub").resolve()
    for outside in ("..", "sub/../..", "../archive2"):
        with pytest.raises(BadPath, match="outside"):
            reindexer.resolve(outside)
    with pytest.raises(BadPath, match="does not exist"):
        Reindexer(seeded_engine, tmp_path / "missing").resolve(None)


async def test_a_second_reindex_is_refused_while_one_runs(
    seeded_copy: Path, model: Embedder
) -> None:
    async with await Engine.open(settings_for(seeded_copy), embedder=model) as engine:
        reindexer = Reindexer(engine, seeded_copy)
        seen: list[Progress] = []
        run = reindexer.start(seeded_copy / "archive.db", seen.append)
        with pytest.raises(ReindexBusy):
            reindexer.start(seeded_copy, seen.append)
        report = await run
        assert not reindexer.running
        assert report.files == 1 and report.skipped  # a database is no archived page
        assert seen[-1].done and seen[-1].fraction == 1.0 and seen[-1].eta == 0.0


def test_progress_fraction_rate_and_eta() -> None:
    progress = Progress(files_total=10, started=0.0)
    assert progress.fraction == 0.0 and progress.eta is None
    progress.files, progress.passages = 10, 100
    assert progress.fraction == pytest.approx(0.2)
    progress.vectors = 50
    assert progress.phase == "embedding" and progress.fraction == pytest.approx(0.6)
    assert progress.eta is not None and progress.rate > 0


async def test_the_comment_setting_in_search_source_timeline_and_cited_sources(
    community: Community,
) -> None:
    given = await community.ask(
        "What did Random guy say about Assad and Turkey?", guild_id=1, channel_id=2, user_id=3
    )
    comment_id = next(q.passage_id for q in given.answer.quotes if q.kind == "comment")
    await community.set_comment_mode(5, CommentMode.SPOILER)
    await community.set_comment_mode(6, CommentMode.EXCLUDE)
    # spoiler: everything is shown, and the mode says how
    source, mode = await community.source(comment_id, 5)
    assert source["kind"] == "comment" and mode is CommentMode.SPOILER
    assert await community.comment_policy(5, SearchFilters(kind="comment")) == (
        CommentMode.SPOILER,
        SearchFilters(kind="comment"),
    )
    # exclude: comments refused when asked for, left out otherwise
    with pytest.raises(Rejected, match="not to quote reader comments"):
        await community.source(comment_id, 6)
    with pytest.raises(Rejected, match="not to quote reader comments"):
        await community.comment_policy(6, SearchFilters(kind="comment"))
    _, narrowed = await community.comment_policy(6, SearchFilters(site="SouthFront"))
    assert narrowed == SearchFilters(kind="article", site="SouthFront")
    found = await community.search("Assad Turkey Random guy", guild_id=6)
    assert found.hits and all(hit.passage.kind == "article" for hit in found.hits)
    counts, _ = await community.timeline("Assad Aleppo", guild_id=6)
    assert counts and {c.kind for c in counts} == {"article"}
    cited = await community.cited_sources(given.answer_id, CommentMode.EXCLUDE)
    assert comment_id not in {s["passage_id"] for s in cited}
    assert comment_id in {s["passage_id"] for s in await community.cited_sources(given.answer_id)}


async def test_long_site_names_round_trip_through_a_choice_value(community: Community) -> None:
    assert site_choice_value("SouthFront") == "SouthFront"
    long_a, long_b = "L" * 120 + " A", "L" * 120 + " B"
    key_a, key_b = site_choice_value(long_a), site_choice_value(long_b)
    assert len(key_a) == len(key_b) == 100 and key_a != key_b
    sites = [SiteSummary(name, 1, 1, 0, None, None) for name in (long_a, long_b, "SouthFront")]

    async def listed() -> list[SiteSummary]:
        return sites

    community.sites = listed  # type: ignore[method-assign]
    assert await community.resolve_site(key_a) == long_a
    assert await community.resolve_site(key_b) == long_b
    # The archive (the seed's SouthFront) spells it: any case finds the stored name.
    assert await community.resolve_site("southfront") == "SouthFront"
    assert await community.resolve_site("no such outlet") == "no such outlet"  # as typed
    assert await community.resolve_site(None) is None
    unknown = site_choice_value("M" * 150)
    assert await community.resolve_site(unknown) == unknown  # matches no site, as typed


def test_the_ask_cooldown_counts_accepted_questions_only() -> None:
    limiter = AskLimiter(rate=2, per=60)
    limiter.check(1)
    limiter.check(1)
    with pytest.raises(SlowDown, match="Slow down"):
        limiter.check(1)
    limiter.refund(1)  # the second was refused after all
    limiter.check(1)
    limiter.check(2)  # per user
    with pytest.raises(SlowDown):
        limiter.check(1)
    AskLimiter(rate=0, per=60).check(1)  # 0: no limit


async def test_site_choices_match_the_name_in_any_case_and_spacing(community: Community) -> None:
    for typed in ("South", "southfront", "SOUTH FRONT", ""):
        assert await community.site_choices(typed) == ["SouthFront"]
    assert await community.site_choices("northfront") == []
