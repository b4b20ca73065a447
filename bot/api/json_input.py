"""JSON bodies as every route reads them: parsed without recursing past a few levels
(a body nested 50,000 deep is refused, not a RecursionError), and checked for text a
database cannot keep (a NUL byte, a lone UTF-16 surrogate such as "\\ud800")."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32  # no body of ours nests past a handful of levels
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BadJson(ValueError):
    """Not JSON, NaN/Infinity, or nested past MAX_DEPTH (`too_deep`)."""

    def __init__(self, too_deep: bool = False) -> None:
        super().__init__("too deep" if too_deep else "not JSON")
        self.too_deep = too_deep


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            inner = item.values() if isinstance(item, dict) else item
            stack.extend((v, depth + 1) for v in inner)
    return False


def loads(data: bytes | str) -> Any:
    """The JSON value of `data`; BadJson when it is not JSON or nests too deep."""
    try:
        raw = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise BadJson() from None
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:  # the parser's own limit, near a thousand levels
        raise BadJson(too_deep=True) from None
    except ValueError:
        raise BadJson() from None
    if _depth_exceeds(value, MAX_DEPTH):
        raise BadJson(too_deep=True)
    return value


def unstorable_at(value: Any, path: str = "") -> str | None:
    """The path ("customer.name", "items[2].name") of the first string, key or value,
    holding a NUL byte or a lone surrogate; None when all of it can be kept."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return where or "body"
        elif isinstance(item, dict):
            for key, inner in item.items():
                name = f"{where}.{key}" if where else str(key)
                if _UNSTORABLE.search(str(key)):
                    return where or "body"
                stack.append((inner, name))
        elif isinstance(item, list):
            stack.extend((inner, f"{where}[{n}]") for n, inner in enumerate(item))
    return None
