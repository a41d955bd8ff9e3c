"""The ``archivist`` commands: each handler opens the engine (or the ingest pipeline), does one
thing and prints it as text or JSON. ``bot.terminal.cli`` parses the command line into them."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.answering.engine import Engine, NotFound
from bot.services.citations import CitedSpan, cite, render_citations
from bot.services.compare import compare
from bot.services.filters import Spelling, check_range, check_site, check_sites, split_sites
from bot.settings import Settings
from bot.terminal import render
from bot.terminal.progress import ingest_progress, rebuild_progress
from index.generations import RebuildReport
from index.models import SearchFilters
from index.text import printable
from ingest.pipeline import DEFAULT_BATCH, IngestReport, Progress, Skipped, ingest_paths
from ingest.rebuild import rebuild

log = logging.getLogger("archivist")

#: The checkout this package runs from, when it runs from one (where ``bench/`` lives).
CHECKOUT = Path(__file__).resolve().parents[2]

Handler = Callable[[argparse.Namespace, Settings], Awaitable[int]]

# Exit statuses: 1 when the command ran and found or ingested nothing, 2 when it could not run.
CANNOT_RUN = 2
INTERRUPTED = 130
# What a tool killed by SIGPIPE exits with (128 + 13), as `… | head` expects of a writer.
BROKEN_PIPE = 141


class CommandError(Exception):
    """Why the command cannot run, in one line: printed without a traceback, exit status 2."""


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False))


#: How a refusal names the filter options: as they are typed here.
FILTER_SPELLING = Spelling(option="--{name} {value}", site_listing="`archivist sources`")


def _filters(args: argparse.Namespace) -> SearchFilters:
    """The filters given, with the checks that need no archive done before it is opened."""
    # ``compare`` names its sites apart (``--sites``), so it has no ``--site``.
    site = getattr(args, "site", None)
    filters = SearchFilters(kind=args.kind, site=site, since=args.since, until=args.until)
    check_range(filters, FILTER_SPELLING)
    return filters


# --- the archive directory -----------------------------------------------------------------


def _archive_db(settings: Settings) -> Path:
    return Path(settings.data_dir) / "archive.db"


def ensure_data_dir(settings: Settings) -> None:
    """Create DATA_DIR for a command that writes (ingest, run), or say in one line why it
    cannot be: a file in the way, no permission, a read-only place."""
    data_dir = Path(settings.data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise CommandError(f"DATA_DIR {data_dir} is not a directory")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(
            f"cannot create DATA_DIR {data_dir}: {error.strerror or error}"
        ) from None


def require_archive(settings: Settings) -> None:
    """Refuse a read-only command where there is no archive, before opening one would create
    it (a mistyped DATA_DIR must not become an empty archive that answers "nothing found")."""
    data_dir = Path(settings.data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise CommandError(f"DATA_DIR {data_dir} is not a directory")
    if not _archive_db(settings).is_file():
        raise CommandError(
            f"no archive at {data_dir} (run `archivist ingest PATH…` first, "
            "or give --data-dir / DATA_DIR)"
        )


async def warn_missing_vectors(engine: Engine) -> None:
    """Say once when passages have no vector (DATA_DIR/chroma deleted, an ingest cut short):
    answers then rest on keyword search, and the next ingest repairs them. Or when the
    vectors were made by another model than EMBED_MODEL: a rebuild is needed."""
    mismatch = engine.archive.model_mismatch()
    if mismatch:
        print(f"archivist: warning: {mismatch}", file=sys.stderr)
        return
    missing, total = await engine.vector_gap()
    if missing:
        print(
            f"archivist: warning: {missing} of {total} passages have no vector (chroma/ "
            "deleted, or an ingest cut short), so answers rest on keyword search; run "
            "`archivist ingest PATH…` again on the archive's files to repair them (every "
            "ingest repairs missing vectors first)",
            file=sys.stderr,
        )


# --- commands ----------------------------------------------------------------------------------


def _report_text(report: IngestReport) -> str:
    """The human-readable report: what was skipped and why, then the counts."""
    lines = [f"skipped {skipped}" for skipped in report.skipped]
    lines.append(
        f"ingested {report.counts_text()}; {report.passages_added} passages written, "
        f"{report.vectors_written} vectors, {report.seconds:.1f} s"
    )
    return "\n".join(lines)


async def run_ingest(
    engine: Engine,
    paths: Sequence[Path],
    as_json: bool = False,
    *,
    prune: bool = False,
    batch_size: int = DEFAULT_BATCH,
    out: TextIO | None = None,
    rebuilt: RebuildReport | None = None,
) -> int:
    """Ingest and report; exit status 1 only when nothing at all could be ingested.

    The report goes to ``out`` (stdout unless given: it is the command's output, so it can be
    redirected to a file); the progress bar and warnings (unusable values, damaged files whose
    start was read) go to stderr. Interrupted, it says what was saved and that running it
    again finishes. ``rebuilt``: the rebuild that came first (``archivist reindex --rebuild``),
    reported with the ingest."""
    out = out or sys.stdout
    reached: list[Progress] = []
    passed_over: list[Skipped] = []
    try:
        with ingest_progress(enabled=not as_json and sys.stderr.isatty()) as draw:

            def on_progress(progress: Progress) -> None:
                reached[:] = [progress]
                if draw is not None:
                    draw(progress)

            report = await ingest_paths(
                engine.archive,
                paths,
                on_skip=passed_over.append,
                on_progress=on_progress,
                prune=prune,
                batch_size=batch_size,
                on_wait=lambda message: print(f"archivist ingest: {message}", file=sys.stderr),
            )
    except (asyncio.CancelledError, KeyboardInterrupt):
        # Readers' notices are printed with the report; without one, name them at least.
        for skipped in passed_over:
            print(f"passed over {skipped}", file=sys.stderr)
        pages = reached[0].pages if reached else 0
        passages = reached[0].passages if reached else 0
        print(
            f"interrupted: {pages} pages ({passages} new passages) saved; "
            "run the same command again to finish",
            file=sys.stderr,
        )
        raise
    if as_json:
        shown = report.as_dict()
        if rebuilt is not None:
            shown["rebuild"] = rebuilt.as_dict()
        print(json.dumps(shown, ensure_ascii=False), file=out)
    else:
        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if rebuilt is not None:
            print(rebuild_text(rebuilt), file=out)
        print(_report_text(report), file=out)
    if rebuilt is not None:
        return 0
    return 0 if report.pages_ingested or report.pages_pruned else 1


def rebuild_text(rebuilt: RebuildReport) -> str:
    return f"rebuilt the vectors: {rebuilt.summary()}"


async def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    async with await Engine.open(settings) as engine:
        return await run_ingest(
            engine, args.paths, args.json, prune=args.prune, batch_size=args.batch_size
        )


async def cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    """Read ARCHIVE_DIR again (new and changed pages; ``--prune``: remove pages whose files are
    gone). ``--rebuild`` first embeds every passage again into a new generation of the vectors
    (after EMBED_MODEL changed, say) and switches to it at once; asks served meanwhile (the
    bot, in another process) are answered from the old generation until the switch."""
    archive_dir = Path(settings.archive_dir)
    if not await asyncio.to_thread(archive_dir.is_dir):
        raise CommandError(f"ARCHIVE_DIR {archive_dir} is not a folder")
    async with await Engine.open(settings) as engine:
        rebuilt = None
        if args.rebuild:
            with rebuild_progress(enabled=not args.json and sys.stderr.isatty()) as draw:
                rebuilt = await rebuild(
                    engine.archive,
                    batch_size=args.batch_size,
                    on_progress=draw,
                    on_wait=lambda message: print(f"archivist reindex: {message}", file=sys.stderr),
                )
        return await run_ingest(
            engine,
            [archive_dir],
            args.json,
            prune=args.prune,
            batch_size=args.batch_size,
            rebuilt=rebuilt,
        )


def _read_batch(name: Path) -> list[str]:
    """The questions of a ``--batch`` file (``-``: stdin), one per line, blank lines left out."""
    try:
        if str(name) == "-":
            lines = sys.stdin.read().splitlines()
        else:
            lines = name.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise CommandError(f"--batch {name} is not UTF-8 text") from None
    except OSError as error:
        raise CommandError(f"cannot read --batch {name}: {error.strerror or error}") from None
    questions = [line.strip() for line in lines if line.strip()]
    if not questions:
        raise CommandError(f"--batch {name} holds no question")
    return questions


async def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    if args.json and args.format:
        raise CommandError("give --json or --format, not both")
    if args.question is not None and args.batch is not None:
        raise CommandError("give a QUESTION or --batch FILE, not both")
    if args.question is None and args.batch is None:
        raise CommandError("give a QUESTION or --batch FILE")
    if args.batch is not None:
        questions = _read_batch(args.batch)
    elif not args.question.strip():
        raise CommandError("the question is empty")
    else:
        questions = [args.question]
    filters = _filters(args)
    async with await Engine.open(settings) as engine:
        filters = await check_site(engine, filters, FILTER_SPELLING)
        await warn_missing_vectors(engine)
        quoted: list[CitedSpan] = []
        for question in questions:
            answer = await engine.ask(question, filters, args.k)
            if args.format:
                if not answer.answered:
                    print(f"archivist ask: {answer.text} ({question!r})", file=sys.stderr)
                quoted += [CitedSpan(q.passage_id, q.start, q.end, q.text) for q in answer.quotes]
            elif args.json:
                _print_json(answer.as_dict())
            else:
                print(render.answer_text(answer) + "\n")
        if args.format:
            # One file for every question's quotes: a batch exports one CSV with one header.
            cited = await cite(engine, quoted)
            print(render_citations(cited.citations, args.format), end="")
    return 0


async def cmd_compare(args: argparse.Namespace, settings: Settings) -> int:
    """Each site's answer to one question, side by side (``bot.services.compare``)."""
    if not args.question.strip():
        raise CommandError("the question is empty")
    filters = _filters(args)
    named = split_sites(args.sites)
    if args.sites is not None and not named:
        raise CommandError("--sites names no site (give names separated by commas)")
    async with await Engine.open(settings) as engine:
        sites = await check_sites(engine, named, FILTER_SPELLING)
        await warn_missing_vectors(engine)
        comparison = await compare(engine, args.question, filters, sites)
    if args.json:
        _print_json(comparison.as_dict())
    else:
        print(render.comparison_text(comparison))
    return 0


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """The citations of whole passages, all or none (``bot.services.citations``)."""
    if args.json and args.format:
        raise CommandError("give --json or --format, not both")
    async with await Engine.open(settings) as engine:
        cited = await cite(engine, [CitedSpan(passage_id) for passage_id in args.ids])
    if cited.missing:
        # Nothing is exported then: a citation file quietly short of a passage asked for would
        # pass for complete.
        names = ", ".join(repr(passage_id) for passage_id in cited.missing)
        which = "no passage with id" if len(cited.missing) == 1 else "no passages with ids"
        raise CommandError(f"{which} {names} in the archive (`archivist search` shows passage ids)")
    if args.json:
        _print_json({"citations": [citation.as_dict() for citation in cited.citations]})
    else:
        print(render_citations(cited.citations, args.format or "markdown"), end="")
    return 0


async def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    if not args.query.strip():
        raise CommandError("the query is empty")
    filters = _filters(args)
    async with await Engine.open(settings) as engine:
        filters = await check_site(engine, filters, FILTER_SPELLING)
        await warn_missing_vectors(engine)
        hits = await engine.search(args.query, filters, args.k)
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
    elif not rows:
        print(
            f"no passage matches {args.query!r}"
            + (" with these filters" if not filters.is_empty() else ""),
            file=sys.stderr,
        )
    for row in [] if args.json else rows:
        who = render.kind_label(row["kind"], row["author"])
        print(f"{row['passage_id']}  {who}  {row['title'] or ''}\n  {row['text'][:300]}\n")
    return 0


def lookup_command(
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


def listing_command(
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
    from bot.terminal.console import chat

    async with await Engine.open(settings) as engine:
        empty = not (await engine.stats())["documents"]
        if args.ingest_if_empty and empty:
            print(
                f"The archive is empty: ingesting {printable(str(args.ingest_if_empty))}",
                file=sys.stderr,
            )
            # stdout is the chat's: the report goes with the other notices.
            await run_ingest(engine, [args.ingest_if_empty], out=sys.stderr)
            empty = not (await engine.stats())["documents"]
        if empty:
            print(
                f"The archive at {settings.data_dir} is empty: every question will find nothing"
                " until pages are added with `archivist ingest PATH`.",
                file=sys.stderr,
            )
        await warn_missing_vectors(engine)
        engine.warm_up()
        if settings.discord_token is not None:
            from bot.discord.app import DiscordRefused, run_discord

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
    from bot.discord.app import DiscordRefused, sync_commands

    async with await Engine.open(settings) as engine:
        try:
            count = await sync_commands(settings, engine)
        except DiscordRefused as error:
            print(f"archivist: {error}", file=sys.stderr)
            return 2
    print(f"synced {count} slash commands globally", file=sys.stderr)
    return 0


async def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    """Runs ``python -m bench scale`` from the checkout as a process of its own: the benchmarks
    live beside the package, not in it, and the product never imports them."""
    if not (CHECKOUT / "bench" / "__main__.py").is_file():
        print("archivist bench: run it from a checkout of archivist", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "bench", "scale", "--eval", str(args.eval)]
    command += ["--passages", str(args.passages), "--latency-passages"]
    command += [str(size) for size in args.latency_passages]
    command += ["--questions", str(args.questions), "--cache", str(args.cache)]
    if args.device:
        command += ["--device", args.device]
    if args.json:
        command.append("--json")
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, (str(CHECKOUT), environment.get("PYTHONPATH")))
    )
    process = await asyncio.create_subprocess_exec(*command, env=environment)
    return await process.wait()
