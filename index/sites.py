"""What a site name and a page address say about the outlet: the host a page belongs to (a
Wayback Machine capture belongs to the page it captured), and the key two spellings of one name
share, so that a site is found however it is typed."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# ``web.archive.org/web/20190102030405/https://example.com/page`` and the variants the Wayback
# Machine serves (``20190102030405id_``, ``20190102030405if_``), scheme or not.
_WAYBACK = re.compile(
    r"^https?://(?:www\.)?web\.archive\.org/web/\d{4,14}(?:[a-z]{2}_)?/(?P<original>.+)$", re.I
)
_ONE_SLASH = re.compile(r"^(https?:)/(?!/)", re.I)
_NOT_KEY = re.compile(r"[\W_]+")


def wayback_original(url: str | None) -> str | None:
    """The address a Wayback Machine capture is of (with a scheme), or None for any other URL."""
    match = _WAYBACK.match(url or "")
    if not match:
        return None
    # The Wayback Machine writes the original's scheme with one slash as often as with two.
    original = _ONE_SLASH.sub(r"\1//", match.group("original"))
    return original if "://" in original else f"http://{original}"


def url_host(url: str | None) -> str | None:
    """The host a page belongs to, lower-case and without "www.": a Wayback capture's is its
    original's."""
    if not url:
        return None
    try:
        host = urlsplit(wayback_original(url) or url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def site_key(name: str) -> str:
    """Letters and digits only, case and accents folded: "National Post", "national post" and
    "NATIONAL-POST" share one key, and so do "Süddeutsche" and "suddeutsche"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_KEY.sub("", bare)


def typed_host(text: str) -> str | None:
    """The host a user means when they type an address ("nationalpost.com",
    "https://www.nationalpost.com/news"), or None when ``text`` is no address."""
    text = text.strip()
    if not text or " " in text or "." not in text:
        return None
    return url_host(text if "://" in text else f"http://{text}")
