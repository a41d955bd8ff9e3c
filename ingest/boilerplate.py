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

# What comment widgets and their surroundings say in whole sentences, never a reader: the
# loader, the "powered by" line, invitations to join the discussion, sign-up prompts, sharing
# labels and the privacy notice under the form.
_WIDGET_PHRASE = re.compile(
    r"^(?:(?:loading|load|show|view) (?:the )?comments\b.*"
    r"|comments? (?:are )?powered by\b.*"
    r"|(?:want to |)join (?:the |our |thought-provoking )?(?:conversation|discussion)s?\b.*"
    r"|would you like to comment\b.*"
    r"|(?:to )?(?:sign up|sign in|log in|register|subscribe)\b.{0,40}\b(?:sign in|log in"
    r"|to comment|to join|now|free)\b.*"
    r"|share (?:this|on|via)\b.{0,30}"
    r"|.{0,160}\b(?:our|see|read|the) (?:data protection|privacy|cookie) (?:policy|notice"
    r"|statement)\b.{0,40})$",
    re.IGNORECASE,
)
_MAX_WIDGET_PHRASE_CHARS = 300
_CLOSING_WIDGET = re.compile(r"^would love your thoughts, please comment\.?x?$", re.IGNORECASE)
# Words comment widgets label their buttons, counters and headings with. A short line made of
# nothing else ("Report Comment", "Log In", "9 Comments", "Kommentare 1") is a control; a
# reader's short comment ("Thank you", "Agreed.") always has a word of its own.
_WIDGET_WORDS = frozenset(
    """like likes liked liken unlike reply replies report delete edit share comment comments
    commenting log login logout sign in up out flag abuse permalink vote votes upvote downvote
    hide show more load view all newest oldest cancel submit post pingback pingbacks trackback
    trackbacks by people person a an the
    antworten antwort melden löschen bearbeiten teilen kommentar kommentare kommentieren
    anmelden abmelden gefällt mir
    responder respuesta comentario comentarios comentar denunciar
    répondre réponse commentaire commentaires signaler""".split()
)
# Words that also fill labels but are no label on their own ("A" may be a whole comment).
_FILLER_WORDS = frozenset("a an the by in up out all more mir people person".split())
_MAX_WIDGET_WORDS = 5
# Like buttons whose label and counter run together: "LikeLiked by 21 people", "LikenLiken".
_LIKE_RUN = re.compile(r"(?:un)?lik(?:e|ed|en)(?=lik)", re.IGNORECASE)
_LABEL_TOKEN = re.compile(r"[^\W_]+")
# Pingbacks and trackbacks: another site's link to the page, not a reader's words, shown as
# "Pingback: <title> | <site>", as the linking post's excerpt "[…] text […]", or as a reblog.
_LINK_NOTICE = re.compile(
    r"^(?:(?:pingback|trackback)\s*:\s*\S.*"
    r"|\[(?:…|\.\.\.)\].*\[(?:…|\.\.\.)\]"
    r"|reblogged this on\b.*|hat dies auf\b.*\brebloggt\.?)$",
    re.IGNORECASE | re.DOTALL,
)
# The site's own words about commenting: how to comment, the moderation policy, who may post
# ("Please be respectful when making a comment…", "Postmedia is committed to maintaining a
# lively but civil forum…"). A line is taken as such only when it names commenting and a
# policy or instruction word together, both in the site's register.
_COMMENTING = re.compile(
    r"\b(?:comments?|commenting|kommentare?n?|kommentieren|comentar(?:ios?)?|commentaires?)\b",
    re.IGNORECASE,
)
_POLICY = re.compile(
    r"\b(?:please|bitte|por favor|veuillez|guidelines|community standards|respectful|civil"
    r"|moderat\w*|log in|logged in|sign in|anmelden|subscribers?|suscriptores|members? of"
    r"|terms of (?:use|service)|we (?:ask|reserve|encourage)|committed to|forum)\b",
    re.IGNORECASE,
)
_MAX_POLICY_CHARS = 600
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


def is_widget_label(line: str) -> bool:
    """A short line made only of widget words and counts ("Report Comment", "LikeLiked by 21
    people", "2 Kommentare"): never something a reader wrote."""
    tokens = _LABEL_TOKEN.findall(_LIKE_RUN.sub(r"\g<0> ", line.strip()))
    words = [t.casefold() for t in tokens if not t.isdigit()]
    return (
        bool(set(words) - _FILLER_WORDS)
        and len(tokens) <= _MAX_WIDGET_WORDS
        and all(word in _WIDGET_WORDS for word in words)
    )


def is_link_notice(text: str) -> bool:
    """A pingback, trackback or reblog notice: another page linking here, not a comment."""
    return bool(_LINK_NOTICE.match(text.strip()))


def is_commenting_policy(line: str) -> bool:
    """The site's instructions or moderation policy for commenters, not a comment."""
    stripped = line.strip()
    return (
        len(stripped) <= _MAX_POLICY_CHARS
        and bool(_COMMENTING.search(stripped))
        and bool(_POLICY.search(stripped))
    )


def is_widget_phrase(line: str) -> bool:
    """A sentence a comment widget shows ("Loading comments...", "comments powered by
    Disqus", "Join thought-provoking conversations…", "Sign up (it's quick and free) or sign
    in now.", "Share this with", a privacy-policy notice)."""
    stripped = line.strip()
    return len(stripped) <= _MAX_WIDGET_PHRASE_CHARS and bool(_WIDGET_PHRASE.match(stripped))


def is_comment_widget(line: str) -> bool:
    stripped = line.strip()
    folded = stripped.casefold()
    return (
        folded in THREAD_MARKERS
        or folded in WIDGET_CONTROLS
        or bool(_CLOSING_WIDGET.match(stripped))
        or is_widget_label(stripped)
        or is_widget_phrase(stripped)
    )


def is_comment_noise(text: str) -> bool:
    """What a comment section shows that no reader wrote: widget controls and labels, link
    notices (pingbacks) and the site's commenting policy."""
    return is_comment_widget(text) or is_link_notice(text) or is_commenting_policy(text)


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
