"""``archivist eval qa``: answer quality on a SQuAD-format file, engine beside three baselines.

The file's paragraphs become documents (their article title as the headline), news bodies from
``--distractors`` (fundus ``ground_truth_en.json`` bodies, scrapinghub ``ground-truth.json``
articleBody) are added as distracting pages, and every question goes through ``Engine.ask``,
exactly as the bot asks. A quote counts when a gold answer's text lies inside it. The engine is
reported twice: as shipped (``engine``), and with its abstention gate off (``ungated``: every
question answered with the best sentences, ``bot.answering.answer.abstention_off``), so that
the ranking's own quality and what the gate costs of it are both visible.

Baselines, each quoting one sentence from the same archive and the same 8 passages budget:
``bm25`` (FTS5 passages, then the sentence with the best sentence-level BM25), ``dense`` (nearest
passages, then the sentence nearest the question), ``rrf`` (fused passages, then sentences by
the reciprocal rank fusion of those two sentence rankings) and ``para-then-sent`` (the single
best fused passage, then its best sentence by that fusion).

The scoring weights in ``bot.answering.answer`` were fitted (``--fit``) on the *dev* half only: the
paragraphs of the file's first half of articles. The *test* half is reported on its own so the
figure on data the weights never saw is visible. ``--remove-gold`` builds two archives, each
with half of the paragraphs (alternating), and asks each half's questions of the archive that
lacks them: the share declined is the abstention figure, printed with what other thresholds would
decline and cost.

The scratch archives are cached under ``build/eval-qa`` keyed on the data files, the model and
the schema, so a second run only asks.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.answering.answer import ABSTAIN_BELOW, abstention_off, compose
from bot.answering.engine import PASSAGES_FOR_QUOTES, Engine
from bot.answering.features import (
    ABSTAIN_FEATURES,
    FEATURES,
    every_feature,
    evidence,
    features,
    probabilities,
)
from bot.evals.qa_archives import (
    half_archives,
    remove_gold,
)
from bot.evals.qa_data import (
    BASELINES,
    CACHE,
    Question,
    Tally,
    baselines,
    build_archive,
    cache_key,
    holds_answer,
    load_distractors,
    load_squad,
    record,
    record_answer,
)
from bot.settings import Settings
from index.models import SearchFilters
from ingest.page import Page

# The engine as shipped, and the same engine with the abstention gate off (``abstention_off``).
SYSTEMS = ("engine", "ungated")


# --- fitting the quote scorer ----------------------------------------------------------------


def fit_logistic(rows: np.ndarray, labels: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method: a dozen features, no library."""
    weights = np.zeros(rows.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(rows @ weights)))
        gradient = rows.T @ (p - labels) + l2 * np.r_[0.0, weights[1:]]
        hessian = (rows * (p * (1 - p))[:, None]).T @ rows + l2 * np.diag(
            np.r_[0.0, np.ones(rows.shape[1] - 1)]
        )
        # Least squares rather than solve: with one class only (a tiny file) the bias term's
        # curvature vanishes and the system is singular; otherwise the two agree.
        step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        weights -= step
        if np.abs(step).max() < 1e-6:
            break
    return weights


async def _inputs(engine: Engine, question: Question) -> tuple[Any, ...]:
    """What ``Engine.ask`` hands ``compose`` for a question (no date phrase handling)."""
    filters = await engine.infer_filters(question.text, SearchFilters())
    vector = (await engine.archive.embed([question.text]))[0]
    hits = await engine.archive.search(
        question.text, filters, PASSAGES_FOR_QUOTES, query_vector=vector
    )
    sentences, matrix = await engine.candidate_sentences(hits)
    return question.text, vector, hits, matrix, sentences, await engine.question_idf(question.text)


async def candidate_rows(engine: Engine, question: Question) -> tuple[np.ndarray, np.ndarray]:
    """The engine's candidate sentences for a question as feature rows, labelled by the gold."""
    text, vector, hits, matrix, sentences, idf = await _inputs(engine, question)
    rows = features(text, vector, hits, matrix, sentences, idf)
    labels = np.array(
        [holds_answer(span.of(hit.passage.text), question.answers) for hit, span in sentences],
        dtype=float,
    )
    return rows, labels


@dataclass(slots=True)
class Judged:
    """One question's answer as the abstention model sees it: its inputs, and whether the
    first quote / any quote holds the gold answer (answering regardless of evidence)."""

    inputs: np.ndarray
    first: bool
    any: bool


async def abstention_row(engine: Engine, question: Question) -> Judged | None:
    """The abstention model's inputs for the answer to ``question`` and how right it is."""
    text, vector, hits, matrix, sentences, idf = await _inputs(engine, question)
    inputs = evidence(text, vector, hits, matrix, sentences, idf)
    if inputs is None:
        return None
    answer = compose(text, vector, hits, matrix, sentences, idf=idf, require_evidence=False)
    quotes = [quote.text for quote in answer.quotes]
    return Judged(
        inputs,
        bool(quotes) and holds_answer(quotes[0], question.answers),
        any(holds_answer(quote, question.answers) for quote in quotes),
    )


def fit_abstention(
    present: list[Judged], absent: list[Judged], decline: float, l2: float = 3.0
) -> tuple[np.ndarray, float]:
    """Weights of the abstention model and the lowest threshold that declines at least
    ``decline`` of ``absent`` (questions asked without their gold paragraph).

    Positives: ``present`` answers (gold archived) with the answer in one of their quotes;
    negatives: the other present ones and every absent one, as the remove-gold figure counts
    them. Fitted on standardised inputs, so that one ``l2`` suits similarities, shares and
    counts alike, and returned in the raw inputs' scale for ``bot.answering.answer``."""
    rows = np.array([j.inputs for j in present + absent])
    labels = np.array([j.any for j in present] + [False] * len(absent), dtype=float)
    # Column 0 is the bias: left as it is (and unpenalised by ``fit_logistic``).
    mean = np.r_[0.0, rows[:, 1:].mean(axis=0)]
    scale = np.r_[1.0, rows[:, 1:].std(axis=0)]
    scale[scale == 0] = 1.0
    fitted = fit_logistic((rows - mean) / scale, labels, l2)
    weights = fitted / scale
    weights[0] = fitted[0] - float((fitted[1:] * mean[1:] / scale[1:]).sum())
    if not absent:
        return weights, 0.0
    confidence = np.sort(probabilities(np.array([j.inputs for j in absent]), weights))
    needed = min(math.ceil(decline * len(confidence)), len(confidence))
    if needed == 0:
        return weights, 0.0
    # Halfway between the last confidence that must fall below and the next: the same
    # decisions on dev, a less brittle boundary.
    above = confidence[needed] if needed < len(confidence) else min(confidence[-1] + 0.01, 1.0)
    return weights, float((confidence[needed - 1] + above) / 2)


def gate_figures(
    present: list[Judged], absent: list[Judged], weights: np.ndarray, threshold: float
) -> dict[str, float]:
    """A@1 and A@3 with the gold present, ungated and gated, and the share declined without
    it: what a threshold costs and buys on the questions given."""
    n = max(len(present), 1)
    shown = (
        probabilities(np.array([j.inputs for j in present]), weights) >= threshold
        if present
        else np.zeros(0, dtype=bool)
    )
    declined = (
        probabilities(np.array([j.inputs for j in absent]), weights) < threshold
        if absent
        else np.zeros(0, dtype=bool)
    )
    return {
        "A@1 ungated": round(sum(j.first for j in present) / n, 3),
        "A@3 ungated": round(sum(j.any for j in present) / n, 3),
        "A@1": round(sum(j.first and ok for j, ok in zip(present, shown, strict=True)) / n, 3),
        "A@3": round(sum(j.any and ok for j, ok in zip(present, shown, strict=True)) / n, 3),
        "declined": round(float(declined.mean()) if absent else 0.0, 3),
    }


# --- the command -----------------------------------------------------------------------------


def _sample(questions: list[Question], limit: int | None) -> list[Question]:
    if not limit or limit >= len(questions):
        return questions
    step = len(questions) / limit  # a fixed, evenly spread sample: the same on every run
    return [questions[int(i * step)] for i in range(limit)]


def format_table(rows: list[dict[str, Any]]) -> str:
    columns = list(rows[0])
    widths = [max(len(str(c)), *(len(str(r[c])) for r in rows)) for c in columns]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += [
        "  ".join(str(r[c]).ljust(w) for c, w in zip(columns, widths, strict=True)) for r in rows
    ]
    return "\n".join(lines)


async def run_qa(args: argparse.Namespace, settings: Settings, embedder: Any = None) -> int:
    if not args.data.is_file():
        print(f"eval qa: {args.data} not found: skipped", file=sys.stderr)
        return 0
    pages, questions, articles = load_squad(args.data)
    distractors = load_distractors([d for d in args.distractors if d.exists()])
    dev_articles = args.dev_articles = articles // 2
    key = cache_key(args.data, args.distractors, settings)
    cache = args.cache or CACHE
    questions = _sample(questions, args.limit)
    if args.split != "all":
        wanted = args.split == "dev"
        questions = [q for q in questions if (q.article < dev_articles) == wanted]

    full_dir = cache / f"{key}-full"
    await build_archive(full_dir, distractors + pages, settings, embedder)
    report: dict[str, Any] = {"questions": len(questions), "distractor_pages": len(distractors)}

    async with await Engine.open(
        settings.model_copy(update={"data_dir": full_dir}), embedder=embedder
    ) as engine:
        report["passages"] = (await engine.stats())["passages"]
        if args.fit:
            await fit(args, settings, embedder, engine, pages, distractors, questions, key)
            return 0
        tallies = {name: Tally() for name in ("engine", "ungated", *BASELINES)}
        split = {f"{system}/{half}": Tally() for system in SYSTEMS for half in ("dev", "test")}
        confidences: list[tuple[float, bool, bool]] = []
        for question in questions:
            which = "dev" if question.article < dev_articles else "test"
            retrieved = await engine.archive.search(question.text, limit=10)
            passages = [h.passage.text for h in retrieved]
            answer = await engine.ask(question.text)
            with abstention_off():
                ungated = await engine.ask(question.text)
            for system, given in (("engine", answer), ("ungated", ungated)):
                await record_answer(
                    engine, (tallies[system], split[f"{system}/{which}"]), passages, given, question
                )
            ungated_quotes = [q.text for q in ungated.quotes]
            confidences.append(
                (
                    ungated.confidence,
                    bool(ungated_quotes) and holds_answer(ungated_quotes[0], question.answers),
                    any(holds_answer(q, question.answers) for q in ungated_quotes[:3]),
                )
            )
            if args.baselines:
                vector = (await engine.archive.embed([question.text]))[0]
                idf = await engine.question_idf(question.text)
                for name, (found, chosen, spent) in (
                    await baselines(engine, question, vector, idf)
                ).items():
                    tally = tallies[name]
                    tally.quotes += len(chosen[:1])
                    tally.verbatim += len(chosen[:1])  # sentences are slices by construction
                    record(tally, found, chosen, question.answers)
                    tally.latencies.append(spent)
        rows = [tallies[system].row(system) for system in SYSTEMS]
        rows += [tallies[name].row(name) for name in BASELINES if tallies[name].asked]
        rows += [tally.row(name) for name, tally in split.items() if tally.asked]
        report["systems"] = rows

    if args.remove_gold:
        report["remove_gold"] = await remove_gold(
            args, settings, embedder, pages, distractors, questions, cache, key
        )
        report["remove_gold"]["calibration"] = _calibration(
            confidences, report["remove_gold"].pop("confidences")
        )

    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(
            f"{report['questions']} questions; {report['passages']} passages "
            f"({report['distractor_pages']} distractor pages). engine: as shipped, declining "
            "when the abstention model's confidence is below the threshold; ungated: the same "
            "ranking answering every question (its own quality)\n"
        )
        print(format_table(report["systems"]))
        if "remove_gold" in report:
            gone = report["remove_gold"]
            print(
                f"\n--remove-gold: {gone['declined']:.3f} of {gone['questions']} questions "
                "declined with their paragraph left out"
                + "".join(f"; {k} {v:.3f}" for k, v in gone["declined_by_split"].items())
            )
            print(
                f"\nthe abstention threshold (shipped: {ABSTAIN_BELOW}), declined without the "
                "gold against A@1/A@3 with it (from the ungated answers' confidence):"
            )
            print(format_table(gone["calibration"]))
    return 0


async def fit(
    args: argparse.Namespace,
    settings: Settings,
    embedder: Any,
    engine: Engine,
    pages: list[Page],
    distractors: list[Page],
    questions: list[Question],
    key: str,
) -> None:
    """Fit, on the dev half only, the sentence ranking weights and the abstention model with
    its threshold (the latter on the gold-present archive and the remove-gold ones); print them
    to paste into ``bot.answering.answer``, with what they give on dev, test and all (the test
    figures are for reading, never for choosing)."""
    dev = [q for q in questions if q.article < args.dev_articles]
    if not dev:
        print("eval qa --fit: no questions in the dev half", file=sys.stderr)
        return
    rows, labels = [], []
    present: dict[str, list[Judged]] = {"dev": [], "test": []}
    for question in questions:
        which = "dev" if question.article < args.dev_articles else "test"
        if which == "dev":
            with every_feature():
                r, y = await candidate_rows(engine, question)
            rows.append(r)
            labels.append(y)
        found = await abstention_row(engine, question)
        if found is not None:
            present[which].append(found)
    weights = fit_logistic(np.vstack(rows), np.concatenate(labels))
    print("ranking: " + json.dumps(dict(zip(FEATURES, np.round(weights, 3).tolist(), strict=True))))
    print("WEIGHTS = " + repr(np.round(weights, 3).tolist()))
    absent: dict[str, list[Judged]] = {"dev": [], "test": []}
    async for paragraph_half, half_engine in half_archives(
        settings, embedder, pages, distractors, args.cache or CACHE, key
    ):
        for question in questions:
            if question.paragraph % 2 != paragraph_half:
                found = await abstention_row(half_engine, question)
                if found is not None:
                    absent["dev" if question.article < args.dev_articles else "test"].append(found)
    abstain, threshold = fit_abstention(present["dev"], absent["dev"], args.decline)
    # Rounded as printed, so that the figures below are those of the pasted constants.
    abstain, threshold = np.round(abstain, 3), round(threshold, 4)
    named = dict(zip(ABSTAIN_FEATURES, abstain.tolist(), strict=True))
    print(
        f"abstention ({len(present['dev'])} present, {len(absent['dev'])} absent on dev): "
        + json.dumps(named)
    )
    print("ABSTAIN_WEIGHTS = " + repr(abstain.tolist()))
    print(f"ABSTAIN_BELOW = {threshold:.4f}")
    for name, (gold, gone) in {
        "dev": (present["dev"], absent["dev"]),
        "test": (present["test"], absent["test"]),
        "all": (present["dev"] + present["test"], absent["dev"] + absent["test"]),
    }.items():
        if gold or gone:
            print(f"{name}: " + json.dumps(gate_figures(gold, gone, abstain, threshold)))


def _calibration(
    present: list[tuple[float, bool, bool]], absent: list[tuple[float, str]]
) -> list[dict[str, Any]]:
    """At several thresholds (the shipped one among them): the share declined without the gold
    (dev, test, all) and A@1 / A@3 with it, read from the ungated answers and their confidence
    (an answer is given when its confidence reaches the threshold)."""
    lines = []
    n = max(len(present), 1)
    for threshold in sorted({0.05, 0.1, 0.15, ABSTAIN_BELOW, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7}):
        line: dict[str, Any] = {"threshold": round(threshold, 4)}
        for name in ("dev", "test", "all"):
            kept = [c for c, split in absent if name in ("all", split)]
            if kept:
                line[f"declined {name}"] = round(sum(c < threshold for c in kept) / len(kept), 3)
        line["A@1"] = round(sum(first and c >= threshold for c, first, _ in present) / n, 3)
        line["A@3"] = round(sum(any_ and c >= threshold for c, _, any_ in present) / n, 3)
        lines.append(line)
    return lines


def register(
    evaluations: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = evaluations.add_parser(
        "qa", parents=[common], help="answer quality on a SQuAD-format file, with baselines"
    )
    parser.add_argument("--data", type=Path, required=True, help="SQuAD-format JSON file")
    parser.add_argument(
        "--distractors", type=Path, nargs="*", default=[], help="folders of distractor pages"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--remove-gold", action="store_true", help="also measure abstention without the gold"
    )
    parser.add_argument("--limit", type=int, help="an evenly spread sample of N questions")
    parser.add_argument("--split", choices=("all", "dev", "test"), default="all")
    parser.add_argument(
        "--no-baselines", dest="baselines", action="store_false", help="engine only"
    )
    parser.add_argument("--fit", action="store_true", help="fit the quote scorer on dev; print")
    parser.add_argument(
        "--decline",
        type=float,
        default=0.81,
        help="with --fit: the share of dev questions without their gold the threshold declines",
    )
    parser.add_argument("--cache", type=Path, help=f"scratch archives (default {CACHE})")
    parser.set_defaults(handler=run_qa)
