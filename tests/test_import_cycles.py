"""No module-level import cycle among bot/, handlers/ and store/: the graph of every
module's top-level imports (not those under `if TYPE_CHECKING:` nor inside functions)
has no cycle. Types live in modules that import none of their users."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "store")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(tree: ast.Module, name: str, is_package: bool) -> set[str]:
    """The names a module imports when it is loaded (each `from a import b` as `a.b`
    too, since `b` may be a module)."""
    package = name if is_package else name.rpartition(".")[0]
    names: set[str] = set()
    body = list(tree.body)
    while body:
        node = body.pop(0)
        if isinstance(node, ast.If) and not _is_type_checking(node):
            body.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            body.extend(node.body + node.orelse + node.finalbody)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        own = {".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 2)}
        edges = set()
        for target in _top_level_imports(ast.parse(path.read_text()), name, is_package):
            parts = target.split(".")
            for n in range(1, len(parts) + 1):  # importing a.b.c loads a, a.b and a.b.c
                module = ".".join(parts[:n])
                if module in modules and module not in own:
                    edges.add(module)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]], among: tuple[str, ...]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules under `among`."""
    nodes = {n for n in graph if n.split(".")[0] in among}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node] & nodes):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                found.append(sorted(group))

    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_a_cycle() -> None:
    graph = {"bot.a": {"bot.b"}, "bot.b": {"bot.c"}, "bot.c": {"bot.a"}, "bot.d": {"bot.a"}}
    assert cycles(graph, ("bot",)) == [["bot.a", "bot.b", "bot.c"]]
    assert cycles({"bot.a": {"bot.b"}, "bot.b": set()}, ("bot",)) == []


def test_the_graph_reads_top_level_imports_only() -> None:
    graph = import_graph()
    assert "bot.runtime" in graph["bot.bootstrap"]
    assert "bot.channels" in graph["bot.bootstrap"]
    assert not graph["bot.channels.base"] & {n for n in graph if n.startswith("bot.channels")}


def test_no_import_cycle_in_bot_and_store() -> None:
    assert cycles(import_graph(), ("bot", "store")) == []


def test_no_import_cycle_among_bot_handlers_and_store() -> None:
    assert cycles(import_graph(), ("bot", "handlers", "store")) == []
