"""The suite reads nothing beside the project (a clone alone must pass): every `open` of a
path in the project's parent folder but outside the project (and outside the Python
running the tests and the temporary folder), and of the `shared` folder beside it
wherever the project is, is recorded; tests/conftest.py fails the session at its end
when any was."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
OUTSIDE_READS: list[str] = []
_watching: list[bool] = []


def _allowed_roots() -> tuple[str, ...]:
    roots = {str(PROJECT), tempfile.gettempdir(), sys.prefix, sys.base_prefix, sys.exec_prefix}
    roots.update(p for p in sys.path if p and not p.startswith(str(PROJECT)))
    both = {f(r) for r in roots for f in (os.path.abspath, os.path.realpath)}
    return tuple(os.path.join(r, "") for r in both)


def _watch_outside_reads(watched: str, allowed: tuple[str, ...], never: str) -> None:
    def hook(event: str, args: tuple) -> None:
        if event != "open" or not isinstance(args[0], str | bytes | os.PathLike):
            return
        path = os.path.abspath(os.fsdecode(args[0]))
        if path.startswith(never) or (path.startswith(watched) and not path.startswith(allowed)):
            OUTSIDE_READS.append(path)

    sys.addaudithook(hook)


def watch() -> None:
    """Start recording (once: an audit hook cannot be removed)."""
    if _watching:
        return
    _watching.append(True)
    _watch_outside_reads(os.path.join(str(PROJECT.parent), ""), _allowed_roots(),
                         os.path.join(str(PROJECT.parent.joinpath("shared")), ""))
