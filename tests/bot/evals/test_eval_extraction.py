"""``archivist eval ingest``: the scoring, and a clean skip when the sets are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evals.extraction import TitleEvidence, token_f1
from bot.evals.extraction_names import NameTally, is_widget_comment, publisher_agrees
from bot.evals.scores import Figure
from bot.terminal.cli import main
from ingest.page import Page, PageComment
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


def test_publisher_agreement_folds_to_letters_and_digits_either_way_round() -> None:
    assert publisher_agrees("National Post", "NationalPost")
    assert publisher_agrees("The Mirror", "TheMirror")
    assert publisher_agrees("Metro", "Metro")
    assert publisher_agrees("Insider", "BusinessInsider")
    assert not publisher_agrees("Daily Mirror", "TheMirror")
    assert not publisher_agrees(None, "TheMirror")


def test_widget_comments_are_short_texts_holding_a_widget_phrase() -> None:
    assert is_widget_comment("Loading comments...")
    assert is_widget_comment("Further information on data privacy: see our Privacy Policy.")
    assert not is_widget_comment("I read their privacy policy and it is worse. " * 10)
    assert not is_widget_comment("Good point about the budget.")


def test_fault_rows_are_met_at_or_below_their_target() -> None:
    assert Figure("faults", 0.0, None, 0.0, 5, lower_is_better=True).met is True
    assert Figure("faults", 2.0, None, 0.0, 5, lower_is_better=True).met is False
    assert Figure("score", 0.9, None, 0.8, 5).met is True


def test_the_names_rows_count_framed_authors_widgets_and_names_per_host() -> None:
    names = NameTally()
    framed = Page("a", "html", ["x"], url="https://metro.co.uk/a", site_names=["Metro.co.uk"])
    framed.comments = [
        PageComment("Nice.", author="Gary M on September 17, 2018 at 8:50 pm said:"),
        PageComment("Share this with"),
        PageComment("Agreed.", author="Ann"),
    ]
    names.add(framed, None, "Metro")
    names.add(Page("b", "html", ["y"], url="https://metro.co.uk/b", site_names=["Metro"]), None)
    rows = {figure.name: figure for figure in names.figures()}
    assert rows["names: comment authors framed (share)"].ours == 0.5
    assert rows["names: widget text stored as comments"].ours == 1
    assert rows["names: fundus site = publisher (pages)"].ours == 1
    assert rows["names: site names per host, stored (most)"].ours == 1
    assert rows["  hosts whose pages state several names"].ours == 1
