"""How Discord reads the text of an embed, as far as the tests need it: which characters are
escaped, which act as syntax, and whether an embed is within Discord's limits.

Discord shows a backslash before any punctuation mark as that mark alone (the escape rule of
its markdown, ``\\`` followed by anything but a letter, digit or space). What is left unescaped
is live: a live "<" starts a mention, timestamp, command link or emoji; a live "[…](…)" is a
masked link; a live "#", ">", "-", "+", "* " or "1." at the start of a line starts a block.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import discord

_ESCAPE = re.compile(r"\\([^0-9A-Za-z\s])")
# A masked link as Discord's markdown reads one: bracketed text, then a target in parentheses.
MASKED_LINK = re.compile(r"\[([^\[\]]*)\]\(([^()\s]*)\)")
# What starts a block at the start of a line: headings and "-#" subtext, block quotes, bullets,
# numbered items.
_BLOCK = re.compile(r"^[^\S\n]*(#|>|[-+]|\*\s|\d+[.)])")
ESCAPED = "\x00"


def unescape(text: str) -> str:
    """What a reader sees: ``text`` with Discord's escapes taken out."""
    return _ESCAPE.sub(r"\1", text)


def live(text: str) -> str:
    """``text`` with every escaped mark (backslash and mark) replaced by one ``ESCAPED``: the
    characters left are those Discord may read as syntax."""
    return _ESCAPE.sub(ESCAPED, text)


def syntax_problems(text: str, links: Collection[str] = (), blocks: bool = True) -> list[str]:
    """What in ``text`` Discord would read as syntax that archive text must never produce: any
    live "<", any masked link whose target is not one of ``links`` (the formatter's own links
    to a page), any other live "](" or "://", and (with ``blocks``) a block started at a line's
    start (a search result's field name starts "1. " on purpose)."""
    shown = live(text)
    problems = [f"live <: {shown[max(0, i - 20) : i + 20]!r}" for i in _find(shown, "<")]
    rest = shown
    for match in MASKED_LINK.finditer(shown):
        if match.group(2) not in links:
            problems.append(f"link to {match.group(2)!r}")
        rest = rest.replace(match.group(0), "", 1)
    problems += [f"live ](: {rest!r}" for _ in _find(rest, "](")]
    problems += [f"live ://: {rest!r}" for _ in _find(rest, "://")]
    if blocks:
        problems += [f"block: {line!r}" for line in shown.splitlines() if _BLOCK.match(line)]
    return problems


def _find(text: str, needle: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(needle), text)]


def embed_texts(embed: discord.Embed) -> list[str]:
    """Every piece of text of ``embed`` Discord reads markdown in."""
    return [
        embed.title or "",
        embed.description or "",
        *(field.name or "" for field in embed.fields),
        *(field.value or "" for field in embed.fields),
    ]


def limit_problems(embed: discord.Embed) -> list[str]:
    """Each of Discord's embed limits ``embed`` breaks (Discord refuses the whole message)."""
    data = embed.to_dict()
    problems = []
    if len(data.get("title", "")) > 256:
        problems.append(f"title {len(data['title'])}")
    if len(data.get("description", "")) > 4096:
        problems.append(f"description {len(data['description'])}")
    fields = data.get("fields", [])
    if len(fields) > 25:
        problems.append(f"{len(fields)} fields")
    for field in fields:
        if not field["name"] or len(field["name"]) > 256:
            problems.append(f"field name {len(field['name'])}")
        if not field["value"] or len(field["value"]) > 1024:
            problems.append(f"field value {len(field['value'])}")
    if len(data.get("footer", {}).get("text", "")) > 2048:
        problems.append("footer")
    url = data.get("url")
    if url is not None and (len(url) > 2048 or not re.match(r"https?://\S+$", url)):
        problems.append(f"url {url[:60]!r}")
    if len(embed) > 6000:
        problems.append(f"total {len(embed)}")
    return problems


def message_problems(messages: list[list[discord.Embed]]) -> list[str]:
    problems = []
    for embeds in messages:
        if len(embeds) > 10:
            problems.append(f"{len(embeds)} embeds")
        if sum(len(e) for e in embeds) > 6000:
            problems.append("message over 6000")
        for embed in embeds:
            problems += limit_problems(embed)
    return problems
