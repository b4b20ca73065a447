"""One cleaning for all text people and systems give us (API fields, imported rows,
chat messages and captions, profile names): nothing in it can ring a terminal, move
its cursor, recolour it, or reorder a line by a bidirectional override.

Kept: letters, marks, digits, punctuation, emoji and the joiners Devanagari and emoji
need (U+200C ZWNJ, U+200D ZWJ). Dropped: C0 and C1 control characters (a line break
stays where the field has lines), whole ESC/CSI/OSC sequences, the bidi embeddings,
overrides and isolates (U+202A–U+202E, U+2066–U+2069), and lone surrogates."""

from __future__ import annotations

import re

# ESC [ … final, ESC ] … BEL/ST, ESC and one character; the 8-bit CSI and OSC too.
_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x9c)?"
)
_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]")
_DROPPED = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean_text(text: str, *, multiline: bool = False) -> str:
    """`text` without anything that can hide or rewrite lines; line breaks become
    "\\n" where the field has lines (notes, addresses, messages) and spaces elsewhere."""
    text = _SEQUENCES.sub("", text)
    text = _BREAKS.sub("\n" if multiline else " ", text).replace("\t", " ")
    return _DROPPED.sub("", text)
