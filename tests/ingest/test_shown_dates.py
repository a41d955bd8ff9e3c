"""The date of a page rewritten since its first version: the one it shows."""

from __future__ import annotations

import json

from ingest.readers.html import parse_html

# --- dates -------------------------------------------------------------------------------------


def test_a_rewritten_page_is_dated_as_it_shows_itself_not_by_its_first_version() -> None:
    # The BBC's Nato explainer: first published in 2012 (JSON-LD datePublished), rewritten and
    # shown as of 2026; a reader's comment time inside the article is no publication date.
    ld = {"@type": "NewsArticle", "headline": "What is Nato?", "datePublished": "2012-05-10"}
    html = f"""<html lang="en"><head><title>What is Nato and which countries are in it?</title>
    <script type="application/ld+json">{json.dumps(ld)}</script></head><body><article>
    <h1>What is Nato and which countries are in it?</h1>
    <time datetime="2026-04-24T11:16:53.545Z">1 day ago</time>
    <p>Nato members agreed in 2025 to raise defence spending to 5% of their national income.</p>
    <p>The target covers core defence and wider security spending by 2035, leaders said.</p>
    <div class="comments"><time datetime="2026-04-25T08:00:00Z">today</time>
    <p>A reader's view.</p></div></article></body></html>"""
    assert parse_html(html.encode(), "nato.html").published.isoformat() == "2026-04-24"


def test_an_earlier_date_shown_does_not_overrule_the_metadata() -> None:
    ld = {"@type": "NewsArticle", "headline": "Storm", "datePublished": "2024-08-08"}
    html = f"""<html lang="en"><head><script type="application/ld+json">{json.dumps(ld)}
    </script></head><body><article><h1>Storm hits the coast overnight</h1>
    <time datetime="2024-08-07T23:30:00-04:00">August 7</time>
    <p>A storm hit the coast overnight, cutting power to thousands of homes in the region.</p>
    <p>Crews worked through the morning to restore it, the utility said on Thursday.</p>
    </article></body></html>"""
    assert parse_html(html.encode(), "storm.html").published.isoformat() == "2024-08-08"
