"""A web server on 127.0.0.1 serving the pages, redirects and misbehaviours a test sets up, for
fetching pages by address (``/archive url:``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Self

from aiohttp import web

Respond = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PageServer:
    """Serves ``routes`` (a path and how to answer it; routes may be added while it runs) and
    keeps every path asked for in ``asked``, so a test can tell that a refused address was
    never fetched."""

    def __init__(self) -> None:
        self.routes: dict[str, Respond] = {}
        self.asked: list[str] = []
        self._runner: web.AppRunner | None = None
        self.base = ""

    def url(self, path: str) -> str:
        return self.base + path

    def page(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> str:
        """Serve ``body`` at ``path`` with this Content-Type; its address."""

        async def respond(_: web.Request) -> web.StreamResponse:
            return web.Response(body=body, headers={"Content-Type": content_type})

        self.routes[path] = respond
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        """Redirect ``path`` to ``location``; its address."""

        async def respond(_: web.Request) -> web.StreamResponse:
            return web.Response(status=status, headers={"Location": location})

        self.routes[path] = respond
        return self.url(path)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.asked.append(request.path)
        respond = self.routes.get(request.path)
        return await respond(request) if respond else web.Response(status=404)

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
