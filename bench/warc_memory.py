"""Peak memory of ``archivist ingest`` on a large WARC file (``make bench-warc``).

The claim under test: ingest streams records and pages, so a 1 GB WARC ingests in about the
memory a 100 MB one does. The benchmark writes two WARC files with a deterministic generator
(``bench/warc_generator.py``; ``--size-mb``, default 1024, and ``--small-mb``, default a tenth
of it; cached under ``--cache``/warc and reused), runs the real CLI on each in a subprocess
with a fresh data directory, and samples the child's resident memory. Bounded means the two
peaks are about equal; a peak that grows with the file means something holds the archive.

The files look like what a crawler writes: one gzip member per record (warcio's WARCWriter),
a request record before each response, revisit records, metadata records, redirects and 404s,
images, scripts and stylesheets, and news pages weighing 100-300 KB of HTML (inline styles and
scripts, navigation, related links, ads) around a few KB of article text and a reader comment
section in wpDiscuz markup. Every page's text is drawn afresh, so deduplication links none.
Both files also hold the same few very large records, which a streaming reader must pass
without holding them whole: a 50 MB video, a 24 MB HTML page (over the reader's 20 MB limit,
refused unread), and a 2 MB live blog with 1,500 comments (parsed). They are the same in both
files so that their one-off cost cancels in the ratio, and the small file is then mostly these
records; below a 100 MB small file they are scaled down with it.

The model: embedding the 1 GB file's passages with all-MiniLM-L6-v2 takes hours on two cores,
and memory boundedness is a property of the reader and the pipeline, so the default is
``EMBED_MODEL=hash`` (the deterministic hash embedder of the tests); ``--model real`` uses the
bundled model. The output says which ran.

Peak RSS is the kernel's own high-water mark of the child (``wait4``), so no spike falls
between samples; the samples (every 0.2 s, the child and any processes it starts) give the
median of the second half of the run, which shows steady growth that a one-off peak would
hide. Embedded chromadb keeps its HNSW index in the ingesting process, and that index grows
with the passages archived (it is the archive's, not the file's); ``--chroma-server`` runs
chroma as its own process (the README's ``CHROMA_URL`` setup) and reports its peak apart, so
the ingest process's figure is the reader's and the pipeline's alone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import BENCHMARKS, peak_rss_kb
from bench.chroma_server import start_chroma, stop_chroma
from bench.warc_generator import MB, Manifest, cached_warc

SAMPLE_SECONDS = 0.2
MODEL = "all-MiniLM-L6-v2"  # --model real


def _rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and every process under it, in KiB (0 once it is gone)."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            for child in children.read().split():
                total += _rss_kb(int(child))
    except (OSError, ValueError):
        pass
    return total


@dataclass
class Row:
    file: str
    size_mb: float
    records: int
    html_records: int
    pages: int
    linked: int
    passages: int
    seconds: float
    peak_rss_mb: float
    late_rss_mb: float  # median of the samples in the second half of the run
    server_peak_rss_mb: float | None  # the chroma server's, with --chroma-server
    exit_status: int


def measure(path: Path, manifest: Manifest, args: argparse.Namespace, work: Path) -> Row:
    """Ingest ``path`` with the real CLI in a fresh data directory; its figures."""
    archivist = Path(sys.executable).with_name("archivist")
    command = [str(archivist if archivist.exists() else "archivist"), "ingest", str(path), "--json"]
    if args.device:
        command += ["--device", args.device]
    model = "hash" if args.model == "hash" else MODEL
    data_dir = Path(tempfile.mkdtemp(prefix="ingest-", dir=work))
    env = os.environ | {"DATA_DIR": str(data_dir / "data"), "EMBED_MODEL": model}
    samples: list[tuple[float, int]] = []
    stop = threading.Event()
    server: subprocess.Popen[bytes] | None = None
    server_peak: float | None = None
    try:
        with (
            (data_dir / "out.json").open("wb") as out,
            (data_dir / "err.txt").open("wb") as err,
            (data_dir / "chroma.log").open("wb") as log,
        ):
            if getattr(args, "chroma_server", False):
                server, env["CHROMA_URL"] = start_chroma(data_dir / "chroma-server", log)
            started = time.perf_counter()
            child = subprocess.Popen(command, env=env, stdout=out, stderr=err)

            def sample() -> None:
                while not stop.is_set():
                    samples.append((time.perf_counter() - started, _rss_kb(child.pid)))
                    stop.wait(SAMPLE_SECONDS)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            # wait4 hands back the child's own peak (ru_maxrss, KiB): exact, unlike samples.
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            seconds = time.perf_counter() - started
            stop.set()
            sampler.join()
            if server is not None:
                server_peak = round(peak_rss_kb(server.pid) / 1024, 1)
        if child.returncode != 0:
            tail = (data_dir / "err.txt").read_text(errors="replace")[-2000:]
            print(f"ingest of {path} exited {child.returncode}:\n{tail}", file=sys.stderr)
        try:
            report = json.loads((data_dir / "out.json").read_text())
        except ValueError:
            report = {}
        late = [kb for at, kb in samples if at >= seconds / 2 and kb] or [0]
        return Row(
            file=path.name,
            size_mb=round(path.stat().st_size / MB, 1),
            records=manifest.records,
            html_records=manifest.html_pages,
            pages=report.get("pages_ingested", 0),
            linked=report.get("pages_linked", 0),
            passages=report.get("passages_added", 0),
            seconds=round(seconds, 1),
            peak_rss_mb=round(max([usage.ru_maxrss, *(kb for _, kb in samples)]) / 1024, 1),
            late_rss_mb=round(statistics.median(late) / 1024, 1),
            server_peak_rss_mb=server_peak,
            exit_status=child.returncode,
        )
    finally:
        stop.set()
        if server is not None:
            stop_chroma(server)
        shutil.rmtree(data_dir, ignore_errors=True)


def render(rows: list[Row], manifests: list[Manifest], args: argparse.Namespace) -> str:
    model = (
        "EMBED_MODEL=hash (the deterministic hash embedder, not the real model: memory is the "
        "reader's and the pipeline's; --model real for all-MiniLM-L6-v2)"
        if args.model == "hash"
        else "EMBED_MODEL=all-MiniLM-L6-v2 (the real model)"
    )
    server = getattr(args, "chroma_server", False)
    vectors = (
        "vectors in a chroma server process (CHROMA_URL), measured apart"
        if server
        else "vectors in embedded chromadb, inside the measured process"
    )
    header = (
        f"{'file':<36} {'size MB':>8} {'records':>8} {'pages':>6} {'passages':>9} "
        f"{'seconds':>8} {'peak RSS MB':>12} {'late RSS MB':>12}"
        + (f" {'chroma peak MB':>15}" if server else "")
    )
    lines = [f"archivist ingest of generated WARC files; {model}; {vectors}", "", header]
    for row in rows:
        lines.append(
            f"{row.file:<36} {row.size_mb:>8} {row.records:>8} {row.pages:>6} {row.passages:>9} "
            f"{row.seconds:>8} {row.peak_rss_mb:>12} {row.late_rss_mb:>12}"
            + (f" {row.server_peak_rss_mb:>15}" if server else "")
        )
    lines.append("")
    for row, manifest in zip(rows, manifests, strict=True):
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(manifest.by_type.items()))
        lines.append(
            f"{row.file}: {kinds}; {row.html_records} HTML pages, {row.linked} of them linked "
            f"as duplicates; large records: {', '.join(manifest.large) or 'none'}"
            + (f"; EXIT STATUS {row.exit_status}" if row.exit_status else "")
        )
    if len(rows) == 2 and rows[0].peak_rss_mb:
        small, big = rows
        lines += [
            "",
            f"peak RSS ratio, {big.size_mb:g} MB file / {small.size_mb:g} MB file: "
            f"{big.peak_rss_mb / small.peak_rss_mb:.2f} (late-run median: "
            f"{big.late_rss_mb / max(small.late_rss_mb, 1e-9):.2f}) for "
            f"{big.pages / max(small.pages, 1):.1f}x the pages",
        ]
    lines.append(
        "peak RSS: the ingest process's high-water mark (wait4); late RSS: median of 0.2 s "
        "samples in the second half of the run. Seconds are noisy on a shared machine."
    )
    if not server:
        lines.append(
            "Embedded chromadb keeps its HNSW index in this process: it grows with the passages "
            "archived (not with the file read); --chroma-server measures it apart."
        )
    return "\n".join(lines)


def _warm_model(device: str | None) -> None:
    """Load the real model once in a throwaway process: the first load on CPU exports it to
    ONNX (cached under ~/.cache) at a cost in memory that is the export's, not ingest's, and
    would otherwise land on whichever run comes first."""
    code = f"from index.embedder import load_embedder; load_embedder({MODEL!r}, {device!r})"
    subprocess.run([sys.executable, "-c", code + ".embed(['warm'])"], check=True)


async def warc_memory(args: argparse.Namespace) -> None:
    size_mb: float = args.size_mb
    small_mb: float = args.small_mb or size_mb / 10
    large_scale = min(1.0, small_mb / 100)
    cache = args.cache / "warc"
    files = [cached_warc(cache, mb, large_scale) for mb in (small_mb, size_mb)]
    work = cache / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    if args.model == "real":
        _warm_model(args.device)
    rows = []
    for path, manifest in files:
        print(f"ingesting {path.name}...", file=sys.stderr, flush=True)
        rows.append(measure(path, manifest, args, work))
    if getattr(args, "json", False):
        print(json.dumps([asdict(row) for row in rows]))
    else:
        print(render(rows, [manifest for _, manifest in files], args))
    sys.stdout.flush()


BENCHMARKS["warc"] = warc_memory
