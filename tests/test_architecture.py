"""The layering the design fixes, checked on the source (every import counts, also one inside a
function or under ``TYPE_CHECKING``):

- ``index`` imports neither ``ingest`` nor ``bot``; ``ingest`` never imports ``bot``;
- the answering engine imports no face (Discord, terminal) and no service above it;
- the services import no face; the two faces do not import each other, except the command line
  starting the Discord face lazily (inside a function);
- only the Discord face imports discord; nothing in the product imports ``bench``;
- there is no import cycle among the project's modules;
- no module imports another's private name (a leading underscore): what modules share is public;
- a module over 500 lines says in its docstring why it is one module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

PRODUCT = ("bot", "index", "ingest")
LONG_MODULE_LINES = 500
#: The words a long module's docstring uses to say why it stays whole.
WHY_ONE_MODULE = "Why one module"


@dataclass(frozen=True)
class Import:
    target: str  # the module imported, as precisely as the source names it
    lazy: bool  # inside a function body


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
    }


MODULES = product_modules()


def _walk(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        yield child, inside
        yield from _walk(child, inside)


def package_of(name: str) -> str:
    """The package a module's relative imports start from."""
    return name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]


def imported_from(node: ast.ImportFrom, package: str) -> str:
    """The module a ``from … import`` names, a relative one resolved from ``package``."""
    base = node.module or ""
    if node.level:
        anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    return base


def imports_of(name: str) -> list[Import]:
    found: list[Import] = []
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    for node, lazy in _walk(tree, False):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, lazy) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = imported_from(node, package_of(name))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append(Import(submodule if submodule in MODULES else base, lazy))
    return found


def within(target: str, package: str) -> bool:
    return target == package or target.startswith(package + ".")


def violations(importer: str, forbidden: tuple[str, ...], lazy_allowed: bool = False) -> list[str]:
    return [
        f"{importer} imports {found.target}"
        for module, path in MODULES.items()
        if within(module, importer)
        for found in imports_of(module)
        if any(within(found.target, package) for package in forbidden)
        and not (lazy_allowed and found.lazy)
    ]


FACES = ("bot.discord", "bot.terminal")


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [
        ("index", ("ingest", "bot", "discord", "bench")),
        ("ingest", ("bot", "discord", "bench")),
        ("bot.settings", ("bot.answering", "bot.services", "bot.evals", *FACES, "discord")),
        ("bot.answering", ("bot.services", "bot.evals", *FACES, "discord", "bench")),
        ("bot.services", ("bot.evals", *FACES, "discord", "bench")),
        ("bot.evals", (*FACES, "discord", "bench")),
        ("bot.discord", ("bot.terminal", "bot.evals", "bench")),
        ("bot.terminal", ("discord", "bench")),
    ],
)
def test_layers_import_only_downwards(importer: str, forbidden: tuple[str, ...]) -> None:
    assert violations(importer, forbidden) == []


def test_the_command_line_starts_the_discord_face_only_lazily() -> None:
    assert violations("bot.terminal", ("bot.discord",), lazy_allowed=True) == []


def test_the_rules_see_a_forbidden_import() -> None:
    """The checks above must be able to fail: the terminal does import the Discord face, lazily."""
    assert violations("bot.terminal", ("bot.discord",))


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name in MODULES:
        for found in imports_of(name):
            target = found.target
            # `from bot.answering.engine import Engine` names the module; `import index` the
            # package: either way the edge goes to the module the source names.
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), plus self-loops."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index_of[node] = low[node] = len(index_of)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index_of:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index_of[successor])
        if low[node] == index_of[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index_of:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def private_imports(name: str) -> list[str]:
    """The private names (``_name``, not dunders) module ``name`` imports from the project's
    other modules."""
    found = []
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = imported_from(node, package_of(name))
        if base not in MODULES or base == name:
            continue  # another distribution's private name is its business
        found += [
            f"{name} imports {base}.{alias.name}"
            for alias in node.names
            if alias.name.startswith("_") and not alias.name.startswith("__")
        ]
    return found


def test_no_module_imports_a_private_name_of_another() -> None:
    assert [found for name in MODULES for found in private_imports(name)] == []


def test_the_private_import_check_sees_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    borrower = tmp_path / "borrower.py"
    borrower.write_text("from index.filters import _private, nocase\n", encoding="utf-8")
    monkeypatch.setitem(MODULES, "index.borrower", borrower)
    assert private_imports("index.borrower") == ["index.borrower imports index.filters._private"]


def test_long_modules_say_why_they_are_one_module() -> None:
    long_without_reason = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > LONG_MODULE_LINES:
            docstring = ast.get_docstring(ast.parse(text)) or ""
            if WHY_ONE_MODULE not in docstring:
                long_without_reason.append(f"{name} ({text.count(chr(10))} lines)")
    assert long_without_reason == []
