"""One site name per outlet: what the page's metadata calls it when that is a name, one name per
host within an archive, found however it is typed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml.html import fromstring

from index.archive import Archive
from index.embedder import HashEmbedder
from index.models import SearchFilters
from ingest.pipeline import ingest_paths
from ingest.readers.html import parse_html
from ingest.sites import as_site_name, host_names, own_address, page_site, stated_names

# --- site names --------------------------------------------------------------------------------


def head(metadata: str, lang: str = "en") -> str:
    return f'<html lang="{lang}"><head>{metadata}</head><body><p>x</p></body></html>'


def ld(item: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(item)}</script>'


@pytest.mark.parametrize(
    ("metadata", "url", "text", "names"),
    [
        # National Post: the JSON-LD publisher's name before og:site_name's handle
        (
            ld({"@type": "NewsArticle", "publisher": {"name": "National Post"}})
            + '<meta property="og:site_name" content="nationalpost">',
            "https://nationalpost.com/news/canada/a",
            "Kamala Harris",
            ["National Post"],  # the handle is the same name
        ),
        # Taipei Times: its publisher in Chinese on an English page is no name for it
        (
            ld({"@type": "NewsArticle", "publisher": {"name": "台北時報"}}),
            "https://www.taipeitimes.com/News/front/archives/2024/10/15/1",
            "The Ministry of Foreign Affairs said on Monday",
            [],
        ),
        # 9News: the slogan goes, the part naming the host stays
        (
            '<meta name="application-name" content="Breaking Australian and World News'
            ' Headlines - 9News">',
            "https://www.9news.com.au/world/a",
            "Jeffrey Epstein",
            ["9News"],
        ),
        # a menu and an address are no names
        (
            '<meta property="og:site_name" content="Autoracing | F1 | Indy | MotoGP | StockCar">'
            '<meta name="application-name" content="https://pawszilla.com">',
            "https://example.net/a",
            "Race report",
            [],
        ),
        # The Gateway Pundit: og:site_name, not the page's title
        (
            '<meta property="og:site_name" content="The Gateway Pundit">'
            '<meta name="application-name" content="New Plot Twist In The Case">',
            "https://www.thegatewaypundit.com/2023/04/new-plot/",
            "Report",
            ["The Gateway Pundit"],
        ),
        # canada.com: the address before the bare handle
        (
            ld({"@type": "NewsArticle", "publisher": {"name": "Canada.com"}})
            + '<meta property="og:site_name" content="canada">',
            "https://o.canada.com/travel/a",
            "Jasper",
            ["Canada.com", "canada"],
        ),
        # a wire story: the outlet that published it first, the agency after
        (
            ld({"@type": "NewsArticle", "publisher": {"name": "Associated Press"}})
            + '<meta property="og:site_name" content="SFGate">',
            "https://www.sfgate.com/news/article/a.php",
            "Wednesday",
            ["SFGate", "Associated Press"],
        ),
    ],
)
def test_stated_names(metadata: str, url: str, text: str, names: list[str]) -> None:
    tree = fromstring(head(metadata))
    assert stated_names(tree, url=url, title="New Plot Twist In The Case", text=text) == names


def test_a_wire_story_keeps_its_outlet_as_site_and_the_agency_as_author() -> None:
    meta = ld(
        {
            "@type": "NewsArticle",
            "headline": "7 key questions heading into Wednesday's debate",
            "publisher": {"name": "Associated Press"},
        }
    )
    html = f"""<html lang="en"><head>{meta}
    <meta property="og:site_name" content="SFGate">
    <link rel="canonical" href="https://www.sfgate.com/news/article/7-key-questions.php"></head>
    <body><article><h1>7 key questions heading into Wednesday's debate</h1>
    <p>Democratic presidential candidates meet on Wednesday for their fifth debate of the year.</p>
    <p>The stage is smaller than it was in the summer, and the stakes are higher for them.</p>
    </article></body></html>"""
    page = parse_html(html.encode(), "wire.html")
    assert page.site == "SFGate"
    assert "Associated Press" in page.authors


def test_a_wayback_capture_goes_by_its_original_outlet() -> None:
    html = """<html lang="de"><head><title>Muffins</title></head><body><article>
    <h1>Das beste Grundrezept für Muffins aus dem Ofen</h1>
    <p>Für zwölf Muffins braucht man Mehl, Zucker, Eier, Butter und etwas Backpulver dazu.</p>
    <p>Alles verrühren, in die Förmchen füllen und zwanzig Minuten backen, fertig.</p>
    </article></body></html>"""
    capture = "https://web.archive.org/web/20160330101229/http:/muffinrezept.net/grundrezept/"
    assert parse_html(html.encode(), "m.html", url=capture).site == "muffinrezept.net"


def test_a_page_saved_without_its_address_is_named_by_the_address_it_states() -> None:
    tree = fromstring(head('<link rel="pingback" href="http://www.bibliothek2null.de/xmlrpc.php">'))
    address = own_address(tree)
    assert address == "http://www.bibliothek2null.de/xmlrpc.php"
    assert page_site(stated_names(tree, url=address, text="Die Bibliothek"), address) == (
        "bibliothek2null.de"
    )


def test_a_name_is_never_a_url_a_title_or_a_long_phrase() -> None:
    assert as_site_name("https://www.hawaiinewsnow.com") is None
    assert as_site_name("Belize News and Opinion on www.breakingbelizenews.com") is None
    assert as_site_name("Ein Blog über alternative Lebensräume, ferne Länder und mehr") is None
    assert as_site_name("Headline of the day", title="Headline of the Day") is None
    assert as_site_name("web.archive.org", host="muffinrezept.net") is None
    assert as_site_name("Euronews.com", host="euronews.com") == "Euronews.com"


def test_one_name_per_host_is_the_one_most_pages_state() -> None:
    chosen = host_names(
        [
            ("mirror.co.uk", ["The Mirror"]),
            ("mirror.co.uk", ["The Mirror", "mirror"]),
            ("mirror.co.uk", ["Daily Mirror"]),
            ("metro.co.uk", ["Metro.co.uk", "Metro"]),
            ("metro.co.uk", ["Metro"]),
            ("apnews.com", ["AP NEWS", "Associated Press"]),
            ("apnews.com", ["AP News"]),
            ("inews.co.uk", ["inews.co.uk"]),
            ("inews.co.uk", ["The i Paper", "inews"]),
            ("taipeitimes.com", []),
        ]
    )
    assert chosen == {
        "mirror.co.uk": "The Mirror",
        "metro.co.uk": "Metro",
        "apnews.com": "AP News",
        "inews.co.uk": "inews.co.uk",
        "taipeitimes.com": "taipeitimes.com",
    }


async def test_an_archive_settles_one_name_per_host_and_finds_it_however_typed(
    tmp_path: Path,
) -> None:
    lines = [
        {"url": "https://nationalpost.com/a", "site": "Nationalpost", "text": "Harbour news one."},
        {"url": "https://nationalpost.com/b", "site": "National Post", "text": "Harbour news two."},
        {"url": "https://www.nationalpost.com/c", "site": "National Post", "text": "Harbour 3."},
        {"url": "https://sz.de/d", "site": "Süddeutsche Zeitung", "text": "Harbour news four."},
    ]
    source = tmp_path / "pages.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    async with await Archive.open(tmp_path / "data", embedder=HashEmbedder()) as archive:
        await ingest_paths(archive, [source])
        store = archive.store
        assert await store.sites() == ["National Post", "Süddeutsche Zeitung"]
        for typed in ("national post", "NATIONAL POST", "nationalpost.com", "www.nationalpost.com"):
            assert await store.site_named(typed) == "National Post"
        assert await store.site_named("suddeutsche zeitung") == "Süddeutsche Zeitung"
        assert await store.site_named("sz.de") == "Süddeutsche Zeitung"
        assert await store.site_named("the times") is None
        # The renamed page's full-text rows carry the settled name: a site filter finds it.
        hits = await archive.search("harbour", SearchFilters(site="National Post"), limit=10)
        assert {hit.passage.url for hit in hits} == {
            "https://nationalpost.com/a",
            "https://nationalpost.com/b",
            "https://www.nationalpost.com/c",
        }
