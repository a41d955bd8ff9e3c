"""How outlets covered one question, side by side: the engine's answer asked of each site's
pages alone, for ``archivist compare`` and Discord's ``/compare``.

Each site gets an ordinary ``Engine.ask`` narrowed to it, so its quotes are verbatim and
attributed as every answer's are, and a site whose pages hold nothing close enough is declined
by the engine's own abstention, never given its nearest sentence instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from bot.answering.answer import Answer
from bot.answering.engine import Engine
from index.models import SearchFilters

#: How many sites are compared when none are named: the ones whose pages match best.
MAX_SITES = 5
# How many of the best-matching passages are read for the sites to compare: enough to reach
# past the one or two outlets that dominate an archive to the others that cover the question.
SITE_SEARCH_PASSAGES = 200
#: What a site whose pages hold no answer gets instead of quotes.
NOTHING_FROM_SITE = "Nothing from this site answers the question."
#: What a comparison says when no site has a page that matches the question at all.
NO_SITE_MATCHES = "No archived site has pages that match this question."


@dataclass(frozen=True, slots=True)
class SiteAnswer:
    site: str
    answer: Answer

    def as_dict(self) -> dict[str, Any]:
        """The site, whether its pages answer, and its quotes as ``ask --json`` gives them."""
        return {
            "site": self.site,
            "answered": self.answer.answered,
            "quotes": [asdict(quote) for quote in self.answer.quotes],
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    question: str
    sites: list[SiteAnswer]

    @property
    def answered(self) -> list[SiteAnswer]:
        return [site for site in self.sites if site.answer.answered]

    @property
    def unanswered(self) -> list[str]:
        return [site.site for site in self.sites if not site.answer.answered]

    def as_dict(self) -> dict[str, Any]:
        return {"question": self.question, "sites": [site.as_dict() for site in self.sites]}


async def best_sites(
    engine: Engine, question: str, filters: SearchFilters, limit: int = MAX_SITES
) -> list[str]:
    """The ``limit`` sites whose pages match ``question`` best, best first: ranked by their
    best passage among the archive's closest. The question's own words narrow the kind as
    they do for an answer ("what did readers say…": comments)."""
    narrowed = await engine.infer_filters(question, filters, readers_by_name=False)
    hits = await engine.search(question, narrowed, SITE_SEARCH_PASSAGES)
    ranked = dict.fromkeys(hit.passage.site for hit in hits if hit.passage.site)
    return list(ranked)[:limit]


async def compare(
    engine: Engine,
    question: str,
    filters: SearchFilters | None = None,
    sites: list[str] | None = None,
) -> Comparison:
    """The engine's answer from each of ``sites`` (as archived: see
    ``bot.services.filters.check_sites``), or from the best-matching ``MAX_SITES`` when none
    are named; ``filters`` (kind, period) apply to every site."""
    question = question.strip()
    if not question:
        raise ValueError("the question is empty")
    filters = filters or SearchFilters()
    chosen = sites or await best_sites(engine, question, filters)
    answers = [
        SiteAnswer(site, await engine.ask(question, replace(filters, site=site))) for site in chosen
    ]
    return Comparison(question, answers)
