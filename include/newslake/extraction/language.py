"""A small, explainable language detector: script, letters unique to a language, and its commonest words.

It separates the languages newslake's sources publish in (ru, kk, ky, uz in Cyrillic and Latin, tg,
uk, en) and a few other Latin-script languages so they are not mistaken for English.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_UZ_APOSTROPHE_RE = re.compile(r"[og]'")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['ʻʼ‘’`][^\W\d_]+)?")

# Letters that occur in one language's Cyrillic alphabet but not in Russian's.
_CYRILLIC_LETTERS = {
    "kk": set("әғқңөұүһі"),
    "ky": set("ңөү"),
    "uz": set("ўқғҳ"),
    "tg": set("ғӣқӯҳҷ"),
    "uk": set("іїєґ"),
    "ru": set("ыэъё"),
}
# Letters whose presence rules a language out (it has no such letter in its alphabet).
_CYRILLIC_FORBIDDEN = {
    "ru": set("әғқңөұүһіўҳҷӣӯїєґ"),
    "ky": set("әғқұһіўҳҷӣӯїєґ"),
    "kk": set("ўҳҷӣӯїєґ"),
    "uz": set("әңөұүһіҷӣӯїєґыщ"),
    "tg": set("әңөұүһіўїєґыщ"),
    "uk": set("әғқңөұүһўҳҷӣӯыэъё"),
}
_COMMON_WORDS = {
    "ru": "и в не на что с по это как для из о также к от его но он она они был была было были уже при "
          "который которые года после этом",
    "kk": "және бұл мен үшін деп бойынша туралы екенін болып да оның осы бір еді жылы сондай ретінде "
          "қазақстан тиіс",
    "ky": "жана менен үчүн деп боюнча тууралуу бул болуп кийин анын бир эле жылы ошондой катары "
          "кыргызстан керек",
    "uz": "ва билан учун бу ҳам деб бўйича эди йил қилиш этди бўлган ушбу эса ҳақида",
    "tg": "ва дар бо аз ки ба барои ин мебошад буд шуд мешавад кард тоҷикистон низ",
    "uk": "і та що на з не до для це як від його але також який була було були вже",
    "en": "the and of to in is that for on with as was by it at from are be has have this which said",
    "uz_latn": "va bilan uchun bu ham deb bo'yicha boʻyicha edi yil qilish etdi bo'lgan boʻlgan ushbu "
               "esa haqida hamda o'z oʻz",
    "de": "der die und das ist nicht mit von den zu auf für sich dem des eine ein auch",
    "fr": "le la les et des est une un du dans pour que qui pas sur au avec",
    "es": "el la los las y de que en un una por con para es del se al",
    "it": "il la di che e un una per non con del della sono è anche gli le",
    "pt": "o a os as e de que em um uma para com não do da por",
    "tr": "ve bir bu için ile da de olarak olan gibi daha çok",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in _COMMON_WORDS.items()}
_CYRILLIC_LANGS = ("ru", "kk", "ky", "uz", "tg", "uk")
_LATIN_LANGS = ("en", "uz_latn", "de", "fr", "es", "it", "pt", "tr")


@dataclass(frozen=True)
class Detection:
    """Detected ISO 639-1 code, whether the evidence is strong, and the scores behind it."""

    language: str | None
    confident: bool
    scores: dict[str, float]


def detect_language(text: str | None, *, sample_chars: int = 4000) -> Detection:
    """Detect the language of a text from its script, distinctive letters and common words."""
    sample = (text or "")[:sample_chars].lower()
    words = [w.replace("ʻ", "'").replace("’", "'").replace("‘", "'") for w in _WORD_RE.findall(sample)]
    if len(words) < 3:
        return Detection(None, False, {})
    chars = Counter(sample)  # counted in C; the scores below walk distinct characters only
    letters = {c: n for c, n in chars.items() if c.isalpha()}
    total = sum(letters.values())
    cyr = sum(n for c, n in letters.items() if "\u0400" <= c <= "\u04ff")
    lat = sum(n for c, n in letters.items() if c.isascii() or "\u00c0" <= c <= "\u024f")
    if not total or max(cyr, lat) < 0.5 * total:
        return Detection(None, False, {})
    word_counts = Counter(words)
    scores: dict[str, float] = {}
    if cyr >= lat:
        for lang in _CYRILLIC_LANGS:
            word_share = sum(n for w, n in word_counts.items() if w in _WORDS[lang]) / len(words)
            letter_rate = sum(letters.get(c, 0) for c in _CYRILLIC_LETTERS[lang]) / total
            forbidden = sum(letters.get(c, 0) for c in _CYRILLIC_FORBIDDEN[lang]) / total
            scores[lang] = word_share + 2 * letter_rate - 10 * forbidden
            if lang != "ru" and not any(c in letters for c in _CYRILLIC_LETTERS[lang]):
                scores[lang] -= 0.05
    else:
        for lang in _LATIN_LANGS:
            scores[lang] = sum(n for w, n in word_counts.items() if w in _WORDS[lang]) / len(words)
        # Uzbek Latin spells o‘ and g‘ with a modifier letter or an apostrophe
        scores["uz_latn"] += 0.5 * sum(n for w, n in word_counts.items() if _UZ_APOSTROPHE_RE.search(w)) / len(words)
        scores["uz_latn"] += 3 * letters.get("q", 0) / total
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, best_score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    confident = len(words) >= 20 and best_score >= 0.04 and best_score - second >= 0.02
    code = "uz" if best == "uz_latn" else best
    # a handful of words that happen to match is no evidence at all
    usable = best_score > 0 and (len(words) >= 8 or best_score >= 0.3)
    return Detection(code if usable else None, confident and usable, scores)


def normalise_language_tag(tag: str | None) -> str | None:
    """'en-US', 'ru_RU', 'kk' -> two-letter ISO 639-1 code, or None if it is not one."""
    if not tag:
        return None
    code = re.split(r"[-_\s]", tag.strip().lower(), maxsplit=1)[0]
    if code == "kz":  # a common mistake: the country code for Kazakh
        return "kk"
    if code == "kg":  # the country code for Kyrgyz
        return "ky"
    return code if re.fullmatch(r"[a-z]{2}", code) else None
