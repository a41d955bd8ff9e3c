# Two commands set everything up on a fresh machine: `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test lint format clean eval-ingest eval-qa eval-news reranker bench bench-discord bench-discord-reindex bench-warc

# torch goes in first and pinned: 2.13.0 resolves to the CPU wheel here, while an unpinned torch
# pulled in by sentence-transformers would bring gigabytes of CUDA packages.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Ingest the bundled sample when the archive is empty, then start the bot (DISCORD_TOKEN) or a console.
run: $(STAMP)
	$(VENV)/bin/archivist run --ingest-if-empty samples/

test: $(STAMP)
	$(PY) -m pytest -q

## Extraction quality on ../shared/eval/extraction (skipped when absent), beside plain trafilatura.
eval-ingest: $(STAMP)
	$(VENV)/bin/archivist eval ingest --data ../shared/eval/extraction

## 200 /ask interactions in 5 s through the fake Discord: deferral and answer times, loop lag.
bench-discord: $(STAMP)
	$(PY) bench/discord_load.py

## /reindex of ARCHIVE (default samples/) from Discord while a client keeps asking.
ARCHIVE ?= samples
bench-discord-reindex: $(STAMP)
	$(PY) bench/discord_reindex.py --archive $(ARCHIVE)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

EVAL ?= ../shared/eval

## Answer quality on XQuAD-en with news distractors, engine beside the baselines (skips when the
## shared data is absent). EVAL_QA_ARGS=--limit 300 for a quicker sample.
eval-qa: $(STAMP)
	@if [ -f $(EVAL)/qa/xquad.en.json ]; then \
		$(VENV)/bin/archivist eval qa --data $(EVAL)/qa/xquad.en.json \
			--distractors $(EVAL)/extraction/fundus $(EVAL)/extraction/scrapinghub \
			--remove-gold $(EVAL_QA_ARGS); \
	else echo "eval-qa: $(EVAL)/qa/xquad.en.json not found: skipped"; fi

## Answer quality on questions worded as researchers ask them (qa/news-dev.jsonl) about real pages
## of ../shared/eval/extraction, per kind, dev and test halves (split by page); the archive is built
## once under build/eval-news. Skips when the shared data is absent. EVAL_NEWS_ARGS=--no-baselines.
eval-news: $(STAMP)
	@if [ -f $(EVAL)/qa/news-dev.jsonl ]; then \
		$(VENV)/bin/archivist eval news --data $(EVAL)/qa/news-dev.jsonl \
			--archive $(EVAL)/extraction $(EVAL)/../corpus/seed $(EVAL_NEWS_ARGS); \
	else echo "eval-news: $(EVAL)/qa/news-dev.jsonl not found: skipped"; fi

## The optional sentence reranker (RERANK_MODEL=build/reranker): fine-tuned, seeded, on CPU from the
## bundled model on the dev halves of XQuAD-en and news-dev and generated cloze questions.
reranker: $(STAMP)
	$(VENV)/bin/archivist eval rerank-train $(RERANK_ARGS)

## Archive scale in one table: ingest of 10,000 passages against the raw model rate; ask latency,
## recall@10, disk per 100k and the asking process's peak RSS at 10k, 100k and 1M passages (each
## archive built once under build/bench; the 1M one took 47 minutes on 2 cores).
## BENCH_ARGS="--json", "--passages N", "--latency-passages N [N ...]", "--device cuda";
## `python -m bench ask` for the latency table alone.
bench: $(STAMP)
	$(PY) -m bench scale $(BENCH_ARGS)

## Peak RSS of `archivist ingest` on a generated 1 GB WARC beside a 100 MB one (written once under
## build/bench/warc; hash embedder). BENCH_ARGS="--size-mb 200", "--model real", "--chroma-server".
bench-warc: $(STAMP)
	$(PY) -m bench warc $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
