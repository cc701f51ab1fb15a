"""Text preparation for enrichment: normalised characters, paragraphs without footers, sentences, tokens."""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

# Uzbek and Kazakh Latin use several look-alike apostrophes; one form lets one gazetteer entry match all.
_APOSTROPHES = re.compile("[ʻʼ‘’`´′ʹ]")
_DASHES = re.compile("[‐‑‒–]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
# "U.S." and "U.N." are one token; otherwise words with inner hyphens, apostrophes or dots (Kun.uz, 24.kg).
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\w+(?:['\-.]\w+)*")
_FOOTER = re.compile(
    r"©|\(c\)\s*\d{4}|all rights reserved|все права защищены|барлық құқықтар қорғалған|barcha huquqlar|"
    r"subscribe to|follow us|подписывайтесь|подпишитесь|при (полном или частичном )?использовании|"
    r"перепечатка|reproduction|republish|бізге жазылыңыз|obuna bo'ling|read more on|читайте также",
    re.IGNORECASE,
)
# A full stop after these does not end a sentence.
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "gen", "col", "lt", "sgt", "jr", "sr", "vs", "no", "art",
                  "г", "гг", "ул", "т", "им", "см", "обл", "р-н", "проф", "д", "ст"}
# A token and the closing punctuation right after it (empty when none), in one C-level findall.
_TOKEN_PUNCT = re.compile(r"((?:[^\W\d_]\.){2,}|\w+(?:['\-.]\w+)*)(?=([,.;:!?)»\"]?))")
_SENTENCE_END = re.compile(r"[.!?…]+[\"»”')\]]*\s+")


def normalise(text: str) -> str:
    """NFC, one apostrophe, one hyphen, ё as е, no control characters."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _DASHES.sub("-", _APOSTROPHES.sub("'", text)).replace("ё", "е").replace("Ё", "Е")
    return _CONTROL.sub(" ", text)


def has_cyrillic(text: str) -> bool:
    """True when text holds any Cyrillic letter."""
    return _CYRILLIC.search(text) is not None


def paragraphs(body: str) -> list[str]:
    """Non-empty paragraphs (blank-line or line separated), trailing footer paragraphs removed."""
    parts = [p.strip() for p in re.split(r"\n+", body) if p.strip()]
    while parts and len(parts[-1].split()) <= 60 and _FOOTER.search(parts[-1]):
        parts.pop()
    return parts


def sentences(paragraph: str) -> list[str]:
    """A paragraph split into sentences, not after abbreviations or initials."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(paragraph):
        before = paragraph[start : m.start()].rsplit(None, 1)
        last = before[-1].lower().rstrip(".") if before else ""
        following = paragraph[m.end() : m.end() + 1]
        if m.group().startswith(".") and (len(last) == 1 or last in _ABBREVIATIONS or "." in last):
            continue
        if following and not (following.isupper() or following.isdigit() or following in "\"«“'(-"):
            continue
        out.append(paragraph[start : m.end()].strip())
        start = m.end()
    tail = paragraph[start:].strip()
    if tail:
        out.append(tail)
    return out


class Token(NamedTuple):
    """One word of a sentence: its text, lower case, and whether it is capitalised."""

    text: str
    lower: str
    sentence: int
    capitalised: bool
    followed_by_punct: bool


def tokenize(sentence: str, index: int) -> list[Token]:
    """Word tokens of one sentence, tagged with the sentence's index."""
    new = tuple.__new__  # skips NamedTuple's Python-level constructor: tokenising is most of enrichment's time
    return [new(Token, (w, w.lower(), index, w[:1].isupper(), p != "")) for w, p in _TOKEN_PUNCT.findall(sentence)]
