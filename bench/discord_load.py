"""Load benchmark: 200 ``/ask`` interactions within 5 s through the fake Discord.

The bot runs on its own event loop in its own thread, as it would in production where Discord
is on the other side of the network; the fake Discord and the load generator run on the main
loop. Measured: how long each interaction waited for its deferral (Discord allows 3 s) and for
its answer, and the bot loop's lag (how late a 10 ms timer fires), whose p99 should stay under
100 ms so that the gateway heartbeat keeps its beat.

    make bench-discord          # or: .venv/bin/python bench/discord_load.py --asks 200
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The fake Discord lives with the tests. The checkout goes before them: tests/bot, tests/index and
# tests/ingest (folders without __init__.py) would otherwise stand in for the packages they test.
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_discord import DEFAULT_GUILD_ID, FakeDiscord, FakeInteraction  # noqa: E402

from bot.answering.engine import Engine  # noqa: E402
from bot.discord.app import create_bot  # noqa: E402
from bot.settings import Settings  # noqa: E402
from index.archive import Archive  # noqa: E402
from index.embedder import Embedder, load_embedder  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402

TOKEN = "bench.fake.token"
QUESTIONS = [
    "When did fighting in Aleppo break out?",
    "What did Random guy say about Assad and Turkey?",
    "What did readers say about the Kurds?",
    "Who helped the Syrian army in Aleppo?",
    "What happened in Palmyra?",
    "Where did the militants go after the agreement?",
    "What did readers think of the victory?",
    "How many refugees fled the Aleppo area?",
]
LAG_TICK_S = 0.010
DEFER_LIMIT_S = 3.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


class BotThread(threading.Thread):
    """The bot on its own loop, with a lag sampler beside it."""

    def __init__(self, settings: Settings, model: Embedder) -> None:
        super().__init__(name="bot", daemon=True)
        self.settings = settings
        self.model = model
        self.lags: list[float] = []
        self.sampling = False
        self.stopping = threading.Event()
        self.failure: BaseException | None = None
        self.engine: Engine
        self.loop: asyncio.AbstractEventLoop

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported by the main thread
            self.failure = error

    async def _sample_lag(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(LAG_TICK_S)
            if self.sampling:
                self.lags.append(loop.time() - before - LAG_TICK_S)

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        async with await Engine.open(self.settings, embedder=self.model) as engine:
            self.engine = engine
            await engine.ask("warm up")  # the model's first call is slow; not the loop's fault
            bot = create_bot(self.settings, engine, guild_ready_timeout=0.1)
            sampler = asyncio.create_task(self._sample_lag())
            async with bot:
                runner = asyncio.create_task(bot.start(TOKEN))
                await asyncio.to_thread(self.stopping.wait)
                await bot.close()
                await asyncio.gather(runner, return_exceptions=True)
            sampler.cancel()


@contextlib.asynccontextmanager
async def bot_against_fake(
    data_dir: Path, model: Embedder, **overrides: object
) -> AsyncIterator[tuple[FakeDiscord, BotThread]]:
    """A fake Discord on this loop and the bot on its own thread, commands synced."""
    async with FakeDiscord(expected_token=TOKEN) as fake:
        options: dict[str, object] = {
            "data_dir": data_dir,
            "discord_token": TOKEN,
            "discord_guild_ids": [DEFAULT_GUILD_ID],
            "discord_api_base": fake.api_base,
            "discord_gateway_url": fake.gateway_url,
            "ask_cooldown_rate": 0,
        }
        settings = Settings(_env_file=None, **(options | overrides))  # type: ignore[call-arg, arg-type]
        bot = BotThread(settings, model)
        bot.start()
        try:
            await fake.wait_for_request(
                "PUT", rf"/applications/\d+/guilds/{DEFAULT_GUILD_ID}/commands", timeout=120
            )
            yield fake, bot
        finally:
            bot.stopping.set()
            await asyncio.to_thread(bot.join, 30)
            if bot.failure:
                print(f"the bot failed: {bot.failure!r}", file=sys.stderr)


async def bench(asks: int, window_s: float) -> int:
    model = load_embedder("all-MiniLM-L6-v2")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        async with await Archive.open(data_dir, embedder=model) as archive:
            await ingest_paths(archive, [ROOT / "samples"])
        async with bot_against_fake(data_dir, model) as (fake, bot):
            return await drive(fake, bot, asks, window_s)


async def drive(fake: FakeDiscord, bot: BotThread, asks: int, window_s: float) -> int:
    heartbeats_before = sum(1 for f in fake.gateway_received if f.get("op") == 1)
    bot.sampling = True
    started = time.monotonic()
    sent: list[tuple[FakeInteraction, float]] = []
    for n in range(asks):
        # Spread evenly over the window: interaction n leaves at n * window / asks.
        delay = started + n * window_s / asks - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        at = time.monotonic()
        interaction = await fake.send_interaction(
            "ask",
            {"question": QUESTIONS[n % len(QUESTIONS)]},
            guild_id=DEFAULT_GUILD_ID,
            user_id=1_000 + n,
        )
        sent.append((interaction, at))
    sending = time.monotonic() - started
    deferred: list[float] = []
    answered: list[float] = []
    failed = 0
    for interaction, at in sent:
        callback = await interaction.wait_for_callback(timeout=120)
        deferred.append(callback.received_at - at)
        followup = await interaction.wait_for_followup(timeout=300)
        answered.append(followup.received_at - at)
        if not followup.json.get("embeds"):
            failed += 1
    total = time.monotonic() - started
    bot.sampling = False
    heartbeats = sum(1 for f in fake.gateway_received if f.get("op") == 1) - heartbeats_before
    late = sum(1 for d in deferred if d > DEFER_LIMIT_S)
    lags_ms = [lag * 1000 for lag in bot.lags]

    print(f"/ask interactions sent:   {asks} in {sending:.2f} s")
    print(
        f"deferred:                 {len(deferred)}/{asks}, within {DEFER_LIMIT_S:.0f} s: "
        f"{asks - late}/{asks}  (p50 {percentile(deferred, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(deferred, 0.99) * 1000:.0f} ms, max {max(deferred) * 1000:.0f} ms)"
    )
    print(
        f"answered:                 {len(answered) - failed}/{asks}  "
        f"(p50 {percentile(answered, 0.5):.2f} s, p99 {percentile(answered, 0.99):.2f} s, "
        f"all done after {total:.1f} s)"
    )
    print(
        f"event-loop lag:           p50 {percentile(lags_ms, 0.5):.1f} ms, "
        f"p99 {percentile(lags_ms, 0.99):.1f} ms, max {max(lags_ms, default=0):.1f} ms  "
        f"(goal: p99 <= 100 ms; {len(lags_ms)} samples)"
    )
    print(f"gateway heartbeats:       {heartbeats} in {total:.1f} s (interval 1.0 s)")
    ok = late == 0 and failed == 0 and len(answered) == asks
    print("result:                   " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--asks", type=int, default=200)
    parser.add_argument("--window", type=float, default=5.0, help="seconds to send them in")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    return asyncio.run(bench(args.asks, args.window))


if __name__ == "__main__":
    sys.exit(main())
