"""Command groups features add to `orderbot` (one line per feature)."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    pass
