"""The news pages of the generated WARC files (``bench/warc_generator.py``).

A page weighs 100-300 KB of HTML, as a WordPress news site's do: inline styles and scripts,
navigation, related links and ads around a few KB of article text (``bench.scale``'s generator,
drawn afresh for every page) and a reader comment section in wpDiscuz markup. The site
furniture (scripts, styles, navigation, footers) is drawn once into :class:`Pools` and shared,
as real pages of one site share it.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from typing import Any


def _identifiers(rng: random.Random, count: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choices(letters, k=rng.randint(1, 9))) for _ in range(count)]


# Statement shapes of minified front-end code; identifiers are drawn into them. Real minified
# scripts repeat such shapes, which is why they compress 3-4x with gzip.
_JS_STATEMENTS = (
    "function {a}({b},{c}){{return {b}.{d}({c})}}",
    'var {a}=document.querySelector("#{b}-{c}");',
    '{a}.addEventListener("click",function({b}){{{b}.preventDefault();{c}({a})}});',
    "if({a}&&{a}.length>{n}){{{b}.push({a}[{n}])}}",
    "{a}.prototype.{b}=function({c}){{this.{d}={c};return this}};",
    "for(var {a}=0;{a}<{b}.length;{a}++){{{c}[{a}]={b}[{a}].{d}}}",
    '{a}({{url:"/wp-admin/admin-ajax.php",data:{{action:"{b}",id:{n}}},success:{c}}});',
    "const {a}=window.{b}||{{}};{a}.{c}={a}.{c}||[];",
    '{a}.setAttribute("data-{b}","{c}");',
    'return typeof {a}==="undefined"?null:{b}({a},{n})',
    "{a}=Object.assign({{}},{b},{{{c}:{n},{d}:!0}});",
    'try{{{a}.{b}()}}catch({c}){{console.warn("{d}",{c})}}',
)
_CSS_PROPERTIES = (
    "margin:0 auto|padding:0|padding:8px 16px|color:#333|color:#1a1a1a|background:#fff|"
    "border:1px solid #ddd|font-size:14px|font-size:1.125rem|line-height:1.5|display:flex|"
    "display:none|width:100%|max-width:1200px|position:relative|position:absolute|top:0|"
    "left:0|z-index:10|opacity:.8|transition:all .2s ease|font-weight:700|text-decoration:none"
).split("|")


def _js_chunk(rng: random.Random, names: list[str], size: int) -> str:
    """Minified-looking script: statement shapes over identifiers (a few common, most rare)."""
    weights = [1 / (rank + 1) for rank in range(len(names))]
    parts: list[str] = []
    length = 0
    while length < size:
        a, b, c, d = rng.choices(names, weights, k=4)
        statement = rng.choice(_JS_STATEMENTS).format(a=a, b=b, c=c, d=d, n=rng.randrange(64))
        parts.append(statement)
        length += len(statement)
    return "".join(parts)


def _css_chunk(rng: random.Random, names: list[str], size: int) -> str:
    parts: list[str] = []
    length = 0
    while length < size:
        selector = ",".join(
            " ".join(f".{rng.choice(names)}" for _ in range(rng.randint(1, 3)))
            for _ in range(rng.randint(1, 2))
        )
        body = ";".join(rng.sample(_CSS_PROPERTIES, k=rng.randint(2, 6)))
        rule = f"{selector}{{{body}}}"
        parts.append(rule)
        length += len(rule)
    return "".join(parts)


@dataclass
class Pools:
    """Scripts, styles and site furniture drawn once: real pages of one site share them."""

    scripts: list[str]
    styles: list[str]
    navs: list[str]  # one per site
    footers: list[str]


def draw_pools(rng: random.Random) -> Pools:
    names = _identifiers(rng, 600)
    sections = (
        "World|Politics|Business|Economy|Health|Science|Climate|Sport|Culture|Opinion|"
        "Investigations|Local|Weather|Technology|Education|Travel|Obituaries|Podcasts"
    ).split("|")

    def links(site: int, count: int) -> str:
        return "".join(
            f'<li class="menu-item menu-item-{rng.randrange(10_000)}"><a href="https://news'
            f'{site}.example/category/{rng.choice(sections).lower()}/{rng.choice(names)}/">'
            f"{rng.choice(sections)} {rng.choice(names)}</a></li>"
            for _ in range(count)
        )

    return Pools(
        scripts=[_js_chunk(rng, names, rng.randint(6_000, 14_000)) for _ in range(48)],
        styles=[_css_chunk(rng, names, rng.randint(4_000, 10_000)) for _ in range(16)],
        navs=[
            f'<header class="site-header"><nav class="main-navigation" id="site-navigation">'
            f'<ul id="primary-menu" class="menu">{links(site, 90)}</ul></nav></header>'
            for site in range(12)
        ],
        footers=[
            f'<footer id="colophon" class="site-footer"><ul class="footer-menu">'
            f"{links(site, 60)}</ul><p>&copy; News {site}. All rights reserved.</p></footer>"
            for site in range(12)
        ],
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _comment_html(number: int, comment: dict[str, Any], depth: int) -> str:
    return (
        f'<div id="wpd-comm-{number}_0" class="comment even thread-even depth-{depth} '
        f'wpd-comment wpd_comment_level-{depth}"><div class="wpd-comment-wrap wpd-blog-guest">'
        f'<div class="wpd-avatar"><img alt="" src="https://secure.gravatar.com/avatar/'
        f'{hashlib.md5(comment["author"].encode()).hexdigest()}?s=64&amp;d=mm" height="64" '
        f'width="64" loading="lazy"/></div><div class="wpd-comment-right">'
        f'<div class="wpd-comment-header"><div class="wpd-comment-author">{comment["author"]}'
        f'</div><div class="wpd-comment-date" title="{comment["published"]}">'
        f'<i class="far fa-clock" aria-hidden="true"></i> {comment["published"]}</div></div>'
        f'<div class="wpd-comment-text"><p>{_escape(comment["text"])}</p></div>'
        f'<div class="wpd-comment-footer"><div class="wpd-vote"><div class="wpd-vote-up '
        f'wpd_not_clicked"><svg viewBox="0 0 24 24"><path d="M1 21h4V9H1v12z"/></svg></div>'
        f'<div class="wpd-vote-result">{number % 17}</div></div><div class="wpd-reply-button">'
        f"<span>Reply</span></div></div></div></div></div>"
    )


def page_html(
    n: int, rng: random.Random, pools: Pools, weight: int, comments: int | None = None
) -> tuple[str, bytes]:
    """One news page (URL, HTML of about ``weight`` bytes): unique text, shared furniture.
    ``comments`` forces a comment count (the live blog); else the generator's 0-6."""
    from bench.scale import _COMMENTS, _fill, generate_page

    page = generate_page(n, rng)
    site = n % 12
    if comments is not None:
        page["comments"] = [
            {
                "author": f"reader{rng.randrange(4_000):04d}",
                "published": page["published"],
                "text": " ".join(_fill(rng.choice(_COMMENTS), rng) for _ in range(2)),
            }
            for _ in range(comments)
        ]
    url = page["url"]
    title = _escape(page["title"])
    paragraphs = page["text"].split("\n\n")
    article = "".join(
        f"<p>{_escape(text)}</p>"
        + (
            f'<div class="ad-slot" id="ad-{n}-{i}" data-ad-unit="/{rng.getrandbits(32)}/news">'
            f"<script>googletag.cmd.push(function(){{googletag.display('ad-{n}-{i}')}});"
            "</script></div>"
            if i % 2
            else ""
        )
        for i, text in enumerate(paragraphs)
    )
    thread = "".join(
        _comment_html(n * 1_000 + i, comment, 1 + (i % 3 == 2))
        for i, comment in enumerate(page["comments"])
    )
    related = "".join(
        f'<li><a href="https://news{site}.example/{2000 + rng.randrange(24)}/'
        f'{rng.randrange(10**7)}">{_escape(_fill(rng.choice(_COMMENTS), rng)[:70])}</a></li>'
        for _ in range(12)
    )
    published = f"{page['published']}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00+00:00"
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": page["title"],
            "datePublished": published,
            "author": {"@type": "Person", "name": page["author"]},
            "publisher": {"@type": "Organization", "name": page["site"]},
            "mainEntityOfPage": url,
        }
    )
    config = json.dumps(
        {
            "url": f"https://news{site}.example/wp-admin/admin-ajax.php",
            "wc_post_id": n,
            "wpdiscuz_nonce": f"{rng.getrandbits(40):010x}",
            "isUserLoggedIn": False,
            "commentListLoadType": rng.choice(("0", "1", "2")),
        }
    )
    head = (
        f'<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8"/>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"/>'
        f"<title>{title} - {page['site']}</title>"
        f'<link rel="canonical" href="{url}"/><meta property="og:type" content="article"/>'
        f'<meta property="og:title" content="{title}"/><meta property="og:url" content="{url}"/>'
        f'<meta property="article:published_time" content="{published}"/>'
        f'<meta name="author" content="{page["author"]}"/>'
        + "".join(
            f"<link rel='stylesheet' id='style-{i}-css' href='https://news{site}.example/"
            f"wp-content/plugins/p{i}/style.min.css?ver=6.{i}' media='all'/>"
            for i in range(8)
        )
        + f'<script type="application/ld+json">{ld}</script>'
        f"<script id='wpdiscuz-combo-js-js-extra'>var wpdiscuzAjaxObj = {config};</script>"
    )
    body = (
        f'</head><body class="post-template-default single single-post postid-{n} '
        f'single-format-standard">{pools.navs[site]}<main id="main" class="site-main">'
        f'<article id="post-{n}" class="post-{n} post type-post status-publish hentry">'
        f'<header class="entry-header"><h1 class="entry-title">{title}</h1>'
        f'<div class="entry-meta"><span class="byline">By <a class="url fn n" rel="author" '
        f'href="https://news{site}.example/author/{n % 97}/">{page["author"]}</a></span> '
        f'<time class="entry-date published" datetime="{published}">{page["published"]}</time>'
        f'</div></header><div class="entry-content">{article}</div></article>'
        f'<div class="wpdiscuz_top_clearing"></div><div id="comments" class="comments-area">'
        f'<div id="wpdcom" class="wpdiscuz_unauth wpd-default wpd-layout-2 wpd-comments-open">'
        f'<div class="wpd-thread-wrapper"><div class="wpd-thread-list">{thread}</div></div>'
        f'</div></div><aside id="secondary" class="widget-area"><section class="widget">'
        f'<h2 class="widget-title">Related</h2><ul>{related}</ul></section></aside></main>'
        f"{pools.footers[site]}"
    )
    # The page weight: stylesheets in the head, scripts at the end, as WordPress themes do.
    styles: list[str] = []
    scripts: list[str] = []
    size = len(head) + len(body)
    for chunk in rng.sample(pools.styles, k=rng.randint(2, 5)):
        styles.append(chunk)
        size += len(chunk)
    for chunk in rng.sample(pools.scripts, k=len(pools.scripts)):
        if size >= weight:
            break
        scripts.append(chunk)
        size += len(chunk)
    html = (
        head
        + "".join(f"<style id='inline-{i}-css'>{css}</style>" for i, css in enumerate(styles))
        + body
        + "".join(f"<script id='js-{i}'>{js}</script>" for i, js in enumerate(scripts))
        + "</body></html>"
    )
    return url, html.encode("utf-8")
