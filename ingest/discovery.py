"""Finding the files a run reads: every file under the paths given, by its resolved path, with
the reason it cannot be read (a broken link, a link loop, an unsupported type); and the digest
that tells whether a file must be read again.

Files are known by their resolved path (absolute, symbolic links followed), so the same file
typed another way, or from another directory, is the same file and its pages the same pages.
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from ingest.readers import reader_for, supported_suffixes

_DIGEST_CHUNK = 1 << 20


def real_path(path: Path) -> Path:
    """``path`` made absolute with every symbolic link resolved: the one name a file is known
    by, however it was typed and wherever the run started."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop: discover reports it
        return path.absolute()


def _link_problem(path: Path) -> str | None:
    """Why a symbolic link cannot be followed (None when it can, or is no link)."""
    if not path.is_symlink() or path.exists():
        return None
    try:
        path.resolve(strict=True)
    except RuntimeError:
        return "symbolic link loop"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop"
    try:
        target = os.readlink(path)
    except OSError:
        return "broken symbolic link"
    return f"broken symbolic link (its target {target} does not exist)"


def discover(paths: Sequence[Path]) -> Iterator[tuple[Path, str | None]]:
    """Every file under ``paths`` by its resolved path (directories walked in sorted order,
    hidden files left out, each file once however many ways it is reached), with the reason it
    cannot be read, or None. Links that lead nowhere are reported, not passed over."""
    seen: set[Path] = set()
    for given in paths:
        if problem := _link_problem(given):
            yield given.absolute(), problem
            continue
        path = real_path(given)
        if path.is_dir():
            found = False
            for entry in sorted(path.rglob("*")):
                if any(part.startswith(".") for part in entry.relative_to(path).parts):
                    continue
                problem = _link_problem(entry)
                if problem is None and entry.is_symlink() and entry.is_dir():
                    problem = "symbolic link to a directory: not followed (give it as a path)"
                if problem is not None:
                    found = True
                    yield entry, problem
                    continue
                if not entry.is_file():
                    continue
                found = True
                # The walk starts from a resolved folder and never enters a linked one: only
                # a link itself has another real path.
                file = real_path(entry) if entry.is_symlink() else entry
                if file not in seen:
                    seen.add(file)
                    yield file, unsupported_reason(file)
            if not found:
                yield path, "directory holds no files"
        elif path.is_file():
            if path not in seen:
                seen.add(path)
                yield path, unsupported_reason(path)
        elif path.exists():
            yield path, "not a regular file"
        else:
            yield path, "no such file or directory"


def unsupported_reason(path: Path) -> str | None:
    """Why no reader takes ``path`` (None when one does): its type, or a name the archive
    cannot record."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        # Bytes that are not UTF-8 (a Latin-1 name from a scraper), which Python hands over as
        # lone surrogates: SQLite cannot store such a name, nor a page id be made of it.
        return "file name is not UTF-8 (rename the file to ingest it)"
    if reader_for(path) is None:
        return f"unsupported file type (supported: {', '.join(supported_suffixes())})"
    return None


def file_digest(path: Path, context: str) -> str:
    """What decides whether a file must be read again: its bytes and its reader's context."""
    digest = hashlib.sha256(context.encode("utf-8"))
    with path.open("rb") as stream:
        while chunk := stream.read(_DIGEST_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
