"""The routes that create and change messages: interaction callbacks, followups and edits of
interaction messages (by webhook), channel messages, threads started from them, and typing.

The messages live in ``FakeDiscord.messages``, as Discord would show them now: a defer's
placeholder turns into the first followup, and an edit never changes who sees a message.
Payload shapes follow discord.py 2.7.1's ``webhook/async_.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from .interactions import FakeInteraction
from .models import now_iso
from .recording import RecordedFile, RecordedRequest
from .rest import FakeHTTPError, json_response

# Interaction callback types (Discord "interaction callback type" enum).
_CB_PONG = 1
_CB_MESSAGE = 4
_CB_DEFERRED_MESSAGE = 5
_CB_DEFERRED_UPDATE = 6
_CB_UPDATE_MESSAGE = 7

_MESSAGE_FLAG_EPHEMERAL = 1 << 6
_MESSAGE_FLAG_LOADING = 1 << 7


class MessageMixin:
    """:class:`~fake_discord.server.FakeDiscord`'s message routes (see the module docstring)."""

    def _interaction_for(self, token: str) -> FakeInteraction:
        try:
            return self.interactions[token]
        except KeyError:
            raise FakeHTTPError(404, "Unknown Webhook", 10015) from None

    def _attachments_for(
        self,
        payload: dict[str, Any],
        files: list[RecordedFile],
        existing: Sequence[dict[str, Any]] = (),
    ) -> list[dict[str, Any]]:
        # discord.py lists new uploads as {"id": <index into files[n]>, "filename": ...} and
        # kept attachments by their real (snowflake) id.
        uploads = {f.field: f for f in files}
        kept = {a["id"]: a for a in existing}
        result = []
        for entry in payload.get("attachments", []):
            upload = uploads.get(f"files[{entry['id']}]")
            if upload is not None:
                attachment = self.add_attachment(
                    entry.get("filename") or upload.filename or "file",
                    upload.data,
                    upload.content_type or "application/octet-stream",
                )
                if "description" in entry:
                    attachment["description"] = entry["description"]
                result.append(attachment)
            elif str(entry["id"]) in kept:
                result.append(kept[str(entry["id"])])
        return result

    def _interaction_message(
        self,
        interaction: FakeInteraction,
        data: dict[str, Any],
        files: list[RecordedFile],
        *,
        flags: int = 0,
    ) -> dict[str, Any]:
        source = interaction.payload
        user = source.get("user") or source["member"]["user"]
        return self.message_payload(
            channel_id=int(source["channel_id"]),
            content=data.get("content") or "",
            embeds=data.get("embeds") or [],
            components=data.get("components") or [],
            attachments=self._attachments_for(data, files),
            flags=(data.get("flags") or 0) | flags,
            message_type=20 if interaction.type == 2 else 0,
            extra={
                "webhook_id": str(self.application_id),
                "application_id": str(self.application_id),
                "tts": bool(data.get("tts", False)),
                "interaction_metadata": {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "user": user,
                    "authorizing_integration_owners": source["authorizing_integration_owners"],
                },
            },
        )

    async def _callback(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        interaction = self._interaction_for(m["token"])
        if int(m["interaction_id"]) != interaction.id:
            raise FakeHTTPError(404, "Unknown interaction", 10062)
        if interaction.responded:
            raise FakeHTTPError(400, "Interaction has already been acknowledged.", 40060)
        if not isinstance(req.json, dict) or "type" not in req.json:
            raise FakeHTTPError(400, "Invalid Form Body: missing callback type", 50035)
        interaction.responded = True
        callback_type = req.json["type"]
        data = req.json.get("data") or {}
        message: dict[str, Any] | None = None
        if callback_type == _CB_MESSAGE:
            message = self._interaction_message(interaction, data, req.files)
        elif callback_type == _CB_DEFERRED_MESSAGE:
            # The "is thinking..." placeholder; the first followup/edit replaces it.
            message = self._interaction_message(interaction, data, [], flags=_MESSAGE_FLAG_LOADING)
        elif callback_type in (_CB_UPDATE_MESSAGE, _CB_DEFERRED_UPDATE):
            source = interaction.payload.get("message")
            if source is not None:
                message = self.messages.get(int(source["id"]), source)
                if callback_type == _CB_UPDATE_MESSAGE:
                    self._apply_edit(message, data, req.files)
        if message is not None:
            interaction.original_message_id = int(message["id"])
        if req.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        body: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "response_message_loading": callback_type == _CB_DEFERRED_MESSAGE,
                "response_message_ephemeral": bool(
                    (data.get("flags") or 0) & _MESSAGE_FLAG_EPHEMERAL
                ),
            }
        }
        if message is not None:
            body["interaction"]["response_message_id"] = message["id"]
            if callback_type != _CB_DEFERRED_UPDATE:
                body["resource"] = {"type": callback_type, "message": message}
        elif callback_type != _CB_PONG:
            body["resource"] = {"type": callback_type}
        return json_response(body)

    async def _followup(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        interaction = self._interaction_for(m["token"])
        if not interaction.responded:
            # Discord rejects followups before the initial response; catching this here saves
            # a confusing test failure later.
            raise FakeHTTPError(404, "Unknown Webhook (interaction not acknowledged)", 10015)
        data = req.json if isinstance(req.json, dict) else {}
        original = self.messages.get(interaction.original_message_id or 0)
        if original is not None and original["flags"] & _MESSAGE_FLAG_LOADING:
            # After a defer, Discord turns the first followup into the original response
            # (ephemeral only if the defer was): see _apply_edit.
            self._apply_edit(original, data, req.files)
            message = original
        else:
            message = self._interaction_message(interaction, data, req.files)
        if req.query.get("wait", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        return json_response(message)

    def _webhook_message(self, m: re.Match[str]) -> dict[str, Any]:
        interaction = self._interaction_for(m["token"])
        message_id = m["message_id"]
        resolved = interaction.original_message_id if message_id == "@original" else int(message_id)
        if resolved is None or resolved not in self.messages:
            raise FakeHTTPError(404, "Unknown Message", 10008)
        return self.messages[resolved]

    def _apply_edit(
        self, message: dict[str, Any], data: dict[str, Any], files: list[RecordedFile]
    ) -> None:
        for key, empty in (("content", ""), ("embeds", []), ("components", [])):
            if key in data:
                message[key] = data[key] if data[key] is not None else empty
        if "attachments" in data:
            message["attachments"] = self._attachments_for(data, files, message["attachments"])
        if data.get("flags") is not None:
            # Discord never changes who sees a message by editing it. That includes the first
            # followup after a defer, which edits the "thinking…" placeholder: it keeps the
            # defer's visibility whatever its own flags say, so an "ephemeral" error sent that
            # way after a public defer is public.
            visibility = message["flags"] & _MESSAGE_FLAG_EPHEMERAL
            message["flags"] = (data["flags"] & ~_MESSAGE_FLAG_EPHEMERAL) | visibility
        message["flags"] &= ~_MESSAGE_FLAG_LOADING
        message["edited_timestamp"] = now_iso()

    async def _get_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return json_response(self._webhook_message(m))

    async def _edit_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self._webhook_message(m)
        self._apply_edit(message, req.json if isinstance(req.json, dict) else {}, req.files)
        return json_response(message)

    async def _delete_webhook_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self._webhook_message(m)
        del self.messages[int(message["id"])]
        return web.Response(status=204)

    async def _create_channel_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        data = req.json if isinstance(req.json, dict) else {}
        extra: dict[str, Any] = {"tts": bool(data.get("tts", False))}
        if "message_reference" in data:
            extra["message_reference"] = data["message_reference"]
            extra["type"] = 19  # REPLY
        message = self.message_payload(
            channel_id=int(m["channel_id"]),
            content=data.get("content") or "",
            embeds=data.get("embeds") or [],
            components=data.get("components") or [],
            attachments=self._attachments_for(data, req.files),
            flags=data.get("flags") or 0,
            extra=extra,
        )
        return json_response(message)

    async def _get_channel_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self.messages.get(int(m["message_id"]))
        if message is None:
            raise FakeHTTPError(404, "Unknown Message", 10008)
        return json_response(message)

    async def _edit_channel_message(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        message = self.messages.get(int(m["message_id"]))
        if message is None:
            raise FakeHTTPError(404, "Unknown Message", 10008)
        self._apply_edit(message, req.json if isinstance(req.json, dict) else {}, req.files)
        return json_response(message)

    async def _typing(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        return web.Response(status=204)

    async def _start_thread(self, req: RecordedRequest, m: re.Match[str]) -> web.Response:
        """A public thread from a message: like Discord, the thread's id is the message's id.
        THREAD_CREATE follows on the gateway, so discord.py caches the thread."""
        channel_id, message_id = int(m["channel_id"]), int(m["message_id"])
        guild = self._guild_of_channel(channel_id)
        if guild is None or channel_id in self.threads:
            raise FakeHTTPError(400, "Cannot start a thread here", 50024)
        if message_id in self.threads:
            raise FakeHTTPError(400, "A thread has already been created for this message", 160004)
        data = req.json if isinstance(req.json, dict) else {}
        thread = {
            "id": str(message_id),
            "guild_id": str(guild.id),
            "parent_id": str(channel_id),
            "owner_id": str(self.bot_id),
            "name": data.get("name", "thread"),
            "type": 11,
            "last_message_id": None,
            "rate_limit_per_user": data.get("rate_limit_per_user") or 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": data.get("auto_archive_duration") or 1440,
                "archive_timestamp": now_iso(),
                "locked": False,
            },
        }
        self.threads[message_id] = thread
        if self._session is not None:
            await self._send_dispatch(
                self._session, "THREAD_CREATE", {**thread, "newly_created": True}
            )
        return json_response(thread)
