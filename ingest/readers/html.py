"""Saved HTML pages (``.html``, ``.htm``, gzipped or not): article text and metadata with
trafilatura, reader comments on their own.

trafilatura finds the main text, the date (htmldate) and the comment section; it removes the
comment section from the main text itself. Comments are then read from the markup of the
comment system when one is recognised (authors, dates, replies), else from trafilatura's comment
text. Headline and authors are re-picked from the page's metadata (``ingest.metadata``), the
outlet's name too (``ingest.sites``; a wire story's agency joins the authors).
Comment dates are read in the page's language (``<html lang>``) and stored as ISO, relative
ones ("2 days ago") counted from the capture day when one is known (``ingest.dates``).
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import trafilatura
from lxml.etree import _Element
from trafilatura.utils import load_html

from index.sites import site_key
from ingest.boilerplate import is_comment_noise
from ingest.dates import PageDates, wayback_capture
from ingest.html_comments import structured_comments
from ingest.metadata import clean_text, pick_authors, pick_title
from ingest.page import MAX_PAGE_BYTES, Page, PageComment, UnreadableFile, too_large
from ingest.sites import own_address, page_site, stated_names, wire_agency

# The page limit, which trafilatura's own (its MAX_FILE_SIZE) matches; saying so here gives
# the user a reason.
MAX_HTML_BYTES = MAX_PAGE_BYTES
_GZIP_MAGIC = b"\x1f\x8b"
# A body line this long found in the comment section is article text, not a short reply
# quoting a phrase.
_ARTICLE_LINE_CHARS = 40
# The marker trafilatura's text output puts before each list item ("- item", nested ones
# indented); a paragraph of the article may begin with the same two characters.
_BULLET = "- "


def gunzip(data: bytes) -> bytes:
    """The decompressed bytes, or ``UnreadableFile`` saying the archive is damaged."""
    try:
        # Read no further than the limit: a small file may unpack to gigabytes.
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
            return unpacked.read(MAX_HTML_BYTES + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise UnreadableFile(f"damaged gzip data ({error})") from None


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _language(tree: _Element) -> str | None:
    """The page's declared language tag ("de-DE"): ``lang`` on its root, else a
    Content-Language meta element."""
    declared = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if declared:
        return declared
    meta = tree.xpath(
        "//meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')='content-language']/@content"
    )
    return str(meta[0]) if meta else None


# The publication time a page shows its reader: a <time> in the article (not in its comment
# section, whose times are readers'), or one marked as the publication date.
_SHOWN_TIME = (
    "(//article//time[@datetime] | //main//time[@datetime]"
    " | //time[@itemprop='datePublished'][@datetime])"
    "[not(ancestor::*[contains(@class, 'comment') or contains(@id, 'comment')])]/@datetime"
)


def _shown_date(tree: _Element) -> date | None:
    """The first publication date the article shows its reader (``_SHOWN_TIME``)."""
    return next(filter(None, map(_parse_date, tree.xpath(_SHOWN_TIME))), None)


def _publication_date(extracted: str | None, tree: _Element) -> date | None:
    """The page's publication date: htmldate's (trafilatura asks it for the original date),
    unless the article shows a later one. htmldate takes the earliest date the metadata
    states, and a page rewritten since keeps its first version's there (``datePublished``
    2012 on a BBC explainer rewritten and shown as of 2026, a "FirstPublished" field on a
    Telegraph page shown as of 2023): the text archived is the one shown, dated as shown."""
    found = _parse_date(extracted)
    shown = _shown_date(tree)
    if shown is not None and (found is None or shown > found):
        return shown
    return found


def _with_agency(
    authors: list[str], tree: _Element, site_names: list[str], url: str | None
) -> list[str]:
    """The authors, and last the agency whose story this is when another outlet published it
    (``wire_agency``): the page goes by the outlet, the story stays the agency's."""
    agency = wire_agency(tree, site_names, url)
    if agency is None or site_key(agency) in {site_key(author) for author in authors}:
        return authors
    return [*authors, agency]


def _text_lines(text: str | None, tree: _Element | None) -> list[str]:
    """The non-empty lines of trafilatura's text, the bullet it adds taken off list items only:
    a line is an item when the next ``<item>`` of trafilatura's output ``tree`` (items render in
    document order) begins with it, so a paragraph that itself begins with "- " keeps it."""
    # Compared without whitespace: the text output spaces inline children apart, itertext not.
    texts = [] if tree is None else [clean_text("".join(i.itertext())) for i in tree.iter("item")]
    items = ["".join(text.split()) for text in texts]
    position = 0
    lines: list[str] = []
    for raw in (text or "").split("\n"):
        if not (line := clean_text(raw)):
            continue
        if line.startswith(_BULLET):
            key = "".join(line[2:].split())
            found = next(
                (at for at in range(position, len(items)) if items[at].startswith(key)), None
            )
            if found is not None:
                line, position = line[2:], found + 1
        lines.append(line)
    return lines


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _without_comment_text(body: list[str], comments: list[PageComment]) -> list[str]:
    """Body paragraphs that are not comment text the main-text extractor took for article."""
    if not comments:
        return body
    comment_text = "\n".join(_fold(c.text) for c in comments)
    return [line for line in body if len(line) < 40 or _fold(line) not in comment_text]


def _extract(data: bytes | _Element, url: str | None, *, comments: bool) -> Any:
    # trafilatura prunes the tree it is given, so it gets its own: the comment markup is read
    # from the caller's.
    return trafilatura.bare_extraction(
        load_html(data) if isinstance(data, bytes) else data,
        url=url,
        include_comments=comments,
        include_tables=True,
        with_metadata=True,
        deduplicate=False,
    )


# Elements named like a comment section ("comments-enabled", "comment-wrapper") that hold the
# page's headline: an article, never a comment section.
_MASKED_ARTICLE = "//*[contains(@class, 'comment') or contains(@id, 'comment')][.//h1]"
_COMMENT_NAME = re.compile(r"\S*comment\S*", re.IGNORECASE)


def _unmasked(data: bytes) -> _Element | None:
    """The page with the comment-like names taken off the elements that hold its headline
    (``_MASKED_ARTICLE``), or None when no element is so named."""
    tree = load_html(data)
    masked = tree.xpath(_MASKED_ARTICLE) if tree is not None else []
    for element in masked:
        for attribute in ("class", "id"):
            if value := element.get(attribute):
                element.set(attribute, _COMMENT_NAME.sub("", value).strip())
    return tree if masked else None


def _holds_article(comment_lines: list[str], body: list[str], title: str | None) -> bool:
    """Whether what trafilatura took for the comment section holds the article: its headline,
    or a paragraph of the body."""
    folded = {_fold(line) for line in comment_lines}
    return bool(title and _fold(title) in folded) or any(
        len(line) >= _ARTICLE_LINE_CHARS and _fold(line) in folded for line in body
    )


def _headings(tree: _Element) -> set[str]:
    """The page's headings, folded: its headline, its sections', related articles'."""
    return {
        _fold(heading.text_content())
        for heading in tree.xpath("//h1 | //h2 | //h3 | //h4 | //h5 | //h6")
    }


def _not_article(
    comments: list[PageComment], body: list[str], title: str | None, headings: set[str]
) -> list[PageComment]:
    """The comments that are not the page's own headline, a paragraph of its article or a
    heading on the page (a related article's headline in a list whose markup reads as a
    comment section), kept at their places: a reply's ``parent`` counts positions."""
    article = {_fold(line) for line in body} | ({_fold(title)} if title else set()) | headings
    if not any(_fold(comment.text) in article for comment in comments):
        return comments
    kept = [comment for comment in comments if _fold(comment.text) not in article]
    moved = {id(comment): at for at, comment in enumerate(kept)}
    old = {at: moved.get(id(comment)) for at, comment in enumerate(comments)}
    return [
        replace(comment, parent=None if comment.parent is None else old.get(comment.parent))
        for comment in kept
    ]


def reader_lines(lines: list[str]) -> list[str]:
    """The lines of trafilatura's comment text that readers may have written.

    With no comment markup recognised, every line would become a comment, widget text
    included. Dropped: what is never a reader's (``is_comment_noise``: controls and counters,
    pingbacks, the commenting policy), and a line the page repeats next to such text (the
    policy's second sentence, shown under every comment box).
    """
    noise = [is_comment_noise(line) for line in lines]
    counts = Counter(lines)

    def beside_noise(at: int) -> bool:
        return (at > 0 and noise[at - 1]) or (at + 1 < len(lines) and noise[at + 1])

    return [
        line
        for at, line in enumerate(lines)
        if not noise[at] and not (counts[line] > 1 and beside_noise(at))
    ]


def parse_html(
    data: bytes,
    origin: str,
    *,
    url: str | None = None,
    fmt: str = "html",
    captured: date | None = None,
) -> Page:
    """One page from HTML bytes. ``url`` and ``captured`` come from an archive record when
    there is one: the page's canonical URL wins, the capture date stands in for a missing
    publication date (marked inferred)."""
    if not data.strip():
        raise UnreadableFile("empty file")
    if len(data) > MAX_HTML_BYTES:
        raise UnreadableFile(too_large(len(data), MAX_HTML_BYTES))
    if data.count(b"\x00", 0, 8192) > 8:
        raise UnreadableFile("binary content, not HTML")
    tree = load_html(data)
    if tree is None:
        raise UnreadableFile("not an HTML page")
    extracted = _extract(data, url, comments=True)
    if extracted is None:
        raise UnreadableFile("no article text found")
    page_url = extracted.url or url
    # The day the page was captured, not published: relative comment dates count back from
    # the day the page was shown, and comments are written after the article.
    capture = captured or wayback_capture(page_url)
    comments = structured_comments(tree, PageDates.for_page(_language(tree), capture))
    # A page saved without its address still says whose it is, for its site's name.
    address = page_url or own_address(tree)
    site_names = stated_names(
        tree,
        url=address,
        title=extracted.title,
        text=" ".join(_text_lines(extracted.text, None)[:5]),
        extracted=extracted.sitename,
    )
    site = page_site(site_names, address)
    # trafilatura already keeps its own comment text out of the body; comments found in the
    # markup may have slipped into it when trafilatura did not see the comment section.
    body = _without_comment_text(_text_lines(extracted.text, extracted.body), comments)
    if not comments:
        lines = _text_lines(extracted.comments, extracted.commentsbody)
        if (
            _holds_article(lines, body, extracted.title)
            and (unmasked := _unmasked(data)) is not None
        ):
            # The article sits inside markup named like a comment section ("comments-enabled"
            # on TimesLIVE's article element): read again with that name taken off.
            extracted = _extract(unmasked, url, comments=True) or extracted
            body = _text_lines(extracted.text, extracted.body)
            lines = _text_lines(extracted.comments, extracted.commentsbody)
        comments = [PageComment(text=line) for line in reader_lines(lines)]
    if not body:
        raise UnreadableFile("no article text found")
    title = pick_title(tree, extracted.title, site, page_url)
    if title and body and _fold(body[0]) == _fold(title):
        body = body[1:] or body  # the headline is the page's title, not its first paragraph
    comments = _not_article(comments, body, title, _headings(tree))
    published = _publication_date(extracted.date, tree)
    inferred = False
    if published is None and captured is not None:
        published, inferred = captured, True
    return Page(
        origin=origin,
        format=fmt,
        body=body,
        title=title,
        url=page_url,
        site=site,
        published=published,
        published_inferred=inferred,
        authors=_with_agency(pick_authors(tree, extracted.author, site), tree, site_names, address),
        comments=comments,
        site_names=site_names,
    )


class HtmlReader:
    """Reads saved pages: one page per file, gzip detected by its magic bytes."""

    name = "html"
    suffixes = (".html", ".htm", ".html.gz", ".htm.gz", ".xhtml")

    def read(self, path: Path) -> Iterator[Page]:
        data = path.read_bytes()
        if data[:2] == _GZIP_MAGIC:
            data = gunzip(data)
        yield parse_html(data, str(path))
