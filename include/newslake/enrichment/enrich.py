"""enrich(): countries, organisations and press-freedom topics (with the sentence that shows each) of one article."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from newslake.enrichment import morph
from newslake.enrichment.patterns import AGGLUTINATIVE, Match, longest, plain_forms, token_forms
from newslake.enrichment.resources import (
    ABOUT_WORDS,
    CONSEQUENCE_WORDS,
    DENIALS,
    EXCLUDE,
    HYPOTHETICAL,
    LAW_WORDS,
    NEGATORS,
    PROVISION_WORDS,
    PUBLICATION_WORDS,
    Resources,
    load,
)
from newslake.enrichment.text import Token, has_cyrillic, normalise, paragraphs, sentences, tokenize

log = logging.getLogger(__name__)

# How far before a topic term a negation ("not", "не") or a hypothetical ("could", "plans") reaches.
_NEGATION_WINDOW = 3
_HYPOTHETICAL_WINDOW = 4
_TITLE_WEIGHT = 2
_MAX_CHARS = 200_000  # longer bodies are enriched on their first 200k characters
_MAX_EVIDENCE = 400
# Turkic verbs negate with a suffix after the stem (ұсталмады, olinmagan), and with a word after it (емес, emas).
_TURKIC_NEGATIVE = re.compile(r"(?:ма|ме|ба|бе|па|пе)(?:ды|ді|ған|ген|йды|йді|с|й|ған|ген)\w{0,5}$|ma(?:di|gan|y|s|ydi)\w{0,5}$")
_TURKIC_NEGATORS = frozenset({"емес", "жоқ", "emas", "yo'q", "эмас", "йўқ"})


@dataclass
class Enrichment:
    """What an article is about: ISO country codes, canonical organisations, topic labels and their evidence."""

    countries: list[str] = field(default_factory=list)
    primary_country: str | None = None
    organizations: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    topic_evidence: dict[str, str] = field(default_factory=dict)  # topic -> the sentence that matched
    country_mentions: dict[str, int] = field(default_factory=dict)  # code -> mentions in title and body

    def evidence_rows(self) -> list[dict[str, str]]:
        """topic_evidence as the lake stores it: [{topic, sentence}], in topic order."""
        return [{"topic": t, "sentence": self.topic_evidence[t]} for t in self.topics if t in self.topic_evidence]


class _Forms(Sequence[list[str]]):
    """Each token's forms, computed when first asked for: the matchers' caches answer most tokens by text."""

    def __init__(self, tokens: list[Token], make: Callable[[Token], list[str]]):
        self._tokens = tokens
        self._make = make
        self._done: list[list[str] | None] = [None] * len(tokens)

    def __len__(self) -> int:
        return len(self._tokens)

    def __getitem__(self, i):  # int indexing only
        forms = self._done[i]
        if forms is None:
            forms = self._done[i] = self._make(self._tokens[i])
        return forms


@dataclass
class _Document:
    sentences: list[str]
    tokens: list[Token]
    forms: _Forms
    language: str
    mode: str  # how forms follow from a token's text: the matchers' cache key
    bounds: list[tuple[int, int]]  # sentence index -> its tokens' [start, end)
    plain: Callable[[Token], bool]  # True when a token's only form is its lower case


def enrich(title: str | None, body: str | None, language: str | None, dateline_place: str | None = None) -> Enrichment:
    """Countries, primary country, organisations and topics of one article; never raises on odd text.

    A malformed organizations/taxonomy/gazetteer file does raise (EnrichmentConfigError, naming it):
    a config mistake must stop a run, not silently strip every record of its labels.
    """
    res = load()
    try:
        return _enrich(res, title or "", body or "", (language or "").lower(), dateline_place)
    except Exception as exc:  # enrichment must never lose an article: it is recorded without labels
        log.warning("enrichment failed (%s: %s); the record keeps empty enrichment fields", type(exc).__name__, exc)
        return Enrichment()


def _enrich(res: Resources, title: str, body: str, language: str, dateline_place: str | None) -> Enrichment:
    doc = _document(res, str(title)[:2000], str(body)[:_MAX_CHARS], language)
    found = res.find_all(doc.tokens, doc.forms, doc.mode, doc.plain)
    masked = _masked(found["outlets"])
    mentions = _countries(res, doc, found["places"], masked)
    dateline_country = _dateline_country(res, dateline_place, language) if dateline_place else None
    counts: dict[str, int] = {}
    weights: dict[str, float] = {}
    first: dict[str, int] = {}
    for m in mentions:
        weight = _TITLE_WEIGHT if doc.tokens[m.start].sentence == 0 else 1
        # "Afghan journalists in Tajikistan": the named place outweighs the adjective.
        code = m.pattern.value
        counts[code] = counts.get(code, 0) + 1
        weights[code] = weights.get(code, 0) + (weight if m.pattern.kind != "demonym" else weight / 2)
        first.setdefault(m.pattern.value, m.start)
    if dateline_country:
        first.setdefault(dateline_country, -1)
    countries = sorted(set(counts) | ({dateline_country} if dateline_country else set()))
    primary = dateline_country or (min(weights, key=lambda c: (-weights[c], first[c])) if counts else None)
    organizations = sorted({m.pattern.value for m in longest(found["organizations"])
                            if not masked & set(range(m.start, m.end))})
    names = masked | {i for m in longest(found["organizations"]) for i in range(m.start, m.end)}
    evidence = _topics(res, doc, found["topic_parts"], names)
    topics = [t for t in res.topics if t in evidence]
    return Enrichment(countries, primary, organizations, topics, {t: evidence[t] for t in topics}, {c: n for c, n in sorted(counts.items())})


def _document(res: Resources, title: str, body: str, language: str) -> _Document:
    texts = [normalise(title).strip()] + [s for p in paragraphs(normalise(body)) for s in sentences(p)]
    tokens: list[Token] = []
    bounds: list[tuple[int, int]] = []
    for i, s in enumerate(texts):
        start = len(tokens)
        tokens.extend(tokenize(s, i))
        bounds.append((start, len(tokens)))
    cyrillic = has_cyrillic(title) or has_cyrillic(body)
    gate = res.lemma_gate
    make: Callable[[Token], list[str]]
    plain: Callable[[Token], bool]
    if cyrillic or language in AGGLUTINATIVE:
        def make(t: Token) -> list[str]:
            return token_forms(t, language, morph.lemma, gate, cyrillic)

        def plain(t: Token) -> bool:
            return plain_forms(t, language, gate, cyrillic)
    else:  # the common English case: a word is its lower case (and its form without 's)
        def make(t: Token) -> list[str]:
            return [t.lower] if "'" not in t.lower else token_forms(t, language, morph.lemma, gate, False)

        def plain(t: Token) -> bool:
            return "'" not in t.lower
    mode = f"{'cyrillic' if cyrillic else 'latin'}-{'stems' if language in AGGLUTINATIVE else 'words'}"
    return _Document(texts, tokens, _Forms(tokens, make), language, mode, bounds, plain)


def _masked(outlets: list[Match]) -> set[int]:
    """Token positions inside an outlet's name: not a mention of the place the name holds."""
    out: set[int] = set()
    for m in longest(outlets):
        out.update(range(m.start, m.end))
    return out


def _countries(res: Resources, doc: _Document, places: list[Match], masked: set[int]) -> list[Match]:
    matches = [m for m in longest(places) if not masked & set(range(m.start, m.end))]
    out = []
    georgia_us: bool | None = None
    for m in matches:
        if m.pattern.value == "GE" and m.pattern.source == "Georgia":
            if georgia_us is None:
                georgia_us = _georgia_is_us_state(res, doc)
            if georgia_us:
                out.append(Match(m.start, m.end, _with_value(m, "US")))
                continue
        if m.pattern.kind == "demonym" and _language_use(doc.tokens, m):
            continue
        out.append(m)
    return out


def _with_value(m: Match, value: str):
    from dataclasses import replace

    return replace(m.pattern, value=value)


def _georgia_is_us_state(res: Resources, doc: _Document) -> bool:
    if res.georgia_country.find(doc.tokens, doc.forms, doc.mode):
        return False
    return bool(res.georgia_us.find(doc.tokens, doc.forms, doc.mode))


def _language_use(tokens: Sequence[Token], m: Match) -> bool:
    """'in Russian', 'in Kazakh and Russian': the language, not the country."""
    before = tokens[m.start - 1].lower if m.start > 0 else ""
    after = tokens[m.end] if m.end < len(tokens) and tokens[m.end].sentence == tokens[m.start].sentence else None
    if before not in {"in", "into", "from", "speak", "speaks", "and", "or"}:
        return False
    if after is None or tokens[m.end - 1].followed_by_punct:
        return True
    return after.lower in {"and", "or", "but", "language", "languages", "only", "as", "is", "was"}


def _dateline_country(res: Resources, place: str, language: str) -> str | None:
    tokens = tokenize(normalise(place), 0)
    lemmatise = morph.lemma if has_cyrillic(place) else (lambda w: w)
    forms = [token_forms(t, language, lemmatise, res.place_gate) for t in tokens]
    found = longest(res.place_lookup.find(tokens, forms))
    return found[0].pattern.value if found else None


_CUE_WORDS = NEGATORS | HYPOTHETICAL | DENIALS


class _Cues(NamedTuple):
    """Token positions holding a negator or a hypothetical cue, and each sentence's first denial position."""

    negator: set[int]
    hypothetical: set[int]
    first_denial: dict[int, int]  # sentence index -> position of its first denial word


def _cues(doc: _Document, sentences: set[int], inert: set[int]) -> _Cues:
    # Only the sentences holding a topic match are scanned; isdisjoint keeps the common no-cue word to one
    # C-level call. Positions in `inert` are words of a matched term or of a name ("no longer covers",
    # "Reporters Without Borders"): they negate nothing.
    negator: set[int] = set()
    hypothetical: set[int] = set()
    first_denial: dict[int, int] = {}
    cue_words = _CUE_WORDS
    for i in (i for s in sorted(sentences) for i in range(*doc.bounds[s])):
        if i in inert:
            continue
        forms = doc.forms[i]
        if cue_words.isdisjoint(forms):
            if doc.tokens[i].lower.endswith("n't"):
                negator.add(i)
            continue
        found = set(forms)
        if found & NEGATORS:
            negator.add(i)
        if found & HYPOTHETICAL:
            hypothetical.add(i)
        if found & DENIALS:
            first_denial.setdefault(doc.tokens[i].sentence, i)
    return _Cues(negator, hypothetical, first_denial)


def _negated(doc: _Document, cues: _Cues, position: int, end: int, *, hypothetical: bool = True,
             inert: set[int] | frozenset[int] = frozenset()) -> bool:
    sentence = doc.tokens[position].sentence
    if doc.language in AGGLUTINATIVE:
        # The verb carrying the negative suffix may follow the matched noun (hibsga olinmagan).
        if any(_TURKIC_NEGATIVE.search(t.lower) for t in doc.tokens[position : end + 1] if t.sentence == sentence):
            return True
        after = doc.tokens[end : end + 2]
        if any(t.sentence == sentence and t.lower in _TURKIC_NEGATORS for t in after):
            return True
    denial = cues.first_denial.get(sentence, position)
    if denial < position and denial not in inert:
        return True
    reach = max(_NEGATION_WINDOW, _HYPOTHETICAL_WINDOW if hypothetical else 0)
    for i in range(position - 1, max(-1, position - 1 - reach), -1):
        if doc.tokens[i].sentence != sentence:
            break
        distance = position - i
        if i in inert:
            continue
        if distance <= _NEGATION_WINDOW and i in cues.negator:
            return True
        if hypothetical and distance <= _HYPOTHETICAL_WINDOW and i in cues.hypothetical:
            return True
    return False


def _outside_names_and_wider_terms(res: Resources, matches: list[Match], names: set[int]) -> list[Match]:
    """Topic matches not inside a name and not inside a longer match of another topic's part."""
    kept = [m for m in matches if names.isdisjoint(range(m.start, m.end))]
    by_start: dict[int, list[Match]] = {}
    for m in kept:
        by_start.setdefault(m.start, []).append(m)
    widest = max((m.end - m.start for m in kept), default=0)
    out = []
    for m in kept:
        mine = res.part_topics.get(m.pattern.value, frozenset())
        # "следственный изолятор" is a place of detention, not the investigation its first word suggests.
        if any(m.end <= o.end and o.end - o.start > m.end - m.start
               and mine.isdisjoint(res.part_topics.get(o.pattern.value, frozenset()))
               for start in range(max(0, m.start - widest + 1), m.start + 1) for o in by_start.get(start, ())):
            continue
        out.append(m)
    return out


def _about_a_publication(doc: _Document, position: int) -> bool:
    """'after her reports about the detentions', 'за пост о задержании': the words name what was written about."""
    tokens, forms = doc.tokens, doc.forms
    sentence = tokens[position].sentence

    def back(start: int, words: frozenset[str], reach: int) -> int | None:
        for i in range(start - 1, max(-1, start - 1 - reach), -1):
            if tokens[i].sentence != sentence:
                return None
            if not words.isdisjoint(forms[i]):
                return i
        return None

    about = back(position, ABOUT_WORDS, 3)
    publication = back(about, PUBLICATION_WORDS, 2) if about is not None else None
    return publication is not None and back(publication, CONSEQUENCE_WORDS, 3) is not None


def _provisions(doc: _Document, sentences: set[int]) -> set[int]:
    """Sentences naming a law and what it provides: the penalties there are the law's, not events."""
    law: set[int] = set()
    provision: set[int] = set()
    for s in sentences:
        for i in range(*doc.bounds[s]):
            forms = doc.forms[i]
            if not LAW_WORDS.isdisjoint(forms):
                law.add(s)
            if not PROVISION_WORDS.isdisjoint(forms):
                provision.add(s)
    return law & provision


def _term_sentences(parts: tuple[str, ...], found: dict[str, set[int]], anywhere: dict[str, set[int]]) -> set[int]:
    """Sentences where every required part of a term is found and none of its "!" parts occurs."""
    common: set[int] | None = None
    for part in parts:
        if not part.startswith(EXCLUDE):
            here = found.get(part)
            if not here:
                return set()
            common = set(here) if common is None else common & here
            if not common:
                return set()
    for part in parts:
        if common and part.startswith(EXCLUDE):
            common -= anywhere.get(part[1:], set())
    return common or set()


def _topics(res: Resources, doc: _Document, matches: list[Match], names: set[int]) -> dict[str, str]:
    matches = _outside_names_and_wider_terms(res, matches, names)
    if not matches:
        return {}
    anywhere: dict[str, set[int]] = {}  # part id -> every sentence it occurs in
    for m in matches:
        anywhere.setdefault(m.pattern.value, set()).add(doc.tokens[m.start].sentence)
    # Cheap prefilter: only (part, sentence) pairs where a whole term occurs need the scope checks below,
    # so the many lone words ("court", "access") of a long article cost one set operation each.
    needed: set[tuple[str, int]] = set()
    candidates: dict[str, list[tuple[str, ...]]] = {}  # topic -> terms whose parts all occur in one sentence
    for first in anywhere:
        for topic, parts in res.term_index.get(first, ()):
            hit = _term_sentences(parts, anywhere, anywhere)
            if hit:
                candidates.setdefault(topic, []).append(parts)
                needed.update((part, sentence) for part in parts if not part.startswith(EXCLUDE) for sentence in hit)
    if not needed:
        return {}
    sentences = {sentence for _, sentence in needed}
    # A cue word inside a matched part ("no longer cover", "без VPN") is that topic's wording, not a negation
    # of it; for other topics it stays a cue ("self-censorship out of fear of arrest" asserts no arrest).
    own_words = [(m.start, m.end, res.part_topics.get(m.pattern.value, frozenset()))
                 for m in matches if m.pattern.value in res.cue_parts]
    cues = _cues(doc, sentences, names)
    provisions = _provisions(doc, sentences)
    # part id -> sentences where the part matched and was neither negated nor (for `asserted`) hypothetical
    asserted: dict[str, set[int]] = {}
    stated: dict[str, set[int]] = {}
    for m in matches:
        sentence = doc.tokens[m.start].sentence
        if (m.pattern.value, sentence) not in needed or sentence in asserted.get(m.pattern.value, ()):
            continue  # no term needs it here, or it already counts in this sentence
        if _about_a_publication(doc, m.start):
            continue
        mine = res.part_topics.get(m.pattern.value, frozenset())
        inert = {i for a, b, topics in own_words if not mine.isdisjoint(topics) for i in range(a, b)}
        if not _negated(doc, cues, m.start, m.end, hypothetical=False, inert=inert):
            stated.setdefault(m.pattern.value, set()).add(sentence)
            if sentence not in provisions and not _negated(doc, cues, m.start, m.end, inert=inert):
                asserted.setdefault(m.pattern.value, set()).add(sentence)
    evidence: dict[str, str] = {}
    for topic, terms in candidates.items():
        # A bill is already news for restrictive_law; a plan to block is not yet a blocking.
        found = stated if topic in res.drafts_count else asserted
        best = min((min(hit) for parts in terms if (hit := _term_sentences(parts, found, anywhere))), default=None)
        if best is not None:
            evidence[topic] = doc.sentences[best][:_MAX_EVIDENCE]
    return evidence
