"""Headline picking (``ingest.metadata``) on small hand-made pages: site names, sections,
bylines and kickers come off a statement of the headline only on the page's own evidence."""

from __future__ import annotations

import json

import pytest
from lxml.html import HtmlElement, fromstring

from ingest.metadata import pick_title, site_names, strip_site_name, title_candidates


def page(
    *,
    headline: str | None = None,
    og: str | None = None,
    og_site: str | None = None,
    twitter: str | None = None,
    title: str | None = None,
    h1: str | None = None,
) -> HtmlElement:
    head = []
    if headline is not None:
        data = {"@type": "NewsArticle", "headline": headline}
        head.append(f'<script type="application/ld+json">{json.dumps(data)}</script>')
    if og is not None:
        head.append(f'<meta property="og:title" content="{og}">')
    if og_site is not None:
        head.append(f'<meta property="og:site_name" content="{og_site}">')
    if twitter is not None:
        head.append(f'<meta name="twitter:title" content="{twitter}">')
    if title is not None:
        head.append(f"<title>{title}</title>")
    body = f"<article><h1>{h1}</h1><p>Text.</p></article>" if h1 is not None else "<p>Text.</p>"
    return fromstring(f"<html><head>{''.join(head)}</head><body>{body}</body></html>")


def test_site_name_declared_by_the_page_comes_off_og_title() -> None:
    tree = page(og="Harbour reopens after storm repairs | Coast Gazette", og_site="Coast Gazette")
    assert pick_title(tree, None, None) == "Harbour reopens after storm repairs"


def test_site_name_from_the_host_and_a_section_another_statement_leaves_out() -> None:
    tree = page(
        og="Russia hits Kyiv with missiles - National | Globalnews.ca",
        h1="Russia hits Kyiv with missiles",
    )
    candidates = dict(title_candidates(tree, None, None, "https://www.globalnews.ca/news/1/"))
    assert candidates["og"] == "Russia hits Kyiv with missiles"


def test_bylines_and_repeated_site_names_come_off() -> None:
    sites = site_names(page(og_site="The Gateway Pundit"), None, None)
    assert (
        strip_site_name("Roommate agrees to interview * The Gateway Pundit * by Paul Serran", sites)
        == "Roommate agrees to interview"
    )


def test_a_leading_site_name_comes_off() -> None:
    sites = site_names(page(og_site="Coast Gazette"), None, None)
    assert strip_site_name("Coast Gazette: Harbour reopens", sites) == "Harbour reopens"


@pytest.mark.parametrize(
    "headline",
    [
        "Exclusive - BBC cuts 500 jobs in its newsroom",  # mentions the site, is not its name
        "Markets rally - By the numbers",  # "By the numbers" is no byline
        "Your bill could be worth THOUSANDS - here's how to check",  # not a site or section
    ],
)
def test_segments_that_are_headline_stay(headline: str) -> None:
    tree = page(og=headline, og_site="BBC News", h1="Something else entirely")
    assert pick_title(tree, None, "BBC News") == headline


def test_json_ld_headline_wins_over_a_social_variant() -> None:
    tree = page(
        headline="Labor on track to hit 2030 target as minister heralds pragmatic approach",
        og="Labor on track to hit climate target",
        h1="Labor on track to hit 2030 target as minister heralds pragmatic approach",
    )
    assert pick_title(tree, None, None).startswith("Labor on track to hit 2030 target")


def test_a_kicker_goes_only_when_a_more_trusted_statement_leaves_it_out() -> None:
    kept = page(
        headline="'Ends recession debate': economists weigh in on the jobs report",
        title="Economists weigh in on the jobs report | Financial Post",
    )
    assert pick_title(kept, None, "Financial Post") == (
        "'Ends recession debate': economists weigh in on the jobs report"
    )
    dropped = page(
        headline="Newborns left in dustbins: state tops abandonment cases",
        og="Infant Abandonment: Newborns left in dustbins: state tops abandonment cases | Bhopal",
    )
    assert dict(title_candidates(dropped, None, None))["og"] == (
        "Newborns left in dustbins: state tops abandonment cases"
    )


def test_a_title_that_is_only_the_site_name_is_no_headline() -> None:
    tree = page(title="The Telegraph", og_site="The Telegraph", h1="Starmer defiant over gifts row")
    assert pick_title(tree, None, None) == "Starmer defiant over gifts row"


def test_a_lone_title_loses_a_short_section_suffix() -> None:
    assert pick_title(page(title="Harbour reopens after repairs | Politics"), None, None) == (
        "Harbour reopens after repairs"
    )


def test_no_statement_no_title() -> None:
    assert pick_title(page(), None, None) is None


@pytest.mark.parametrize(
    ("og", "h1", "expected"),
    [
        # og:title is what the page prints (curly quotes there, straight in the metadata): the
        # JSON-LD headline is a variant the reader never sees.
        (
            "Sweden tells households 'how to survive' in new war pamphlet",
            "Sweden tells households ‘how to survive’ in new war pamphlet",
            "Sweden tells households 'how to survive' in new war pamphlet",
        ),
        # The <h1> shows the JSON-LD headline: og:title is the social teaser.
        (
            "Sweden publishes war pamphlet",
            "Sweden tells households how to survive in war pamphlet",
            "Sweden tells households how to survive in war pamphlet",
        ),
        # The <h1> shows neither: JSON-LD, written for machines, keeps its precedence.
        (
            "Sweden publishes war pamphlet",
            "A third wording of the Swedish war pamphlet story",
            "Sweden tells households how to survive in war pamphlet",
        ),
    ],
)
def test_the_visible_headline_settles_a_json_ld_og_title_disagreement(
    og: str, h1: str, expected: str
) -> None:
    tree = page(headline="Sweden tells households how to survive in war pamphlet", og=og, h1=h1)
    assert pick_title(tree, None, None) == expected


def test_the_h1_never_overrules_a_lone_og_title() -> None:
    tree = page(
        og="I sell Disney World holidays - the right day saves you thousands",
        h1="I sell Walt Disney World holidays - the right day saves you thousands",
    )
    assert pick_title(tree, None, None) == (
        "I sell Disney World holidays - the right day saves you thousands"
    )


@pytest.mark.parametrize(
    "title",
    [
        "Harbour reopens after storm repairs | Page 2 | Coast Gazette",
        "Harbour reopens after storm repairs - Page 3 of 5 - Coast Gazette",
        "Harbour reopens after storm repairs - page 2",
    ],
)
def test_the_page_number_of_a_paginated_article_comes_off(title: str) -> None:
    sites = site_names(page(og_site="Coast Gazette"), None, None)
    assert strip_site_name(title, sites) == "Harbour reopens after storm repairs"


def test_a_headline_about_a_page_keeps_it() -> None:
    sites = site_names(page(og_site="Coast Gazette"), None, None)
    title = "Council votes on page 2 of the budget"
    assert strip_site_name(title, sites) == title
