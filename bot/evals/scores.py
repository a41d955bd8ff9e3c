"""What the evaluations report: a row of figures beside the baseline's, running means, and the
folding texts are compared under."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\xa0": " "})


@dataclass(slots=True)
class Figure:
    """One row of the table: our score, trafilatura's, the acceptance target, pages used."""

    name: str
    ours: float
    baseline: float | None  # None: a row about our evidence, with no baseline to compare
    target: float | None  # None: shown for information, no acceptance target
    pages: int
    lower_is_better: bool = False  # a count or share of faults: met at or below the target

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.ours <= self.target if self.lower_is_better else self.ours >= self.target


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


@dataclass(slots=True)
class Tally:
    """Running means for one metric, for us and for the baseline."""

    ours: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)

    def add(self, ours: float, baseline: float) -> None:
        self.ours.append(ours)
        self.baseline.append(baseline)

    def figure(self, name: str, target: float | None) -> Figure:
        return Figure(name, mean(self.ours), mean(self.baseline), target, len(self.ours))


def fold(text: str | None) -> str:
    text = html.unescape(text or "").translate(_QUOTES)
    return " ".join(text.split()).casefold()
