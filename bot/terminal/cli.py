"""``archivist``: ingest, ask, look up, and run the bot or the console.

Every command that prints data takes ``--json``; every command takes ``--data-dir``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from bot.answering.engine import Engine
from bot.evals import EVALUATIONS
from bot.services.citations import EXPORT_FORMATS
from bot.services.community import Rejected
from bot.services.compare import MAX_SITES
from bot.services.filters import date_bound
from bot.settings import Settings, SettingsError, load_settings
from bot.terminal import render
from bot.terminal.commands import (
    BROKEN_PIPE,
    CANNOT_RUN,
    INTERRUPTED,
    CommandError,
    cmd_ask,
    cmd_bench,
    cmd_compare,
    cmd_export,
    cmd_ingest,
    cmd_reindex,
    cmd_run,
    cmd_search,
    cmd_sync_commands,
    ensure_data_dir,
    listing_command,
    lookup_command,
    require_archive,
)
from index.archive import ModelMismatch
from index.embedder import ModelUnavailable, check_device
from index.models import KINDS
from index.store import UnusableArchive
from index.text import printable, without_surrogates
from index.vectors import VectorStoreUnavailable
from ingest.pipeline import DEFAULT_BATCH


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (``--k 0`` or ``-1`` would quietly slice)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _date_bound(end: bool) -> Callable[[str], date]:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD as the first (``--since``) or last (``--until``) day."""

    def parse(text: str) -> date:
        try:
            return date_bound(text, end)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, help="archive directory (default: DATA_DIR, else ./data)"
    )
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON")
    kind_and_period = argparse.ArgumentParser(add_help=False)
    kind_and_period.add_argument("--kind", choices=KINDS, help="only article text or only comments")
    kind_and_period.add_argument(
        "--since", type=_date_bound(end=False), help="published on or after"
    )
    kind_and_period.add_argument(
        "--until", type=_date_bound(end=True), help="published on or before"
    )
    filters = argparse.ArgumentParser(add_help=False, parents=[kind_and_period])
    filters.add_argument("--site", help="only pages of this site", type=without_surrogates)

    parser = argparse.ArgumentParser(
        prog="archivist", description="Answer questions about an archive of news by quoting it."
    )
    # What an ingest and a re-index share: both read pages and embed their passages.
    embedding_run = argparse.ArgumentParser(add_help=False)
    embedding_run.add_argument(
        "--prune", action="store_true", help="remove archived pages whose files are gone"
    )
    embedding_run.add_argument("--device", choices=("cpu", "cuda"), help="where the model embeds")
    embedding_run.add_argument(
        "--batch-size",
        type=_positive,
        default=DEFAULT_BATCH,
        metavar="N",
        help=f"passages embedded and written per batch (default {DEFAULT_BATCH})",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser(
        "ingest",
        parents=[common, as_json, embedding_run],
        help="add archived pages (files or folders)",
    )
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ingest.set_defaults(handler=cmd_ingest, archive="writes", embeds=True)

    reindex = commands.add_parser(
        "reindex",
        parents=[common, as_json, embedding_run],
        help="read ARCHIVE_DIR again; --rebuild embeds everything into a new generation",
    )
    reindex.add_argument(
        "--rebuild",
        action="store_true",
        help="embed every passage again into a new generation of the vectors, then switch to it",
    )
    reindex.set_defaults(handler=cmd_reindex, archive="writes", embeds=True)

    ask = commands.add_parser(
        "ask", parents=[common, as_json, filters], help="answer a question with quotes"
    )
    ask.add_argument("question", nargs="?", metavar="QUESTION", type=without_surrogates)
    ask.add_argument("--batch", type=Path, metavar="FILE", help="one question per line (- = stdin)")
    ask.add_argument("--k", type=_positive, default=8, help="passages to quote from (default 8)")
    ask.add_argument(
        "--format", choices=EXPORT_FORMATS, help="print the quotes' citations in this format"
    )
    ask.set_defaults(handler=cmd_ask, archive="reads", embeds=True)

    compare = commands.add_parser(
        "compare",
        parents=[common, as_json, kind_and_period],
        help="the best quotes from each site, side by side",
    )
    compare.add_argument("question", metavar="QUESTION", type=without_surrogates)
    compare.add_argument(
        "--sites",
        metavar="A,B,…",
        type=without_surrogates,
        help=f"the sites to compare, by name or address (default: the {MAX_SITES} that match best)",
    )
    compare.set_defaults(handler=cmd_compare, archive="reads", embeds=True)

    export = commands.add_parser(
        "export", parents=[common, as_json], help="citations of archived passages"
    )
    export.add_argument("ids", nargs="+", metavar="PASSAGE_ID")
    export.add_argument(
        "--format", choices=EXPORT_FORMATS, help="markdown (the default), csv or bibtex"
    )
    export.set_defaults(handler=cmd_export, archive="reads")

    search = commands.add_parser(
        "search", parents=[common, as_json, filters], help="the passages that match a query"
    )
    search.add_argument("query", metavar="QUERY", type=without_surrogates)
    search.add_argument("--k", type=_positive, default=10, help="how many passages (default 10)")
    search.set_defaults(handler=cmd_search, archive="reads", embeds=True)

    source = commands.add_parser(
        "source", parents=[common, as_json], help="a passage in context, with its source"
    )
    source.add_argument("ids", nargs="+", metavar="PASSAGE_ID")
    source.set_defaults(handler=lookup_command(Engine.source, render.source_text), archive="reads")

    document = commands.add_parser(
        "document", parents=[common, as_json], help="a whole archived page as parsed"
    )
    document.add_argument("ids", nargs="+", metavar="DOCUMENT_ID")
    document.set_defaults(
        handler=lookup_command(Engine.document, render.document_text), archive="reads"
    )

    sources = commands.add_parser(
        "sources", parents=[common, as_json], help="the archived documents"
    )
    sources.set_defaults(
        handler=listing_command(Engine.sources, render.sources_text), archive="reads"
    )

    stats = commands.add_parser("stats", parents=[common, as_json], help="archive counts")
    stats.set_defaults(handler=listing_command(Engine.stats, render.stats_text), archive="reads")

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
    run.set_defaults(handler=cmd_run, archive="writes", embeds=True)

    bench = commands.add_parser(
        "bench",
        parents=[common, as_json],
        help="ingest throughput, ask latency, disk and memory at archive scale",
    )
    bench.add_argument("--passages", type=int, default=10_000, help="passages to ingest")
    bench.add_argument("--device", choices=("cpu", "cuda"), help="where the model embeds")
    bench.add_argument(
        "--latency-passages",
        type=int,
        nargs="+",
        default=[10_000, 100_000, 1_000_000],
        help="archive sizes for ask latency (each built once under --cache)",
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


def _prepare(args: argparse.Namespace, settings: Settings) -> None:
    """Everything that can refuse a command, checked before it touches the archive: the data
    directory (created only by commands that write), and a CUDA device that is not there (so an
    ingest fails before it writes a page, and says why instead of blaming the model)."""
    if getattr(args, "embeds", False):
        check_device(settings.embed_device)
    archive = getattr(args, "archive", None)
    if archive == "reads":
        require_archive(settings)
    elif archive == "writes":
        ensure_data_dir(settings)


def _quiet_stdout() -> None:
    """After the reader of stdout went away (``… | head``): point stdout at /dev/null so the
    interpreter's final flush cannot fail again and print a traceback."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout replaced by something without a descriptor
        pass
    finally:
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"archivist: {error} (in the environment or .env)", file=sys.stderr)
        return CANNOT_RUN
    if args.data_dir is not None:
        settings = settings.model_copy(update={"data_dir": args.data_dir})
    if args.command in ("ingest", "reindex") and args.device:
        settings = settings.model_copy(update={"embed_device": args.device})
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("chromadb", "httpx", "sentence_transformers", "transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        _prepare(args, settings)
        status = asyncio.run(args.handler(args, settings))
        sys.stdout.flush()  # here, where a closed pipe can still be answered quietly
        return status
    except (CommandError, Rejected) as error:
        # The command refused, or its filters (``bot.services.filters``); the reasons name what
        # was given (a path, a site): printed escaped, on one line.
        print(f"archivist {args.command}: {printable(str(error))}", file=sys.stderr)
        return CANNOT_RUN
    except (ModelUnavailable, ModelMismatch, UnusableArchive, VectorStoreUnavailable) as error:
        print(f"archivist: {printable(str(error))}", file=sys.stderr)
        return CANNOT_RUN
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
