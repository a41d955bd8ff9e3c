"""Reader comments from the markup of common comment systems, with author, date and parent.

trafilatura finds a page's comment section but returns it as text, with no boundary between
comments and no author. The widgets most news sites use mark each comment up in a known way,
so where one of them is present its comments come out one by one, each with its author, its
date and the comment it answers (nesting in the markup). Where none is, the caller falls back
to trafilatura's text.

A date is kept as ISO (``ingest.dates.PageDates.comment_date``), never as the page wrote it:
each place a comment system may put it is tried until one reads as a date, since themes fill
the same slots with "Reply" links and commenters' names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from lxml.html import HtmlElement

from ingest.boilerplate import is_comment_widget, is_link_notice
from ingest.dates import PageDates
from ingest.metadata import clean_text
from ingest.page import PageComment


def _has_class(name: str) -> str:
    """XPath test for a whole class token (``comment`` but not ``comment-form``)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


@dataclass(frozen=True, slots=True)
class CommentMarkup:
    """Where one comment system puts a comment, and its author, text and date inside it."""

    name: str
    item: str
    author: tuple[str, ...]  # each field: XPaths tried in order, the first that matches wins
    text: tuple[str, ...]
    date: tuple[str, ...]  # here the first match that reads as a date wins


MARKUPS: tuple[CommentMarkup, ...] = (
    CommentMarkup(
        "wpdiscuz",
        item=f"//div[{_has_class('wpd-comment')}]",
        author=(".//*[contains(@class, 'wpd-comment-author')]",),
        text=(".//*[contains(@class, 'wpd-comment-text')]",),
        date=(
            ".//*[contains(@class, 'wpd-comment-date')]/@title",
            ".//*[contains(@class, 'wpd-comment-date')]",
        ),
    ),
    CommentMarkup(
        "wordpress",
        # Pingback and trackback items are matched so that their nested markup is not taken
        # for a comment of its own, then dropped (``_extract``).
        item=f"//*[self::li or self::article or self::div][{_has_class('comment')}"
        f" or {_has_class('pingback')} or {_has_class('trackback')}"
        " or starts-with(@id, 'comment-')]"
        "[.//*[contains(@class, 'comment-content') or contains(@class, 'comment-text')"
        " or contains(@class, 'comment-body') or contains(@class, 'comment__content')"
        f" or {_has_class('contenttext')}]]",
        author=(
            ".//*[contains(@class, 'comment-author')]//*[contains(@class, 'fn')]",
            # Themes with BEM class names: "comment__author-name" inside "comment__meta".
            ".//*[contains(@class, 'comment__author')]",
            ".//*[contains(@class, 'comment-author')]",
        ),
        text=(
            ".//*[contains(@class, 'comment-content') or contains(@class, 'comment-text')"
            " or contains(@class, 'comment__content')]",
            # WordPress.com's own themes: <div class="contenttext"> beside <cite
            # class="comment-author">.
            f".//*[{_has_class('contenttext')}]",
            ".//*[contains(@class, 'comment-body')]",
        ),
        date=(
            ".//time/@datetime",
            ".//abbr/@title",
            ".//*[@property='schema:dateCreated']/@content",
            ".//*[contains(@class, 'comment-date') or contains(@class, 'comment_date')"
            " or contains(@class, 'comment-time') or contains(@class, 'datetime')]",
            # Themes put the date in the meta line's link, its own text or a <small>.
            ".//*[contains(@class, 'comment-meta')]//text()",
        ),
    ),
    CommentMarkup(
        "disqus",
        item=f"//*[@data-role='post' or {_has_class('post')}]"
        "[.//*[contains(@class, 'post-message')]]",
        author=(".//*[contains(@class, 'author')]",),
        text=(".//*[contains(@class, 'post-message')]",),
        date=(".//*[contains(@class, 'post-meta')]//a/@title",),
    ),
    CommentMarkup(
        # German news CMSs name the parts in German: "kommentar-item", "benutzer", "datum".
        "kommentar",
        item=f"//*[{_has_class('kommentar-item')}][.//*[{_has_class('kommentar-text')}]]",
        author=(f".//*[{_has_class('benutzer')} or {_has_class('kommentar-autor')}]",),
        text=(f".//*[{_has_class('kommentar-text')}]",),
        date=(f".//*[{_has_class('datum')}]",),
    ),
    CommentMarkup(
        "schema.org",
        item="//*[contains(@itemtype, 'schema.org/Comment') or @itemprop='comment']",
        author=(".//*[@itemprop='author']//*[@itemprop='name']", ".//*[@itemprop='author']"),
        text=(".//*[@itemprop='text' or @itemprop='commentText']",),
        date=(
            ".//*[@itemprop='dateCreated' or @itemprop='datePublished']/@datetime",
            ".//*[@itemprop='dateCreated' or @itemprop='datePublished']/@content",
        ),
    ),
)
_MAX_AUTHOR_CHARS = 80

# Where a date starts inside a comment's byline: "3. Februar 2020", "19 June 2018", "September
# 17, 2018", "2018-09-17", "17.09.2018", or a bare time of day. A word before a day and a year
# is taken for a month only when the whole reads as a date (``split_byline``).
_MONTH_WORD = r"[^\W\d_]{3,}\.?"
_BYLINE_DATE = re.compile(
    rf"\d{{1,2}}\.?\s*{_MONTH_WORD}\s+\d{{4}}"
    rf"|{_MONTH_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}"
    r"|\d{1,2}:\d{2}"
)
_CLOCK = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:[ap]\.?m\.?|uhr|h)\b)?", re.I)
_YEAR_END = re.compile(r"\d{4}")
# What a theme writes after a reader's name: "says:", "said:", "schreibt:"; and the short
# lower-case word joining it to the date ("on", "am", "le"), or a separator.
_BYLINE_VERB = re.compile(
    r"\s+(?:says|said|wrote|writes|replied|replies|sagt|schreibt|schrieb|meint|antwortete"
    r"|dit|écrit|a écrit|dice|escribió|disse|zegt|schreef)\s*:?\s*$",
    re.I,
)
_BYLINE_JOINER = re.compile(r"(?:\s+(?P<word>[^\W\d_]{1,3})|\s*[|,·•:–—-])\s*$")


def _owner(node: HtmlElement, items: dict[HtmlElement, int]) -> int | None:
    """The position of the nearest comment item around ``node`` (the node itself excluded)."""
    parent = node.getparent()
    while parent is not None:
        if parent in items:
            return items[parent]
        parent = parent.getparent()
    return None


def _own(
    item: HtmlElement, xpaths: tuple[str, ...], index: int, items: dict[HtmlElement, int]
) -> Iterator[object]:
    """The matches under ``item`` that belong to it, not to a nested reply, in XPath order."""
    for xpath in xpaths:
        for match in item.xpath(xpath):
            node = match.getparent() if isinstance(match, str) else match
            if node is None:
                continue
            owner = index if node is item else _owner(node, items)
            if owner == index:
                yield match


def _first_own(
    item: HtmlElement, xpaths: tuple[str, ...], index: int, items: dict[HtmlElement, int]
) -> object | None:
    return next(_own(item, xpaths, index, items), None)


def _paragraphs(node: HtmlElement) -> str:
    """A comment's text, one paragraph per block, widget controls ("Reply", the like button's
    "LikeLiked by 5 people" that WordPress.com puts in a paragraph of the comment) left out."""
    blocks = [clean_text(p.text_content()) for p in node.xpath(".//p")]
    blocks = [b for b in blocks if b and not is_comment_widget(b)]
    if blocks:
        return "\n\n".join(blocks)
    text = clean_text(node.text_content())
    return "" if is_comment_widget(text) else text


def _is_link_item(item: HtmlElement) -> bool:
    """A pingback or trackback item, by its class (its text is checked as well)."""
    classes = (item.get("class") or "").split()
    return "pingback" in classes or "trackback" in classes


def _value(match: object | None) -> str | None:
    if match is None:
        return None
    text = clean_text(match if isinstance(match, str) else match.text_content())
    return text or None


def split_byline(byline: str, dates: PageDates) -> tuple[str | None, str | None]:
    """A comment's author field taken apart when a theme writes the whole byline in it: "Gary
    M on September 17, 2018 at 8:50 pm said:" → ("Gary M", "September 17, 2018 at 8:50 pm"),
    "MoritzMeyer 19. Juni 2018 um 20:41 Uhr - Antworten" → ("MoritzMeyer", "19. Juni 2018 um
    20:41 Uhr"). The date part is kept only when it reads as a date (or holds a time of day);
    widget words after it ("Antworten", "Permalink") go with it. A role in parentheses
    ("Catherine (GiveWell)") is part of the name."""
    name, written = byline, None
    for match in _BYLINE_DATE.finditer(byline):
        tail = byline[match.start() :]
        clock = _CLOCK.search(tail)
        end = clock.end() if clock else (year.end() if (year := _YEAR_END.search(tail)) else 0)
        candidate = tail[:end].strip()
        if clock or dates.comment_date(candidate):
            name, written = byline[: match.start()], candidate
            break
    while True:
        shorter = _BYLINE_VERB.sub("", name)
        joiner = _BYLINE_JOINER.search(shorter)
        if joiner and (not joiner["word"] or joiner["word"].islower()):
            shorter = shorter[: joiner.start()]
        if shorter == name:
            break
        name = shorter
    return (name.strip() or None), written


def _extract(
    tree: HtmlElement, markup: CommentMarkup, dates: PageDates
) -> list[tuple[PageComment, list[str]]]:
    """The comments ``markup`` finds, each with the values its date slots hold, unread: only
    the dates of the comment system that wins are read. A date the author's byline held comes
    last (``split_byline``)."""
    found = tree.xpath(markup.item)
    items = {node: position for position, node in enumerate(found)}
    comments: list[tuple[PageComment, list[str]]] = []
    kept: dict[int, int] = {}  # item position -> comment position
    for index, item in enumerate(found):
        text_node = _first_own(item, markup.text, index, items)
        text = _paragraphs(text_node) if text_node is not None else ""
        if not text or _is_link_item(item) or is_link_notice(text):
            continue
        author, byline_date = split_byline(
            _value(_first_own(item, markup.author, index, items)) or "", dates
        )
        if author and len(author) > _MAX_AUTHOR_CHARS:
            author = None
        parent_item = _owner(item, items)
        kept[index] = len(comments)
        comment = PageComment(
            text=text,
            author=author,
            parent=kept.get(parent_item) if parent_item is not None else None,
        )
        written = [v for match in _own(item, markup.date, index, items) if (v := _value(match))]
        written += [byline_date] if byline_date else []
        comments.append((comment, written))
    return comments


def structured_comments(tree: HtmlElement, dates: PageDates | None = None) -> list[PageComment]:
    """The comments of the comment system that finds the most on this page (none: []), each
    dated by the first of its date values that ``dates`` reads (by default: no language, order
    or capture day known)."""
    dates = dates or PageDates()
    best: list[tuple[PageComment, list[str]]] = []
    for markup in MARKUPS:
        comments = _extract(tree, markup, dates)
        if len(comments) > len(best):
            best = comments
    return [
        replace(comment, published=next(filter(None, map(dates.comment_date, values)), None))
        for comment, values in best
    ]
