"""Lines that are site furniture, not article text or reader comments.

Known markers come from the comment widgets and donation boxes archived news pages carry. A
learned, per-site list (lines repeating across many pages of one site) builds on this later.
"""

from __future__ import annotations

import re

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
