"""Reader names in questions: when a stored commenter's name found in a question is worded as a
person ("what did Tom say", "reader Tom", "Tom's comments") rather than as a common word
("the owner", "any readers"), and the name a reader signed with, without the date and verb a
comment widget wrapped it in.
"""

from __future__ import annotations

import functools
import re

from index.text import STOPWORDS, fold, words

# How a question treats a stored commenter's name it contains. Names are whatever readers typed
# ("Any", "Owner", "Test", "Cloud", "Tom", "admin"), so finding one among the question's words is
# not enough: the wording must treat it as a person (``worded_as_person``) and the articles must
# not use it as a word or a topic of their own (``Engine._named_in_articles``).
# A word right before the match that makes it a common noun: "the owner", "any readers".
_DETERMINERS = frozenset(
    "a an the any some this that these those every each no my our your his her its their "
    "another other such".split()
)
# A verb right after the match that makes it a speaker: "what did admin say", "Tom wrote".
SPEECH_VERBS = frozenset(
    """say says said saying write writes wrote written writing think thinks thought comment
    comments commented post posts posted reply replies replied respond responds responded
    answer answers answered argue argues argued claim claims claimed believe believes feel
    feels felt mean means meant suggest suggests suggested complain complains complained
    criticise criticises criticised criticize criticizes criticized predict predicts predicted
    mention mentions mentioned ask asks asked add adds added tell tells told object objects
    objected agree agrees agreed disagree disagrees disagreed""".split()
)
_WORD_OF_QUESTION = re.compile(r"[^\W\d_][\w'’-]*")
# What a sentence may start with: nothing, or the end of a sentence before it.
_SENTENCE_OPENING = re.compile(r"(?:^|[.!?…:;])[\s\"'“‘«(\[]*$")
_POSSESSIVE = re.compile(r"['’]s\b")
# A name the articles themselves use in this many passages is a topic of the archive, not a
# way of naming a reader ("Turkey", "Trump"): the unfiltered search still finds the reader's
# comments, by the author column, if they are what answers.
TOPIC_PASSAGES = 2
# Matches looked at per question: a question holds a handful of words that are also names.
MAX_NAME_CANDIDATES = 5


def folded_with_offsets(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` character by character, with the index in ``text`` each folded character
    came from (one more entry for the end): a name found in the folded question can then be
    read as the asker wrote it, capitals and all."""
    if text.isascii():
        # Folding ASCII only lowercases it: every character keeps its place.
        return fold(text), list(range(len(text) + 1))
    folded: list[str] = []
    offsets: list[int] = []
    for at, char in enumerate(text):
        piece = fold(char)
        folded.append(piece)
        offsets.extend([at] * len(piece))
    offsets.append(len(text))
    return "".join(folded), offsets


def _last_word(text: str) -> str | None:
    found = _WORD_OF_QUESTION.findall(text)
    return fold(found[-1]) if found else None


def worded_as_person(question: str, start: int, end: int) -> bool:
    """Whether ``question[start:end]``, a stored commenter's name, is written as a person.

    It is when written capitalised inside a sentence of a question that uses case at all
    ("What did Random guy say?", not "Random guy…" opening it, nor a question all in capitals
    or title case); or, however written, when it speaks ("what did admin say", "Tom wrote"),
    owns ("Tom's comment") or signs ("by Tom", "according to Tom") and is not all stopwords.
    Never after a determiner: "the owner", "a test", "any readers" are common nouns.
    """
    written, before, after = question[start:end], question[:start], question[end:]
    previous = _last_word(before)
    if previous in _DETERMINERS:
        return False
    others = _WORD_OF_QUESTION.findall(before) + _WORD_OF_QUESTION.findall(after)
    uses_case = any(word[0].islower() for word in others)
    opens_sentence = _SENTENCE_OPENING.search(before) is not None
    if written[:1].isupper() and uses_case and not opens_sentence:
        return True
    if all(word in STOPWORDS for word in words(written)):
        return False
    following = _WORD_OF_QUESTION.match(after.lstrip(" ,"))
    speaks = following is not None and fold(following.group(0)) in SPEECH_VERBS
    signs = previous in ("by", "from") or fold(before).rstrip().endswith("according to")
    return speaks or signs or _POSSESSIVE.match(after) is not None


# Words that make the name next to them a reader's for certain: "reader Tom", "Tom's comments",
# "comments by Tom".
_READER_BEFORE = frozenset("reader commenter commentator".split())
_READER_POSSESSIVE = re.compile(r"['’]s\s+(?:comments?|posts?|repl(?:y|ies)|remarks?)\b", re.I)
_READER_SIGNED = re.compile(r"\b(?:comments?|posts?|repl(?:y|ies)|remarks?)\s+(?:by|from)\s*$")


def worded_as_reader(question: str, start: int, end: int) -> bool:
    """Whether the question says outright that the name at ``question[start:end]`` is a
    reader's: then it is one even where the articles use the name too."""
    before, after = question[:start], question[end:]
    return (
        _last_word(before) in _READER_BEFORE
        or _READER_POSSESSIVE.match(after) is not None
        or _READER_SIGNED.search(fold(before)) is not None
    )


# What a comment widget may write around a reader's name: "on September 17, 2018 at 8:50 pm
# said:", "says:", a parenthesised affiliation, punctuation.
_SIGNATURE = re.compile(
    r"\s+(?:on\s+\w+\s+\d{1,2},?\s+\d{4}\b.*|(?:says|said|wrote|writes)\s*:?\s*)$", re.IGNORECASE
)
_AFFILIATION = re.compile(r"\s*\([^)]*\)\s*")


def called(author: str) -> str:
    """The name a stored commenter is called by: without the date line or "said:" a comment
    widget wrote after it, a parenthesised affiliation, or the punctuation around it ("Gary M
    on September 17, 2018 at 8:50 pm said:" -> "Gary M", "Markus Rau," -> "Markus Rau")."""
    name = _SIGNATURE.sub("", author.strip())
    name = _AFFILIATION.sub(" ", name)
    return name.strip(" \t,;:.!?-–—\"'“”‘’@")


@functools.lru_cache(maxsize=4)
def authors_pattern(authors: tuple[str, ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One alternation of every named author (folded, longest first, so a longer name wins),
    and the folded name back to the stored one: one regex search per ask instead of one per
    author (~3 ms with 400 readers at 100k passages)."""
    names: dict[str, str] = {}
    for author in authors:
        if len(author) >= 3:
            names.setdefault(fold(author), author)
    # Then the name each is called by (``called``), where it differs: a reader stored as "Gary M
    # on September 17, 2018 at 8:50 pm said:" or "Markus Rau," is asked about as "Gary M".
    for author in authors:
        name = called(author)
        if len(name) >= 3:
            names.setdefault(fold(name), author)
    if not names:
        return re.compile(r"(?!)"), names
    alternation = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternation})\b"), names
