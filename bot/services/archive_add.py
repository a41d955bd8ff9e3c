"""Adding one page to the archive from Discord (``/archive``): an attached file, or the page at
a web address, checked, saved under ``ARCHIVE_DIR/added/`` with a name of the bot's making, and
ingested the way ``/reindex`` ingests (``Reindexer``: one run at a time, after any ingest that
holds the archive's lock).

A refusal (``Refused``) is one sentence for the member, raised before anything is written: a
file of a type the archive cannot read, over the page limit, or binary junk under a page's
name; an address that cannot be reached or that leads into the server's own network.

Why addresses are checked so closely: the bot fetches from the server it runs on, and an
address typed by a member must not become a way into that server's network (a cloud metadata
endpoint, an admin page on localhost). Every host a fetch reaches, the first and each
redirect's, must resolve to public addresses only (``AddressPolicy``), and the connection is
made only to the addresses that were checked: the resolver itself refuses, so a name cannot
resolve one way for the check and another way for the connection.
"""

from __future__ import annotations

import asyncio
import codecs
import hashlib
import ipaddress
import re
import socket
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.services.community import Rejected
from bot.services.reindex import BadPath, Progress, ReindexBusy, Reindexer
from ingest.page import MAX_PAGE_BYTES
from ingest.report import IngestReport

#: The folder inside ``ARCHIVE_DIR`` that added pages are saved in.
ADDED_FOLDER = "added"
#: The types a page may be added as, longest first so ``.html.gz`` is not taken for ``.gz``.
ALLOWED_SUFFIXES = (".html.gz", ".warc.gz", ".jsonl", ".html", ".htm", ".txt", ".warc")
ALLOWED_LIST = ".html, .html.gz, .htm, .txt, .warc, .warc.gz or .jsonl"
MAX_ADD_BYTES = MAX_PAGE_BYTES
MAX_REDIRECTS = 5
FETCH_TIMEOUT_SECONDS = 30.0

BUSY = "A re-index is running; add the page once it has finished."


# What the address's response says it holds. Types that say only "bytes", "compressed" or
# "text" leave it to the address's own name (``page.warc.gz``, ``comments.jsonl``).
_TYPE_SUFFIXES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "application/warc": ".warc",
    "application/x-ndjson": ".jsonl",
    "application/jsonl": ".jsonl",
    "application/x-jsonlines": ".jsonl",
}
_NAMED_BY_ADDRESS = {
    "text/plain",
    "application/octet-stream",
    "binary/octet-stream",
    "application/gzip",
    "application/x-gzip",
}
_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_LEGACY_IPV4 = re.compile(r"[0-9a-fA-FxX.]+")
_SHOWN_TYPE = re.compile(r"[\w.+-]{1,60}/[\w.+-]{1,60}")

# Sniffing looks at the start of a file only: junk shows at once, and a page's text is text
# from its first bytes.
_SNIFF_BYTES = 65_536
_GZIP_MAGIC = b"\x1f\x8b"
# Bytes below 0x20 that text does not use (it uses tab, newlines, form feed and escape): more
# than a few of them, or any NUL, mark binary data.
_BINARY_CONTROLS = bytes(b for b in range(0x20) if b not in b"\t\n\v\f\r\x1b")
_BINARY_SHARE = 0.01


class Refused(Rejected):
    """A page refused before anything was written; the message says why, in one sentence."""


def _too_large(limit: int = MAX_ADD_BYTES) -> Refused:
    return Refused(f"That page is larger than {limit / 1e6:g} MB, the archive's page limit.")


class BlockedAddress(OSError):
    """A host resolved to an address the policy does not allow (raised inside aiohttp's
    connector, which hands it back as the ``os_error`` of its connection error)."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A page's bytes, checked, and the file type it is saved as."""

    data: bytes
    suffix: str


@dataclass(frozen=True, slots=True)
class AddedPage:
    """What ``/archive`` added: the saved file (relative to the archive folder), the run's
    report, and the documents the file holds now."""

    name: str
    report: IngestReport
    titles: list[str] = field(default_factory=list)
    passages: int = 0
    comments: int = 0


# --- what a file is -----------------------------------------------------------------------------


def allowed_suffix(name: str) -> str | None:
    """The allowed type a file name (or an address's path) ends with, lower-cased, or None."""
    lowered = name.lower()
    return next((suffix for suffix in ALLOWED_SUFFIXES if lowered.endswith(suffix)), None)


def attachment_suffix(filename: str, size: int) -> str:
    """The type an attachment is saved as, judged before it is downloaded: by its name's
    extension, and by the size Discord states for it."""
    suffix = allowed_suffix(filename)
    if suffix is None:
        raise Refused(f"Attach an {ALLOWED_LIST} file; the archive cannot read that type.")
    if size > MAX_ADD_BYTES:
        raise _too_large()
    return suffix


def checked_upload(data: bytes, suffix: str) -> Upload:
    """``data`` as a page of type ``suffix``, or ``Refused`` when it is too large, empty, or not
    what its type says (binary junk named ``.html``, a ``.warc`` that holds no WARC record)."""
    if len(data) > MAX_ADD_BYTES:
        raise _too_large()
    if not data or data.isspace():
        raise Refused("That file is empty.")
    head = data[:_SNIFF_BYTES]
    inner = suffix
    if suffix.endswith(".gz"):
        head = _gunzipped_head(data)
        inner = suffix.removesuffix(".gz")
    if inner == ".warc":
        if not head.lstrip().startswith(b"WARC/"):
            raise Refused("That file is not a WARC archive: it does not begin with a WARC record.")
        return Upload(data, suffix)
    if _looks_binary(head):
        raise Refused("That file holds binary data, not the text or HTML of a page.")
    if inner in (".txt", ".jsonl") and not _starts_as_utf8(head):
        raise Refused(
            "That file is not UTF-8 text, the one encoding the archive reads text files in."
        )
    if inner == ".jsonl" and not head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"{"):
        raise Refused("That file is not JSON Lines: its first line is not a JSON object.")
    return Upload(data, suffix)


def _gunzipped_head(data: bytes) -> bytes:
    if not data.startswith(_GZIP_MAGIC):
        raise Refused("That file is not gzip-compressed, as its .gz name says it is.")
    # At most _SNIFF_BYTES come out, however far the start unpacks (a gzip bomb stays small).
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return unpacker.decompress(data[: 16 * _SNIFF_BYTES], _SNIFF_BYTES)
    except zlib.error:
        raise Refused("That file's gzip data is damaged.") from None


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _BINARY_CONTROLS))
    return controls > _BINARY_SHARE * len(head)


def _starts_as_utf8(head: bytes) -> bool:
    # Not final: the sniffed start may end inside a character.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def response_suffix(content_type: str, path: str) -> str | None:
    """The type a fetched page is saved as: what its response's content type says, or, when
    that says only "bytes", "compressed" or "text", what the address's path ends with."""
    named = allowed_suffix(path)
    if named is not None and content_type in _NAMED_BY_ADDRESS:
        return named
    return _TYPE_SUFFIXES.get(content_type)


# --- fetching an address ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses a fetch may connect to: public ones; every address with
    ``allow_private`` (``ARCHIVE_FETCH_ALLOW_PRIVATE``); and those in ``trusted`` (so that a
    test can allow its own local server while every other private address stays refused)."""

    allow_private: bool = False
    trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    def allows(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            # ::ffff:127.0.0.1 reaches 127.0.0.1 through a dual-stack socket.
            address = address.ipv4_mapped
        if self.allow_private or any(address in network for network in self.trusted):
            return True
        return address.is_global and not (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_multicast
            or address.is_reserved
            or address.is_unspecified
        )


class CheckedResolver(AbstractResolver):
    """Resolves through ``inner`` and hands the connection only addresses the policy allows;
    a host with any other address is refused outright (``BlockedAddress``)."""

    def __init__(self, inner: AbstractResolver, policy: AddressPolicy) -> None:
        self.inner = inner
        self.policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        if not all(self.policy.allows(ipaddress.ip_address(r["host"])) for r in results):
            raise BlockedAddress(f"{host} resolves to a private or local address")
        return results

    async def close(self) -> None:
        await self.inner.close()


def _web_address(text: str, hop: int) -> yarl.URL:
    """``text`` as an http(s) address with a host; at ``hop`` 0 it was typed, after that it
    is a redirect's target."""
    try:
        url: yarl.URL | None = yarl.URL(text.strip())
    except (ValueError, TypeError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.raw_host:
        if hop:
            raise Refused("That address redirects to something other than an http(s) address.")
        raise Refused("Give a web address that starts with http:// or https://.")
    return url


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``host`` is written as, if it is one: also the legacy numeric forms
    (``127.1``, ``2130706433``, ``0x7f.1``) that the C library reads as an IPv4 address."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_IPV4.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _private(hop: int) -> Refused:
    where = "leads" if hop == 0 else "redirects"
    return Refused(
        f"That address {where} to a private or local network address, which the bot does not fetch."
    )


class PageFetcher:
    """Fetches the page at a web address for ``/archive``: http(s) only, redirects followed by
    hand (at most ``max_redirects``, each target checked again), a timeout, and reading stopped
    past ``max_bytes``. ``resolver`` makes the resolver each fetch looks names up with (tests
    give one that knows made-up names)."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        resolver: Callable[[], AbstractResolver] = aiohttp.ThreadedResolver,
        timeout: float = FETCH_TIMEOUT_SECONDS,
        max_redirects: int = MAX_REDIRECTS,
        max_bytes: int = MAX_ADD_BYTES,
    ) -> None:
        self.policy = policy
        self.resolver = resolver
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.max_bytes = max_bytes

    async def fetch(self, address: str) -> Upload:
        """The page at ``address``, checked as an attachment is, or ``Refused``."""
        url = _web_address(address, 0)
        resolver = CheckedResolver(self.resolver(), self.policy)
        try:
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=resolver),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": "archivist (a Discord bot archiving a news page)"},
            ) as session:
                for hop in range(self.max_redirects + 1):
                    response = await self._get(session, url, hop)
                    if isinstance(response, Upload):
                        return response
                    url = response
        finally:
            await resolver.close()
        raise Refused(f"That address redirects more than {self.max_redirects} times.")

    async def _get(
        self, session: aiohttp.ClientSession, url: yarl.URL, hop: int
    ) -> Upload | yarl.URL:
        """One request: the page, or the address it redirects to."""
        literal = _literal_address(url.raw_host or "")
        if literal is not None and not self.policy.allows(literal):
            # An address written as digits never reaches the resolver: it is checked here.
            raise _private(hop)
        try:
            async with session.get(url, allow_redirects=False) as response:
                location = response.headers.get("Location")
                if response.status in _REDIRECT_STATUSES and location:
                    try:
                        target = str(response.url.join(yarl.URL(location)))
                    except ValueError:
                        target = ""
                    return _web_address(target, hop + 1)
                return await self._page(response)
        except aiohttp.ClientConnectorError as error:
            if isinstance(error.os_error, BlockedAddress):
                raise _private(hop) from None
            raise Refused("That address cannot be reached; check it and try again.") from None
        except TimeoutError:
            raise Refused(f"That address did not answer within {self.timeout:g} seconds.") from None
        except aiohttp.InvalidURL:
            raise Refused("That is not a web address the bot can fetch.") from None
        except aiohttp.ClientError:
            raise Refused("That address could not be fetched: the connection failed.") from None

    async def _page(self, response: aiohttp.ClientResponse) -> Upload:
        if response.status != 200:
            raise Refused(f"That address answered HTTP {response.status}, not a page.")
        if response.content_length is not None and response.content_length > self.max_bytes:
            raise _too_large(self.max_bytes)
        suffix = response_suffix(response.content_type, response.url.path)
        if suffix is None:
            shown = response.content_type
            kind = f"`{shown}`" if _SHOWN_TYPE.fullmatch(shown) else "a type it does not name"
            raise Refused(
                f"That address serves {kind}, not a page the archive can read "
                "(HTML, text, WARC or JSON Lines)."
            )
        data = bytearray()
        async for chunk in response.content.iter_chunked(_SNIFF_BYTES):
            data += chunk
            if len(data) > self.max_bytes:
                raise _too_large(self.max_bytes)  # stop reading: the rest is never downloaded
        return checked_upload(bytes(data), suffix)


# --- saving and ingesting -----------------------------------------------------------------------


class PageAdder:
    """Saves checked pages under ``ARCHIVE_DIR/added/`` and ingests them through the
    ``Reindexer``, so that /archive and /reindex are never two runs at once."""

    def __init__(self, reindexer: Reindexer) -> None:
        self.reindexer = reindexer
        # Two /archive calls take turns rather than refuse each other: the second one then
        # also learns whether the first already added the same bytes.
        self._one_at_a_time = asyncio.Lock()

    def added_folder(self) -> Path:
        """``ARCHIVE_DIR/added`` (resolved), refused when the archive folder is missing or
        ``added`` leads out of it (a symbolic link)."""
        try:
            root = self.reindexer.resolve(None)
        except BadPath as error:
            raise Refused(str(error)) from None
        folder = (root / ADDED_FOLDER).resolve()
        if not folder.is_relative_to(root):
            raise Refused(f"`{ADDED_FOLDER}` in the archive folder leads outside it.")
        return folder

    async def add(self, upload: Upload, on_wait: Callable[[], None] | None = None) -> AddedPage:
        """Save ``upload`` and ingest it; ``on_wait`` hears when the ingest waits for another
        one holding the archive. Refused, with nothing kept, while a /reindex runs, when the
        same bytes were added before, or when no page can be read from them."""
        async with self._one_at_a_time:
            return await self._add(upload, on_wait)

    async def _add(self, upload: Upload, on_wait: Callable[[], None] | None) -> AddedPage:
        if self.reindexer.running:
            raise Refused(BUSY)
        folder = self.added_folder()
        digest = hashlib.sha256(upload.data).hexdigest()[:16]
        earlier = sorted(folder.glob(f"*-{digest}{upload.suffix}")) if folder.is_dir() else []
        if earlier:
            raise Refused(f"That file was added before, as `{ADDED_FOLDER}/{earlier[0].name}`.")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        name = f"{stamp}-{digest}{upload.suffix}"
        path = await asyncio.to_thread(_save, folder, name, upload.data)

        told_waiting = False

        def progress(step: Progress) -> None:
            nonlocal told_waiting
            if step.waiting and on_wait is not None and not told_waiting:
                told_waiting = True
                on_wait()

        try:
            run = self.reindexer.start(path, progress)
        except ReindexBusy:  # a /reindex started while the file was being written
            path.unlink()
            raise Refused(BUSY) from None
        # A run that fails keeps the file: pages it committed stay, and a /reindex finishes it.
        report = await run
        if not report.pages_ingested:
            path.unlink()
            reason = report.skipped[0].reason[:200] if report.skipped else "it holds no page"
            raise Refused(f"No page could be read from that file ({reason}); nothing was added.")
        held = await self.reindexer.engine.archive.store.held_documents(str(path))
        return AddedPage(
            name=f"{ADDED_FOLDER}/{name}",
            report=report,
            titles=[title for title, _, _ in held if title],
            passages=sum(passages for _, passages, _ in held),
            comments=sum(comments for _, _, comments in held),
        )


def _save(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    # Written under a hidden name, then renamed: a /reindex walking the folder meanwhile
    # passes hidden files over, so it never reads half a page.
    partial = folder / f".{name}.partial"
    partial.write_bytes(data)
    partial.replace(path)
    return path
