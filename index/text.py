"""Text utilities shared by ingest (chunking) and bot (quote selection).

Sentence splitting is hand-rolled rather than taken from pysbd or nltk: we need exact character
offsets into the original string (quotes are verified by slicing), no data downloads (nltk's punkt
is fetched at run time), and a splitter that never rewrites the text. The rules are the usual
ones: a sentence ends at . ! ? or … followed by space and something that can start a sentence,
unless the word before the period is a known abbreviation or a single initial.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt gen col lt sgt capt cmdr adm gov sen rep pres
    inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec no vs etc al
    approx dept est fig vol ca e.g i.e u.s u.k u.n a.m p.m""".split()
)

# A sentence may end at terminal punctuation, optionally followed by closing quotes/brackets.
_SENTENCE_END = re.compile(r"""(?:[.!?…]+|\.{3})["'”’»)\]]*(?=\s)""")
# What may start the next sentence: an uppercase letter, digit, opening quote or bracket.
_SENTENCE_START = re.compile(r"""\s+(?=["'“‘«(\[]?[\w¿¡])""")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
# How far before a period the word in front of it is searched for. Searching from the start of
# the text made splitting quadratic in paragraph length: every period rescanned all the text
# before it. Abbreviations are a few characters long; a longer word is followed back past the
# window (``_word_before``), so the answer never depends on the window.
_WORD_WINDOW = 32
_WORD_CHAR = re.compile(r"[\w.]")


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` of some text."""

    start: int
    end: int

    def of(self, text: str) -> str:
        return text[self.start : self.end]


def _word_before(text: str, end: int) -> str | None:
    """The run of word characters and periods that ends at ``end`` (or just before a newline
    there): what ``_WORD_BEFORE.search(text, 0, end)`` finds, without reading the whole text
    before ``end``.

    The search looks in a short window; a run that fills it is followed back one character at a
    time, so the answer never depends on the window's size. The runs read for the periods of one
    text never overlap (a period is only checked when whitespace follows it, and whitespace ends
    a run), so a whole text costs linear time.
    """
    start = max(0, end - _WORD_WINDOW)
    match = _WORD_BEFORE.search(text, start, end)
    if match is None:
        return None
    first = match.start()
    if first == start:
        while first > 0 and _WORD_CHAR.match(text, first - 1):
            first -= 1
    return text[first : match.end(1)]


def _is_abbreviation(text: str, end_of_period: int) -> bool:
    word = _word_before(text, end_of_period - 1)
    if not word:
        return False
    word = word.lower().rstrip(".")
    if len(word) == 1 and word.isalpha():  # an initial, as in "J. Smith"
        return True
    return word in _ABBREVIATIONS


def sentence_spans(text: str) -> list[Span]:
    """Split ``text`` into sentence spans, trimmed of surrounding whitespace.

    Blank lines always end a sentence, so paragraphs never share one. ``span.of(text)`` is the
    sentence exactly as written.
    """
    spans: list[Span] = []
    for block in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        cursor = block.start()
        limit = block.end()
        for end_match in _SENTENCE_END.finditer(text, block.start(), limit):
            end = end_match.end()
            punctuation = end_match.group(0)
            if (
                punctuation.startswith(".")
                and not punctuation.startswith("..")
                and (_is_abbreviation(text, end_match.start() + 1))
            ):
                continue
            follow = _SENTENCE_START.match(text, end, limit)
            if not follow:
                continue
            next_char = text[follow.end()]
            if next_char.isalpha() and next_char.islower():
                continue
            _append_trimmed(spans, text, cursor, end)
            cursor = follow.end()
        _append_trimmed(spans, text, cursor, limit)
    return spans


def _append_trimmed(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))


def fold(text: str) -> str:
    """Lowercase, strip accents, straighten typographic quotes: for matching, never for display."""
    text = text.translate(_QUOTE_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


_QUOTE_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"'})

_WORD = re.compile(r"[\w][\w'’-]*", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves say said says tell told think thought reader readers article report reported
    write wrote written comment comments commented anyone someone people""".split()
)


def words(text: str) -> list[str]:
    """Folded word tokens of ``text`` (possessive 's dropped)."""
    tokens = []
    for match in _WORD.finditer(fold(text)):
        token = match.group(0).strip("'-")
        if token.endswith("'s"):
            token = token[:-2]
        if token:
            tokens.append(token)
    return tokens


def is_content(token: str) -> bool:
    """Whether a folded token (of ``words``) carries meaning: no stopword, no lone letter."""
    return token not in STOPWORDS and (len(token) > 1 or token.isdigit())


def content_words(text: str) -> list[str]:
    """Folded tokens of ``text`` that carry meaning (no stopwords), in order, without repeats."""
    return list(dict.fromkeys(token for token in words(text) if is_content(token)))


# A lone UTF-16 surrogate is no character: text holding one cannot be encoded, so SQLite, the
# tokenizer and the model fail on it. Python hands undecodable bytes of a terminal's input or
# argv over as such surrogates (surrogateescape), e.g. Latin-1 text pasted into a UTF-8 shell.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, the replacement character."""
    return _LONE_SURROGATE.sub("\ufffd", text)


# What may not reach a terminal or a report line as it is: control characters (a newline would
# start a forged line, ESC a terminal escape), line and paragraph separators, bidirectional
# overrides (text shown in another order than it reads), and lone surrogates (undecodable bytes
# of a file name, which no output encoding takes).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte kept by surrogateescape: the byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` safe to print on one line of a terminal, a report or a log: every control
    character, separator, bidirectional override and undecodable byte written as an escape
    (``\\n``, ``\\x1b``, ``\\xff``, ``\\u202e``); everything else as it is."""
    return _UNPRINTABLE.sub(_escape, text)
