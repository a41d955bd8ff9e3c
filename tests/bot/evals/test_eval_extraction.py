"""``archivist eval ingest``: the scoring, and a clean skip when the sets are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evals.extraction import TitleEvidence, token_f1
from bot.terminal.cli import main
from ingest.readers.html import parse_html


def test_token_f1() -> None:
    assert token_f1("The harbour reopened", "the harbour reopened") == 1.0
    assert token_f1("", "something") == 0.0
    assert 0.0 < token_f1("the harbour", "the harbour reopened today") < 1.0


def test_absent_sets_are_skipped_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "ingest", "--data", str(tmp_path / "absent")]) == 0
    assert "absent" in capsys.readouterr().err


def _page(og: str, headline: str) -> bytes:
    return f"""<html><head><title>{headline}</title>
    <meta property="og:title" content="{og}"></head>
    <body><article><h1>{headline}</h1><p>{"The council met on Tuesday. " * 20}</p></article>
    </body></html>""".encode()


def test_title_evidence_bounds_rules_by_which_statements_agree() -> None:
    """Two pages whose statements agree the same way (og:title alone against the <h1> and
    <title>) but whose references take different ones: no rule reading the page gets both, so
    the bound is one page of two, while the reference is on both pages."""
    evidence = TitleEvidence()
    pages = [  # (og:title, <h1> and <title>, the reference)
        ("Council backs plan", "Council backs harbour plan after debate", "Council backs plan"),
        (
            "Mayor quits over row",
            "Mayor resigns after a bitter budget row",
            "Mayor resigns after a bitter budget row",
        ),
    ]
    for number, (og, headline, reference) in enumerate(pages):
        data = _page(og, headline)
        evidence.add(
            data,
            parse_html(data, f"page{number}.html"),
            {"file": f"page{number}.html", "title": reference},
        )
    found, bound = evidence.figures()
    assert (found.ours, bound.ours) == (1.0, 0.5)
    assert found.baseline is None and found.target is None
    [miss] = evidence.misses  # without JSON-LD, og:title is the most trusted statement
    assert miss.startswith("page1.html") and "= h1" in miss
