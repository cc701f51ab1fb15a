"""Phrase patterns over tokens: words in order, each an exact form, a prefix (word*) or alternatives (a|b)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from newslake.enrichment.text import Token, has_cyrillic, normalise

# Languages whose case endings are suffixes glued to the name (Қазақстанда, O'zbekistonning).
AGGLUTINATIVE = frozenset({"kk", "ky", "uz", "tg", "tk"})
_MAX_SUFFIX = 7
_MIN_STEM = 3
_KEY = 3  # prefix patterns are indexed by their first letters
_PREFIX_KEY = 4  # a Cyrillic prefix word reaches the analyser by this many first letters
_CACHE_MAX = 200_000  # distinct (token, forms) keys remembered per matcher


@dataclass(frozen=True)
class Word:
    """One word of a pattern: exact forms, prefixes, and whether case must match exactly."""

    exact: frozenset[str]
    prefixes: tuple[str, ...] = ()
    case_exact: str | None = None  # acronyms: the token's own text must equal this

    def matches(self, token: Token, forms: Sequence[str]) -> bool:
        """True when the token (with its forms: lower case, lemma, stems) fits this word."""
        if self.case_exact is not None:
            return token.text == self.case_exact or token.text.rstrip(".") == self.case_exact.rstrip(".")
        return any(f in self.exact or f.startswith(self.prefixes) for f in forms) if self.prefixes else any(
            f in self.exact for f in forms
        )


@dataclass(frozen=True)
class Pattern:
    """A phrase to find, what it stands for (a country code, an organisation, a topic part) and its rules."""

    words: tuple[Word, ...]
    value: str
    kind: str = ""  # e.g. "name", "city", "demonym", "alias", "acronym", "outlet"
    capitalised: bool = False  # the first token must start with a capital letter
    not_followed_by: frozenset[str] = frozenset()
    source: str = ""  # the entry as written, for messages and evidence


@dataclass(frozen=True)
class Match:
    """A pattern found at tokens [start, end) of a document."""

    start: int
    end: int
    pattern: Pattern


def compile_word(word: str, lemmatise: Callable[[str], str], *, case_exact: bool = False) -> Word:
    """A pattern word: 'a|b' alternatives, 'pre*' prefixes; Russian words also match by lemma."""
    word = normalise(word)
    if case_exact:
        return Word(frozenset(), (), word)
    exact: set[str] = set()
    prefixes: list[str] = []
    for alt in word.lower().split("|"):
        if alt.endswith("*"):
            prefixes.append(alt[:-1])
        else:
            exact.add(alt)
            if has_cyrillic(alt):
                exact.add(lemmatise(alt).split("|")[0])
    return Word(frozenset(exact), tuple(prefixes))


def split_words(phrase: str) -> list[str]:
    """The words of a pattern phrase, split like text tokens (hyphens and inner dots stay inside words)."""
    from newslake.enrichment.text import _TOKEN

    out = []
    for part in normalise(phrase).split():
        if part.endswith("*") or "|" in part:
            out.append(part)
        else:
            out.extend(m.group() for m in _TOKEN.finditer(part))
    return out


class Matcher:
    """Finds every pattern occurrence in a token list; patterns are indexed by their first word."""

    def __init__(self, patterns: Sequence[Pattern]):
        self.patterns = list(patterns)
        self._exact: dict[str, list[Pattern]] = defaultdict(list)
        self._case: dict[str, list[Pattern]] = defaultdict(list)
        # first letters -> prefix -> patterns: a word sharing only the first letters costs one startswith per prefix
        self._prefix: dict[str, dict[str, list[Pattern]]] = defaultdict(lambda: defaultdict(list))
        self._short_prefix: list[Pattern] = []
        self._cache: dict[tuple[str, ...], tuple[Pattern, ...]] = {}
        self._by_text: dict[str, dict[str, tuple[Pattern, ...]]] = {}  # mode -> token text -> candidates
        for p in self.patterns:
            first = p.words[0]
            if first.case_exact is not None:
                self._case[first.case_exact.rstrip(".")].append(p)
                continue
            for form in first.exact:
                self._exact[form].append(p)
            for pre in first.prefixes:
                if len(pre) >= _KEY:
                    self._prefix[pre[:_KEY]][pre].append(p)
                else:
                    self._short_prefix.append(p)

    def find(self, tokens: Sequence[Token], forms: Sequence[Sequence[str]], mode: str | None = None,
             plain: Callable[[Token], bool] | None = None) -> list[Match]:
        """All matches (overlapping ones included), ordered by start then longest first.

        mode names how forms were derived from the token text (see token_forms); with it, a token's text
        alone keys the candidate cache, which spares building a key per token. plain, with a mode, tells
        the tokens whose only form is their lower case (see plain_forms): a new such word is looked up
        without building its forms.
        """
        found: list[Match] = []
        candidates_for, match_at = self._candidates, self._match_at
        cache: dict = self._cache if mode is None else self._by_text.setdefault(mode, {})
        plain = plain if mode is not None else None
        for i, token in enumerate(tokens):
            # Most words start no pattern; the answer per (text, forms) is kept across articles.
            key = (token.text, *forms[i]) if mode is None else token.text
            candidates = cache.get(key)
            if candidates is None:
                # A fresh process meets most words for the first time: a plain word that no index holds
                # costs three lookups here instead of its forms and a candidate search.
                if plain is not None and plain(token):
                    candidates = self._plain_candidates(token)
                else:
                    candidates = candidates_for(token, forms[i])
                if len(cache) < _CACHE_MAX:
                    cache[key] = candidates
            if not candidates:
                continue
            for p in candidates:
                end = match_at(p, tokens, forms, i)
                if end is not None:
                    found.append(Match(i, end, p))
        found.sort(key=lambda m: (m.start, -(m.end - m.start), m.pattern.value))
        return found

    def _plain_candidates(self, token: Token) -> tuple[Pattern, ...]:
        """_candidates for a token whose forms are [its lower case], skipping it when no index holds it."""
        lower = token.lower
        if (lower in self._exact or lower[:_KEY] in self._prefix or self._short_prefix
                or token.text.rstrip(".") in self._case):
            return self._candidates(token, (lower,))
        return ()

    def _candidates(self, token: Token, forms: Sequence[str]) -> tuple[Pattern, ...]:
        """Patterns whose first word fits this token, each once, in index order."""
        # Each index lookup already proves the first word fits (its exact form, its prefix, its acronym), so
        # Word.matches is not asked again: this runs once per new word, which is most of a fresh process's cost.
        candidates: list[Pattern] = []
        hit = self._case.get(token.text.rstrip("."))
        if hit:
            candidates.extend(hit)
        exact, prefix = self._exact, self._prefix
        for f in forms:
            hit = exact.get(f)
            if hit:
                candidates.extend(hit)
            group = prefix.get(f[:_KEY])
            if group:
                for pre, patterns in group.items():
                    if f.startswith(pre):
                        candidates.extend(patterns)
        if self._short_prefix:
            candidates.extend(p for p in self._short_prefix if p.words[0].matches(token, forms))
        if not candidates:
            return ()
        capitalised = token.capitalised
        seen: set[int] = set()
        out = []
        for p in candidates:
            if id(p) not in seen and (capitalised or not p.capitalised):
                seen.add(id(p))
                out.append(p)
        return tuple(out)

    @staticmethod
    def _match_at(p: Pattern, tokens: Sequence[Token], forms: Sequence[Sequence[str]], i: int) -> int | None:
        n = len(p.words)
        if i + n > len(tokens):
            return None
        sentence = tokens[i].sentence
        for j in range(1, n):  # the first word was checked when the candidates were chosen
            word = p.words[j]
            token = tokens[i + j]
            if token.sentence != sentence or not word.matches(token, forms[i + j]):
                return None
        end = i + n
        if p.not_followed_by and end < len(tokens) and tokens[end].sentence == sentence:
            if set(forms[end]) & p.not_followed_by:
                return None
        return end


def longest(matches: Sequence[Match]) -> list[Match]:
    """Non-overlapping matches, preferring the earliest, then the longest."""
    chosen: list[Match] = []
    taken_until = -1
    for m in sorted(matches, key=lambda m: (m.start, -(m.end - m.start), m.pattern.value)):
        if m.start >= taken_until:
            chosen.append(m)
            taken_until = m.end
    return chosen


@dataclass(frozen=True)
class LemmaGate:
    """Which Cyrillic tokens are worth a pymorphy3 call: most words of a text can match no pattern."""

    keys: frozenset[str]  # first letters of every Cyrillic pattern word (names included)
    surfaces: frozenset[str] | None = None  # every inflected form of the lower-case pattern words; None: keys only
    prefix_keys: frozenset[str] = frozenset()  # first four letters of Cyrillic prefix words (задерж*), or fewer
    name_keys: frozenset[str] | None = None  # first letters of the words of capitalised patterns; None: keys

    def wants(self, token: Token, lower: str) -> bool:
        """True when the token's lemma could fit a pattern word."""
        if self.surfaces is None:
            return token.capitalised or lower[:_KEY] in self.keys
        if lower in self.surfaces or lower[:_PREFIX_KEY] in self.prefix_keys or lower[:_KEY] in self.prefix_keys:
            return True
        if token.capitalised:  # names: the guessed lemma keeps the first letters (Оша -> Ош)
            # A capitalised common word ("Строительство" opening a sentence) is covered by the surfaces above;
            # only names, whose forms the dictionary often lacks, need the looser first-letters test.
            names = self.keys if self.name_keys is None else self.name_keys
            return lower[:_KEY] in names or lower[:2] in names
        return False


def plain_forms(token: Token, language: str, gate: LemmaGate, cyrillic: bool = True) -> bool:
    """True when token_forms gives the token's lower case alone, which needs no lemma call to know."""
    lower = token.lower
    if "'" in lower or (language in AGGLUTINATIVE and len(lower) > _MIN_STEM):
        return False
    return not (cyrillic and not lower.isascii() and has_cyrillic(lower) and gate.wants(token, lower))


def token_forms(
    token: Token, language: str, lemmatise: Callable[[str], str], gate: LemmaGate, cyrillic: bool = True
) -> list[str]:
    """The forms a token can match by: lower case, without 's, its Russian lemma, its Turkic stems."""
    lower = token.lower
    forms = [lower]
    if lower.endswith("'s"):
        forms.append(lower[:-2])
    elif lower.endswith("'") and len(lower) > 1:
        forms.append(lower[:-1])
    if cyrillic and not lower.isascii() and has_cyrillic(lower) and gate.wants(token, lower):
        # Capitalised words are often places the dictionary only guesses at (Костаная, Оша): every guess counts.
        for lem in lemmatise(lower).split("|")[: 4 if token.capitalised else 1]:
            if lem != lower and lem not in forms:
                forms.append(lem)
    if language in AGGLUTINATIVE and len(lower) > _MIN_STEM:
        base = lower.split("'")[0] if "'" in lower[-4:] else lower  # Kazakh Latin writes Astana'da
        if base != lower:
            forms.append(base)
        for k in range(max(_MIN_STEM, len(base) - _MAX_SUFFIX), len(base)):
            forms.append(base[:k])
    return forms
