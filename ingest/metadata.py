"""Page metadata that trafilatura's own picks get wrong often enough to matter: the headline and
the article's authors.

A news page states its headline up to five times (JSON-LD ``headline``, ``og:title``,
``twitter:title``, the ``<h1>``, the ``<title>``), usually the same words, sometimes a shorter
social variant, and in ``og:title``/``<title>`` often followed by the site's name. JSON-LD is the
one written for machines, so it wins, then ``og:title``; any of them loses a trailing
" | Site Name". Authors come from JSON-LD ``author`` objects first (trafilatura splits
"Jane Doe" and "jane-doe" into two people and takes publishers for authors), then from
trafilatura.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

_ARTICLE_TYPES = re.compile(r"Article|Posting|Report|BlogPosting|LiveBlog", re.I)
_SPACES = re.compile(r"\s+")
# " | Site", " - Site", " — Site", " · Site": how page titles append the site's name.
_SITE_SUFFIX = re.compile(r"\s+(?:[|\-–—·•*]|::)\s+[^|\-–—·•*]{2,60}$")
_MAX_TITLE_CHARS = 300
_NOT_A_PERSON = re.compile(r"https?://|www\.|@|\.com\b", re.I)


def clean_text(value: str | None) -> str:
    """Entities decoded (some sites encode them twice in metadata) and whitespace folded."""
    text = html.unescape(html.unescape(value or ""))
    return _SPACES.sub(" ", text.replace("\xa0", " ")).strip()


def json_ld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's ``application/ld+json`` scripts, nested ones included."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        stack: list[Any] = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                stack.extend(v for v in item.values() if isinstance(v, dict | list))


def _is_article(item: dict[str, Any]) -> bool:
    kinds = item.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(kind, str) and _ARTICLE_TYPES.search(kind) for kind in kinds)


def _strip_site_suffix(title: str, site: str | None) -> str:
    match = _SITE_SUFFIX.search(title)
    if not match:
        return title
    suffix = match.group(0).strip(" |-–—·•*:").casefold()
    # Only a suffix that names the site, or one of a few words (a section name), is dropped.
    if (site and (suffix in site.casefold() or site.casefold() in suffix)) or len(
        suffix.split()
    ) <= 3:
        return title[: match.start()].strip()
    return title


def pick_title(tree: HtmlElement, fallback: str | None, site: str | None) -> str | None:
    """The headline: JSON-LD article headline, og:title, the first substantial h1, <title>."""
    candidates: list[str] = []
    candidates += [
        clean_text(item["headline"])
        for item in json_ld_objects(tree)
        if _is_article(item) and isinstance(item.get("headline"), str)
    ][:1]
    candidates += [
        _strip_site_suffix(clean_text(value), site)
        for value in tree.xpath('//meta[@property="og:title"]/@content')[:1]
    ]
    candidates += [
        text for h1 in tree.xpath("//h1")[:3] if len(text := clean_text(h1.text_content())) > 15
    ][:1]
    candidates += [_strip_site_suffix(clean_text(fallback), site)] if fallback else []
    return next((c for c in candidates if 0 < len(c) <= _MAX_TITLE_CHARS), None)


def _person_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [name for item in value for name in _person_names(item)]
    if isinstance(value, dict) and value.get("@type") != "Organization":
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    return []


def _name_key(name: str) -> str:
    return re.sub(r"[\W_]+", " ", name).strip().casefold()


def unique_names(names: list[str], not_names: set[str]) -> list[str]:
    """Names in order, each person once ("Jane Doe" = "jane-doe"), none that is the site, a
    publisher or a link."""
    seen = {_name_key(n) for n in not_names if n}
    result: list[str] = []
    for raw in names:
        name = clean_text(raw)
        key = _name_key(name)
        if not key or key in seen or _NOT_A_PERSON.search(name) or len(name) > 80:
            continue
        seen.add(key)
        result.append(name)
    return result


def pick_authors(tree: HtmlElement, extracted: str | None, site: str | None) -> list[str]:
    """Article authors: JSON-LD article ``author`` people first, else trafilatura's
    ("A; B")."""
    publishers: set[str] = {site or ""}
    from_ld: list[str] = []
    for item in json_ld_objects(tree):
        if not _is_article(item):
            continue
        from_ld += _person_names(item.get("author"))
        publisher = item.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            publishers.add(publisher["name"])
    names = from_ld or [part for part in (extracted or "").split(";") if part.strip()]
    return unique_names(names, publishers)
