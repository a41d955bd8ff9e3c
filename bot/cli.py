"""``archivist``: ingest, ask, look up, and run the bot or the console.

Every command that prints data takes ``--json``; every command takes ``--data-dir``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from bot import render
from bot.community import date_bound
from bot.engine import Engine, NotFound
from bot.evals import EVALUATIONS
from bot.progress import ingest_progress
from bot.settings import Settings
from index.archive import ModelMismatch
from index.embedder import ModelUnavailable
from index.models import KINDS, SearchFilters
from index.vectors import VectorStoreUnavailable
from ingest.pipeline import DEFAULT_BATCH, IngestReport, Skipped, ingest_paths

log = logging.getLogger("archivist")

Handler = Callable[[argparse.Namespace, Settings], Awaitable[int]]


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False))


def _date_bound(end: bool) -> Callable[[str], date]:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD as the first (``--since``) or last (``--until``) day."""

    def parse(text: str) -> date:
        try:
            return date_bound(text, end)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def _filters(args: argparse.Namespace) -> SearchFilters:
    return SearchFilters(kind=args.kind, site=args.site, since=args.since, until=args.until)


# --- commands ----------------------------------------------------------------------------------


def _report_skip(skipped: Skipped) -> None:
    print(f"skipped {skipped}", file=sys.stderr)


def _report_text(report: IngestReport) -> str:
    return (
        f"ingested {report.counts_text()}; {report.passages_added} passages written, "
        f"{report.vectors_written} vectors, {report.seconds:.1f} s"
    )


async def run_ingest(
    engine: Engine,
    paths: Sequence[Path],
    as_json: bool = False,
    *,
    prune: bool = False,
    batch_size: int = DEFAULT_BATCH,
) -> int:
    """Ingest and report; exit status 1 only when nothing at all could be ingested."""
    with ingest_progress(enabled=not as_json and sys.stderr.isatty()) as on_progress:
        report = await ingest_paths(
            engine.archive,
            paths,
            on_skip=None if as_json else _report_skip,
            on_progress=on_progress,
            prune=prune,
            batch_size=batch_size,
        )
    if as_json:
        _print_json(report.as_dict())
    else:
        print(_report_text(report), file=sys.stderr)
    return 0 if report.pages_ingested or report.pages_pruned else 1


async def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    if args.device:
        settings = settings.model_copy(update={"embed_device": args.device})
    async with await Engine.open(settings) as engine:
        return await run_ingest(
            engine, args.paths, args.json, prune=args.prune, batch_size=args.batch_size
        )


async def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    if (args.question is None) == (args.batch is None):
        print("archivist ask: give a QUESTION or --batch FILE", file=sys.stderr)
        return 2
    if args.batch is not None:
        source = sys.stdin if str(args.batch) == "-" else args.batch.open(encoding="utf-8")
        with source:
            questions = [line.strip() for line in source if line.strip()]
    else:
        questions = [args.question]
    async with await Engine.open(settings) as engine:
        for question in questions:
            answer = await engine.ask(question, _filters(args), args.k)
            if args.json:
                _print_json(answer.as_dict())
            else:
                print(render.answer_text(answer) + "\n")
    return 0


async def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    async with await Engine.open(settings) as engine:
        hits = await engine.search(args.query, _filters(args), args.k)
    rows = [
        {
            "passage_id": hit.passage.passage_id,
            "document_id": hit.passage.document_id,
            "kind": hit.passage.kind,
            "author": hit.passage.author,
            "title": hit.passage.title,
            "score": round(hit.score, 5),
            "text": hit.passage.text,
        }
        for hit in hits
    ]
    if args.json:
        _print_json({"query": args.query, "results": rows})
    for row in [] if args.json else rows:
        who = render.kind_label(row["kind"], row["author"])
        print(f"{row['passage_id']}  {who}  {row['title'] or ''}\n  {row['text'][:300]}\n")
    return 0


def _lookup(
    method: Callable[[Engine, str], Awaitable[dict[str, Any]]],
    as_text: Callable[[dict[str, Any]], str],
) -> Handler:
    async def handler(args: argparse.Namespace, settings: Settings) -> int:
        status = 0
        async with await Engine.open(settings) as engine:
            for item_id in args.ids:
                try:
                    found = await method(engine, item_id)
                except NotFound as error:
                    print(f"archivist: {error}", file=sys.stderr)
                    status = 1
                    continue
                if args.json:
                    _print_json(found)
                else:
                    print(as_text(found) + "\n")
        return status

    return handler


def _listing(
    method: Callable[[Engine], Awaitable[dict[str, Any]]],
    as_text: Callable[[dict[str, Any]], str],
) -> Handler:
    async def handler(args: argparse.Namespace, settings: Settings) -> int:
        async with await Engine.open(settings) as engine:
            found = await method(engine)
        if args.json:
            _print_json(found)
        else:
            print(as_text(found))
        return 0

    return handler


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console import chat

    async with await Engine.open(settings) as engine:
        if args.ingest_if_empty and not (await engine.stats())["documents"]:
            print(f"The archive is empty: ingesting {args.ingest_if_empty}", file=sys.stderr)
            await run_ingest(engine, [args.ingest_if_empty])
        if settings.discord_token is not None:
            from bot.discord_app import DiscordRefused, run_discord

            try:
                await run_discord(settings, engine)
            except DiscordRefused as error:
                print(f"archivist: {error}", file=sys.stderr)
                return 2
        else:
            print("DISCORD_TOKEN is not set: starting the console.", file=sys.stderr)
            await chat(engine, sys.stdin, sys.stdout)
    return 0


async def cmd_sync_commands(args: argparse.Namespace, settings: Settings) -> int:
    """Register the slash commands globally: deliberate, since they take up to an hour to show
    everywhere (the guilds in DISCORD_GUILD_IDS are synced at every start, instantly)."""
    if settings.discord_token is None:
        print("archivist sync-commands: DISCORD_TOKEN is not set", file=sys.stderr)
        return 2
    from bot.discord_app import DiscordRefused, sync_commands

    async with await Engine.open(settings) as engine:
        try:
            count = await sync_commands(settings, engine)
        except DiscordRefused as error:
            print(f"archivist: {error}", file=sys.stderr)
            return 2
    print(f"synced {count} slash commands globally", file=sys.stderr)
    return 0


# --- parser ------------------------------------------------------------------------------------


def _bench_module() -> Any:
    """The benchmarks live in the checkout's ``bench/`` (beside the package, not in it)."""
    try:
        from bench import scale
    except ImportError:
        root = Path(__file__).resolve().parents[1]
        if not (root / "bench" / "scale.py").is_file():
            return None
        sys.path.insert(0, str(root))
        from bench import scale
    return scale


async def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    scale = _bench_module()
    if scale is None:
        print("archivist bench: run it from a checkout of archivist", file=sys.stderr)
        return 2
    await scale.scale(
        argparse.Namespace(
            eval=args.eval,
            passages=args.latency_passages,
            ingest_passages=args.passages,
            questions=args.questions,
            cache=args.cache,
            device=args.device,
            json=args.json,
        )
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, help="archive directory (default: DATA_DIR, else ./data)"
    )
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON")
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--kind", choices=KINDS, help="only article text or only comments")
    filters.add_argument("--site", help="only pages of this site")
    filters.add_argument("--since", type=_date_bound(end=False), help="published on or after")
    filters.add_argument("--until", type=_date_bound(end=True), help="published on or before")

    parser = argparse.ArgumentParser(
        prog="archivist", description="Answer questions about an archive of news by quoting it."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser(
        "ingest", parents=[common, as_json], help="add archived pages (files or folders)"
    )
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ingest.add_argument(
        "--prune", action="store_true", help="remove archived pages whose files are gone"
    )
    ingest.add_argument("--device", choices=("cpu", "cuda"), help="where the model embeds")
    ingest.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH,
        metavar="N",
        help=f"passages embedded and written per batch (default {DEFAULT_BATCH})",
    )
    ingest.set_defaults(handler=cmd_ingest)

    ask = commands.add_parser(
        "ask", parents=[common, as_json, filters], help="answer a question with quotes"
    )
    ask.add_argument("question", nargs="?", metavar="QUESTION")
    ask.add_argument("--batch", type=Path, metavar="FILE", help="one question per line (- = stdin)")
    ask.add_argument("--k", type=int, default=8, help="passages to quote from (default 8)")
    ask.set_defaults(handler=cmd_ask)

    search = commands.add_parser(
        "search", parents=[common, as_json, filters], help="the passages that match a query"
    )
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--k", type=int, default=10, help="how many passages (default 10)")
    search.set_defaults(handler=cmd_search)

    source = commands.add_parser(
        "source", parents=[common, as_json], help="a passage in context, with its source"
    )
    source.add_argument("ids", nargs="+", metavar="PASSAGE_ID")
    source.set_defaults(handler=_lookup(Engine.source, render.source_text))

    document = commands.add_parser(
        "document", parents=[common, as_json], help="a whole archived page as parsed"
    )
    document.add_argument("ids", nargs="+", metavar="DOCUMENT_ID")
    document.set_defaults(handler=_lookup(Engine.document, render.document_text))

    sources = commands.add_parser(
        "sources", parents=[common, as_json], help="the archived documents"
    )
    sources.set_defaults(handler=_listing(Engine.sources, render.sources_text))

    stats = commands.add_parser("stats", parents=[common, as_json], help="archive counts")
    stats.set_defaults(handler=_listing(Engine.stats, render.stats_text))

    evaluate = commands.add_parser("eval", help="measure extraction or answer quality")
    evaluations = evaluate.add_subparsers(dest="evaluation", required=True, metavar="EVALUATION")
    for register in EVALUATIONS:
        register(evaluations, common)

    run = commands.add_parser(
        "run", parents=[common], help="the Discord bot (DISCORD_TOKEN set) or a console chat"
    )
    run.add_argument(
        "--ingest-if-empty",
        type=Path,
        metavar="PATH",
        help="ingest PATH first if the archive is empty",
    )
    run.set_defaults(handler=cmd_run)

    bench = commands.add_parser(
        "bench",
        parents=[common, as_json],
        help="ingest throughput, ask latency, disk and memory at archive scale",
    )
    bench.add_argument("--passages", type=int, default=10_000, help="passages to ingest")
    bench.add_argument("--device", choices=("cpu", "cuda"), help="where the model embeds")
    bench.add_argument(
        "--latency-passages", type=int, default=100_000, help="archive size for ask latency"
    )
    bench.add_argument("--questions", type=int, default=200, help="asks per latency row")
    bench.add_argument("--eval", type=Path, default=Path("../shared/eval"), help="shared data")
    bench.add_argument("--cache", type=Path, default=Path("build/bench"), help="scratch")
    bench.set_defaults(handler=cmd_bench)

    sync = commands.add_parser(
        "sync-commands", parents=[common], help="register the Discord slash commands globally"
    )
    sync.set_defaults(handler=cmd_sync_commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    if args.data_dir is not None:
        settings = settings.model_copy(update={"data_dir": args.data_dir})
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("chromadb", "httpx", "sentence_transformers", "transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return asyncio.run(args.handler(args, settings))
    except (ModelUnavailable, ModelMismatch, VectorStoreUnavailable) as error:
        print(f"archivist: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
