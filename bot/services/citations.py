"""Citations of what the archive quoted, exported as Markdown, CSV or BibTeX: the same files for
``archivist ask --format``, ``archivist export`` and Discord's Export button.

A citation is always read back from the store (``cite``): its quote is ``passage.text[start:
end]`` as archived now, with the page's metadata and the day the page was archived, so an export
can never hold words the archive does not. Each format escapes only what its readers would
otherwise interpret, so a quote parsed back out of the file is the quote, character for
character.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from bot.answering.answer import attribution
from bot.answering.engine import Engine
from bot.answering.labels import published_label
from index.models import PassageKind
from index.text import fold

ExportFormat = Literal["markdown", "csv", "bibtex"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("markdown", "csv", "bibtex")
#: The file name ending of each format, for files sent or saved.
FILE_SUFFIXES: dict[ExportFormat, str] = {"markdown": "md", "csv": "csv", "bibtex": "bib"}


@dataclass(frozen=True, slots=True)
class CitedSpan:
    """What to cite: characters ``start`` to ``end`` of a passage (``end`` None: to its end).
    ``expected``, when given, is the text the span held when it was quoted: a span whose
    passage has been re-indexed into other words since is not cited with the new ones."""

    passage_id: str
    start: int = 0
    end: int | None = None
    expected: str | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    """One quote with everything needed to cite and check it."""

    quote: str
    kind: PassageKind
    author: str | None
    title: str | None
    site: str | None
    url: str | None
    published: str | None
    # The date was read from the page's text, the page stating none of its own: never to be
    # cited as the outlet's publication date without saying so.
    published_inferred: bool
    passage_id: str
    document_id: str
    start: int
    end: int
    # The day the page was written to the archive (UTC, YYYY-MM-DD): the access date.
    archived: str | None

    @property
    def speaker(self) -> str:
        """Whose words these are: "The article", "Reader Random guy", "A reader"."""
        if self.kind == "comment":
            return f"Reader {self.author}" if self.author else "A reader"
        return "The article"

    @property
    def quoted_as(self) -> str:
        """As answers attribute a quote: "The article reported", "Reader Random guy wrote"."""
        return attribution(self.kind, self.author)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"attribution": self.speaker}


@dataclass(frozen=True, slots=True)
class Cited:
    """The citations found, in the order asked, and the passage ids that are not archived
    (or no longer hold what was quoted)."""

    citations: list[Citation]
    missing: list[str]


async def cite(engine: Engine, spans: Sequence[CitedSpan]) -> Cited:
    """The citations of ``spans``, read back from the archive as it stands."""
    store = engine.archive.store
    passages = await store.passages(list(dict.fromkeys(span.passage_id for span in spans)))
    documents = list(dict.fromkeys(p.document_id for p in passages.values()))
    inferred = await store.dates_from_text(documents)
    archived = await store.archived_days(documents)
    citations: list[Citation] = []
    missing: list[str] = []
    for span in spans:
        passage = passages.get(span.passage_id)
        quote = passage.text[span.start : span.end] if passage else ""
        if passage is None or not quote or span.expected not in (None, quote):
            missing.append(span.passage_id)
            continue
        citations.append(
            Citation(
                quote=quote,
                kind=passage.kind,
                author=passage.author,
                title=passage.title,
                site=passage.site,
                url=passage.url,
                published=passage.published,
                published_inferred=passage.document_id in inferred,
                passage_id=passage.passage_id,
                document_id=passage.document_id,
                start=span.start,
                end=span.start + len(quote),
                archived=archived.get(passage.document_id),
            )
        )
    return Cited(citations, list(dict.fromkeys(missing)))


def render_citations(citations: Sequence[Citation], export_format: ExportFormat) -> str:
    """The citations as a file in ``export_format``."""
    if export_format == "markdown":
        return as_markdown(citations)
    if export_format == "csv":
        return as_csv(citations)
    return as_bibtex(citations)


# --- Markdown ----------------------------------------------------------------------------------

# Characters CommonMark would read as markup anywhere in a line (emphasis, code, links, HTML,
# entities, tables and strikethrough in GitHub's dialect): escaped with a backslash, which any
# CommonMark reader removes again.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
# What would start a heading, a list item, a nested quote or a setext underline at a line's start.
_MARKDOWN_LINE_START = re.compile(r"^(?:[#>+=-]|\d{1,9}(?=[.)]))")
_EDGE_BLANKS = re.compile(r"^[ \t]+|[ \t]+$")
_SAFE_URL = re.compile(r"https?://[^\s<>]+")


def markdown_text(text: str) -> str:
    """One line of plain text as Markdown that renders as exactly that text. Blanks at either
    end become character references: Markdown would drop them (or read four as code)."""
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", text)
    start = _MARKDOWN_LINE_START.match(escaped.lstrip(" \t"))
    if start:
        at = len(escaped) - len(escaped.lstrip(" \t")) + start.end()
        # A digit run is made inert by escaping the "." or ")" after it, the rest themselves.
        at = at if start.group(0)[0].isdigit() else at - 1
        escaped = escaped[:at] + "\\" + escaped[at:]
    return _EDGE_BLANKS.sub(lambda found: "".join(f"&#{ord(c)};" for c in found.group(0)), escaped)


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _markdown_source(citation: Citation) -> str:
    """The source line under a quote: who, the page, its site and date, its address, the
    passage it is archived as and when."""
    head = citation.speaker
    if citation.title:
        title = f"“{markdown_text(_one_line(citation.title))}”"
        head += f", commenting on {title}" if citation.kind == "comment" else f", {title}"
    parts = [head]
    if citation.site:
        parts.append(markdown_text(_one_line(citation.site)))
    published = published_label(citation.published, citation.published_inferred)
    if published:
        parts.append(markdown_text(published))
    if citation.url:
        url = citation.url
        parts.append(f"<{url}>" if _SAFE_URL.fullmatch(url) else markdown_text(_one_line(url)))
    archived = f", archived {citation.archived}" if citation.archived else ""
    return f"— {', '.join(parts)}. Archive passage `{citation.passage_id}`{archived}."


def as_markdown(citations: Sequence[Citation]) -> str:
    """Each citation as a blockquote of the quote, line for line, and its source line."""
    blocks = []
    for citation in citations:
        quote = "\n".join(
            f"> {markdown_text(line)}" if line.strip() else ">"
            for line in citation.quote.split("\n")
        )
        blocks.append(f"{quote}\n\n{_markdown_source(citation)}\n")
    return "\n".join(blocks)


# --- CSV ---------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "quote",
    "attribution",
    "kind",
    "reader",
    "title",
    "site",
    "url",
    "published",
    "published_from_text",
    "passage_id",
    "document_id",
    "start",
    "end",
    "archived",
)


def as_csv(citations: Sequence[Citation]) -> str:
    """A header row, then one row per citation (RFC 4180 quoting, by the csv module)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for c in citations:
        writer.writerow(
            [
                c.quote,
                c.speaker,
                c.kind,
                c.author or "",
                c.title or "",
                c.site or "",
                c.url or "",
                c.published or "",
                "yes" if c.published_inferred else "no",
                c.passage_id,
                c.document_id,
                c.start,
                c.end,
                c.archived or "",
            ]
        )
    return out.getvalue()


# --- BibTeX ------------------------------------------------------------------------------------

# LaTeX's special characters as text. Braces become commands rather than ``\{``: BibTeX counts
# every brace, escaped or not, so an unpaired one in a quote would end the field.
_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_SPECIAL = re.compile("[" + re.escape("".join(_LATEX)) + "]")
# A URL field is read verbatim by biblatex: only what would break the entry is encoded.
_URL_ENCODED = {"{": "%7B", "}": "%7D", " ": "%20", "\n": "%0A"}


def bibtex_text(text: str) -> str:
    """``text`` as a BibTeX field value that LaTeX typesets as that text."""
    return _LATEX_SPECIAL.sub(lambda found: _LATEX[found.group(0)], text)


def _bibtex_key(citation: Citation, taken: set[str]) -> str:
    """A key from the site and year (``southfront2016``) and the passage id, made unique in
    its file: two quotes of one passage get ``-2``, ``-3``."""
    site = re.sub(r"[^a-z0-9]", "", fold(citation.site or ""))[:24] or "archive"
    year = (citation.published or "")[:4]
    base = f"{site}{year if year.isdigit() else ''}_{citation.passage_id}"
    key, number = base, 1
    while key in taken:
        number += 1
        key = f"{base}-{number}"
    taken.add(key)
    return key


def _bibtex_entry(citation: Citation, key: str) -> str:
    fields: list[tuple[str, str]] = [("title", bibtex_text(_one_line(citation.title or "")))]
    if citation.kind == "comment" and citation.author:
        # Double braces: a reader's name ("Random guy") is one name, not a first and last.
        fields.append(("author", "{" + bibtex_text(citation.author) + "}"))
    if citation.site:
        fields.append(("organization", bibtex_text(_one_line(citation.site))))
    if citation.published:
        fields.append(("date", bibtex_text(citation.published)))
    if citation.url:
        url = "".join(_URL_ENCODED.get(char, char) for char in citation.url)
        fields.append(("url", url))
    if citation.archived:
        fields.append(("urldate", citation.archived))
    # BibTeX reads every run of blanks and line breaks in a field as one space: written so,
    # the file shows the quote as BibTeX will (CSV, Markdown and JSON keep its line breaks).
    quote = bibtex_text(_one_line(citation.quote))
    fields.append(("note", f"{bibtex_text(citation.quoted_as)}: “{quote}”"))
    addendum = f"Archive passage {bibtex_text(citation.passage_id)}"
    if citation.published and citation.published_inferred:
        addendum += "; publication date read from the page text, which states none"
    fields.append(("addendum", addendum))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@online{{{key},\n{body}\n}}\n"


def as_bibtex(citations: Sequence[Citation]) -> str:
    """One ``@online`` entry per citation, with ``urldate`` the day it was archived."""
    taken: set[str] = set()
    return "\n".join(_bibtex_entry(c, _bibtex_key(c, taken)) for c in citations)
