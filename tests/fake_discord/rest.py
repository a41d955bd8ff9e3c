"""The REST API's plumbing and simplest routes: the route table, reading and recording each
request, Discord-style errors, the fake CDN for attachments, and the bot's user, the gateway
URL and the application.

Unknown routes are recorded and answered with a Discord-style 404, so a missing route shows up
as ``discord.NotFound`` plus an entry in ``FakeDiscord.unknown``.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from aiohttp import BodyPartReader, web

from .recording import RecordedFile, RecordedRequest

_log = logging.getLogger(__name__)

_API_PREFIX = re.compile(r"/api/v\d+")
_JSON = "application/json"


class FakeHTTPError(Exception):
    """Raised by route handlers to answer with a Discord-style JSON error."""

    def __init__(self, status: int, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "code": code}


def json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py's json_or_text() only parses the body when the header is exactly
    # "application/json"; web.json_response() would send "application/json; charset=utf-8"
    # and discord.py would hand the raw text string to code expecting a dict.
    return web.Response(status=status, body=json.dumps(data).encode(), content_type=_JSON)


class RestMixin:
    """:class:`~fake_discord.server.FakeDiscord`'s HTTP handling: ``_routes`` (from
    ``_build_routes``; a test may insert its own) maps each request to a handler in this
    package."""

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Any]]:
        app = r"(?P<app_id>\d+)"
        guild = r"(?P<guild_id>\d+)"
        token = r"(?P<token>[^/]+)"
        msg = r"(?P<message_id>@original|\d+)"
        table: list[tuple[str, str, Any]] = [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/gateway", self._get_gateway),
            ("GET", r"/gateway/bot", self._get_gateway_bot),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("GET", r"/applications/@me", self._get_application),
            ("PUT", rf"/applications/{app}/commands", self._put_commands),
            ("PUT", rf"/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("GET", rf"/applications/{app}/commands", self._get_commands),
            ("GET", rf"/applications/{app}/guilds/{guild}/commands", self._get_commands),
            ("POST", rf"/interactions/(?P<interaction_id>\d+)/{token}/callback", self._callback),
            ("POST", rf"/webhooks/{app}/{token}", self._followup),
            ("GET", rf"/webhooks/{app}/{token}/messages/{msg}", self._get_webhook_message),
            ("PATCH", rf"/webhooks/{app}/{token}/messages/{msg}", self._edit_webhook_message),
            ("DELETE", rf"/webhooks/{app}/{token}/messages/{msg}", self._delete_webhook_message),
            ("POST", r"/channels/(?P<channel_id>\d+)/messages", self._create_channel_message),
            ("GET", r"/channels/\d+/messages/(?P<message_id>\d+)", self._get_channel_message),
            (
                "PATCH",
                r"/channels/\d+/messages/(?P<message_id>\d+)",
                self._edit_channel_message,
            ),
            (
                "POST",
                r"/channels/(?P<channel_id>\d+)/messages/(?P<message_id>\d+)/threads",
                self._start_thread,
            ),
            ("POST", r"/channels/\d+/typing", self._typing),
        ]
        return [(method, re.compile(pattern), handler) for method, pattern, handler in table]

    async def _read_body(self, request: web.Request) -> tuple[Any, list[RecordedFile]]:
        """Parse a JSON body, or a multipart body's ``payload_json`` plus its file parts."""
        payload: Any = None
        files: list[RecordedFile] = []
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                assert isinstance(part, BodyPartReader)  # discord.py never nests multiparts
                data = await part.read()
                if part.name == "payload_json":
                    payload = json.loads(data)
                else:
                    files.append(
                        RecordedFile(
                            field=part.name or "",
                            filename=part.filename,
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(data),
                        )
                    )
        elif request.can_read_body:
            body = await request.read()
            if body:
                payload = json.loads(body) if request.content_type == _JSON else body
        return payload, files

    async def _handle_http(self, request: web.Request) -> web.StreamResponse:
        prefix = _API_PREFIX.match(request.path)
        path = request.path[prefix.end() :] if prefix else request.path
        recorded = RecordedRequest(
            received_at=time.monotonic(),
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=dict(request.headers),
            json=None,
            files=[],
        )
        response: web.Response
        try:
            recorded.json, recorded.files = await self._read_body(request)
            response = await self._route(recorded, is_api=prefix is not None)
        except FakeHTTPError as exc:
            response = json_response(exc.body, exc.status)
        except Exception as exc:  # a bug in the fake must not look like a Discord outage
            _log.exception("FakeDiscord failed handling %s %s", request.method, path)
            self.errors.append(exc)
            # 400, not 500: discord.py retries 5xx with multi-second sleeps.
            response = json_response(
                {"message": f"FakeDiscord internal error: {exc!r}", "code": 50035}, 400
            )
        recorded.status = response.status
        if response.body and response.content_type == _JSON:
            assert isinstance(response.body, bytes)
            recorded.response = json.loads(response.body)
        # Recorded only after the state change, so a woken waiter sees consistent state.
        self.requests.append(recorded)
        self._notify()
        return response

    async def _route(self, recorded: RecordedRequest, *, is_api: bool) -> web.Response:
        if is_api:
            # Interaction callbacks and webhooks authenticate by the token in the URL.
            needs_auth = not recorded.path.startswith(("/interactions/", "/webhooks/"))
            authorization = recorded.headers.get("Authorization")
            if (
                self.expected_token is not None
                and needs_auth
                and authorization != f"Bot {self.expected_token}"
            ):
                raise FakeHTTPError(401, "401: Unauthorized", 0)
            for method, pattern, handler in self._routes:
                if method == recorded.method and (match := pattern.fullmatch(recorded.path)):
                    return await handler(recorded, match)
        self.unknown.append(recorded)
        _log.warning("FakeDiscord: no route for %s %s", recorded.method, recorded.path)
        raise FakeHTTPError(404, f"404: Not Found (FakeDiscord has no route for {recorded})", 0)

    async def _handle_attachment(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        if key not in self._attachments:
            return web.Response(status=404)
        content_type, data = self._attachments[key]
        return web.Response(body=data, content_type=content_type)

    async def _get_me(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return json_response(self.bot_user_payload())

    async def _get_gateway(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return json_response(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_application(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        # discord.py learns its application_id from this call during login() (before the
        # gateway), and warns if interactions_endpoint_url is set, so it must be null.
        return json_response(
            {
                "id": str(self.application_id),
                "name": self.bot_name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": self.user_payload(),
                "team": None,
                "flags": self.application_flags,
                "bot": self.bot_user_payload(),
                "rpc_origins": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "tags": [],
                "approximate_guild_count": len(self.guilds),
            }
        )
