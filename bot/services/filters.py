"""The filters a question or a search may carry (kind, site, since, until), read from what a
user typed and checked in one place for every face: a malformed date, a range that ends before
it starts, a site nothing is archived under. Each is refused with a message saying what was
wrong (``Rejected``), never answered with "nothing found" as if the archive lacked the answer.

A face says how it spells its options (``Spelling``): ``--since 2017`` on the command line,
``since:2017`` on Discord; the checks and the rest of every message are the same. (The console
takes no filters: a period named in a question is read by the engine, which falls back to the
whole archive.)
"""

from __future__ import annotations

import calendar
import difflib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.answering.engine import Engine
from bot.services.community import Rejected
from index.models import PassageKind, SearchFilters
from index.sites import site_key


@dataclass(frozen=True, slots=True)
class Spelling:
    """How a face writes a filter option in a refusal (``option`` formats ``name`` and
    ``value``), and what lists the archived sites there."""

    option: str
    site_listing: str

    def of(self, name: str, value: object) -> str:
        return self.option.format(name=name, value=value)


def date_bound(text: str, end: bool) -> date:
    """YYYY, YYYY-MM or YYYY-MM-DD as the first (``end`` false) or last day it covers."""
    parts = text.strip().split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else (12 if end else 1)
        if len(parts) > 2:
            return date(year, month, int(parts[2]))
        day = calendar.monthrange(year, month)[1] if end else 1
        return date(year, month, day)
    except (ValueError, IndexError):
        raise ValueError(f"{text!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)") from None


def filters_from(
    kind: PassageKind | None = None,
    site: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> SearchFilters:
    """Filters from what a user typed; a malformed date is refused with a message for them."""
    try:
        return SearchFilters(
            kind=kind,
            site=site.strip() or None if site else None,
            since=date_bound(since, end=False) if since else None,
            until=date_bound(until, end=True) if until else None,
        )
    except ValueError as error:
        raise Rejected(str(error)) from None


def check_range(filters: SearchFilters, spelling: Spelling) -> None:
    """A range that ends before it starts holds no date: refused, not searched."""
    if filters.since is not None and filters.until is not None and filters.since > filters.until:
        raise Rejected(
            f"{spelling.of('since', filters.since.isoformat())} is after "
            f"{spelling.of('until', filters.until.isoformat())}: no date is in that range"
        )


async def check_site(engine: Engine, filters: SearchFilters, spelling: Spelling) -> SearchFilters:
    """The filters with their site as the archive spells it: the name in any case or without
    its accents, or the address of its pages ("nationalpost.com"), names it. A site that names
    no archived site is refused, naming the closest one: a filter on it would only find
    nothing, silently."""
    if filters.site is None:
        return filters
    if site := await engine.archive.store.site_named(filters.site):
        return replace(filters, site=site)
    sites = await engine.archive.store.sites()
    keys = {site_key(site): site for site in sites}
    close = difflib.get_close_matches(site_key(filters.site), keys, n=1, cutoff=0.75)
    hint = f"; did you mean {keys[close[0]]!r}?" if close else ""
    raise Rejected(
        f"no site named {filters.site!r} is archived{hint} ({spelling.site_listing} lists them)"
    )


def split_sites(typed: str | None) -> list[str]:
    """The site names of a comma-separated list ("SouthFront, nationalpost.com"), blanks left
    out."""
    return [name.strip() for name in (typed or "").split(",") if name.strip()]


async def check_sites(engine: Engine, typed: Sequence[str], spelling: Spelling) -> list[str]:
    """Each site of ``typed`` as the archive spells it, each checked as ``check_site`` checks
    one (the first not archived is refused), each named once."""
    sites = [(await check_site(engine, SearchFilters(site=name), spelling)).site for name in typed]
    return list(dict.fromkeys(site for site in sites if site))


async def check_filters(
    engine: Engine, filters: SearchFilters, spelling: Spelling
) -> SearchFilters:
    """Every check of a filter: refused (``Rejected``) when it could only find nothing; else
    the filters with the site as archived."""
    check_range(filters, spelling)
    return await check_site(engine, filters, spelling)
