"""What the fake records of the bot's traffic, and the waits tests make on it.

:class:`RecordedRequest` (with its uploads, :class:`RecordedFile`) is a REST request as Discord
would have seen it.  :class:`RecordingMixin` holds ``FakeDiscord``'s waits: each re-checks its
condition whenever the fake's state changes (``_notify``) and fails at once when a
``watch``-ed future (the bot's task) is done, with the recent traffic in its message.
"""

# Every wait helper takes its own timeout (rather than relying on asyncio.timeout around it) so
# that a timeout can fail with a message listing the traffic the fake did see.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class RecordedFile:
    """One uploaded file part of a multipart request (``files[n]``)."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """A REST request the bot made, as Discord would have seen it.

    ``path`` is relative to the API base (``/users/@me``, not ``/api/v10/users/@me``) so tests
    don't depend on the API version.  ``json`` is the parsed JSON body, or for multipart requests
    the parsed ``payload_json`` part, so assertions look the same with or without attachments.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[RecordedFile]
    status: int = 0
    response: Any = None
    #: ``time.monotonic()`` when the request arrived (for latency measurements).
    received_at: float = 0.0

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


class RecordingMixin:
    """:class:`~fake_discord.server.FakeDiscord`'s waits over what it recorded (``requests``,
    ``gateway_received``, ``unknown``, ``errors``) and over ``watch``-ed futures."""

    def watch(self, future: asyncio.Future[Any]) -> None:
        """Make every ``wait_*`` fail immediately once ``future`` is done.

        Pass the bot's ``start()`` task (``run_bot`` does) so a bot that crashed makes the test
        fail with the bot's exception instead of a timeout; or a future a test resolves from an
        error handler.
        """
        self._watched.append(future)
        future.add_done_callback(lambda _: self._notify())

    def unwatch(self, future: asyncio.Future[Any]) -> None:
        """Stop :meth:`watch`-ing ``future`` (e.g. a bot task that was shut down on purpose)."""
        if future in self._watched:
            self._watched.remove(future)

    def _notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _check_watched(self, what: str) -> None:
        for future in self._watched:
            if not future.done():
                continue
            name = future.get_name() if isinstance(future, asyncio.Task) else "watched future"
            if future.cancelled():
                raise AssertionError(f"{name} was cancelled while waiting for {what}")
            exc = future.exception()
            if exc is not None:
                raise AssertionError(f"{name} failed while waiting for {what}: {exc!r}") from exc
            raise AssertionError(f"{name} finished ({future.result()!r}) while waiting for {what}")

    async def wait_until(
        self, check: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Return ``check()``'s first non-None result, re-evaluated after every change to the
        fake's state (request recorded, gateway frame, ...).  ``check`` must depend only on the
        fake's state; to wait for something on the bot's side use :meth:`wait_for_future`.

        Raises AssertionError after ``timeout`` seconds (listing recent traffic, so the failure
        says what happened instead) or as soon as a :meth:`watch`-ed future completes.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            self._check_watched(what)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}\n{self.describe_traffic()}"
                )
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait([waiter], timeout=remaining)
            finally:
                self._waiters.discard(waiter)

    async def wait_for_future(
        self, future: asyncio.Future[T], *, timeout: float = 5.0, what: str = "future"
    ) -> T:
        """Await ``future`` (e.g. ``bot.wait_for(...)`` wrapped in a task) with the same failure
        behaviour as the other waits: a timeout lists the traffic, and a :meth:`watch`-ed
        failure (bot crash, command error) ends the wait at once."""
        future.add_done_callback(lambda _: self._notify())
        await self.wait_until(lambda: True if future.done() else None, timeout=timeout, what=what)
        return future.result()

    def requests_matching(
        self,
        method: str,
        path_pattern: str | re.Pattern[str],
        where: Callable[[RecordedRequest], bool] | None = None,
    ) -> list[RecordedRequest]:
        """Recorded requests with this method whose path fully matches the regex."""
        pattern = re.compile(path_pattern)
        return [
            r
            for r in self.requests
            if r.method == method.upper()
            and pattern.fullmatch(r.path)
            and (where is None or where(r))
        ]

    async def wait_for_request(
        self,
        method: str,
        path_pattern: str | re.Pattern[str],
        *,
        where: Callable[[RecordedRequest], bool] | None = None,
        timeout: float = 5.0,
        nth: int = 0,
    ) -> RecordedRequest:
        """Wait for the ``nth`` (0-based) request whose path (relative to the API base, e.g.
        ``/users/@me``) fully matches the regex ``path_pattern``; already-recorded requests
        count, so the order of bot action and wait call doesn't matter."""

        def check() -> RecordedRequest | None:
            found = self.requests_matching(method, path_pattern, where)
            return found[nth] if len(found) > nth else None

        pattern = getattr(path_pattern, "pattern", path_pattern)
        return await self.wait_until(
            check, timeout=timeout, what=f"request #{nth} {method.upper()} {pattern}"
        )

    async def wait_for_gateway(
        self,
        op: int,
        *,
        where: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,
        nth: int = 0,
    ) -> dict[str, Any]:
        """Wait for the ``nth`` gateway frame the bot sent with opcode ``op`` (2 = IDENTIFY,
        1 = heartbeat, 3 = presence, 6 = RESUME, 8 = request members); returns the whole frame
        (``{"op": ..., "d": ...}``)."""

        def check() -> dict[str, Any] | None:
            found = [
                f
                for f in self.gateway_received
                if f.get("op") == op and (where is None or where(f))
            ]
            return found[nth] if len(found) > nth else None

        return await self.wait_until(check, timeout=timeout, what=f"gateway op {op} #{nth}")

    async def wait_until_ready(self, timeout: float = 5.0) -> None:
        """Wait until a bot has identified and been sent READY plus every GUILD_CREATE."""

        def check() -> bool | None:
            return True if self._session is not None and self._session.ready else None

        await self.wait_until(check, timeout=timeout, what="an identified gateway session")

    def describe_traffic(self, limit: int = 25) -> str:
        """Recent traffic, for failure messages."""
        lines = [f"recent REST requests ({len(self.requests)} total):"]
        lines += [f"  {r}" for r in self.requests[-limit:]]
        if self.unknown:
            lines.append("UNKNOWN routes (answered 404): " + ", ".join(map(str, self.unknown)))
        if self.errors:
            lines.append("errors inside the fake: " + ", ".join(map(repr, self.errors)))
        ops = [f.get("t") or f"op{f.get('op')}" for f in self.gateway_received[-limit:]]
        lines.append(f"gateway frames from bot: {ops}")
        return "\n".join(lines)
