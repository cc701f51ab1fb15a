"""Russian lemmas from pymorphy3: the analyser is built once per process, on first use, and lemmas are cached."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

_lock = threading.Lock()
_analyser: Any = None


def analyser() -> Any:
    """The process's pymorphy3 MorphAnalyzer (construction costs about 0.25 s, so it happens once)."""
    global _analyser
    if _analyser is None:
        with _lock:
            if _analyser is None:
                import pymorphy3

                _analyser = pymorphy3.MorphAnalyzer(lang="ru")
    return _analyser


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """Dictionary forms of a lower-case Russian word, most likely first, joined by '|' (the word when unknown)."""
    try:
        parses = analyser().parse(word)
    except Exception:  # the analyser must never sink an article; the word then stands for itself
        return word
    forms: list[str] = []
    for p in parses:
        form = p.normal_form.replace("ё", "е")
        if form not in forms:
            forms.append(form)
    return "|".join(forms) or word
