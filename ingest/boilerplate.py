"""Lines that are site furniture, not article text or reader comments.

Known markers come from the comment widgets and donation boxes archived news pages carry. On
top of them, ``SiteBoilerplate`` learns each site's own furniture: lines that repeat across
many pages of the same site (navigation, bylines of the donation box, "Related posts" lists).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

# Comment-widget controls (wpDiscuz, WordPress, Disqus) that only ever stand where a comment
# thread begins: the first of them ends the article.
THREAD_MARKERS = frozenset(
    line.casefold()
    for line in (
        "Notify of",
        "Newest Most Voted",
        "Newest Oldest Most Voted",
        "Oldest Newest Most Voted",
        "Inline Feedbacks",
        "View all comments",
        "Load more comments",
        "Leave a Reply",
        "Leave a Comment",
        "Post a comment",
    )
)
# Controls that also appear elsewhere on a page, so they are dropped but end nothing.
WIDGET_CONTROLS = frozenset(
    line.casefold() for line in ("Reply", "Share", "Login", "Subscribe", "Comments", "Like")
)

_CLOSING_WIDGET = re.compile(r"^would love your thoughts, please comment\.?x?$", re.IGNORECASE)
# A bare amount with its currency ("2,500 $"): the preset buttons of a donation box.
_DONATION_AMOUNT = re.compile(r"^(?:[$€£]\s*\d[\d,.]*|\d[\d,.]*\s*[$€£])$")
# "Support SouthFront", "Donate to The Intercept": a call for money naming the site.
_SUPPORT_CALL = re.compile(
    r"^(?:support|donate to|become a patron of)\s+(?P<site>\S.{0,40})$", re.I
)
_MEDIA_CONTROLS = re.compile(
    r"^(?:click (?:here )?to (?:see|enlarge|view)\b.*|click to see the full-size (?:map|image)"
    r"|(?:advertisement|sponsored content|related posts?|read more|share this:?)\.?)$",
    re.IGNORECASE,
)


def starts_comment_thread(line: str) -> bool:
    return line.strip().casefold() in THREAD_MARKERS


def is_comment_widget(line: str) -> bool:
    stripped = line.strip()
    folded = stripped.casefold()
    return (
        folded in THREAD_MARKERS
        or folded in WIDGET_CONTROLS
        or bool(_CLOSING_WIDGET.match(stripped))
    )


def support_call_site(line: str) -> str | None:
    """The site named by a donation call ("Support SouthFront" → "SouthFront"), if it is one."""
    match = _SUPPORT_CALL.match(line.strip())
    return match.group("site").strip() if match else None


def is_boilerplate(line: str) -> bool:
    """True for a line that is never article text or a comment on any site."""
    stripped = line.strip()
    return bool(
        _DONATION_AMOUNT.match(stripped)
        or support_call_site(stripped)
        or _MEDIA_CONTROLS.match(stripped)
        or is_comment_widget(stripped)
    )


class SiteBoilerplate:
    """Lines that repeat across the pages of one site, learned from the pages themselves.

    A line is furniture when it stands on at least ``min_share`` of a site's pages and the site
    has at least ``min_pages`` pages: article sentences are never repeated that widely, menus and
    footers always are. Lines are compared stripped; only short ones are counted, so the
    memory used stays small however many pages a site has.
    """

    def __init__(self, min_pages: int = 4, min_share: float = 0.5, max_chars: int = 300) -> None:
        self.min_pages = min_pages
        self.min_share = min_share
        self.max_chars = max_chars
        self._pages: Counter[str] = Counter()
        self._lines: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._learned: dict[str, frozenset[str]] | None = None

    def add_page(self, site: str, lines: Iterable[str]) -> None:
        self._pages[site] += 1
        unique = {s for line in lines if (s := line.strip()) and len(s) <= self.max_chars}
        self._lines[site].update(unique)
        self._learned = None

    def lines_for(self, site: str) -> frozenset[str]:
        """The furniture learned for ``site`` (empty for a site with too few pages)."""
        if self._learned is None:
            self._learned = {
                name: frozenset(
                    line
                    for line, seen in counts.items()
                    if seen >= max(2, self.min_share * self._pages[name])
                )
                for name, counts in self._lines.items()
                if self._pages[name] >= self.min_pages
            }
        return self._learned.get(site, frozenset())

    def digest(self, site: str) -> str:
        """A short hash of what was learned for ``site``: when it changes, that site's pages
        must be read again."""
        joined = "\n".join(sorted(self.lines_for(site)))
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]
