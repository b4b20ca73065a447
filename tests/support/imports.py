"""The import statements of a module's source, read with `ast` (nothing is imported),
for the tests of the import graph: every one that runs, at load or when a function is
called, and not those under `if TYPE_CHECKING:` (annotations only). An import inside
a function is still an edge of the graph: a cycle it closes is a cycle all the same,
only hidden until the function runs."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PROJECT = ("bot", "handlers", "store", "locales")  # the packages of the product
LAZY = "# lazy:"  # how an import inside a function says why it must wait


@dataclass(frozen=True)
class ImportSite:
    node: ast.Import | ast.ImportFrom
    local: bool  # inside a function: it runs when the function is called, not at load


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, local: bool) -> Iterator[ImportSite]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield ImportSite(node, local)
        return
    if isinstance(node, ast.If) and _is_type_checking(node.test):
        children: list[ast.AST] = list(node.orelse)  # its body is for annotations only
    else:
        children = list(ast.iter_child_nodes(node))
    inner = local or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
    for child in children:
        yield from _walk(child, inner)


def imports_of(tree: ast.Module) -> list[ImportSite]:
    """Every import statement that runs, in source order."""
    return list(_walk(tree, local=False))


def package_modules(*packages: str) -> dict[str, Path]:
    """Each module of `packages` (migrations aside) by its dotted name."""
    found = {}
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module or ""]


def _says_why(lines: list[str], node: ast.AST) -> bool:
    """A `# lazy:` comment on the import's own lines or in the comment right above."""
    own = lines[node.lineno - 1 : node.end_lineno]
    above = []
    for line in reversed(lines[: node.lineno - 1]):
        if not line.strip().startswith("#"):
            break
        above.append(line)
    return any(LAZY in line for line in own + above)


def unjustified_local_imports(source: str) -> list[str]:
    """The imports inside functions that are not allowed: any of the product's own
    modules (that hides a cycle, or an order of loading nobody wrote down), and a
    library without a `# lazy:` comment saying why it must wait. Line: statement."""
    lines = source.splitlines()
    found = []
    for item in imports_of(ast.parse(source)):
        if not item.local:
            continue
        node = item.node
        own = bool(getattr(node, "level", 0)) or any(
            name.split(".")[0] in PROJECT for name in _names(node)
        )
        if own or not _says_why(lines, node):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found
