"""Wording shared by every message an operator reads."""

from __future__ import annotations


def plural(n: int, noun: str, many: str | None = None) -> str:
    """'1 article', '3 articles' ('entry' / 'entries' with many= for irregular nouns)."""
    return f"{n} {noun}" if n == 1 else f"{n} {many or noun + 's'}"
