"""How the composer reads a question and a sentence: the stems and roots of words, the subject and
the speaker a question names, the type of answer it asks for (a date, a figure, an age, a name,
a place) and its focus word, and whether a sentence holds such an answer the question does not
already have. The composer (``bot.answering.answer``) turns these into features.

Why one module: the wording rules for questions (wh-words, the words a focus skips, word roots)
and the patterns a sentence's answer is matched with are one vocabulary, read together: the
count of "how many pairs" is found by the roots the question's focus is read with, the place of
"which town" by the capitalised runs names are. Split, each half would import the other's
patterns back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from bot.answering.question_dates import date_range, without_phrase
from bot.answering.reader_names import SPEECH_VERBS
from index.models import Hit, Passage
from index.text import Span, content_words, fold, is_content, words

# That gate alone lets "what did readers say about X?" quote any comment when no reader spoke
# of X: the framing ("what did readers say about") is itself close in meaning to every comment,
# so an off-topic one clears the floors above (on the 280-page trafilatura set, comments on Ann
# Wilson answered a question about Raquel Montoya-Lewis). So a filtered ask with a subject (the
# question less its framing, its period and the reader or site it names; ``subject_terms``)
# quotes only sentences of passages that name the subject themselves and, with their page's
# title, hold at least ``SUBJECT_COVERAGE`` of its IDF-weighted words, or hold one of them and
# are at least ``SUBJECT_SIMILARITY`` close to the question: the framing alone brings no comment
# of that set past 0.43 (for "what did readers say?"), a comment on the subject reaches 0.5-0.65
# ("fighting in Aleppo" in comments naming only Aleppo). A passage must name the subject itself:
# widget text under a page on X ("Report Comment") is no reader speaking of X.
SUBJECT_COVERAGE = 0.5
SUBJECT_SIMILARITY = 0.5
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)s?\b")
_DATE_WORD = re.compile(
    r"\b(jan(uary)?|feb(ruary)?|march|apr(il)?|june?|july?|aug(ust)?|sept?(ember)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?|centur(y|ies)|decades?|bc|ad|bce|ce)\b",
    re.IGNORECASE,
)
_NUMBER_WORD = re.compile(
    r"\b(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|hundred|hundreds|thousand|thousands|million|millions|"
    r"billion|billions|dozen|half|percent)\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+")

_ASKS_DATE = re.compile(
    r"\bwhen\b|\b(what|which) (year|years|date|day|month|century|decade|time|period|era)\b|"
    r"\bhow long ago\b",
    re.IGNORECASE,
)
_ASKS_NUMBER = re.compile(
    r"\bhow (many|much|long|old|far|large|big|high|tall|often)\b|"
    r"\b(what|which) (percentage|percent|number|amount|size|population|proportion)\b",
    re.IGNORECASE,
)
_ASKS_NAME = re.compile(
    r"^(who|whom|whose)\b|\b(who|whom|whose)\b|\b(what|which) (person|man|woman|team|company|"
    r"group|organi[sz]ation|country|city|state|nation|party)\b|\bwhere\b",
    re.IGNORECASE,
)


def stem(word: str) -> str:
    """A crude prefix stem: "surrendered" and "surrender" meet at "surre". Cheap, no data, and
    good enough to credit inflections when counting shared words."""
    return word[:5] if len(word) > 5 else word


def word_stems(text: str) -> set[str]:
    return {stem(word) for word in words(text)}


# Words that frame a question about what was said rather than name its subject, beyond the
# stopwords ``content_words`` already drops ("reader", "comment", "say", "think").
_FRAMING = frozenset(
    """commenter commenters commenting commentator commentators reaction reactions react
    reacted opinion opinions thoughts feel felt happen happened happens ought""".split()
)
_SUFFIXES = ("ings", "ing", "ers", "er", "ed", "es", "s")
_SPEAKER = re.compile(
    r"\b(?i:what|how)\s+(?i:did|does|do|has|have|had)\s+(?:(?i:the)\s+)?"
    r"(?P<who>(?:[A-Z][\w'’.-]*\s+){1,4}?)"
    r"(?i:say|says|said|think|thinks|thought|tell|tells|told|write|writes|wrote|claim|claims|"
    r"claimed|argue|argues|argued|believe|believes|believed|feel|feels|felt)\b"
)
ABOUT_WORDS = re.compile(r"\b(?:about|regarding|concerning)\b", re.IGNORECASE)


def word_root(word: str) -> str:
    """``stem`` after one inflection is cut off, so that "ruling", "rules" and "ruled" meet at
    "rul": a five-letter prefix alone keeps "rulin" and "rules" apart, and whether a comment
    names the subject must not hang on the form of a word."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return stem(word)


def _roots(text: str) -> set[str]:
    return {word_root(word) for word in words(text) if is_content(word)}


def _named_in(question: str, hits: list[Hit]) -> set[str]:
    """The words of the readers and sites of ``hits`` that ``question`` names."""
    folded = f" {' '.join(words(question))} "
    named: set[str] = set()
    for name in {hit.passage.author for hit in hits} | {hit.passage.site for hit in hits}:
        tokens = words(name or "")
        if tokens and f" {' '.join(tokens)} " in folded:
            named.update(tokens)
    return named


def speaker_terms(question: str, hits: list[Hit]) -> set[str]:
    """The roots of the person whose words ``question`` asks for ("What did Donald Trump say
    about ...": {"donal", "trump"}), unless that is a reader or site of ``hits`` (the filters
    already hold it); empty when it names nobody (see ``_SPEAKER``)."""
    found = _SPEAKER.search(question)
    if found is None:
        return set()
    named = _named_in(question, hits)
    return {word_root(word) for word in content_words(found.group("who")) if word not in named}


def subject_terms(
    question: str, hits: list[Hit], idf: dict[str, float] | None = None
) -> dict[str, float]:
    """What the question is about, as word roots weighed by IDF: its content words less the
    framing ("what did readers say about"), the period it names ("in 2016": the date filter's
    business) and the readers and sites of ``hits`` it names ("what did Random guy say
    about ..."). Empty when the question names nothing else: "what did readers say?" or "what
    did Random guy say?" ask for the comments themselves."""
    found = date_range(question)
    if found is not None:
        question = without_phrase(question, found) or question
    named = _named_in(question, hits)
    # The verb right after a named reader frames what they did ("what did Gary M ask GiveWell
    # about ..."): it is no more the subject than "say" is. Elsewhere a speech verb may be the
    # subject itself ("what did readers say about the claims?").
    framing_verbs = {
        word
        for before, word in pairwise(words(question))
        if before in named and word in SPEECH_VERBS
    }
    idf = idf or {}
    terms: dict[str, float] = {}
    for word in content_words(question):
        if word in named or word in _FRAMING or word in framing_verbs:
            continue
        key = word_root(word)
        terms[key] = max(terms.get(key, 0.0), idf.get(word, 1.0))
    return terms


def on_subject(
    terms: dict[str, float],
    sentences: list[tuple[Hit, Span]],
    similarities: np.ndarray,
    speaker: set[str] | frozenset[str] = frozenset(),
) -> list[bool]:
    """Whether each sentence may be quoted for a question about ``terms`` (see
    ``SUBJECT_COVERAGE``): its passage names the subject, and that with its page's title covers
    enough of it, or the sentence itself is close to the question. With a ``speaker``, the
    passage or its title must also name them in full ("Brad Smith", not just "Smith"). No
    ``terms``: the speaker alone decides."""
    coverage: dict[int, float] = {}
    for hit, _ in sentences:
        if id(hit) in coverage:
            continue
        own = _roots(hit.passage.text)
        page = own | _roots(hit.passage.title or "")
        if not speaker <= page:
            coverage[id(hit)] = -1.0
        elif not terms:
            coverage[id(hit)] = 1.0
        else:
            coverage[id(hit)] = weighted_coverage(terms, page) if own & terms.keys() else -1.0
    return [
        coverage[id(hit)] >= SUBJECT_COVERAGE
        or (coverage[id(hit)] >= 0.0 and float(similarity) >= SUBJECT_SIMILARITY)
        for (hit, _), similarity in zip(sentences, similarities, strict=True)
    ]


def asked_type(question: str) -> str | None:
    """What the question asks for: "date", "number", "name", or None."""
    if _ASKS_DATE.search(question):
        return "date"
    if _ASKS_NUMBER.search(question):
        return "number"
    if _ASKS_NAME.search(question):
        return "name"
    return None


# --- reading a question the way a researcher words it (round 3) ------------------------------
#
# News questions paraphrase their answer sentence ("how old is the former Galway mayor?" against
# "the 68-year-old ..."): shared words pick the page and its lead sentence, and what tells the
# answering sentence apart is that it holds what was asked for. ``answer_type`` reads that
# finer than ``asked_type``; ``focus_terms`` the noun the question asks about ("how many jobs",
# "which town"); ``_reading_features`` judges the topic at page level (the question's words the
# page's title already holds) and the answer at sentence level.

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# Read at the question's first wh-word only: "what did Christie say ... when he quit" asks for
# no date. Up to two words may stand between the wh-word and its noun ("which London theatre").
_WH_WORD = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.I)
_NOUN_GAP = r"(?:[\w'’-]+\s+){0,2}?"
# The question's type is read in order, first match wins: "how much weight" is a weight before
# it is an amount, "how long ago" a date before it is a length.
_THE = r"(?:(?:is|was|were|are) the )?"
_MONEY_WORDS = (
    r"money|cash|cost|costs|costing|spent|spend|spends|spending|paid|pay|pays|paying|raised?|"
    r"earn|earns|earned|worth|charged?|charges|fined?|sold|sell|sells|bought|buy|buys|invest|"
    r"invested|donated?|owe|owed|owes|budget|compensation|bail|salary|funding|price|priced|"
    r"fees?|bill|loan|debt|revenue|profit|valued|award|awarded|payout|settlement"
)
_TYPE_QUESTIONS = (
    ("age", re.compile(r"how old\b|(?:what|which) age\b", re.I)),
    (
        "date",
        re.compile(
            r"when\b|(?:what|which) (?:year|date|days?|month|century|decade|time|minute)\b|"
            r"how long ago\b",
            re.I,
        ),
    ),
    # "How much did her weight-loss surgery cost?" asks for money: the weight is the topic.
    ("weight", re.compile(r"how heavy\b|how much\b(?=[^?]*\bweigh(?!t[- ]?loss))", re.I)),
    (
        "money",
        re.compile(
            rf"how much\b(?=[^?]*\b(?:{_MONEY_WORDS})\b)|what did (?:it|they|\w+) cost\b|"
            rf"(?:what|which) {_THE}{_NOUN_GAP}(?:cost|price|value|fine|salary|fee|budget|sum|"
            r"bill|compensation|bail|revenue|profit|funding|wage|tax|valuation)s?\b",
            re.I,
        ),
    ),
    (
        "percent",
        re.compile(
            rf"(?:what|which) {_THE}{_NOUN_GAP}(?:share|proportion|percentage|percent)\b", re.I
        ),
    ),
    ("distance", re.compile(rf"how (?:far|close|near)\b|(?:what|which) {_THE}distance\b", re.I)),
    ("speed", re.compile(rf"how fast\b|(?:what|which) {_THE}{_NOUN_GAP}speed\b", re.I)),
    ("length", re.compile(r"how long\b", re.I)),
    (
        "size",
        re.compile(
            rf"how (?:large|big|high|tall|deep|wide)\b|(?:what|which) {_THE}{_NOUN_GAP}"
            r"(?:size|height|area|length|depth|width)\b",
            re.I,
        ),
    ),
    ("count", re.compile(r"how many\b", re.I)),
    (
        "amount",
        re.compile(
            rf"how (?:much|often)\b|(?:what|which) {_THE}{_NOUN_GAP}(?:amount|level|figure|"
            r"rate|number|population|total)\b",
            re.I,
        ),
    ),
    (
        "person",
        re.compile(
            rf"(?:who|whom|whose)\b|(?:which|what) {_NOUN_GAP}(?:person|man|woman|player|star|"
            r"character|singer|actor|official|lawmaker|politician|minister|leader)\b",
            re.I,
        ),
    ),
    (
        "place",
        re.compile(
            rf"where\b|(?:which|what) {_NOUN_GAP}(?:town|city|country|state|region|village|"
            r"place|province|county|district|street|area|island|theatre|theater|hospital|"
            r"venue|stadium|school|university|prison|hotel|hostel)\b",
            re.I,
        ),
    ),
    (
        "organisation",
        re.compile(
            rf"(?:which|what) {_NOUN_GAP}(?:company|firm|party|organi[sz]ation|group|newspaper|"
            r"paper|outlet|team|club|bank|charity|agency|brand|network|union|airline|band|"
            r"package|names?)\b|what (?:is|was|are|were) the names? of\b",
            re.I,
        ),
    ),
)
# The types whose answer is a figure: a sentence without one cannot answer.
FIGURE_TYPES = frozenset(
    (
        "age",
        "date",
        "weight",
        "money",
        "percent",
        "distance",
        "speed",
        "length",
        "size",
        "count",
        "amount",
    )
)
# Figures as the types above find them in a sentence: a number (digits or words, with its
# scale) and the unit that says what it measures.
_NUMBER = (
    r"(?:(?<![\w.,])\d[\d,.]*(?<![.,])|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|thirteen|fourteen|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
    r"ninety|hundreds?|thousands?|millions?|billions?|dozens?|a dozen|half a|a few|several))"
    r"(?:\s?(?:-\s?)?(?:million|billion|trillion|thousand|hundred|bn|m|k)\b)?"
)
_UNIT_GAP = r"(?:\s?-\s?|\s)?"
_CURRENCY_WORDS = (
    r"dollars?|euros?|pounds sterling|rupees?|rand|yen|yuan|naira|ringgit|francs?|pesos?|"
    r"shillings?|cents?|pence|crores?|lakhs?|rubles?|roubles?|won|dirhams?|riyals?"
)
_SENTENCE_FIGURES = {
    "money": re.compile(
        r"(?:[$£€¥₹₦]|\b(?:rm|rs|us\$|c\$|a\$|au\$|nz\$|hk\$|r|usd|eur|gbp|inr|cad|aud|zar|"
        rf"ksh|sh)\s?)\d[\d,.]*(?:\s?(?:-\s?)?(?:million|billion|trillion|bn|m|k)\b)?|"
        rf"{_NUMBER}\s+(?:{_CURRENCY_WORDS})\b",
        re.I,
    ),
    "percent": re.compile(
        rf"{_NUMBER}\s?(?:%|per\s?cent\b|percentage points?\b)|\b(?:half|a third|a quarter|"
        r"two-thirds|three-quarters)\b",
        re.I,
    ),
    "distance": re.compile(
        rf"{_NUMBER}{_UNIT_GAP}(?:km|kms|kilomet(?:re|er)s?|met(?:re|er)s?|miles?|feet|foot|ft|"
        r"yards?|inch(?:es)?|cm|centimet(?:re|er)s?|nautical miles?|blocks?)\b",
        re.I,
    ),
    "speed": re.compile(
        rf"{_NUMBER}{_UNIT_GAP}(?:km/h|kmh|kph|mph|miles (?:an|per) hour|knots|m/s)", re.I
    ),
    "weight": re.compile(
        rf"{_NUMBER}{_UNIT_GAP}(?:kg|kgs|kilo(?:gram)?s?|pounds?|lbs?|stones?|tonnes?|tons?|"
        r"grams?|ounces?|oz)\b",
        re.I,
    ),
    "duration": re.compile(
        rf"{_NUMBER}{_UNIT_GAP}(?:seconds?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|"
        r"months?|years?|decades?|centuries|century)\b|\b(?:a|one) (?:day|night|week|fortnight|"
        r"month|year|decade|century)\b",
        re.I,
    ),
    "extent": re.compile(
        rf"{_NUMBER}{_UNIT_GAP}(?:pages?|words?|episodes?|chapters?|storeys?|stories|floors?|"
        r"acres?|hectares?|square (?:feet|foot|met(?:re|er)s?|miles?|kilomet(?:re|er)s?))\b",
        re.I,
    ),
}
# The sentence figures each measuring type accepts.
_FIGURES_OF = {
    "money": ("money",),
    "percent": ("percent",),
    "distance": ("distance",),
    "speed": ("speed",),
    "weight": ("weight",),
    "length": ("duration", "distance", "extent"),
    "size": ("distance", "extent", "weight"),
}
_COUNTED = re.compile(_NUMBER, re.I)
_BARE_YEAR = re.compile(r"(?:1[5-9]\d\d|20\d\d)s?")
# What stands before or after a number that is a day of a date or a time of day.
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.?\s*$", re.I)
_DATE_OR_TIME_AFTER = re.compile(
    rf"^(?:st|nd|rd|th)?\s*(?:of\s+)?(?:{_MONTHS})\b|^[:/]\d|^\s*(?:am|pm|a\.m\.|p\.m\.)", re.I
)
# Up to four words after a number, or three before it: where the thing it counts is named ("nine
# of these pairs", "led the team in tackles (118)").
_WORDS_AFTER = re.compile(r"(?:[\s,(-]+[\w'’$]+){1,4}")
_WORDS_BEFORE = re.compile(r"(?:[\w'’$]+[\s,()-]+){1,3}$")
_TIMES = re.compile(r"\b(?:once|twice|thrice)\b|\b\d+ times\b", re.I)
_AGE = re.compile(
    r"\b\d{1,3}[- ]years?[- ]old\b|\b\d{1,3} years? of age\b|\baged? (?:of )?\d{1,3}\b|"
    r"\b[A-Z][\w'’-]+, \d{1,3}\b(?![,.]\d)|\(\d{1,3}\)",
)
_DATE_IN_SENTENCE = re.compile(
    rf"\b(?:1\d\d\d|20\d\d)s?\b|\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\s+(?:{_MONTHS})\b|"
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|"
    r"tonight|last (?:week|month|year)|next (?:week|month|year))\b|\b\d+(?:st|nd|rd|th) minute\b|"
    r"\b\d[\d,.]* (?:years? ago|bp|bc|bce|ad)\b|\b(?:\w+th|\d+(?:st|nd|rd|th)) century\b|"
    r"\bworld war (?:i{1,2}|one|two|[12])\b|\b(?:first|second) world war\b|"
    rf"\b(?:{_MONTHS})\b",
    re.I,
)
# A run of capitalised words (a name), allowing the particles names carry.
_NAME_RUN = re.compile(
    r"\b[A-Z][\w'’.-]*(?:\s+(?:(?:de|da|von|van|der|al|bin|la|le|of|the)\s+)?[A-Z][\w'’.-]*)*"
)
_PLACE = re.compile(
    r"\b(?:in|at|from|near|to|of|outside|throughout|across|around|within|inside)\s+(?:the\s+)?"
    r"[A-Z][\w'’-]+"
)
# Words after the wh-word that are not what the question asks about.
_NOT_FOCUS = frozenset(
    """did does do is was were are has have had will would can could should much many long
    far old""".split()
)
_WH_FOCUS = re.compile(r"\b(?P<lead>how (?:many|much)|which|what|whose)\b", re.I)
# Words between the wh-word and its noun: "what is the name", "how many of the".
_SKIPPED = frozenset("is was are were the of a an".split())


def answer_type(question: str) -> str | None:
    """What the question asks for, finer than ``asked_type``: "age", "date", "amount" (a count
    or amount, with its unit), "person", "place", "organisation", or None."""
    found = _WH_WORD.search(question)
    if found is None:
        return None
    asked = question[found.start() :]
    for kind, pattern in _TYPE_QUESTIONS:
        if pattern.match(asked):
            return kind
    return None


def focus_terms(question: str) -> set[str]:
    """The roots of the noun phrase the question asks about, up to three words after its
    first wh-word: "how many jobs ..." {"job"}, "which London theatre did ..." {"londo",
    "theat"}, "what level of support ..." {"level"}; empty when the wh-word is followed by a
    verb ("what did ...") or nothing."""
    found = _WH_FOCUS.search(question)
    first_wh = _WH_WORD.search(question)
    # Read at the question's first wh-word only, as ``answer_type`` is.
    if found is None or first_wh is None or found.start() != first_wh.start():
        return set()
    roots: set[str] = set()
    for word in words(question[found.end("lead") :])[:4]:
        if (
            word in _SKIPPED
            and not roots
            and not (found.group("lead")[:3].lower() == "how" and word in _NOT_FOCUS)
        ):
            continue
        if not is_content(word) or word in _NOT_FOCUS:
            break
        roots.add(word_root(word))
        if len(roots) == 3:
            break
    return roots


def new_items(items: list[str], question_stems: set[str]) -> list[str]:
    """Those of ``items`` (matched text) not all of whose words the question already has."""
    return [
        item
        for item in items
        if not all(stem(w) in question_stems for w in words(item)) and words(item)
    ]


def counts(sentence: str) -> list[tuple[str, int, int]]:
    """The numbers in ``sentence`` that count or measure something, with where each ends: not a
    bare year, nor the day of a date ("July 2"), nor a time of day."""
    found = []
    for match in _COUNTED.finditer(sentence):
        text = match.group(0)
        if _BARE_YEAR.fullmatch(text):
            continue
        before, after = sentence[: match.start()], sentence[match.end() :]
        if text[0].isdigit() and (_MONTH_BEFORE.search(before) or _DATE_OR_TIME_AFTER.match(after)):
            continue
        found.append((text, match.start(), match.end()))
    return found


_HOW_MANY = re.compile(r"\bhow many\b", re.I)
_COUNT_ENDS = _SKIPPED | frozenset(
    "in on at for to from by with about into over under than that which who there".split()
)


def counted_terms(question: str) -> set[str]:
    """The roots of what a "how many" question counts: its words up to the verb ("how many
    narrow gauge rail lines were ...": {"narro", "gaug", "rail", "lin"}); empty for others."""
    found = _HOW_MANY.search(question)
    if found is None:
        return set()
    roots: set[str] = set()
    for word in words(question[found.end() :])[:5]:
        # "people", "times" are stopwords to a search, not to a count: only the grammar of
        # the question ends what it counts.
        if word in _NOT_FOCUS or word in _COUNT_ENDS:
            if roots or word not in _SKIPPED:
                break
            continue
        roots.add(word_root(word))
    return roots


def _counted(sentence: str, focus: set[str]) -> list[str]:
    """Numbers followed within four words by what the question counts ("how many pairs":
    "nine of these pairs"); with no such noun, every count."""
    found = [m.group(0) for m in _TIMES.finditer(sentence)]
    for text, start, end in counts(sentence):
        if not focus:
            found.append(text)
            continue
        after = _WORDS_AFTER.match(sentence, end)
        before = _WORDS_BEFORE.search(sentence, 0, start)
        near = (after.group(0) if after else "") + " " + (before.group(0) if before else "")
        if focus & {word_root(word) for word in words(near)}:
            found.append(text)
    return found


def typed_answers(
    kind: str | None, sentence: str, question_stems: set[str], focus: set[str] = frozenset()
) -> bool:
    """Whether ``sentence`` holds something of the ``answer_type`` ``kind`` that the question
    does not name: a sum of money, a share, a distance, … with its unit; a count of what the
    question counts (its ``focus``); an age, a date, a name of two words or more (a person), a
    capitalised word after "in / at / from" (a place), or any name."""
    if kind is None:
        return False
    if kind in _FIGURES_OF:
        found = [
            m.group(0)
            for name in _FIGURES_OF[kind]
            for m in _SENTENCE_FIGURES[name].finditer(sentence)
        ]
    elif kind == "count":
        found = _counted(sentence, focus)
    elif kind == "amount":
        found = [
            m.group(0) for figure in _SENTENCE_FIGURES.values() for m in figure.finditer(sentence)
        ]
        found += [text for text, _, _ in counts(sentence)]
    elif kind == "age":
        found = [m.group(0) for m in _AGE.finditer(sentence)]
    elif kind == "date":
        found = [m.group(0) for m in _DATE_IN_SENTENCE.finditer(sentence)]
    elif kind == "person":
        found = [m.group(0) for m in _NAME_RUN.finditer(sentence) if " " in m.group(0).strip()]
    elif kind == "place":
        found = [m.group(0).split(None, 1)[1] for m in _PLACE.finditer(sentence)]
    else:
        found = [m.group(0) for m in _NAME_RUN.finditer(sentence)]
    return bool(new_items(found, question_stems))


def named_entities(sentence: str) -> list[str]:
    """Names (capitalised runs not opening the sentence) and figures in ``sentence``."""
    names = [m.group(0) for m in _NAME_RUN.finditer(sentence) if m.start() > 0]
    figures = [m.group(0) for m in re.finditer(r"\d[\d,.]*", sentence)]
    return names + figures


PRONOUN = re.compile(r"\b(?:he|she|they|it|his|her|their|its|him|them)\b", re.I)


def holds_type(kind: str | None, sentence: str, question_stems: set[str]) -> bool:
    """Whether ``sentence`` holds something of the asked type that the question does not name."""
    if kind == "date":
        found = [m.group(0) for m in _YEAR.finditer(sentence)]
        found += [m.group(0) for m in _DATE_WORD.finditer(sentence)]
    elif kind == "number":
        found = [m.group(0) for m in _NUMBER_WORD.finditer(sentence)]
    elif kind == "name":
        found = [m.group(0) for m in _CAPITALISED.finditer(sentence)]
    else:
        return False
    return any(stem(fold(item).strip(".,")) not in question_stems for item in found)


def word_bigrams(text: str) -> set[tuple[str, str]]:
    """Adjacent stemmed word pairs, at least one of them a content word: phrases the question
    and a sentence share ("Super Bowl", "the Panthers defense") count more than loose words."""
    return token_bigrams(words(text))


def token_bigrams(tokens: list[str]) -> set[tuple[str, str]]:
    """``word_bigrams`` of text already split into ``words``."""
    stems = [stem(w) for w in tokens]
    content = {stem(w) for w in tokens if is_content(w)}
    return {(a, b) for a, b in pairwise(stems) if a in content or b in content}


def weighted_coverage(weights: dict[str, float], present: set[str]) -> float:
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for term, w in weights.items() if term in present) / total


# --- numbers a question names ----------------------------------------------------------------
#
# "How many passengers can Boeing's 777X carry?" over a page on the 787-9, "What was Tesla's
# revenue in the third quarter of 2021?" over a retailer's quarter of 2024: the page is on topic,
# and a sentence holds what was asked, of another aircraft, another year. What the question
# names by a code (letters and digits in one word) the passage that answers it names too; a year
# it names as part of the event ("the 2023 US Open") is the page's own or is written on it.
# A period phrase ("in 2015", ``question_dates``) is the engine's business first: it narrows the
# search to that period, and failing that the whole archive answers and says so (readers of 2020
# on "the ruling in 2015" may well be what the asker wants); only a quote that itself dates the
# fact to another year ("won the 1988 contest", asked for 2023) is no answer then. Counts and
# ordinals are spelled out or rounded differently from page to page ("4 primes" / "four primes",
# "the 10th series" / "the tenth"), and a decade is no year ("the 1970s"): neither counts.
_CODE = re.compile(r"(?<![\w'’.-])(?=[a-z]*\d)(?=\d*[a-z])[a-z\d]+(?![\w'’]|[.-]\w)", re.I)
_ORDINAL_OR_DECADE = re.compile(r"\d+(?:st|nd|rd|th|s)", re.I)
_NAMED_YEAR = re.compile(r"(?<![\w'’$£€.,-])(?:1[89]\d\d|20\d\d)(?![\w'’%]|[.,-]\d)")
_TOKEN = re.compile(r"[a-z\d]+", re.I)


@dataclass(frozen=True, slots=True)
class NamedNumbers:
    """The codes (folded) a question names, the years it names as part of an event, and the
    year of the one-year (or one-month) period it names."""

    codes: frozenset[str]
    event_years: frozenset[str]
    period_years: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.codes or self.event_years or self.period_years)


def named_numbers(question: str) -> NamedNumbers:
    period = date_range(question)
    period_years: set[str] = set()
    if period is not None:
        # "before 2016" or "between 2014 and 2016" bound a period: no year is asked about.
        if period.since and period.until and period.since.year == period.until.year:
            period_years = set(_NAMED_YEAR.findall(period.phrase))
        question = without_phrase(question, period)
    codes = {
        m.group(0).lower()
        for m in _CODE.finditer(question)
        if not _ORDINAL_OR_DECADE.fullmatch(m.group(0))
    }
    return NamedNumbers(
        frozenset(codes), frozenset(_NAMED_YEAR.findall(question)), frozenset(period_years)
    )


def numbers_check(named: NamedNumbers, hits: Sequence[Hit]) -> Callable[[Passage, Span], bool]:
    """Whether a sentence (its span) of a passage of ``hits`` may answer for what the question
    names: every code written in the passage (or its page's title, site, or reader: "v2787");
    every event year written on its page (the passages of it among ``hits``, its title) or the
    page's own year, unless the page is undated (its year cannot be judged then); and, for the
    period's year, no other year in the sentence unless the page names the period's year. Each
    page and passage is read once, however many of its sentences are asked about."""
    page_text: dict[str, list[str]] = {}
    for hit in hits:
        page_text.setdefault(hit.passage.document_id, []).append(hit.passage.text)
    held_on_page: dict[str, set[str]] = {}
    passage_fits: dict[str, bool] = {}

    def held(passage: Passage) -> set[str]:
        """The words written on the passage's page as far as the answer sees it, and its year."""
        if passage.document_id not in held_on_page:
            written = " ".join(page_text.get(passage.document_id, [passage.text]))
            words_held = set(_TOKEN.findall(f"{written} {passage.title or ''}"))
            year = {passage.published[:4]} if passage.published else set()
            held_on_page[passage.document_id] = words_held | year
        return held_on_page[passage.document_id]

    def passage_names(passage: Passage) -> bool:
        if named.codes:
            own = " ".join(
                (passage.text, passage.title or "", passage.site or "", passage.author or "")
            )
            if not named.codes <= {token.lower() for token in _TOKEN.findall(own)}:
                return False
        return not (named.event_years and passage.published) or named.event_years <= held(passage)

    def fits(passage: Passage, sentence: Span) -> bool:
        if passage.passage_id not in passage_fits:
            passage_fits[passage.passage_id] = passage_names(passage)
        if not passage_fits[passage.passage_id]:
            return False
        if named.period_years and not named.period_years <= held(passage):
            return not set(_NAMED_YEAR.findall(sentence.of(passage.text))) - named.period_years
        return True

    return fits
