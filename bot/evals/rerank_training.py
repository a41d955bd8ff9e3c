"""``archivist eval rerank-train``: builds the optional sentence reranker
(``bot.answering.rerank``) reproducibly (seeded, on CPU, minutes) from the bundled
all-MiniLM-L6-v2 weights: fine-tuned on the engine's candidate sentences for the questions of
the *dev* halves of XQuAD-en and news-dev (a sentence holding the gold answer is a positive, the
other candidates negatives) and on cloze questions generated from the news archive's own pages
outside the news-dev test half (a sentence with a name, a figure or a date becomes a question
about it, with some of its words left out; its passage's other sentences are the negatives). No
test-half question or page is read.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bot.answering.rerank import MAX_TOKENS

# --- training data ---------------------------------------------------------------------------

_FIGURE = re.compile(
    r"(?:[$£€]\s?)?\b\d[\d,.]*(?:\s?%|\s(?:per cent|percent|million|billion))?"
    r"(?:\s(?P<unit>[a-z]{3,}))?"
)
_YEAR = re.compile(r"\b(?:in|since|by|from|until)\s+(1[89]\d\d|20\d\d)\b")
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\b")


def cloze(sentence: str, rng: random.Random) -> str | None:
    """A question about a name, figure or date in ``sentence`` (None when it has none): the
    item becomes its wh-phrase, a quarter of the other longer words are dropped so that the
    question does not repeat the sentence word for word."""
    found = _YEAR.search(sentence)
    if found is not None:
        start, end, wh = found.start(), found.end(), "in what year"
    else:
        found = _FIGURE.search(sentence)
        if found is not None and not re.fullmatch(r"1[89]\d\d|20\d\d", found.group(0)):
            unit = found.group("unit")
            wh = f"how many {unit}" if unit else "how much"
            start, end = found.start(), found.end()
        else:
            found = _NAME.search(sentence)
            if found is None:
                return None
            start, end, wh = found.start(), found.end(), "who"
    before = sentence[:start].split()
    after = sentence[end:].rstrip(" .!?\"'”").split()
    if len(before) + len(after) < 5:
        return None
    kept = [w for w in [*before, "\0", *after] if w == "\0" or len(w) < 4 or rng.random() > 0.25]
    text = " ".join(kept).replace("\0", wh)
    return text[:1].upper() + text[1:] + "?"


async def training_pairs(args: argparse.Namespace, settings: Any) -> list[tuple[str, str, float]]:
    """(question, sentence, label) pairs from the dev halves and the generated cloze questions."""
    from bot.answering.engine import PASSAGES_FOR_QUOTES, Engine
    from bot.evals import news, qa_data
    from index.models import SearchFilters
    from index.text import sentence_spans

    rng = random.Random(args.seed)
    pairs: list[tuple[str, str, float]] = []

    def add(question: str, texts: list[str], labels: list[bool], copies: int = 1) -> None:
        positives = [t for t, y in zip(texts, labels, strict=True) if y]
        negatives = [t for t, y in zip(texts, labels, strict=True) if not y]
        if not positives or not negatives:
            return
        negatives = rng.sample(negatives, min(len(negatives), args.negatives))
        for _ in range(copies):
            pairs.extend((question, t, 1.0) for t in positives[:3])
            pairs.extend((question, t, 0.0) for t in negatives)

    async def candidates(engine: Any, text: str, filters: Any) -> list[str]:
        vector = (await engine.archive.embed([text]))[0]
        hits = await engine.archive.search(text, filters, PASSAGES_FOR_QUOTES, query_vector=vector)
        sentences, _ = await engine.candidate_sentences(hits)
        return list(dict.fromkeys(span.of(hit.passage.text) for hit, span in sentences))

    # XQuAD-en, dev half (its first half of articles), on the eval qa archive.
    if args.squad.is_file():
        pages, questions, articles = qa_data.load_squad(args.squad)
        distractors = qa_data.load_distractors([d for d in args.distractors if d.exists()])
        full = qa_data.CACHE / f"{qa_data.cache_key(args.squad, args.distractors, settings)}-full"
        await qa_data.build_archive(full, distractors + pages, settings)
        async with await Engine.open(settings.model_copy(update={"data_dir": full})) as engine:
            for question in questions:
                if question.article >= articles // 2:
                    continue
                texts = await candidates(engine, question.text, SearchFilters())
                add(
                    question.text, texts, [qa_data.holds_answer(t, question.answers) for t in texts]
                )
    print(f"rerank-train: {len(pairs)} pairs from XQuAD-en dev", file=sys.stderr)

    # news-dev, dev half (by page), and cloze questions on pages outside its test half.
    if args.news.is_file():
        paths = [p for p in args.archive if p.exists()]
        data_dir = news.CACHE / news.cache_key(paths, settings)
        await news.build_archive(data_dir, paths, settings)
        asked = news.load_questions(args.news)
        halves = news.split_of(asked)
        test_pages = {q.page for q in asked if q.page and halves[q.id] == "test"}
        origins = news.document_origins(data_dir)
        before = len(pairs)
        async with await Engine.open(settings.model_copy(update={"data_dir": data_dir})) as engine:
            for q in asked:
                if halves[q.id] != "dev" or not q.answerable:
                    continue
                filters = await engine.infer_filters(q.text, q.search_filters())
                texts = await candidates(engine, q.text, filters)
                add(q.text, texts, [news.holds(t, q.gold) for t in texts], copies=args.news_copies)
            print(f"rerank-train: {len(pairs) - before} pairs from news-dev dev", file=sys.stderr)
            before = len(pairs)
            allowed = sorted(d for d, o in origins.items() if Path(o).name not in test_pages)
            rng.shuffle(allowed)
            made = 0
            for document_id in allowed:
                if made >= args.cloze:
                    break
                ids = (await engine.archive.store._document_passage_ids(document_id))[:6]
                found = await engine.archive.store.passages(ids)
                for passage in (found[i] for i in ids if i in found):
                    if made >= args.cloze or passage.kind != "article":
                        continue
                    texts = [s.of(passage.text) for s in sentence_spans(passage.text)]
                    texts = [t for t in texts if 40 <= len(t) <= 400]
                    if len(texts) < 4:
                        continue
                    target = rng.randrange(len(texts))
                    question = cloze(texts[target], rng)
                    if question is None:
                        continue
                    add(question, texts, [i == target for i in range(len(texts))])
                    made += 1
        print(f"rerank-train: {len(pairs) - before} pairs from {made} cloze", file=sys.stderr)
    return pairs


def train(pairs: list[tuple[str, str, float]], out: Path, seed: int, epochs: int) -> None:
    """Fine-tune a cross-encoder from the bundled all-MiniLM-L6-v2 weights on ``pairs``
    (binary cross-entropy, AdamW, linear warm-up and decay), seeded; save it to ``out``."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from index.embedder import bundled_model_path

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    base = bundled_model_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    order = list(range(len(pairs)))
    batch = 32
    steps = epochs * ((len(pairs) + batch - 1) // batch)
    optimiser = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
    warmup = max(steps // 10, 1)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / (steps - warmup))),
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    started = time.perf_counter()
    step = 0
    for _ in range(epochs):
        random.Random(seed + step).shuffle(order)
        for at in range(0, len(order), batch):
            chunk = [pairs[i] for i in order[at : at + batch]]
            inputs = tokenizer(
                [q for q, _, _ in chunk],
                [s for _, s, _ in chunk],
                truncation=True,
                max_length=MAX_TOKENS,
                padding=True,
                return_tensors="pt",
            )
            logits = model(**inputs).logits.squeeze(-1)
            loss = loss_fn(logits, torch.tensor([y for _, _, y in chunk]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 50 == 0:
                print(
                    f"rerank-train: step {step}/{steps} loss {loss.item():.3f} "
                    f"({time.perf_counter() - started:.0f} s)",
                    file=sys.stderr,
                )
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


async def run_train(args: argparse.Namespace, settings: Any) -> int:
    if not args.squad.is_file() and not args.news.is_file():
        print("eval rerank-train: no training data found: skipped", file=sys.stderr)
        return 0
    import torch

    torch.set_num_threads(max(1, args.threads))
    pairs = await training_pairs(args, settings)
    print(f"rerank-train: {len(pairs)} pairs", file=sys.stderr)
    await asyncio.to_thread(train, pairs, args.out, args.seed, args.epochs)
    print(f"rerank-train: saved {args.out} (set RERANK_MODEL={args.out})", file=sys.stderr)
    return 0


def register(
    evaluations: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = evaluations.add_parser(
        "rerank-train",
        parents=[common],
        help="fine-tune the optional sentence reranker (RERANK_MODEL) on the dev halves",
    )
    shared = Path("../shared/eval")
    parser.add_argument("--squad", type=Path, default=shared / "qa/xquad.en.json")
    parser.add_argument(
        "--distractors",
        type=Path,
        nargs="*",
        default=[shared / "extraction/fundus", shared / "extraction/scrapinghub"],
    )
    parser.add_argument("--news", type=Path, default=shared / "qa/news-dev.jsonl")
    parser.add_argument(
        "--archive",
        type=Path,
        nargs="*",
        default=[shared / "extraction", shared / "../corpus/seed"],
    )
    parser.add_argument("--out", type=Path, default=Path("build/reranker"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--negatives", type=int, default=8, help="negatives per question")
    parser.add_argument("--news-copies", type=int, default=3, help="weight of news-dev questions")
    parser.add_argument("--cloze", type=int, default=1500, help="generated questions")
    parser.add_argument("--threads", type=int, default=2)
    parser.set_defaults(handler=run_train)
