"""How page bodies and comment texts are kept: compressed, with passages cut out of them.

A passage stores no text of its own (``schema.PASSAGE_TEXT``): SQL calls ``passage_text``, which
every connection to an archive registers, to slice it out of its source.
"""

from __future__ import annotations

import functools
import zlib


def passage_text(stored: str | None, source: str | bytes | None, start: int, end: int) -> str:
    """SQL's ``passage_text(p.text, source, start, end)``: the passage's own text when a row
    written before migration 6 still holds it, else its slice of the (decompressed) source."""
    if stored:
        return stored
    return unsqueeze(source)[start:end] if source is not None else ""


def squeeze(text: str) -> str | bytes:
    """Page bodies and comment texts repeat what the passages hold (the passages are slices of
    them), and are read only to show a whole document: kept zlib-compressed (a BLOB in the
    TEXT column; rows written before stay text), they take about a third of the room."""
    if len(text) < 256:
        return text
    packed = zlib.compress(text.encode("utf-8"), 6)
    return packed if len(packed) < len(text) else text


def unsqueeze(value: str | bytes) -> str:
    """The text ``squeeze`` kept, whichever form it was kept in."""
    return _decompressed(value) if isinstance(value, bytes) else value


@functools.lru_cache(maxsize=4)
def _decompressed(value: bytes) -> str:
    # ``passage_text`` cuts every passage of a page out of the same body, row by row: a page
    # write (FTS delete and insert) or read would otherwise decompress it once per passage.
    return zlib.decompress(value).decode("utf-8")
