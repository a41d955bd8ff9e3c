"""Files the archive has recorded, judged against the disk: which recorded path an older
archive wrote for a file read now, and which recorded files prune may judge and finds gone.

Archives written before paths were resolved recorded them as typed: a recorded relative path
is matched to a file read now when it resolves to it from the current directory, or when it is
a tail of the file's path and the file's bytes are the ones recorded. Such a path is only judged
by prune when the folder it names exists from the current directory: from anywhere else it
means nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from ingest.discovery import real_path

# A record or line named after a file (``file:12``, ``file#<urn:...>``): origins stored before
# sources were recorded apart stand for their file.
_RECORD_SUFFIX = re.compile(r"(?::\d+|#.*)$")


def legacy_match(
    path: Path, digest: str, candidates: Iterable[tuple[str, str | None]]
) -> str | None:
    """Which path recorded as typed is the file ``path``: the one that resolves to it from the
    current directory, else the only one that is a tail of it recorded with its very bytes."""
    tails = []
    for spelling, recorded in candidates:
        if real_path(Path(spelling)) == path:
            return spelling
        parts = Path(os.path.normpath(spelling)).parts
        if recorded == digest and path.parts[-len(parts) :] == parts:
            tails.append(spelling)
    return tails[0] if len(tails) == 1 else None


def _locate(source: str) -> tuple[Path, bool]:
    """A recorded file as a resolved path, and whether it was recorded as typed (relative)."""
    return real_path(Path(source)), not os.path.isabs(source)


def gone_files(sources: Iterable[str], scope: Sequence[Path]) -> set[str]:
    """The recorded files under ``scope`` (see ``judged``) that no longer exist."""
    gone: set[str] = set()
    for source in sources:
        path = judged(source, scope)
        if path is None or path.exists():
            continue
        # A record or line named after its file (documents stored before sources were kept).
        stem = _RECORD_SUFFIX.sub("", source)
        if stem != source and _locate(stem)[0].exists():
            continue
        gone.add(source)
    return gone


def judged(source: str, scope: Sequence[Path]) -> Path | None:
    """Where a recorded file is, when it lies under ``scope`` and prune may judge it. A path
    recorded as typed is resolved from the current directory, and judged only when the folder
    it names is there: from another directory it means nothing, and its file may well exist."""
    path, typed = _locate(source)
    if not any(path.is_relative_to(root) for root in scope):
        return None
    if typed and not path.parent.is_dir():
        return None
    return path


def existing_files(sources: Iterable[str]) -> list[str]:
    """The recorded files among ``sources`` that are still there to read."""
    return [source for source in sources if _locate(source)[0].is_file()]
