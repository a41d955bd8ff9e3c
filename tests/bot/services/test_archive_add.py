"""``/archive``'s checks without Discord: what a file must be, which addresses a fetch may
reach (also after a redirect), and how a fetch stops (a timeout, a size limit, a redirect loop)."""

from __future__ import annotations

import asyncio
import gzip
import random
import re
import socket
from ipaddress import ip_address, ip_network

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from conftest import ROOT
from web_pages import PageServer

from bot.services.archive_add import (
    MAX_ADD_BYTES,
    AddressPolicy,
    PageFetcher,
    Refused,
    attachment_suffix,
    checked_upload,
    response_suffix,
)

PAGE = (ROOT / "tests" / "fixtures" / "wordpress_comments.html").read_bytes()
JUNK = random.Random(15).randbytes(4096)
LOCAL_ONLY = AddressPolicy(trusted=(ip_network("127.0.0.1/32"),))
PRIVATE = "That address leads to a private or local network address, which the bot does not fetch."
REDIRECTED_PRIVATE = (
    "That address redirects to a private or local network address, which the bot does not fetch."
)


class NamesResolver(AbstractResolver):
    """Knows made-up host names only, as a DNS server would answer for them."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host not in self.names:
            raise OSError(f"unknown host {host}")
        address = self.names[host]
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        pass


def fetcher(policy: AddressPolicy = LOCAL_ONLY, **options: object) -> PageFetcher:
    names = {"news.test": "127.0.0.1", "intranet.test": "10.0.0.7", "mixed.test": "192.168.1.9"}
    return PageFetcher(policy, resolver=lambda: NamesResolver(names), **options)  # type: ignore[arg-type]


# --- files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "suffix", "says"),
    [
        (JUNK, ".html", "That file holds binary data, not the text or HTML of a page."),
        (b"\x89PNG\r\n\x1a\n" + JUNK, ".txt", "binary data"),
        (b"  \n", ".txt", "That file is empty."),
        ("caf\xe9 au lait\n".encode("latin-1"), ".txt", "not UTF-8 text"),
        (b"not json\n", ".jsonl", "its first line is not a JSON object"),
        (b"<html>not a warc</html>", ".warc", "does not begin with a WARC record"),
        (PAGE, ".html.gz", "not gzip-compressed"),
        (gzip.compress(JUNK), ".html.gz", "binary data"),
        (b"\x1f\x8b" + JUNK, ".warc.gz", "gzip data is damaged"),
        (b"a" * (MAX_ADD_BYTES + 1), ".txt", "larger than 20 MB"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(
    data: bytes, suffix: str, says: str
) -> None:
    with pytest.raises(Refused, match=says):
        checked_upload(data, suffix)


@pytest.mark.parametrize(
    ("data", "suffix"),
    [
        (PAGE, ".html"),
        (gzip.compress(PAGE), ".html.gz"),
        (b"Headline\n\nA paragraph of the article.\n", ".txt"),
        (b'{"url": "https://news.example/a", "text": "Body"}\n', ".jsonl"),
        (gzip.compress(b"WARC/1.0\r\nWARC-Type: warcinfo\r\n\r\n"), ".warc.gz"),
    ],
)
def test_pages_of_every_type_pass(data: bytes, suffix: str) -> None:
    assert checked_upload(data, suffix).suffix == suffix


def test_an_attachment_is_judged_by_its_name_and_stated_size_before_it_is_downloaded() -> None:
    assert attachment_suffix("Story.HTML.GZ", 1000) == ".html.gz"
    assert attachment_suffix("notes.htm", 10) == ".htm"
    for name in ("report.pdf", "page.html.zip", "archive.gz", "noextension"):
        with pytest.raises(Refused, match=re.escape("Attach an .html, .html.gz, .htm, .txt")):
            attachment_suffix(name, 10)
    with pytest.raises(Refused, match="larger than 20 MB"):
        attachment_suffix("big.html", MAX_ADD_BYTES + 1)


def test_a_fetched_page_is_typed_by_its_content_type_then_its_address() -> None:
    assert response_suffix("text/html", "/news/story") == ".html"
    assert response_suffix("text/html", "/news/story.txt") == ".html"
    assert response_suffix("text/plain", "/news/story") == ".txt"
    assert response_suffix("text/plain", "/dump/comments.jsonl") == ".jsonl"
    assert response_suffix("application/gzip", "/crawl/site.warc.gz") == ".warc.gz"
    assert response_suffix("application/octet-stream", "/saved/page.html.gz") == ".html.gz"
    assert response_suffix("application/warc", "/x") == ".warc"
    assert response_suffix("application/octet-stream", "/download") is None
    assert response_suffix("image/png", "/photo.html") is None


# --- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.10",
        "169.254.169.254",
        "fe80::1",
        "fc00::5",
        "224.0.0.1",
        "ff02::1",
        "240.0.0.1",
        "0.0.0.0",
        "::",
        "100.64.0.1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_private_local_and_special_addresses_are_refused_unless_allowed(address: str) -> None:
    assert not AddressPolicy().allows(ip_address(address))
    assert AddressPolicy(allow_private=True).allows(ip_address(address))


def test_public_addresses_are_allowed_and_trust_is_exactly_what_is_configured() -> None:
    for address in ("93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"):
        assert AddressPolicy().allows(ip_address(address))
    assert LOCAL_ONLY.allows(ip_address("127.0.0.1"))
    assert LOCAL_ONLY.allows(ip_address("::ffff:127.0.0.1"))
    assert not LOCAL_ONLY.allows(ip_address("127.0.0.2"))
    assert not LOCAL_ONLY.allows(ip_address("10.0.0.7"))


async def test_a_trusted_local_page_is_fetched_by_name_and_by_address() -> None:
    async with PageServer() as server:
        server.page("/story", PAGE)
        by_name = await fetcher().fetch(server.url("/story").replace("127.0.0.1", "news.test"))
        by_address = await fetcher().fetch(server.url("/story"))
    assert by_name.data == by_address.data == PAGE
    assert by_name.suffix == ".html"


async def test_private_addresses_are_refused_before_any_request() -> None:
    async with PageServer() as server:
        server.page("/story", PAGE)
        port = server.base.rsplit(":", 1)[1]
        for address in (
            server.url("/story"),  # 127.0.0.1, private not allowed
            f"http://localhost:{port}/story",  # a name resolving to loopback (the real resolver)
            f"http://[::ffff:127.0.0.1]:{port}/story",
            # Legacy numeric forms of 127.0.0.1, which the C library still reads.
            f"http://127.1:{port}/story",
            f"http://2130706433:{port}/story",
            f"http://0x7f.0.0.1:{port}/story",
        ):
            with pytest.raises(Refused) as refused:
                await PageFetcher(AddressPolicy()).fetch(address)
            assert str(refused.value) == PRIVATE, address
        with pytest.raises(Refused) as refused:
            await fetcher().fetch("http://intranet.test/story")  # resolves to 10.0.0.7
        assert str(refused.value) == PRIVATE
        assert server.asked == []


async def test_every_redirect_target_is_checked_again() -> None:
    async with PageServer() as server:
        port = server.base.rsplit(":", 1)[1]
        server.page("/story", PAGE)
        server.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
        server.redirect("/to-intranet", "http://intranet.test/admin")
        server.redirect("/to-file", "file:///etc/passwd")
        server.redirect("/to-mapped", f"http://[::ffff:10.0.0.1]:{port}/story")
        server.redirect("/relative", "/story", status=301)
        for path in ("/to-metadata", "/to-intranet", "/to-mapped"):
            with pytest.raises(Refused) as refused:
                await fetcher().fetch(server.url(path))
            assert str(refused.value) == REDIRECTED_PRIVATE, path
        with pytest.raises(Refused, match="redirects to something other than an http"):
            await fetcher().fetch(server.url("/to-file"))
        assert (await fetcher().fetch(server.url("/relative"))).data == PAGE
        # The refused targets were never asked for (the server is the only one reachable).
        assert server.asked.count("/story") == 1 and "/admin" not in server.asked


async def test_redirects_are_followed_five_times_and_no_more() -> None:
    async with PageServer() as server:
        server.page("/hop/0", PAGE)
        for hop in range(1, 7):
            server.redirect(f"/hop/{hop}", f"/hop/{hop - 1}")
        assert (await fetcher().fetch(server.url("/hop/5"))).data == PAGE
        with pytest.raises(Refused, match="redirects more than 5 times"):
            await fetcher().fetch(server.url("/hop/6"))


async def test_unreachable_slow_missing_and_unreadable_addresses_are_refused() -> None:
    async with PageServer() as server:

        async def slow(_: web.Request) -> web.StreamResponse:
            await asyncio.sleep(5)
            return web.Response(text="late")

        server.routes["/slow"] = slow
        server.page("/photo", JUNK, "image/png")
        server.page("/junk", JUNK)
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            closed_port = unused.getsockname()[1]
        cases = {
            f"http://127.0.0.1:{closed_port}/": "cannot be reached",
            "http://nowhere.test/": "cannot be reached",  # the name does not resolve
            server.url("/slow"): "did not answer within 0.5 seconds",
            server.url("/missing"): "answered HTTP 404",
            server.url("/photo"): "serves `image/png`, not a page the archive can read",
            server.url("/junk"): "binary data",
            "ftp://news.test/page.html": "starts with http:// or https://",
            "not an address": "starts with http:// or https://",
        }
        for address, says in cases.items():
            with pytest.raises(Refused, match=says):
                await fetcher(timeout=0.5).fetch(address)


async def test_reading_stops_past_the_size_limit() -> None:
    """A body without a stated length (chunked) that never ends is cut off once past the limit
    (the fetch returns at all); one whose stated length is over it is not read."""
    async with PageServer() as server:

        async def endless(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(headers={"Content-Type": "text/plain"})
            await response.prepare(request)
            while True:
                await response.write(b"news " * 2000)

        server.routes["/endless"] = endless
        server.page("/long", b"x" * 50_000, "text/plain")
        small = fetcher(max_bytes=20_000, timeout=10)
        for path in ("/endless", "/long"):
            with pytest.raises(Refused, match=r"larger than 0\.02 MB"):
                await small.fetch(server.url(path))
