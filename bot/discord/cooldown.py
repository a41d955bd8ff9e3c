"""The per-user question cooldown shared by /ask and mentions."""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Iterator

from discord import app_commands


class SlowDown(app_commands.CheckFailure):
    pass


class AskLimiter:
    """A per-user cooldown shared by /ask and mentions: ASK_COOLDOWN_RATE questions in any
    ASK_COOLDOWN_SECONDS.

    A question counts once it is accepted, so callers check it after their own refusals
    (too long, bad filter), inside :meth:`counted`, which gives it back when no answer came
    after all: a refusal or a failure never costs a question.
    """

    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        self._asked: dict[int, deque[float]] = {}

    def retry_after(self, user_id: int) -> float | None:
        """Counts a question and returns None, or returns the seconds until one may be asked
        (counting nothing)."""
        if self.rate <= 0:
            return None
        now = time.monotonic()
        asked = self._asked.setdefault(user_id, deque())
        while asked and asked[0] <= now - self.per:
            asked.popleft()
        if len(asked) >= self.rate:
            return asked[0] + self.per - now
        asked.append(now)
        return None

    def refund(self, user_id: int) -> None:
        """Uncount the user's latest question (it was refused after all)."""
        asked = self._asked.get(user_id)
        if asked:
            asked.pop()

    def check(self, user_id: int) -> None:
        wait = self.retry_after(user_id)
        if wait is not None:
            raise SlowDown(f"Slow down: you can ask again in {max(wait, 1):.0f} s.")

    @contextlib.contextmanager
    def counted(self, user_id: int) -> Iterator[None]:
        """Count the question (:meth:`check`) for the work inside; refund it when that work
        raises: refused after all (the server's setting changed meanwhile) or failed."""
        self.check(user_id)
        try:
            yield
        except Exception:
            self.refund(user_id)
            raise
