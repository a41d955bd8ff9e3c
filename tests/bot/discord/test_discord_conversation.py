"""Mentions and threads, mentions that must not ping, and answers too long for one message."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from discord_harness import ask, components, running_bot
from fake_discord import (
    DEFAULT_BOT_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_GUILD_ID,
    DEFAULT_USER_ID,
    FakeDiscord,
    RecordedRequest,
)

from bot.answering.answer import Answer, Quote, render_text
from bot.discord.client import ArchivistBot
from bot.discord.cogs.conversation import asks_something
from bot.discord.markdown import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    MAX_EMBEDS_PER_MESSAGE,
)
from bot.discord.replies import GENERIC_ERROR
from bot.services.community import NO_COMMENTS, CommentMode
from index.archive import Archive
from index.embedder import Embedder
from ingest.pipeline import ingest_paths

PINGING_PAGE = """Town council votes on the new bridge

The town council voted on Tuesday, March 3, 2020 to build the new bridge over the river.

Notify of
View all comments

Angry neighbour

@everyone the bridge vote is a scandal, tell <@&1100000000000000555> to resign now.
"""


def _channel_posts(fake: FakeDiscord, channel_id: int) -> list:
    return fake.requests_matching("POST", rf"/channels/{channel_id}/messages")


async def test_a_mention_is_answered_in_a_thread_and_follow_ups_see_the_question(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model) as (fake, _):
        question = await fake.send_message(
            f"<@{DEFAULT_BOT_ID}> When did fighting\n in Aleppo break out?",
            mention_bot=True,
        )
        started = await fake.wait_for_request(
            "POST", rf"/channels/{DEFAULT_CHANNEL_ID}/messages/{question['id']}/threads"
        )
        # a thread's name is one line
        assert started.json["name"] == "When did fighting in Aleppo break out?"
        thread_id = int(started.response["id"])
        answer = await fake.wait_for_request("POST", rf"/channels/{thread_id}/messages", timeout=30)
        assert answer.json["allowed_mentions"] == {"parse": []}
        assert (
            "Fighting in Aleppo broke out on July 19, 2012"
            in answer.json["embeds"][0]["description"]
        )
        assert len(components(answer.json)) == 4  # show sources, two votes, export

        # A plain message in the thread (no mention) is a follow-up to the question before it.
        await fake.send_message("what did readers say about that?", channel_id=thread_id)
        follow_up = await fake.wait_for_request(
            "POST", rf"/channels/{thread_id}/messages", nth=1, timeout=30
        )
        [first, *_] = follow_up.json["embeds"]
        assert first["title"] == "what did readers say about fighting aleppo break?"
        assert "reader" in first["description"].lower()
        assert "The article reported" not in first["description"]
        # Nothing was posted outside the thread.
        assert not _channel_posts(fake, DEFAULT_CHANNEL_ID)


async def test_a_mention_without_a_question_is_refused_with_a_reply(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model) as (fake, _):
        await fake.send_message(f"<@{DEFAULT_BOT_ID}>", mention_bot=True)
        reply = await fake.wait_for_request("POST", rf"/channels/{DEFAULT_CHANNEL_ID}/messages")
        assert reply.json["content"] == "Ask a question: the message holds none."
        assert reply.json["allowed_mentions"]["parse"] == []


async def test_everyone_and_role_mentions_in_a_comment_are_quoted_without_pinging(
    tmp_path: Path, model: Embedder
) -> None:
    page = tmp_path / "pages" / "bridge.txt"
    page.parent.mkdir()
    page.write_text(PINGING_PAGE, encoding="utf-8")
    data_dir = tmp_path / "data"
    async with await Archive.open(data_dir, embedder=model) as archive:
        await ingest_paths(archive, [page])
    async with running_bot(data_dir, model) as (fake, _):
        _, followup = await ask(fake, "What did readers say about the bridge vote scandal?")
        payload = followup.json
        description = payload["embeds"][0]["description"]
        assert "@everyone the bridge vote is a scandal" in description
        assert "<@&1100000000000000555>" in description
        assert payload["allowed_mentions"] == {"parse": []}
        assert "@everyone" not in (payload.get("content") or "")


async def test_an_answer_longer_than_one_message_is_split_between_quotes(
    seeded_copy: Path, model: Embedder
) -> None:
    texts = [f"Quote {n} says " + " ".join(f"w{n}x{i}" for i in range(300)) for n in range(1, 13)]
    quotes = [
        Quote(
            n,
            text,
            f"p_{n:020d}",
            "d_1",
            "comment",
            f"Reader {n}",
            "T",
            "S",
            None,
            "2016-12-12",
            0,
            len(text),
            0.5,
        )
        for n, text in enumerate(texts, start=1)
    ]
    long_answer = Answer("A long question?", True, render_text(quotes), quotes)

    async with running_bot(seeded_copy, model) as (fake, bot):

        async def long_ask(*args: object, **kwargs: object) -> Answer:
            return long_answer

        bot.engine.ask = long_ask  # type: ignore[method-assign]
        interaction, _ = await ask(fake, "A long question?")
        # The buttons come with the last message.
        await fake.wait_for_request(
            "POST", interaction.webhook_path, where=lambda r: bool(components(r.json)), timeout=10
        )
        messages = [r.json for r in fake.requests_matching("POST", interaction.webhook_path)]
        assert len(messages) >= 3
        seen = []
        for message in messages:
            assert message["allowed_mentions"] == {"parse": []}
            assert len(message["embeds"]) <= MAX_EMBEDS_PER_MESSAGE
            assert sum(_embed_size(e) for e in message["embeds"]) <= EMBED_TOTAL_LIMIT
            for embed in message["embeds"]:
                assert len(embed["description"]) <= DESCRIPTION_LIMIT
                assert all(len(f["value"]) <= FIELD_VALUE_LIMIT for f in embed["fields"])
                seen += [part for part in embed["description"].split("\n\n")]
        # Every quote whole, once, in order; the buttons under the last message only.
        assert [s.split("“", 1)[1].rstrip("”") for s in seen] == texts
        assert [bool(components(m)) for m in messages] == [False] * (len(messages) - 1) + [True]


def _embed_size(embed: dict) -> int:
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return size + len((embed.get("footer") or {}).get("text") or "")


# --- who is addressed, and where the answer goes -----------------------------------------------

QUESTION = "When did fighting in Aleppo break out?"
ANSWERED = "Fighting in Aleppo broke out on July 19, 2012"
NOTHING_ASKED = "Ask a question: the message holds none."
OTHER_USER_ID = DEFAULT_USER_ID + 1
DM_CHANNEL_ID = 1_100_000_000_000_000_900
MESSAGE_TYPE_REPLY = 19


def _message(
    fake: FakeDiscord,
    content: str,
    *,
    channel_id: int = DEFAULT_CHANNEL_ID,
    author_id: int = DEFAULT_USER_ID,
    author: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """MESSAGE_CREATE data for a message (by default a person's), as Discord sends it: the
    users and roles its text mentions listed, a partial member in a server, none in a DM.
    ``fields`` override the message's own."""
    user = author or fake.user_payload(author_id, f"user{author_id % 1000}")
    if re.search(rf"<@!?{DEFAULT_BOT_ID}>", content):
        fields.setdefault("mentions", [fake.bot_user_payload()])
    fields.setdefault("mention_roles", re.findall(r"<@&(\d+)>", content))
    if channel_id != DM_CHANNEL_ID:
        member = fake.member_payload(user)
        del member["user"]
        fields.setdefault("member", member)
    return fake.message_payload(channel_id=channel_id, content=content, author=user, extra=fields)


async def _handled(fake: FakeDiscord, bot: ArchivistBot, data: dict[str, Any]) -> None:
    """Dispatch the message and wait until the bot is done with it: every on_message handler
    discord.py started for it has returned, so whatever the bot meant to send is sent."""
    seen = asyncio.ensure_future(bot.wait_for("message", check=lambda m: m.id == int(data["id"])))
    await fake.dispatch("MESSAGE_CREATE", data)
    await fake.wait_for_future(seen)
    handlers = [t for t in asyncio.all_tasks() if t.get_name() == "discord.py: on_message"]
    if handlers:
        _, pending = await asyncio.wait(handlers, timeout=30)
        assert not pending


def _posts(fake: FakeDiscord, channel_id: int) -> list[RecordedRequest]:
    return fake.requests_matching("POST", rf"/channels/{channel_id}/messages")


def _threads_started(fake: FakeDiscord) -> list[RecordedRequest]:
    return fake.requests_matching("POST", r"/channels/\d+/messages/\d+/threads")


async def _conversation(fake: FakeDiscord) -> int:
    """A conversation thread the bot started on a mention, once its first answer is in."""
    question = await fake.send_message(f"<@{DEFAULT_BOT_ID}> {QUESTION}", mention_bot=True)
    started = await fake.wait_for_request(
        "POST", rf"/channels/{DEFAULT_CHANNEL_ID}/messages/{question['id']}/threads"
    )
    thread_id = int(started.response["id"])
    await fake.wait_for_request("POST", rf"/channels/{thread_id}/messages", timeout=30)
    return thread_id


async def test_a_reply_to_the_bots_message_is_no_question_unless_it_mentions_the_bot(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model) as (fake, bot):
        await fake.send_message(f"<@{DEFAULT_BOT_ID}>", mention_bot=True)
        refusal = await fake.wait_for_request("POST", rf"/channels/{DEFAULT_CHANNEL_ID}/messages")
        bot_message = refusal.response

        def reply(content: str) -> dict[str, Any]:
            # A reply pings the replied-to author by default: Discord lists the bot in
            # `mentions` though the text does not mention it.
            return _message(
                fake,
                content,
                type=MESSAGE_TYPE_REPLY,
                mentions=[fake.bot_user_payload()],
                message_reference={
                    "message_id": bot_message["id"],
                    "channel_id": str(DEFAULT_CHANNEL_ID),
                    "guild_id": str(DEFAULT_GUILD_ID),
                },
                referenced_message=bot_message,
            )

        await _handled(fake, bot, reply("ok thanks, got it"))
        assert not _threads_started(fake)
        assert len(_posts(fake, DEFAULT_CHANNEL_ID)) == 1  # the refusal only

        # A reply that writes the mention is a question like any other.
        asked = reply(f"<@{DEFAULT_BOT_ID}> {QUESTION}")
        await _handled(fake, bot, asked)
        [started] = _threads_started(fake)
        assert started.path.endswith(f"/messages/{asked['id']}/threads")
        assert started.json["name"] == QUESTION


async def test_a_mention_of_the_bots_role_is_a_question_and_other_roles_are_not(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model) as (fake, bot):
        # The role Discord manages for the bot: its tags name the bot.
        role_id = fake.snowflake()
        role = {
            "id": str(role_id),
            "name": "archivist",
            "permissions": "0",
            "position": 1,
            "color": 0,
            "hoist": False,
            "managed": True,
            "mentionable": True,
            "flags": 0,
            "tags": {"bot_id": str(DEFAULT_BOT_ID)},
        }
        created = asyncio.ensure_future(
            bot.wait_for("guild_role_create", check=lambda r: r.id == role_id)
        )
        await fake.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(DEFAULT_GUILD_ID), "role": role})
        await fake.wait_for_future(created)

        other_role = role_id + 1
        await _handled(fake, bot, _message(fake, f"<@&{other_role}> {QUESTION}"))
        assert not _threads_started(fake)
        assert not _posts(fake, DEFAULT_CHANNEL_ID)

        await fake.dispatch("MESSAGE_CREATE", _message(fake, f"<@&{role_id}> {QUESTION}"))
        started = await fake.wait_for_request("POST", r"/channels/\d+/messages/\d+/threads")
        assert started.json["name"] == QUESTION
        thread_id = int(started.response["id"])
        answer = await fake.wait_for_request("POST", rf"/channels/{thread_id}/messages", timeout=30)
        assert ANSWERED in answer.json["embeds"][0]["description"]


async def test_a_mention_in_someone_elses_thread_is_answered_there_once(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model) as (fake, bot):
        thread_id = fake.snowflake()
        thread = {
            "id": str(thread_id),
            "guild_id": str(DEFAULT_GUILD_ID),
            "parent_id": str(DEFAULT_CHANNEL_ID),
            "owner_id": str(DEFAULT_USER_ID),
            "name": "Syria news",
            "type": 11,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 2,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": "2024-01-01T00:00:00+00:00",
                "locked": False,
            },
        }
        fake.threads[thread_id] = thread  # so that messages in it carry the guild's id
        created = asyncio.ensure_future(
            bot.wait_for("thread_create", check=lambda t: t.id == thread_id)
        )
        await fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        await fake.wait_for_future(created)

        question = _message(fake, f"<@{DEFAULT_BOT_ID}> {QUESTION}", channel_id=thread_id)
        await _handled(fake, bot, question)
        [answer] = _posts(fake, thread_id)
        assert ANSWERED in answer.json["embeds"][0]["description"]
        # Among the thread's other messages, the answer replies to its question.
        assert answer.json["message_reference"]["message_id"] == int(question["id"])
        assert answer.json["allowed_mentions"] == {"parse": []}
        assert not _threads_started(fake)

        # The thread is still its owner's: later messages in it are not follow-ups.
        await _handled(
            fake, bot, _message(fake, "what did readers say about that?", channel_id=thread_id)
        )
        assert len(_posts(fake, thread_id)) == 1
        assert not await bot.community.is_conversation(thread_id)


async def test_notices_and_wordless_messages_in_a_conversation_are_left_alone(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model) as (fake, bot):
        thread_id = await _conversation(fake)
        image = fake.add_attachment("map.png", b"\x89PNG fake", "image/png")
        for data in [
            _message(fake, "", channel_id=thread_id, attachments=[image]),
            # Renaming the thread: a notice whose text is the new name.
            _message(fake, "Aleppo", channel_id=thread_id, type=4),
            _message(fake, "", channel_id=thread_id, type=6),  # a message was pinned
        ]:
            await _handled(fake, bot, data)
        assert len(_posts(fake, thread_id)) == 1  # the first answer only

        # A mention with nothing else is still refused there.
        await _handled(fake, bot, _message(fake, f"<@{DEFAULT_BOT_ID}>", channel_id=thread_id))
        refusal = _posts(fake, thread_id)[-1]
        assert refusal.json["content"] == NOTHING_ASKED
        assert refusal.json["allowed_mentions"]["parse"] == []


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("thanks!", False),
        ("ok", False),
        ("lol", False),
        ("👍🙏", False),
        ("thanks 🙏", False),
        ("<:pepe:1100000000000000042> <a:dance:7>", False),
        (f"<@{OTHER_USER_ID}>", False),
        (f"<@!{OTHER_USER_ID}> <@&1100000000000000555> <#{DEFAULT_CHANNEL_ID}>", False),
        ("https://example.org/news?id=3", False),
        ("?!", False),
        ("what did readers say about that?", True),  # no content word: it points back
        ("and readers?", True),
        ("Homs?", True),
        ("what about Homs？", True),  # full-width question mark
        ("what about Homs", True),
        ("casualties in Aleppo", True),
    ],
)
def test_a_message_asks_something_when_it_is_a_question_or_names_something(
    text: str, asks: bool
) -> None:
    assert asks_something(text) is asks


async def test_chatter_in_a_conversation_is_left_alone_and_any_members_question_answered(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model) as (fake, bot):
        thread_id = await _conversation(fake)
        for content in [
            "thanks!",
            "ok",
            "lol",
            "👍🙏",
            "<:pepe:1100000000000000042>",
            f"<@{OTHER_USER_ID + 1}>",
            # Mentioning another member speaks to them, whatever the message asks.
            f"<@{OTHER_USER_ID + 1}> what did readers say about that?",
        ]:
            await _handled(fake, bot, _message(fake, content, channel_id=thread_id))
        assert len(_posts(fake, thread_id)) == 1  # the first answer only

        # Another member's question is a follow-up, read against the question before the
        # chatter (which was not taken for a question).
        await _handled(
            fake,
            bot,
            _message(
                fake,
                "what did readers say about that?",
                channel_id=thread_id,
                author_id=OTHER_USER_ID,
            ),
        )
        follow_up = _posts(fake, thread_id)[1]
        assert follow_up.json["embeds"][0]["title"] == (
            "what did readers say about fighting aleppo break?"
        )
        # So is a message that names something without a question mark.
        await _handled(fake, bot, _message(fake, "Aleppo fighting July 2012", channel_id=thread_id))
        assert len(_posts(fake, thread_id)) == 3


async def test_without_message_content_only_mentions_are_follow_ups(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model, discord_message_content=False) as (fake, bot):
        thread_id = await _conversation(fake)
        # Without the intent, Discord sends the text only of messages that mention the bot.
        for n in range(3):
            await _handled(
                fake, bot, _message(fake, "", channel_id=thread_id, author_id=OTHER_USER_ID + n)
            )
        # A reply to the answer pings the bot, so its text comes; still no mention written.
        [answer] = _posts(fake, thread_id)
        reply = _message(
            fake,
            "thanks, that helps",
            channel_id=thread_id,
            type=MESSAGE_TYPE_REPLY,
            mentions=[fake.bot_user_payload()],
            message_reference={"message_id": answer.response["id"], "channel_id": str(thread_id)},
            referenced_message=answer.response,
        )
        await _handled(fake, bot, reply)
        assert len(_posts(fake, thread_id)) == 1

        await fake.send_message(
            f"<@{DEFAULT_BOT_ID}> what did readers say about that?",
            channel_id=thread_id,
            mention_bot=True,
        )
        follow_up = await fake.wait_for_request(
            "POST", rf"/channels/{thread_id}/messages", nth=1, timeout=30
        )
        assert follow_up.json["embeds"][0]["title"] == (
            "what did readers say about fighting aleppo break?"
        )


async def test_a_dm_is_answered_in_the_dm(seeded_copy: Path, model: Embedder) -> None:
    async with running_bot(seeded_copy, model) as (fake, bot):
        for content in [QUESTION, f"<@{DEFAULT_BOT_ID}> {QUESTION}"]:
            await _handled(fake, bot, _message(fake, content, channel_id=DM_CHANNEL_ID))
        answers = _posts(fake, DM_CHANNEL_ID)
        assert len(answers) == 2
        for answer in answers:
            assert ANSWERED in answer.json["embeds"][0]["description"]
            assert answer.json["allowed_mentions"] == {"parse": []}
            assert len(components(answer.json)) == 4  # show sources, two votes, export
        assert not _threads_started(fake)

        # Refusals reach the DM too.
        too_long = "why " * 150
        for content in [f"<@{DEFAULT_BOT_ID}>", too_long]:
            await _handled(fake, bot, _message(fake, content, channel_id=DM_CHANNEL_ID))
        refusals = [r.json["content"] for r in _posts(fake, DM_CHANNEL_ID)[2:]]
        assert refusals[0] == NOTHING_ASKED
        assert refusals[1].startswith(f"That question is {len(too_long.strip())} characters long")


async def test_without_the_thread_permission_the_answer_replies_in_the_channel(
    seeded_copy: Path, model: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(seeded_copy, model) as (fake, bot):

        async def missing_permissions(
            request: RecordedRequest, match: re.Match[str]
        ) -> web.Response:
            # What Discord answers a bot without Create Public Threads.
            return web.json_response({"message": "Missing Permissions", "code": 50013}, status=403)

        fake._routes.insert(
            0, ("POST", re.compile(r"/channels/\d+/messages/\d+/threads"), missing_permissions)
        )
        question = _message(fake, f"<@{DEFAULT_BOT_ID}> {QUESTION}")
        with caplog.at_level(logging.WARNING, logger="bot.discord.cogs.conversation"):
            await _handled(fake, bot, question)
        assert [r.status for r in _threads_started(fake)] == [403]
        [answer] = _posts(fake, DEFAULT_CHANNEL_ID)
        assert ANSWERED in answer.json["embeds"][0]["description"]
        assert answer.json["message_reference"]["message_id"] == int(question["id"])
        assert answer.json["allowed_mentions"] == {"parse": []}
        assert "Create Public Threads" in caplog.text


async def test_other_bots_and_the_bot_itself_are_not_answered(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model) as (fake, bot):
        other_bot = fake.user_payload(OTHER_USER_ID, "otherbot") | {"bot": True}
        for author in [other_bot, fake.bot_user_payload()]:
            data = _message(fake, f"<@{DEFAULT_BOT_ID}> {QUESTION}", author=author)
            await _handled(fake, bot, data)
        assert not _threads_started(fake)
        assert not _posts(fake, DEFAULT_CHANNEL_ID)


async def test_mentions_and_ask_share_the_cooldown(seeded_copy: Path, model: Embedder) -> None:
    async with running_bot(seeded_copy, model, ask_cooldown_rate=1, ask_cooldown_seconds=600) as (
        fake,
        bot,
    ):
        await ask(fake, QUESTION)
        await _handled(fake, bot, _message(fake, f"<@{DEFAULT_BOT_ID}> {QUESTION}"))
        [refusal] = _posts(fake, DEFAULT_CHANNEL_ID)
        assert refusal.json["content"].startswith("Slow down: you can ask again in")
        assert not _threads_started(fake)


async def test_a_mention_refused_by_the_comment_setting_costs_no_cooldown(
    seeded_copy: Path, model: Embedder
) -> None:
    async with running_bot(seeded_copy, model, ask_cooldown_rate=1, ask_cooldown_seconds=600) as (
        fake,
        bot,
    ):
        await bot.community.set_comment_mode(DEFAULT_GUILD_ID, CommentMode.EXCLUDE)
        about_readers = f"<@{DEFAULT_BOT_ID}> What did readers say about Assad?"
        await _handled(fake, bot, _message(fake, about_readers))
        await _handled(fake, bot, _message(fake, f"<@{DEFAULT_BOT_ID}> {QUESTION}"))
        refusal, *_ = _posts(fake, DEFAULT_CHANNEL_ID)
        assert refusal.json["content"] == NO_COMMENTS
        assert not any(
            post.json.get("content", "").startswith("Slow down")
            for post in _posts(fake, DEFAULT_CHANNEL_ID)
        )
        assert len(_threads_started(fake)) == 1  # the refused question opened none


async def test_a_mention_that_fails_costs_no_cooldown(
    seeded_copy: Path, model: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(seeded_copy, model, ask_cooldown_rate=1, ask_cooldown_seconds=600) as (
        fake,
        bot,
    ):
        answer = bot.community.ask
        failures = iter([RuntimeError("the engine broke")])

        async def fails_once(*args: Any, **kwargs: Any) -> Any:
            for error in failures:
                raise error
            return await answer(*args, **kwargs)

        monkeypatch.setattr(bot.community, "ask", fails_once)
        await _handled(fake, bot, _message(fake, f"<@{DEFAULT_BOT_ID}> {QUESTION}"))
        await _handled(fake, bot, _message(fake, f"<@{DEFAULT_BOT_ID}> {QUESTION}"))
        replies = [post.json.get("content") or "" for post in _posts(fake, DEFAULT_CHANNEL_ID)]
        assert GENERIC_ERROR in replies
        assert not any(reply.startswith("Slow down") for reply in replies)
        second_thread = int(_threads_started(fake)[1].response["id"])
        assert _posts(fake, second_thread)[0].json["embeds"]  # the second question's answer
