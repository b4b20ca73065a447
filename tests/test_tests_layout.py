"""The suite's own layout: helpers in the `support` package, never imported from a
conftest; no loose helper modules beside the tests; channel tests under channels/."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_test_imports_from_a_conftest() -> None:
    offenders = [
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if "fixtures" not in path.parts and "conftest" in _imported_modules(path)
    ]
    assert offenders == []


def test_beside_the_tests_only_tests_and_conftest() -> None:
    loose = [
        path.name
        for path in TESTS.glob("*.py")
        if not path.name.startswith("test_") and path.name != "conftest.py"
    ]
    assert loose == []
    assert (TESTS / "support" / "__init__.py").is_file()


def test_each_channel_has_its_test_package() -> None:
    assert {p.name for p in (TESTS / "channels").iterdir() if (p / "__init__.py").is_file()} >= {
        "telegram",
        "whatsapp",
    }
    assert not (TESTS / "channel_telegram").exists()
