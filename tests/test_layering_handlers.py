"""handlers/ and store/ have no import cycle.

The graph is read from the source (ast), not by importing. An import inside a function
is an edge like any other (a cycle it closes is only hidden until the function runs);
one under `if TYPE_CHECKING:` is not (annotations only). A cycle is reported with its
path."""

from __future__ import annotations

import ast
from pathlib import Path

from support.imports import imports_of, package_modules

PACKAGES = ("handlers", "store")


def _imported(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The modules of handlers/ and store/ that this one imports (anywhere in it)."""
    is_package = path.name == "__init__.py"
    edges: set[str] = set()
    for item in imports_of(ast.parse(path.read_text(encoding="utf-8"))):
        node = item.node
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from handlers import customer` imports the module handlers.orders.customer
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                       for a in node.names]
        for target in targets:
            while target and target not in modules:  # `import handlers.x.y` needs handlers.x
                target = target.rpartition(".")[0]
            if target and target != name:
                edges.add(target)
                parent = target.rpartition(".")[0]  # importing a submodule runs its package
                if parent in modules and parent != name and not name.startswith(parent + "."):
                    edges.add(parent)
    return edges


def _graph() -> dict[str, set[str]]:
    modules = package_modules(*PACKAGES)
    return {name: _imported(path, name, modules) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_handlers_and_store_have_no_import_cycle() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_checker_finds_a_cycle() -> None:
    graph = _graph()
    assert graph["handlers.core"] >= {"handlers.features", "handlers.turn"}
    assert "handlers.orders.customer" in graph["handlers.features"]
    graph["handlers.turn"] = graph["handlers.turn"] | {"handlers.core"}  # a feature importing core
    assert _cycle(graph) is not None


def test_the_types_a_feature_imports_import_no_feature() -> None:
    graph = _graph()
    features = {
        "handlers.orders.customer", "handlers.proofs.chat", "handlers.vendor.commands",
        "handlers.phone",
    }
    for types_module in ("handlers.turn", "handlers.feature", "handlers.types"):
        assert not graph[types_module] & features, types_module


def test_an_import_inside_a_function_is_an_edge_of_the_graph(tmp_path: Path) -> None:
    """The cycle proofs ↔ statements, as it once hid inside a function, is found."""
    source = tmp_path / "statements.py"
    source.write_text("def _auto_approve():\n    from store.proofs import approve_by_statement\n")
    graph = _graph()
    graph["store.statements"] = _imported(source, "store.statements", package_modules(*PACKAGES))
    assert "store.proofs" in graph["store.statements"]
    graph["store.proofs"] = graph["store.proofs"] | {"store.statements"}
    assert _cycle(graph) is not None
