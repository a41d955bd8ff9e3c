"""The layering the design fixes: index imports neither ingest nor bot; ingest never imports
bot; only the Discord shell imports discord."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

DISCORD_SHELL = {"bot/discord_app.py", "bot/discord_format.py", "bot/discord_ui.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("index", {"ingest", "bot", "discord"}), ("ingest", {"bot", "discord"})],
)
def test_lower_layers_do_not_reach_up(package: str, forbidden: set[str]) -> None:
    for module in _modules(package):
        assert not _imports(module) & forbidden, module


def test_only_the_discord_shell_imports_discord() -> None:
    for module in _modules("bot"):
        relative = module.relative_to(ROOT).as_posix()
        if relative in DISCORD_SHELL or relative.startswith("bot/cogs/"):
            continue
        assert "discord" not in _imports(module), relative
