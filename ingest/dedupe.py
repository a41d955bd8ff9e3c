"""Recognising a page already archived under another URL (syndicated copies, mirrors).

Two fingerprints of the body: a hash of its folded words for exact copies, and a 64-bit simhash
of its word 3-shingles for near-exact ones (a changed byline, a different footer line), which
differ in at most a few bits. Short bodies get no simhash: a hundred-word stub or a paywall
notice would look like every other one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from index.text import words

MIN_WORDS_FOR_NEAR = 80
MAX_DISTANCE = 3  # bits of 64: the banded lookup in the store finds every pair this close
_SHINGLE = 3


@dataclass(frozen=True, slots=True)
class Fingerprints:
    exact: str | None
    simhash: int | None  # signed 64-bit, as SQLite stores integers


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def simhash(tokens: list[str]) -> int:
    weights = [0] * 64
    for start in range(max(1, len(tokens) - _SHINGLE + 1)):
        shingle = " ".join(tokens[start : start + _SHINGLE])
        value = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if value >> bit & 1 else -1
    return _signed(sum(1 << bit for bit, weight in enumerate(weights) if weight > 0))


def fingerprints(body: list[str]) -> Fingerprints:
    tokens = [w.casefold() for w in words(" ".join(body))]
    if not tokens:
        return Fingerprints(None, None)
    exact = hashlib.sha256(" ".join(tokens).encode("utf-8")).hexdigest()
    near = simhash(tokens) if len(tokens) >= MIN_WORDS_FOR_NEAR else None
    return Fingerprints(exact, near)


def distance(a: int, b: int) -> int:
    return bin((a ^ b) & 0xFFFFFFFFFFFFFFFF).count("1")


def is_duplicate(mine: Fingerprints, exact: str | None, near: int | None) -> bool:
    if mine.exact is not None and mine.exact == exact:
        return True
    return (
        mine.simhash is not None
        and near is not None
        and distance(mine.simhash, near) <= (MAX_DISTANCE)
    )
