"""The enrichment's data, loaded and compiled once per process: gazetteer, organisations, taxonomy."""

from __future__ import annotations

import gettext
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from newslake.enrichment import morph
from newslake.enrichment.patterns import LemmaGate, Match, Matcher, Pattern, compile_word, split_words
from newslake.enrichment.text import Token, has_cyrillic, normalise
from newslake.errors import TerminalError

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
GAZETTEER_PATH = CONFIG_DIR / "gazetteer.yaml"
ORGANIZATIONS_PATH = CONFIG_DIR / "organizations.yaml"
TAXONOMY_PATH = CONFIG_DIR / "taxonomy.yaml"
# An operator's own organisations (same shape as organizations.yaml), merged over the bundled list.
ORGANIZATIONS_ENV = "NEWSLAKE_ORGANIZATIONS"
# pycountry's translation catalogues for the languages the sources write in.
CATALOG_LANGUAGES = ("ru", "kk", "ky", "uz", "tg", "tk")
# Country names that are mostly something else in running text (a first name, a Russian pronoun).
_AMBIGUOUS_NAMES = frozenset({"jordan", "chad", "jersey", "guernsey", "того", "тот", "man", "niger", "mali",
                              "georgia"})
NEGATORS = frozenset({"not", "no", "never", "neither", "nor", "не", "ни", "нет", "никогда", "емес", "жоқ",
                      "emas", "yo'q", "hech",
                      "without", "nobody", "none", "без", "никто"})
HYPOTHETICAL = frozenset({"could", "may", "might", "would", "if", "whether", "plan", "plans", "planned",
                          "planning", "considering", "consider", "intends", "intend", "proposal", "proposed", "propose", "proposes",
                          "threatened", "threatens", "threatening", "should", "unless", "wants", "want",
                          "fear", "fears", "feared", "risk", "risks", "risking",
                          "мочь", "может", "могут", "если", "планировать", "план", "планы", "намереваться",
                          "собираться", "возможно", "предложить", "предлагать", "грозить", "опасаться", "страх", "риск", "пригрозить", "хотеть", "намерен", "намеренный", "rejaga", "mumkin"})
DENIALS = frozenset({"denied", "deny", "denies", "denying", "refuted", "rejected", "dismissed", "опровергнуть",
                     "опровергать", "отрицать", "отвергнуть", "опровержение", "жоққа", "rad", "inkor"})
# A sentence naming a law and what it provides ("a bill allowing prosecution", "законопроект предусматривает
# лишение свободы") describes penalties the law sets, not a prosecution or an arrest that happened.
LAW_WORDS = frozenset({"law", "laws", "bill", "bills", "amendment", "amendments", "legislation", "draft",
                       "закон", "законопроект", "поправка", "кодекс", "заңжоба", "заң", "qonun"})
PROVISION_WORDS = frozenset({"allow", "allows", "allowing", "would", "punishable", "provides", "provide", "providing",
                             "introduce", "introduces", "introducing", "envisages", "carries", "let", "letting",
                             "позволять", "позволить", "позволяющий", "предусматривать", "предусматривающий",
                             "вводить", "ввести", "вводящий", "устанавливать"})
# "after her reports about the detentions": what a journalist wrote about is not what happened to them.
CONSEQUENCE_WORDS = frozenset({"after", "for", "over", "following", "за", "после"})
PUBLICATION_WORDS = frozenset({"publication", "publications", "article", "articles", "report", "reports", "story",
                               "stories", "post", "posts", "video", "videos", "investigation", "investigations",
                               "reporting", "coverage", "interview", "piece", "публикация", "статья", "материал",
                               "репортаж", "расследование", "пост", "видео", "сюжет", "запись", "интервью"})
ABOUT_WORDS = frozenset({"about", "on", "into", "о", "об", "обо", "про"})
# A term part starting with "!" excludes the term from a sentence holding that part ("jail* & !years").
EXCLUDE = "!"


CUE_WORDS = (NEGATORS | HYPOTHETICAL | DENIALS | LAW_WORDS | PROVISION_WORDS | CONSEQUENCE_WORDS | PUBLICATION_WORDS
             | ABOUT_WORDS)


class EnrichmentConfigError(TerminalError):
    """organizations.yaml, taxonomy.yaml or gazetteer.yaml is malformed; the message names file and entry."""

    exit_code = 2


@dataclass(frozen=True)
class Resources:
    """Compiled matchers and the tables enrich() consults."""

    topic_terms: dict[str, list[tuple[str, ...]]]  # topic -> terms, each a tuple of part ids ("!id" excludes)
    cue_parts: frozenset[str]  # part ids whose own words are cues ("no longer", "без VPN"): not negations
    part_topics: dict[str, frozenset[str]]  # part id -> the topics whose terms use it
    term_index: dict[str, tuple[tuple[str, tuple[str, ...]], ...]]  # first required part -> (topic, term)s
    topics: tuple[str, ...]
    drafts_count: frozenset[str]  # topics for which a hypothetical mention counts (a bill, a draft law)
    georgia_us: Matcher
    georgia_country: Matcher
    place_lookup: Matcher  # case-free matcher for dateline places
    lemma_gate: LemmaGate  # for article text
    place_gate: LemmaGate  # for a dateline place, matched without regard to case
    combined: Matcher  # places, outlets, organisations and topic parts: one pass over a document
    groups: dict[int, str]  # id(pattern) -> "places" | "outlets" | "organizations" | "topic_parts"

    def find_all(self, tokens: Sequence[Token], forms: Sequence[Sequence[str]],
                 mode: str | None = None, plain: Callable[[Token], bool] | None = None) -> dict[str, list[Match]]:
        """Every match of the combined matcher, split by group."""
        out: dict[str, list[Match]] = {"places": [], "outlets": [], "organizations": [], "topic_parts": []}
        for m in self.combined.find(tokens, forms, mode, plain):
            out[self.groups[id(m.pattern)]].append(m)
        return out


def _yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError) as exc:
        raise EnrichmentConfigError(f"{path}: cannot be read as YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise EnrichmentConfigError(f"{path}: expected a mapping at the top level")
    return document


def _strings(path: Path, where: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise EnrichmentConfigError(f"{path}: {where} must be a list of strings")
    return [str(v) for v in value]


def _phrase(text: str, value: str, kind: str, *, capitalised: bool = False, case_exact: bool = False,
            not_followed_by: frozenset[str] = frozenset()) -> Pattern | None:
    words = split_words(text)
    if not words:
        return None
    compiled = tuple(compile_word(w, morph.lemma, case_exact=case_exact) for w in words)
    return Pattern(compiled, value, kind, capitalised, not_followed_by, text)


def _is_acronym(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return bool(letters) and len(letters) <= 5 and all(c.isupper() for c in letters)


def _country_names() -> dict[str, set[str]]:
    """ISO names and their translations in the catalogue languages, per alpha-2 code."""
    import pycountry

    catalogs = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
                for lang in CATALOG_LANGUAGES]
    names: dict[str, set[str]] = {}
    for country in pycountry.countries:
        english = {country.name} | {getattr(country, a) for a in ("common_name", "official_name") if hasattr(country, a)}
        found = set()
        for name in english:
            found.add(name)
            found.update(catalog.gettext(name) for catalog in catalogs)
        # "Iran, Islamic Republic of" is written "Iran"; "Korea, Republic of" stays ambiguous and is dropped.
        names[country.alpha_2] = {n.split(",")[0].split(" (")[0].strip() for n in found}
    seen: dict[str, set[str]] = {}
    for code, ns in names.items():
        for n in ns:
            seen.setdefault(n.lower(), set()).add(code)
    return {code: {n for n in ns if len(seen[n.lower()]) == 1 and n.lower() not in _AMBIGUOUS_NAMES}
            for code, ns in names.items()}


def _place_patterns(gazetteer: dict[str, Any], path: Path) -> list[Pattern]:
    table = gazetteer.get("countries") or {}
    if not isinstance(table, dict):
        raise EnrichmentConfigError(f"{path}: countries must map alpha-2 codes to names/demonyms/cities")
    patterns: list[Pattern] = []
    entries: dict[tuple[str, str], str] = {}
    for code, ns in _country_names().items():
        for n in ns:
            entries.setdefault((normalise(n), "name"), code)
    for code, entry in table.items():
        if not isinstance(entry, dict):
            raise EnrichmentConfigError(f"{path}: countries.{code} must be a mapping")
        for key, kind in (("names", "name"), ("demonyms", "demonym"), ("cities", "city")):
            for n in _strings(path, f"countries.{code}.{key}", entry.get(key)):
                entries[(normalise(n), kind)] = str(code)
    for (text, kind), code in sorted(entries.items()):
        acronym = _is_acronym(text)
        # Russian adjectives (казахстанский) are lower case; names and cities must be capitalised.
        capitalised = kind != "demonym" and not acronym
        p = _phrase(text, code, kind, capitalised=capitalised, case_exact=acronym)
        if p is not None:
            patterns.append(p)
    return patterns


def _organization_patterns(document: dict[str, Any], path: Path) -> list[Pattern]:
    table = document.get("organizations") or {}
    if not isinstance(table, dict):
        raise EnrichmentConfigError(f"{path}: organizations must map canonical names to aliases/acronyms")
    patterns = []
    for name, entry in table.items():
        entry = entry or {}
        if not isinstance(entry, dict):
            raise EnrichmentConfigError(f"{path}: organizations.{name} must be a mapping")
        unknown = set(entry) - {"aliases", "acronyms", "not_followed_by", "kind"}
        if unknown:
            raise EnrichmentConfigError(f"{path}: organizations.{name}: unknown key(s) {sorted(unknown)}")
        stop = frozenset(
            f for w in _strings(path, f"organizations.{name}.not_followed_by", entry.get("not_followed_by"))
            for f in {normalise(w).lower(), morph.lemma(normalise(w).lower()).split("|")[0] if has_cyrillic(w) else normalise(w).lower()}
        )
        for alias in [str(name)] + _strings(path, f"organizations.{name}.aliases", entry.get("aliases")):
            p = _phrase(alias, str(name), "alias", not_followed_by=stop)
            if p is not None:
                patterns.append(p)
        for acronym in _strings(path, f"organizations.{name}.acronyms", entry.get("acronyms")):
            p = _phrase(acronym, str(name), "acronym", case_exact=True, not_followed_by=stop)
            if p is not None:
                patterns.append(p)
    return patterns


def _taxonomy(
    document: dict[str, Any], path: Path
) -> tuple[list[Pattern], dict[str, list[tuple[str, ...]]], frozenset[str], dict[str, frozenset[str]]]:
    table = document.get("topics") or {}
    if not isinstance(table, dict) or not table:
        raise EnrichmentConfigError(f"{path}: topics must map topic labels to their terms")
    parts: dict[str, Pattern] = {}
    terms: dict[str, list[tuple[str, ...]]] = {}
    used: dict[str, set[str]] = {}
    drafts = frozenset(str(t) for t, e in table.items() if isinstance(e, dict) and e.get("hypothetical_counts"))
    for topic, entry in table.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("terms"), dict):
            raise EnrichmentConfigError(f"{path}: topics.{topic} needs terms: {{language: [term, ...]}}")
        terms[str(topic)] = []
        for language, items in entry["terms"].items():
            for term in _strings(path, f"topics.{topic}.terms.{language}", items):
                ids = []
                for part in term.split("&"):
                    part = part.strip()
                    excluded = part.startswith(EXCLUDE)
                    part = part.removeprefix(EXCLUDE).strip()
                    key = f"{part.lower()}"
                    used.setdefault(key, set()).add(str(topic))
                    if key not in parts:
                        p = _phrase(part, key, "term")
                        if p is None:
                            raise EnrichmentConfigError(f"{path}: topics.{topic}: empty term part in {term!r}")
                        parts[key] = p
                    ids.append(EXCLUDE + key if excluded else key)
                if all(i.startswith(EXCLUDE) for i in ids):
                    raise EnrichmentConfigError(f"{path}: topics.{topic}: {term!r} has only excluded parts")
                terms[str(topic)].append(tuple(ids))
    return list(parts.values()), terms, drafts, {k: frozenset(v) for k, v in used.items()}


def _term_index(terms: dict[str, list[tuple[str, ...]]]) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Terms by their first required part: a document only tries the terms whose first part it holds."""
    index: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for topic, entries in terms.items():
        for parts in entries:
            first = next(p for p in parts if not p.startswith(EXCLUDE))
            index.setdefault(first, []).append((topic, parts))
    return {k: tuple(v) for k, v in index.items()}


def _surfaces(patterns: list[Pattern]) -> tuple[frozenset[str], frozenset[str]]:
    """Every inflected form of the Cyrillic words a lower-case token can match, and their prefix words' keys.

    Built once from pymorphy3's paradigms, so enrichment calls the analyser only on tokens that can match.
    """
    analyser = morph.analyser()
    words: set[str] = {w for w in CUE_WORDS if has_cyrillic(w)}
    prefix_keys: set[str] = set()
    for p in patterns:
        if p.capitalised:
            continue  # names and cities match capitalised tokens only, which the key gate covers
        for w in p.words:
            words.update(f for f in w.exact if has_cyrillic(f))
            # Four letters, not three: "цензура*" then no longer sends every "цены" to the analyser, and a lemma
            # that starts with a prefix keeps the surface's first four letters (арестуют -> арестовать).
            prefix_keys.update(f[:4] for f in w.prefixes if has_cyrillic(f))
    surfaces: set[str] = set()
    for word in words:
        surfaces.add(word)
        paradigms = set()
        for parse in analyser.parse(word):
            # Parses of one word that share a dictionary form and a part of speech share a paradigm.
            if (parse.normal_form, parse.tag.POS) not in paradigms:
                paradigms.add((parse.normal_form, parse.tag.POS))
                surfaces.update(form.word.replace("ё", "е") for form in parse.lexeme)
    return frozenset(surfaces), frozenset(prefix_keys)


def _name_keys(patterns: list[Pattern]) -> frozenset[str]:
    """First letters of the Cyrillic words of capitalised patterns (names, cities): the words no surface covers."""
    return frozenset(f[:3] for p in patterns if p.capitalised for w in p.words
                     for f in (*w.exact, *w.prefixes) if has_cyrillic(f))


def _lemma_keys(patterns: list[Pattern]) -> frozenset[str]:
    keys: set[str] = set()
    for p in patterns:
        for w in p.words:
            keys.update(f[:3] for f in w.exact if has_cyrillic(f))
            keys.update(f[:3] for f in w.prefixes if has_cyrillic(f))
    keys.update(w[:3] for w in CUE_WORDS if has_cyrillic(w))
    keys.update({"мог", "мож", "опр", "отв"})
    return frozenset(keys)


def _merge_organizations(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = {name: dict(entry or {}) for name, entry in (base.get("organizations") or {}).items()}
    for name, entry in (extra.get("organizations") or {}).items():
        target = merged.setdefault(name, {})
        for key, values in (entry or {}).items():
            target[key] = values if key == "kind" else list(target.get(key) or []) + list(values or [])
    return {"organizations": merged}


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _load_cached(organizations_extra: str | None) -> Resources:
    gazetteer = _yaml(GAZETTEER_PATH)
    places = _place_patterns(gazetteer, GAZETTEER_PATH)
    outlets = [p for o in _strings(GAZETTEER_PATH, "outlets", gazetteer.get("outlets"))
               if (p := _phrase(o, o, "outlet")) is not None]
    georgia = gazetteer.get("us_state_georgia") or {}
    us = [p for m in _strings(GAZETTEER_PATH, "us_state_georgia.markers", georgia.get("markers"))
          if (p := _phrase(m, "US", "marker")) is not None]
    ge = [p for m in _strings(GAZETTEER_PATH, "us_state_georgia.country_markers", georgia.get("country_markers"))
          if (p := _phrase(m, "GE", "marker")) is not None]
    orgs_doc = _yaml(ORGANIZATIONS_PATH)
    org_path = ORGANIZATIONS_PATH
    if organizations_extra:
        org_path = Path(organizations_extra)
        orgs_doc = _merge_organizations(orgs_doc, _yaml(org_path))
    organizations = _organization_patterns(orgs_doc, org_path)
    parts, terms, drafts, part_topics = _taxonomy(_yaml(TAXONOMY_PATH), TAXONOMY_PATH)
    cue_parts = frozenset(p.value for p in parts if any(w.exact & (NEGATORS | HYPOTHETICAL | DENIALS) for w in p.words))
    lookup = [Pattern(p.words, p.value, p.kind, False, p.not_followed_by, p.source) for p in places
              if p.kind in ("name", "city")]
    keys = _lemma_keys(places + organizations + parts + outlets)
    groups = {id(p): g for g, ps in (("places", places), ("outlets", outlets), ("organizations", organizations),
                                      ("topic_parts", parts)) for p in ps}
    return Resources(
        topic_terms=terms,
        cue_parts=cue_parts,
        term_index=_term_index(terms),
        part_topics=part_topics,
        topics=tuple(terms),
        drafts_count=drafts,
        georgia_us=Matcher(us),
        georgia_country=Matcher(ge),
        place_lookup=Matcher(lookup),
        lemma_gate=LemmaGate(keys, *_surfaces(places + organizations + parts + outlets),
                             name_keys=_name_keys(places + organizations + parts + outlets)),
        place_gate=LemmaGate(keys),
        combined=Matcher(places + outlets + organizations + parts),
        groups=groups,
    )


def load() -> Resources:
    """The process's compiled resources (built on first call; $NEWSLAKE_ORGANIZATIONS is read then)."""
    with _lock:
        return _load_cached(os.environ.get(ORGANIZATIONS_ENV) or None)


def reset() -> None:
    """Forget the compiled resources, so the next load() reads the files (and the environment) again."""
    _load_cached.cache_clear()


__all__ = ["EnrichmentConfigError", "Resources", "load", "reset"]
