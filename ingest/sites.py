"""The name of the outlet a page belongs to: what its metadata calls it, one name per host.

A page names its outlet up to five times: the JSON-LD ``publisher``, ``og:site_name``, the
``application-name`` (and Apple's ``apple-mobile-web-app-title``), the JSON-LD ``WebSite`` or
``NewsMediaOrganization`` name, and what trafilatura found. Not all of them are names: a URL
("https://pawszilla.com"), a slogan or a menu ("Autoracing | F1 | Indy | MotoGP | StockCar"),
the page's own title, a sentence; a name in another script than the page's ("台北時報" on the
English Taipei Times); a lower-case handle ("nationalpost") beside the name it stands for
("National Post"). ``stated_names`` keeps those that are names, best first; a slogan joined to
the name ("Breaking Australian and World News Headlines - 9News") gives up the part that names
the host. A page whose metadata names nothing goes by its host ("taipeitimes.com").

One outlet's pages still disagree ("Metro" and "Metro.co.uk", "AP News" and "Associated Press"
for AP's own pages, "SFGate" and "Associated Press" for a wire story SFGate published): within
an archive, every page of a host goes by the name most of its pages state (``host_names``),
and the archive applies it after each ingest.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from lxml.html import HtmlElement

from index.sites import site_key, url_host
from index.store import Store
from ingest.metadata import clean_text, json_ld_objects

_MAX_NAME_WORDS = 6
# What joins a slogan, a menu or a section to a name: "Slogan - Name", "A | B | C", "Name: Motto".
_JOINS = re.compile(r"\s+[|\-–—·•]\s+|:\s+")
# "Euronews.com", "Metro.co.uk", "WorldTruth.Tv": a name spelt as its address.
_DOMAIN_LIKE = re.compile(r"^[\w-]+(?:\.[a-z]{2,})+$", re.I)
_PUBLISHER_TYPES = frozenset({"WebSite", "NewsMediaOrganization"})


def _script(text: str) -> str | None:
    """The script most of ``text``'s letters are written in ("LATIN", "CJK", "CYRILLIC")."""
    scripts: Counter[str] = Counter()
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            scripts[name.split(" ")[0]] += 1
    return scripts.most_common(1)[0][0] if scripts else None


# Labels of a host that say where it is registered, not whose it is.
_REGISTRY_LABELS = frozenset({"com", "net", "org", "gov", "edu", "co", "ac"})


def _host_keys(host: str | None) -> list[str]:
    """The labels of ``host`` that may name its outlet ("nationalpost" of nationalpost.com,
    "timesofindia" and "indiatimes" of timesofindia.indiatimes.com)."""
    labels = (host or "").split(".")[:-1]
    keys = [site_key(label) for label in labels if label not in _REGISTRY_LABELS]
    return [key for key in keys if len(key) >= 2]


def _spelt(label: str, words: list[str], *, whole: bool) -> bool:
    """Whether ``label`` (``whole``), or at least its first two letters, is spelt by the start
    of each of some of ``words`` in order: "nytimes" by "The New York Times", "sfgate" by
    "San Francisco Gate", the start of "apnews" by "Associated Press"."""

    def spells(at: int, word: int) -> bool:
        if at == len(label):
            return True
        if word == len(words):
            return not whole and at >= 2
        if not whole and at >= 2:
            return True
        candidate = words[word]
        taken = any(
            label.startswith(candidate[:size], at) and spells(at + size, word + 1)
            for size in range(len(candidate), 0, -1)
        )
        return taken or spells(at, word + 1)

    return spells(0, 0)


def names_host(name: str, host: str | None, *, loosely: bool = False) -> bool:
    """Whether ``name`` is the host's name ("SFGate" of sfgate.com, "The New York Times" of
    nytimes.com); ``loosely``, whether it may be (the start of the host spelt by it:
    "Associated Press" of apnews.com)."""
    key = site_key(name)
    if len(key) < 2:
        return False
    words = [site_key(word) for word in name.split()]
    words = [word for word in words if word]
    return any(
        key in label or label in key or _spelt(label, words, whole=not loosely)
        for label in _host_keys(host)
    )


def _name_part(text: str, host: str | None) -> str | None:
    """``text`` when it reads as a name, the part of it that names the host when it joins a
    name to a slogan or a menu, else None."""
    parts = [part.strip() for part in _JOINS.split(text) if part.strip()]
    if len(parts) > 1:
        named = [part for part in parts if names_host(part, host)]
        return named[0] if len(named) == 1 else None
    return text


def as_site_name(raw: str, *, title: str | None = None, host: str | None = None) -> str | None:
    """``raw`` as a site name, or None when it is none: a URL, the page's title, a phrase of
    more than six words, a slogan without a part that names the host."""
    text = clean_text(raw).strip(" |-–—·•:")
    if not text or "://" in text or "www." in text.casefold() or "/" in text:
        return None
    if _DOMAIN_LIKE.match(text) and not names_host(text, host):
        return None  # another address than the page's ("web.archive.org" on a capture)
    if title and site_key(text) == site_key(title):
        return None
    name = _name_part(text, host)
    if not name or len(name.split()) > _MAX_NAME_WORDS or not site_key(name):
        return None
    return name


def _raw_names(tree: HtmlElement, extracted: str | None) -> Iterator[str]:
    """Every statement of the outlet's name, in order of trust."""
    objects = list(json_ld_objects(tree))
    for item in objects:
        publisher = item.get("publisher")
        publishers = publisher if isinstance(publisher, list) else [publisher]
        for one in publishers:
            if isinstance(one, dict) and isinstance(one.get("name"), str):
                yield one["name"]
            elif isinstance(one, str):
                yield one
    yield from tree.xpath('//meta[@property="og:site_name"]/@content')
    yield from tree.xpath(
        '//meta[@name="application-name" or @name="apple-mobile-web-app-title"]/@content'
    )
    for item in objects:
        kinds = item.get("@type")
        kinds = set(kinds) if isinstance(kinds, list) else {kinds}
        if kinds & _PUBLISHER_TYPES and isinstance(item.get("name"), str):
            yield item["name"]
    if extracted:
        yield extracted


def _kind_rank(name: str, host: str | None) -> int:
    """Proper names first, then names spelt as an address, then lower-case handles
    ("nationalpost" beside "National Post")."""
    if _DOMAIN_LIKE.match(name):
        return 1
    if name == name.casefold() and " " not in name and (host is None or names_host(name, host)):
        return 2
    return 0


def stated_names(
    tree: HtmlElement,
    *,
    url: str | None,
    title: str | None = None,
    text: str = "",
    extracted: str | None = None,
) -> list[str]:
    """The names the page's metadata gives its outlet (each once, by key), best first: proper
    names before addresses and handles, a name of the host before another (the agency's on a
    wire story), each kind in order of trust; none in another script than the page's
    ``text``."""
    host = url_host(url)
    script = _script(text)
    seen: dict[str, str] = {}
    for raw in _raw_names(tree, extracted):
        name = as_site_name(raw, title=title, host=host)
        if name is None or site_key(name) in seen:
            continue
        if script and _script(name) not in (script, None):
            continue
        seen[site_key(name)] = name
    names = list(seen.values())
    return sorted(names, key=lambda n: (_kind_rank(n, host), not names_host(n, host)))


def wire_agency(tree: HtmlElement, names: list[str], url: str | None) -> str | None:
    """The agency whose story another outlet published: a JSON-LD publisher that is not the
    host's, on a page whose other names are ("Associated Press" on an SFGate page)."""
    host = url_host(url)
    if not host or not any(names_host(name, host) for name in names):
        return None
    for item in json_ld_objects(tree):
        publisher = item.get("publisher")
        name = publisher.get("name") if isinstance(publisher, dict) else publisher
        agency = as_site_name(name, host=host) if isinstance(name, str) else None
        if agency and not names_host(agency, host, loosely=True):
            return agency
    return None


# Where a page states its own address: a page saved without one still says whose it is.
_OWN_ADDRESS = (
    "//link[@rel='canonical']/@href | //meta[@property='og:url']/@content"
    " | //link[@rel='shortlink']/@href | //link[@rel='home']/@href"
    " | //link[@rel='pingback']/@href | //link[@rel='EditURI']/@href"
)


def own_address(tree: HtmlElement) -> str | None:
    """The first absolute address the page gives of itself or its site (canonical link,
    ``og:url``, short link, home, WordPress's pingback and RSD links)."""
    for value in tree.xpath(_OWN_ADDRESS):
        address = str(value).strip()
        if address.casefold().startswith(("http://", "https://")) and url_host(address):
            return address
    return None


def page_site(names: list[str], url: str | None) -> str | None:
    """The site a page is stored under before its archive settles its host's name: its best
    stated name, else its host."""
    return names[0] if names else url_host(url)


def _name_key(name: str) -> str:
    """What two statements of one name share: the key, and for a name spelt as an address,
    the key of its first label ("Metro.co.uk" is "Metro", "inews.co.uk" is "inews")."""
    return site_key(name.split(".")[0]) if _DOMAIN_LIKE.match(name) else site_key(name)


def _spelling_rank(spelling: str) -> tuple[int, bool, bool]:
    # "Metro" before "Metro.co.uk" and "metro", "AP News" before "AP NEWS", "The Guardian"
    # before "the Guardian".
    return (
        _kind_rank(spelling, None),
        spelling.isupper() and len(spelling) > 4,
        not spelling[:1].isupper(),
    )


def host_names(pages: Iterable[tuple[str, list[str]]]) -> dict[str, str]:
    """One name per host from its pages' (host, stated names): the name most pages state, ties
    going to the one more pages put first, then to the one stated higher on average; spelt as
    most pages spell it. A host none of whose pages names it goes by the host itself."""
    stated: defaultdict[str, Counter[str]] = defaultdict(Counter)
    first: defaultdict[str, Counter[str]] = defaultdict(Counter)
    ranks: defaultdict[str, Counter[str]] = defaultdict(Counter)
    spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)
    hosts: set[str] = set()
    for host, names in pages:
        hosts.add(host)
        keys = dict.fromkeys(_name_key(name) for name in names)
        for name in names:
            spellings[_name_key(name)][name] += 1
        for rank, key in enumerate(keys):
            stated[host][key] += 1
            ranks[host][key] += rank
            if rank == 0:
                first[host][key] += 1
    chosen: dict[str, str] = {}
    for host in hosts:
        if not stated[host]:
            chosen[host] = host
            continue
        key = min(
            stated[host],
            key=lambda k: (-stated[host][k], -first[host][k], ranks[host][k] / stated[host][k]),
        )
        chosen[host] = min(spellings[key], key=lambda s: (-spellings[key][s], _spelling_rank(s), s))
    return chosen


async def settle_site_names(store: Store) -> int:
    """Give every page of each host the host's one name (``host_names``); how many pages
    changed name."""
    statements = await store.site_statements()
    chosen = host_names((statement.host, statement.names) for statement in statements)
    renamed = {
        statement.document_id: chosen[statement.host]
        for statement in statements
        if chosen[statement.host] != statement.site
    }
    await store.rename_sites(renamed)
    return len(renamed)
