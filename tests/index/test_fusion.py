"""Reciprocal rank fusion."""

from __future__ import annotations

import pytest

from index.search import reciprocal_rank_fusion


def test_an_item_both_retrievers_found_wins() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "d"]])
    assert next(iter(fused)) == "c"
    assert set(fused) == {"a", "b", "c", "d"}


def test_scores_follow_the_formula() -> None:
    fused = reciprocal_rank_fusion([["a", "b"], ["b"]], k=10)
    assert fused["a"] == pytest.approx(1 / 11)
    assert fused["b"] == pytest.approx(1 / 12 + 1 / 11)


def test_empty_rankings() -> None:
    assert reciprocal_rank_fusion([[], []]) == {}
