"""``archivist eval ingest``'s rows about names, over the pages of every set: comment authors
still framed by their byline's date or verb, widget text stored as comments, site names against
the fundus ``publisher`` field, and site names per host once an archive's one-name-per-host rule
(``ingest.sites.host_names``) is applied."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.evals.scores import Figure, Tally, fold, mean
from index.sites import url_host
from ingest.page import Page
from ingest.sites import host_names

# A comment author that still carries its byline's framing: a time of day, a year, a month's
# name before or after a day, or the verb ("said:", "says").
_FRAMED_AUTHOR = re.compile(
    r"\d{1,2}:\d{2}|\b(?:19|20)\d{2}\b|\b(?:said|says|sagt|schreibt|antworten|permalink)\b"
    r"|\d\.?\s*(?:jan|feb|m[aä]r|apr|ma[iy]|jun|jul|aug|sep|o[ck]t|nov|de[cz])[a-z]*\b",
    re.IGNORECASE,
)
#: What comment widgets say, never a reader: a comment holding one of these (folded) and
#: shorter than ``_WIDGET_COMMENT_CHARS`` is widget text stored as a comment.
WIDGET_PHRASES = (
    "share this",
    "loading comments",
    "powered by disqus",
    "comments powered by",
    "join the conversation",
    "join thought-provoking conversations",
    "join the discussion",
    "would you like to comment",
    "sign up (it's quick and free)",
    "sign in to comment",
    "log in to comment",
    "privacy policy",
    "data protection policy",
    "cookie policy",
)
_WIDGET_COMMENT_CHARS = 300


def _publisher_key(name: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (name or "").lower())


def publisher_agrees(site: str | None, publisher: str | None) -> bool:
    """Whether a site name agrees with a fundus ``publisher`` ("NationalPost" and "National
    Post", "TheMirror" and "Mirror"): lower-case letters and digits, one inside the other."""
    ours, theirs = _publisher_key(site), _publisher_key(publisher)
    return bool(ours and theirs and (ours in theirs or theirs in ours))


def is_widget_comment(text: str) -> bool:
    folded = fold(text)
    return len(folded) < _WIDGET_COMMENT_CHARS and any(p in folded for p in WIDGET_PHRASES)


@dataclass(slots=True)
class NameTally:
    """The names the pages of every set give: comment authors, comments, site names."""

    authors: Tally = field(default_factory=Tally)
    widgets: list[float] = field(default_factory=list)
    widget_baseline: list[float] = field(default_factory=list)
    #: (host, our stated names, trafilatura's site name) of each page with a host
    hosts: list[tuple[str, list[str], str | None]] = field(default_factory=list)
    #: (host or None, our page's site, trafilatura's site name, the reference's publisher)
    publishers: list[tuple[str | None, str | None, str | None, str]] = field(default_factory=list)

    def add(self, page: Page | None, base: Any, publisher: str | None = None) -> None:
        comments = page.comments if page else []
        for comment in comments:
            if comment.author:
                self.authors.ours.append(float(bool(_FRAMED_AUTHOR.search(comment.author))))
        self.widgets.append(float(sum(is_widget_comment(c.text) for c in comments)))
        base_lines = (base.comments or "").split("\n") if base is not None else []
        self.widget_baseline.append(float(sum(is_widget_comment(line) for line in base_lines)))
        host = url_host(page.url) if page else None
        base_site = base.sitename if base is not None else None
        if page is not None and host:
            self.hosts.append((host, page.site_names, base_site))
        if publisher is not None:
            self.publishers.append((host, page.site if page else None, base_site, publisher))

    def figures(self) -> Iterator[Figure]:
        pages = len(self.widgets)
        framed = self.authors.ours
        yield Figure(
            "names: comment authors framed (share)", mean(framed), None, 0.0, len(framed), True
        )
        yield Figure(
            "names: widget text stored as comments",
            sum(self.widgets),
            sum(self.widget_baseline),
            0.0,
            pages,
            True,
        )
        settled = host_names((host, names) for host, names, _ in self.hosts)
        agree = [
            publisher_agrees(settled.get(host, site) if host else site, publisher)
            for host, site, _, publisher in self.publishers
        ]
        base_agree = [
            publisher_agrees(base, publisher) for _, _, base, publisher in self.publishers
        ]
        yield Figure(
            "names: fundus site = publisher (pages)",
            float(sum(agree)),
            float(sum(base_agree)),
            80.0,
            len(agree),
        )
        stored: dict[str, set[str]] = {}
        stated: dict[str, set[str]] = {}
        base_names: dict[str, set[str]] = {}
        for host, names, base in self.hosts:
            stored.setdefault(host, set()).add(settled[host])
            stated.setdefault(host, set()).add(names[0] if names else host)
            base_names.setdefault(host, set()).add(base or "")
        yield Figure(
            "names: site names per host, stored (most)",
            float(max(map(len, stored.values()), default=0)),
            float(max(map(len, base_names.values()), default=0)),
            1.0,
            len(stored),
            True,
        )
        yield Figure(
            "  hosts whose pages state several names",
            float(sum(len(names) > 1 for names in stated.values())),
            float(sum(len(names) > 1 for names in base_names.values())),
            None,
            len(stated),
            True,
        )
