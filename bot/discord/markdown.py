"""Discord's limits, and archive text made safe to show there.

Everything that comes from the archive (quotes, passages, titles, site and author names,
excerpts, model-written summaries) goes through ``escape_text`` before it reaches an embed:
Discord then shows it character for character, and none of it can act as markdown or as
Discord syntax (links, mentions, timestamps, command links, emoji, headings, lists, quotes).
Metadata is cut to size before it is escaped (``fit``), so a cut never separates an escape
from what it escapes, never falls inside a link, and no field outgrows Discord's limits
however long the stored value is. Escaping is display only: answers and quotes stay verbatim.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

import discord

from bot.answering.answer import Quote, attribution
from bot.answering.labels import kind_label

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_VALUE_LIMIT = 1024
FIELD_NAME_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
MAX_FIELDS_PER_EMBED = 25
MAX_EMBEDS_PER_MESSAGE = 10
CONTENT_LIMIT = 2000
# Discord refuses a link or an embed url longer than this (the whole message fails).
URL_LIMIT = 2048
FOOTER = "Quotes are verbatim from the archive. /source <id> shows the context."
FOOTER_RESERVE = len(FOOTER) + 10
COLOUR = discord.Colour.dark_teal()

# Shown sizes (after escaping) of metadata: small enough that every field holding them stays
# within its limit, and five search results within an embed's 6000 characters.
AUTHOR_LIMIT = 200
SITE_LIMIT = 200
PUBLISHED_LIMIT = 40
LINK_TITLE_LIMIT = 200
ADDRESS_LIMIT = 200
EXCERPT_LIMIT = 450

# --- escaping ----------------------------------------------------------------------------------

# Discord reads a backslash before any punctuation mark as "show this mark as it is", so one
# backslash per mark neutralises it, and removing the backslashes gives the archive text back.
# Marks that act anywhere on a line: the backslash itself, emphasis, underline, strike-through,
# spoilers, code, masked links (every bracket, so no later "[…](…)" on the line can pair up, as
# it can after discord.py's escape_markdown), and "<" (mentions, <t:…> timestamps, </cmd:id>
# command links, <:name:id> emoji, <https://…>). The colon of "://" is escaped too: an address
# in a quote reads whole but is not a link, and none of its characters need to stay unescaped.
_INLINE = re.compile(r"[\\*_~|`\[\]<]|:(?=//)")
# The line breaks a client may start a new line at (those of str.splitlines).
_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# Marks that act only at the start of a line (after any spaces): headings and "-#" subtext,
# block quotes, bullets ("*" is escaped everywhere already) and numbered items ("1." / "1)").
_LINE_START = re.compile(rf"(?:^|(?<=[{_BREAKS}]))([^\S{_BREAKS}]*)(?:([#>+-])|(\d+)([.)]))")


def _escape_line_start(match: re.Match[str]) -> str:
    lead, mark, digits, stop = match.groups()
    return f"{lead}\\{mark}" if mark else f"{lead}{digits}\\{stop}"


def escape_text(text: str) -> str:
    """``text`` as Discord will show it verbatim: every mark that could format it, link it,
    mention, or start a block is backslash-escaped. The start of ``text`` counts as the start
    of a line, since a piece of archive text may open a description or a field."""
    return _LINE_START.sub(_escape_line_start, _INLINE.sub(r"\\\g<0>", text))


def spoil(text: str) -> str:
    """``text`` behind spoiler marks. Archive text is escaped before it gets here (``|``
    included), so the text itself can never close the marks early."""
    return f"||{text}||"


def clip(text: str, limit: int) -> str:
    """Shorten metadata (titles, names) at a word boundary; never used on quotes."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1] + "…"


def clip_start(text: str, limit: int) -> str:
    """``clip`` from the other side: the end of ``text`` is kept (the words next to what
    follows it), the cut marked with "…" at the start."""
    if len(text) <= limit:
        return text
    start = len(text) - (limit - 1)
    cut = text.find(" ", start, len(text) - limit // 2)
    return "…" + (text[cut + 1 :] if cut >= 0 else text[start:])


def fit(text: str, limit: int, keep_end: bool = False) -> str:
    """``text`` escaped, in at most ``limit`` characters: cut (at a word boundary, marked "…")
    before it is escaped, so a cut never falls between a backslash and its mark."""
    cut = clip_start if keep_end else clip
    size = limit
    while size > 0:
        shown = escape_text(cut(text, size))
        if len(shown) <= limit:
            return shown
        size -= len(shown) - limit
    return ""


def meta(text: str, limit: int) -> str:
    """A metadata value (title, site, author, date) on one line, escaped, in ``limit``."""
    return fit(" ".join(text.split()), limit)


def shown_values(*values: tuple[str | None, int]) -> list[str]:
    """The given metadata values shown (each in its limit), leaving out those with nothing to
    show: Discord refuses an empty field, and a lone separator reads as a missing value."""
    shown = (meta(value, limit) for value, limit in values if value)
    return [value for value in shown if value]


def value_or(value: str | None, limit: int, default: str) -> str:
    """One metadata value shown as ``shown_values`` shows it, or ``default`` when it has nothing."""
    return (shown_values((value, limit)) or [default])[0]


def shown_author(name: str | None) -> str | None:
    """An author's name as shown: escaped, on one line, cut to size; falsy when nothing of it
    shows, so the wording for an unnamed reader is used."""
    return meta(name, AUTHOR_LIMIT) if name else None


def who_label(kind: str, author: str | None) -> str:
    """``kind_label`` with the author's name shown."""
    return kind_label(kind, shown_author(author))


def shown_attribution(quote: Quote) -> str:
    """The quote's "Reader NAME wrote", with NAME shown."""
    return attribution(quote.kind, shown_author(quote.author))


# --- links -------------------------------------------------------------------------------------

# Characters that would end or confuse a markdown link's target, percent-encoded (a web server
# reads "%28" as "("); non-ASCII characters are encoded as UTF-8 as browsers do.
_URL_ENCODE = {c: f"%{ord(c):02X}" for c in "()<>[]\\\"'`|"}


def safe_url(url: str | None) -> str | None:
    """``url`` as Discord accepts it as a link target or an embed url (http or https, no
    spaces or control characters, at most 2048 characters, the marks that end a markdown
    link percent-encoded), or None when it cannot be one: Discord refuses the whole message
    for a bad url, so such an address is shown as text instead."""
    if not url or len(url) > URL_LIMIT:
        return None
    if any(c.isspace() or unicodedata.category(c).startswith("C") for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    head = f"{parts.scheme}://{parts.netloc}"
    if (
        not url.lower().startswith(head.lower())
        or not parts.netloc.isascii()
        or any(c in _URL_ENCODE for c in parts.netloc.replace("[", "").replace("]", ""))
    ):
        return None
    rest = "".join(
        _URL_ENCODE.get(c) or (c if c.isascii() else "".join(f"%{b:02X}" for b in c.encode()))
        for c in url[len(head) :]
    )
    # Lower case: a scheme is case-insensitive, and Discord's check may not be.
    encoded = f"{parts.scheme}://{parts.netloc}{rest}"
    return encoded if len(encoded) <= URL_LIMIT else None


def titled_link(title: str | None, url: str | None, room: int) -> str:
    """A page's title, linked to its url when both can be: in ``room`` characters, never a
    link cut short. Discord shows escapes inside a link's text as backslashes, so a title that
    needs escaping is shown (escaped) beside a plain "link"; a url that cannot be a link, or
    does not fit, is shown cut, as text."""
    title = " ".join((title or "").split()) or "untitled page"
    target = safe_url(url)
    if target:
        plain = clip(title, LINK_TITLE_LIMIT)
        if escape_text(plain) == plain:
            linked = f"[{plain}]({target})"
        else:
            linked = f"*{meta(title, LINK_TITLE_LIMIT)}* · [link]({target})"
        if len(linked) <= room:
            return linked
    shown = f"*{meta(title, min(LINK_TITLE_LIMIT, room - 2))}*"
    address = meta(url, min(ADDRESS_LIMIT, room - len(shown) - 3)) if url else ""
    return f"{shown} · {address}" if address else shown
