"""Exported citation files read back with standard parsers (markdown-it, csv, bibtexparser 1.x),
for the tests of ``archivist ask --format``, ``archivist export`` and the Export button."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import bibtexparser
from bibtexparser.bparser import BibTexParser
from markdown_it import MarkdownIt

# How LaTeX reads the escapes a BibTeX export may hold: the standard text commands, and a
# backslash before one of its special characters.
_LATEX_COMMANDS = {
    r"\textbackslash{}": "\\",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
}
_LATEX_ESCAPE = re.compile(
    "|".join(re.escape(command) for command in _LATEX_COMMANDS) + r"|\\([&%$#_])"
)


def latex_plain(value: str) -> str:
    """A BibTeX field value as the text LaTeX would typeset."""
    return _LATEX_ESCAPE.sub(lambda found: found.group(1) or _LATEX_COMMANDS[found.group(0)], value)


def bibtex_entries(text: str) -> list[dict[str, str]]:
    """The entries of a BibTeX file, fields as written (``ID``: the key, ``ENTRYTYPE``)."""
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    database = bibtexparser.loads(text, parser=parser)
    return database.entries


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def markdown_quotes(text: str) -> list[tuple[str, str]]:
    """Each top-level blockquote of a Markdown file as its rendered text, with the text of the
    paragraph after it (the source line)."""
    tokens = MarkdownIt("commonmark").parse(text)
    found: list[tuple[str, str]] = []
    depth = 0
    paragraphs: list[str] = []
    for index, token in enumerate(tokens):
        if token.type == "blockquote_open":
            depth += 1
            paragraphs = [] if depth == 1 else paragraphs
        elif token.type == "blockquote_close":
            depth -= 1
            if depth == 0:
                source = tokens[index + 2] if index + 2 < len(tokens) else None
                found.append(("\n\n".join(paragraphs), _inline_text(source) if source else ""))
        elif token.type == "inline" and depth:
            paragraphs.append(_inline_text(token))
    return found


def _inline_text(token: Any) -> str:
    """An inline token's text as rendered; a link as its address (an autolink's shown text
    is decoded for reading, its address is what was written)."""
    parts: list[str] = []
    in_link = False
    for child in token.children or []:
        if child.type == "link_open":
            parts.append(str(child.attrs["href"]))
            in_link = True
        elif child.type == "link_close":
            in_link = False
        elif not in_link:
            parts.append("\n" if child.type in ("softbreak", "hardbreak") else child.content)
    return "".join(parts)
