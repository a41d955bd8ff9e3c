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


def _extract(tree: HtmlElement, markup: CommentMarkup) -> list[tuple[PageComment, list[str]]]:
    """The comments ``markup`` finds, each with the values its date slots hold, unread: only
    the dates of the comment system that wins are read."""
    found = tree.xpath(markup.item)
    items = {node: position for position, node in enumerate(found)}
    comments: list[tuple[PageComment, list[str]]] = []
    kept: dict[int, int] = {}  # item position -> comment position
    for index, item in enumerate(found):
        text_node = _first_own(item, markup.text, index, items)
        text = _paragraphs(text_node) if text_node is not None else ""
        if not text or _is_link_item(item) or is_link_notice(text):
            continue
        author = _value(_first_own(item, markup.author, index, items))
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
        comments.append((comment, written))
    return comments


def structured_comments(tree: HtmlElement, dates: PageDates | None = None) -> list[PageComment]:
    """The comments of the comment system that finds the most on this page (none: []), each
    dated by the first of its date values that ``dates`` reads (by default: no language, order
    or capture day known)."""
    dates = dates or PageDates()
    best: list[tuple[PageComment, list[str]]] = []
    for markup in MARKUPS:
        comments = _extract(tree, markup)
        if len(comments) > len(best):
            best = comments
    return [
        replace(comment, published=next(filter(None, map(dates.comment_date, values)), None))
        for comment, values in best
    ]
