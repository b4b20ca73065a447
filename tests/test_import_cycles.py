"""No import cycle among bot/, handlers/ and store/: the graph of every module's
imports — at load and inside functions alike, not those under `if TYPE_CHECKING:` —
has no cycle, and no function imports a module of the product (that is how a cycle
hides). Types live in modules that import none of their users; a library is imported
inside a function only where it must load lazily, with a `# lazy:` comment why."""

from __future__ import annotations

import ast

import pytest
from support.imports import imports_of, package_modules, unjustified_local_imports

PACKAGES = ("bot", "handlers", "store")


def _imports(tree: ast.Module, name: str, is_package: bool) -> set[str]:
    """The names a module imports (each `from a import b` as `a.b` too, since `b` may
    be a module)."""
    package = name if is_package else name.rpartition(".")[0]
    names: set[str] = set()
    for item in imports_of(tree):
        node = item.node
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*anchor, *([base] if base else [])])
        names.add(base)
        names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    modules = package_modules(*PACKAGES)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        own = {".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 2)}
        edges = set()
        for target in _imports(ast.parse(path.read_text()), name, is_package):
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


def test_the_graph_leaves_out_what_only_annotations_import() -> None:
    graph = import_graph()
    assert "bot.runtime" in graph["bot.bootstrap"]
    assert "bot.channels" in graph["bot.bootstrap"]
    assert not graph["bot.channels.base"] & {n for n in graph if n.startswith("bot.channels")}
    assert "bot.channels.telegram.bridge" not in graph["bot.runtime"]


def test_an_import_inside_a_function_is_an_edge() -> None:
    tree = ast.parse("def later():\n    from store import proofs\n")
    assert "store.proofs" in _imports(tree, "store.statements", is_package=False)


def test_no_function_imports_a_module_of_the_product() -> None:
    offenders = {
        name: found
        for name, path in package_modules(*PACKAGES).items()
        if (found := unjustified_local_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


@pytest.mark.parametrize(("source", "allowed"), [
    ("def f():\n    from store import proofs\n", False),
    ("def f():\n    from store import proofs  # lazy: no, never the product\n", False),
    ("def f():\n    from . import proofs\n", False),
    ("def f():\n    import handlers.i18n\n", False),
    ("def f():\n    from pypdf import PdfReader\n", False),
    ("def f():\n    from pypdf import PdfReader  # lazy: PDFs only\n", True),
    ("def f():\n    # lazy: heavy, and it may fail to load\n    import numpy\n", True),
    ("class A:\n    def f(self):\n        try:\n            import numpy\n"
     "        except ImportError:\n            pass\n", False),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from store import proofs\n", True),
    ("from store import proofs\n", True),
])
def test_the_check_of_imports_inside_functions(source: str, allowed: bool) -> None:
    assert (unjustified_local_imports(source) == []) is allowed


def test_no_import_cycle_in_bot_and_store() -> None:
    assert cycles(import_graph(), ("bot", "store")) == []


def test_no_import_cycle_among_bot_handlers_and_store() -> None:
    assert cycles(import_graph(), ("bot", "handlers", "store")) == []
