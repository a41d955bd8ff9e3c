"""Rank fusion of the dense and lexical retrievers."""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60  # the constant from Cormack et al. (2009); dampens the head of each ranking


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> dict[str, float]:
    """Fuse rankings (ids, best first): each id scores the sum of 1 / (k + rank) over the rankings
    that contain it, rank counted from 1. Returns ids with scores, best first."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return dict(sorted(scores.items(), key=lambda pair: pair[1], reverse=True))
