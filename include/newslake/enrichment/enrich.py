"""enrich(): countries, organisations and press-freedom topics (with the sentence that shows each) of one article."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from newslake.enrichment import morph
from newslake.enrichment.patterns import AGGLUTINATIVE, Match, longest, token_forms
from newslake.enrichment.resources import DENIALS, HYPOTHETICAL, NEGATORS, Resources, load
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


@dataclass
class _Document:
    sentences: list[str]
    tokens: list[Token]
    forms: list[list[str]]
    language: str


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
    found = res.find_all(doc.tokens, doc.forms)
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
    evidence = _topics(res, doc, found["topic_parts"])
    topics = [t for t in res.topics if t in evidence]
    return Enrichment(countries, primary, organizations, topics, {t: evidence[t] for t in topics}, {c: n for c, n in sorted(counts.items())})


def _document(res: Resources, title: str, body: str, language: str) -> _Document:
    texts = [normalise(title).strip()] + [s for p in paragraphs(normalise(body)) for s in sentences(p)]
    tokens: list[Token] = []
    for i, s in enumerate(texts):
        tokens.extend(tokenize(s, i))
    cyrillic = has_cyrillic(title) or has_cyrillic(body)
    keys = res.lemma_keys
    if cyrillic or language in AGGLUTINATIVE:
        forms = [token_forms(t, language, morph.lemma, keys, cyrillic) for t in tokens]
    else:  # the common English case: a word is its lower case (and its form without 's)
        forms = [[t.lower] if "'" not in t.lower else token_forms(t, language, morph.lemma, keys, False) for t in tokens]
    return _Document(texts, tokens, forms, language)


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
    if res.georgia_country.find(doc.tokens, doc.forms):
        return False
    return bool(res.georgia_us.find(doc.tokens, doc.forms))


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
    forms = [token_forms(t, language, lemmatise, res.lemma_keys) for t in tokens]
    found = longest(res.place_lookup.find(tokens, forms))
    return found[0].pattern.value if found else None


_CUE_WORDS = NEGATORS | HYPOTHETICAL | DENIALS


class _Cues(NamedTuple):
    """Token positions holding a negator or a hypothetical cue, and each sentence's first denial position."""

    negator: set[int]
    hypothetical: set[int]
    first_denial: dict[int, int]  # sentence index -> position of its first denial word


def _cues(doc: _Document) -> _Cues:
    # One pass over the document instead of a backwards scan of the sentence for every topic match;
    # isdisjoint keeps the common no-cue word to one C-level call.
    negator: set[int] = set()
    hypothetical: set[int] = set()
    first_denial: dict[int, int] = {}
    cue_words = _CUE_WORDS
    for i, forms in enumerate(doc.forms):
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


def _negated(doc: _Document, cues: _Cues, position: int, end: int, *, hypothetical: bool = True) -> bool:
    sentence = doc.tokens[position].sentence
    if doc.language in AGGLUTINATIVE:
        # The verb carrying the negative suffix may follow the matched noun (hibsga olinmagan).
        if any(_TURKIC_NEGATIVE.search(t.lower) for t in doc.tokens[position : end + 1] if t.sentence == sentence):
            return True
        after = doc.tokens[end : end + 2]
        if any(t.sentence == sentence and t.lower in _TURKIC_NEGATORS for t in after):
            return True
    if cues.first_denial.get(sentence, position) < position:
        return True
    reach = max(_NEGATION_WINDOW, _HYPOTHETICAL_WINDOW if hypothetical else 0)
    for i in range(position - 1, max(-1, position - 1 - reach), -1):
        if doc.tokens[i].sentence != sentence:
            break
        distance = position - i
        if distance <= _NEGATION_WINDOW and i in cues.negator:
            return True
        if hypothetical and distance <= _HYPOTHETICAL_WINDOW and i in cues.hypothetical:
            return True
    return False


def _topics(res: Resources, doc: _Document, matches: list[Match]) -> dict[str, str]:
    # part id -> sentences where the part matched and was neither negated nor (for `asserted`) hypothetical
    asserted: dict[str, set[int]] = {}
    stated: dict[str, set[int]] = {}
    cues = _cues(doc) if matches else _Cues(set(), set(), {})
    for m in matches:
        sentence = doc.tokens[m.start].sentence
        if sentence in asserted.get(m.pattern.value, ()):
            continue  # this part already counts in this sentence; another occurrence adds nothing
        if not _negated(doc, cues, m.start, m.end, hypothetical=False):
            stated.setdefault(m.pattern.value, set()).add(sentence)
            if not _negated(doc, cues, m.start, m.end):
                asserted.setdefault(m.pattern.value, set()).add(sentence)
    evidence: dict[str, str] = {}
    for topic, terms in res.topic_terms.items():
        # A bill is already news for restrictive_law; a plan to block is not yet a blocking.
        found = stated if topic in res.drafts_count else asserted
        best: int | None = None
        for parts in terms:
            common = None
            for part in parts:
                here = found.get(part, set())
                common = here if common is None else common & here
                if not common:
                    break
            if common:
                s = min(common)
                best = s if best is None else min(best, s)
        if best is not None:
            evidence[topic] = doc.sentences[best][:_MAX_EVIDENCE]
    return evidence
