"""Passages: offsets into their source, stable ids, sizes."""

from __future__ import annotations

from conftest import SEED

from index.text import sentence_spans
from ingest.chunking import ChunkSizes, build_document
from ingest.page import Page, PageComment
from ingest.readers.text import TextReader


def _page(body: list[str], comments: list[PageComment] | None = None) -> Page:
    return Page(origin="mem.txt", format="text", body=body, comments=comments or [])


def test_passages_are_slices_of_their_source() -> None:
    document = build_document(next(TextReader().read(SEED)))
    texts = {c.comment_id: c.text for c in document.comments}
    for passage in document.passages:
        source = document.body if passage.kind == "article" else texts[passage.comment_id]
        assert source[passage.source_start : passage.source_end] == passage.text


def test_ids_are_stable_content_hashes() -> None:
    page = next(TextReader().read(SEED))
    first, second = build_document(page), build_document(page)
    assert first.document_id == second.document_id
    assert [p.passage_id for p in first.passages] == [p.passage_id for p in second.passages]
    assert first.content_hash == second.content_hash
    assert len({p.passage_id for p in first.passages}) == len(first.passages)


def test_identical_comments_get_distinct_ids() -> None:
    document = build_document(_page(["Body."], [PageComment("Agreed."), PageComment("Agreed.")]))
    ids = [p.passage_id for p in document.passages if p.kind == "comment"]
    assert len(set(ids)) == 2


def test_changing_one_comment_changes_only_its_passage() -> None:
    before = build_document(_page(["Body."], [PageComment("One."), PageComment("Two.")]))
    after = build_document(_page(["Body."], [PageComment("One."), PageComment("Two, edited.")]))
    kept = {p.passage_id for p in before.passages} & {p.passage_id for p in after.passages}
    assert len(kept) == 2 and before.content_hash != after.content_hash


def test_long_paragraphs_split_at_sentence_boundaries() -> None:
    sentence = "The council met on Tuesday to discuss the new budget for the harbour. "
    paragraph = (sentence * 30).strip()
    document = build_document(_page([paragraph]), ChunkSizes(article_chars=300))
    assert len(document.passages) > 1
    for passage in document.passages:
        assert len(passage.text) <= 300
        assert passage.text.endswith("harbour.")
        assert sentence_spans(passage.text)[0].of(passage.text).startswith("The")


def test_short_paragraphs_share_a_passage() -> None:
    document = build_document(_page(["First short paragraph.", "Second one."]))
    assert [p.text for p in document.passages] == ["First short paragraph.\n\nSecond one."]


def test_a_sentence_longer_than_the_hard_limit_is_cut_between_words() -> None:
    words = " ".join(f"word{i}" for i in range(600))
    document = build_document(_page([words]), ChunkSizes(article_chars=500, hard_limit_chars=800))
    assert all(len(p.text) <= 800 for p in document.passages)
    assert " ".join(p.text for p in document.passages) == words
