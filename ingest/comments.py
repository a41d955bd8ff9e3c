"""Splitting a plain-text comment thread into comments with their authors.

Scrapes of wpDiscuz-style threads keep the layout's blank lines, and those carry the structure:
two blank lines open an anonymous comment, while a short name line between single blank lines
announces who wrote the comment that follows it::

    ...end of a comment.

    Random guy

    Assad will agree with Turkey and push them to Iraq. Easy.


    Kurds are supported from USA, france and soma NATO countries.

A single blank line before ordinary text continues the current comment (another paragraph).

Some scrapes put two blank lines before the name line as well. There a short line could as well
be a short comment ("Thank you") as a name, so after two blank lines only a line shaped like a
person's name (capitalised words, no everyday reply words) is taken as an author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text import STOPWORDS, fold
from ingest.boilerplate import is_comment_widget
from ingest.page import PageComment

_MAX_NAME_WORDS = 4
_MAX_NAME_CHARS = 40
_NOT_IN_NAMES = re.compile(r"[.!?:;,…\"“”()]$|https?://|www\.")
# A capitalised word of a personal name: "Jane", "J.", "O'Brien", "Mary-Jane", "Ochocinszk".
_NAME_WORD = re.compile(r"[^\W\d_]+(?:[.'’-][^\W\d_]*)*")
# Words that open short replies and are capitalised like names ("Great Point", "Agreed").
_REPLY_WORDS = frozenset(
    """thank thanks thx yes yeah yep yup nope agreed agree exactly indeed true wow lol lmao
    congratulations congrats bravo great nice good well amen absolutely correct right hello hi
    hey sorry ok okay update edit ps note sad shame wrong fake false interesting""".split()
)
# Everyday words are no name words either, but "Will" is a first name as often as a verb.
_NOT_NAME_WORDS = (STOPWORDS - {"will"}) | _REPLY_WORDS


@dataclass(frozen=True, slots=True)
class Line:
    """A non-blank line and how many blank lines stood before it."""

    text: str
    blanks_before: int


def lines_with_gaps(lines: list[str]) -> list[Line]:
    result: list[Line] = []
    blanks = 0
    for raw in lines:
        text = raw.strip()
        if not text:
            blanks += 1
            continue
        result.append(Line(text, blanks))
        blanks = 0
    return result


def looks_like_name(text: str) -> bool:
    """A commenter's display name: a few words, no sentence punctuation, no link."""
    return (
        len(text) <= _MAX_NAME_CHARS
        and len(text.split()) <= _MAX_NAME_WORDS
        and not _NOT_IN_NAMES.search(text)
    )


def looks_like_person(text: str) -> bool:
    """A name line that can stand after two blank lines: a display name whose every word is a
    capitalised name word and none is a word replies are made of ("Thank you", "Great news")."""
    if not looks_like_name(text):
        return False
    names = text.split()
    return all(
        _NAME_WORD.fullmatch(name)
        and name[0].isupper()
        and fold(name).strip(".'’-") not in _NOT_NAME_WORDS
        for name in names
    )


def _announces(line: Line) -> bool:
    """Whether ``line`` can be the name that announces the next comment, judged by its shape
    and by the gap before it (see the module's docstring)."""
    if line.blanks_before >= 2:
        return looks_like_person(line.text)
    return looks_like_name(line.text)


def split_comments(thread: list[Line]) -> list[PageComment]:
    """Comments of a thread, in order, each with its author when a name line announced it."""
    comments: list[PageComment] = []
    paragraphs: list[str] = []
    author: str | None = None

    def finish() -> None:
        nonlocal paragraphs, author
        if paragraphs:
            comments.append(PageComment(text="\n\n".join(paragraphs), author=author))
        paragraphs, author = [], None

    for index, line in enumerate(thread):
        if is_comment_widget(line.text):
            finish()
            continue
        following = thread[index + 1] if index + 1 < len(thread) else None
        announces_next = (
            (paragraphs or author is None)  # a name is followed by text, not another name
            and following is not None
            and following.blanks_before == 1
            and not is_comment_widget(following.text)
            and _announces(line)
        )
        if announces_next:
            finish()
            author = line.text
            continue
        if line.blanks_before >= 2 and paragraphs:
            finish()
        paragraphs.append(line.text)
    finish()
    return comments
