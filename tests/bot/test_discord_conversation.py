"""Mentions and threads, mentions that must not ping, and answers too long for one message."""

from __future__ import annotations

from pathlib import Path

from discord_harness import ask, components, running_bot
from fake_discord import DEFAULT_BOT_ID, DEFAULT_CHANNEL_ID, FakeDiscord

from bot.answer import Answer, Quote, render_text
from bot.discord_format import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    MAX_EMBEDS_PER_MESSAGE,
)
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
            f"<@{DEFAULT_BOT_ID}> When did fighting in Aleppo break out?",
            mention_bot=True,
        )
        started = await fake.wait_for_request(
            "POST", rf"/channels/{DEFAULT_CHANNEL_ID}/messages/{question['id']}/threads"
        )
        assert started.json["name"] == "When did fighting in Aleppo break out?"
        thread_id = int(started.response["id"])
        answer = await fake.wait_for_request("POST", rf"/channels/{thread_id}/messages", timeout=30)
        assert answer.json["allowed_mentions"] == {"parse": []}
        assert (
            "Fighting in Aleppo broke out on July 19, 2012"
            in answer.json["embeds"][0]["description"]
        )
        assert len(components(answer.json)) == 3

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
