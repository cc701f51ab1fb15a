"""Source config: the bundled file is valid and every mistake names the bad field."""

from __future__ import annotations

import copy
from datetime import date

import pytest
import yaml
from newslake.config import ConfigError, check_sources, get_source, load_sources, parse_sources
from newslake.errors import EXIT_USAGE, OutOfRangeError, TerminalError

GOOD = {
    "sources": [
        {
            "id": "azattyq",
            "name": "Example Outlet",
            "base_url": "https://news.example.kz",
            "languages": ["ru", "kk"],
            "discovery": {"feeds": ["rss.xml"], "archive": {"url_template": "archive/{date:%Y-%m-%d}/"}},
        }
    ]
}


def with_change(path: list, value):
    doc = copy.deepcopy(GOOD)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def test_bundled_sources_are_valid():
    sources = load_sources()
    assert [s.id for s in sources if s.enabled] == ["demo"]


def test_defaults_and_normalisation():
    (source,) = parse_sources(GOOD)
    assert source.base_url == "https://news.example.kz/"
    assert source.allowed_domains == ("news.example.kz",)
    assert source.absolute("rss.xml") == "https://news.example.kz/rss.xml"
    assert source.is_allowed_host("cdn.news.example.kz")
    assert not source.is_allowed_host("evil-news.example.kz.attacker.net")
    assert not source.allow_private_network


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["sources", 0, "id"], "Bad-Id", "sources[0].id"),
        (["sources", 0, "base_url"], "ftp://x", "sources[azattyq].base_url"),
        (["sources", 0, "languages"], ["russian"], "sources[azattyq].languages"),
        (["sources", 0, "fetch"], {"delay_seconds": -1}, "sources[azattyq].fetch.delay_seconds"),
        (["sources", 0, "fetch"], {"concurrency": "two"}, "sources[azattyq].fetch.concurrency"),
        (["sources", 0, "discovery"], {}, "sources[azattyq].discovery"),
        (["sources", 0, "discovery", "archive"], {"url_template": "archive/"}, "archive.url_template"),
        (["sources", 0, "quarantine_threshold"], 2, "sources[azattyq].quarantine_threshold"),
        (["sources", 0, "colour"], "red", "sources[azattyq].colour: unknown field"),
        (["sources", 0, "allowed_domains"], ["other.org"], "sources[azattyq].allowed_domains"),
        (["sources", 0, "end_date"], "2020-01-01", "sources[azattyq].end_date"),
        (["sources", 0, "name"], False, 'sources[azattyq].name: expected a non-empty string, got False .quote it'),
    ],
)
def test_errors_name_the_field(path, value, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_sources(with_change(path, value))


def test_duplicate_ids_rejected():
    doc = copy.deepcopy(GOOD)
    doc["sources"].append(copy.deepcopy(doc["sources"][0]))
    with pytest.raises(ConfigError, match=r"sources\[1\].id: duplicate"):
        parse_sources(doc)


def test_env_placeholders_take_yaml_types(monkeypatch):
    monkeypatch.setenv("NL_DELAY", "2.5")
    doc = with_change(["sources", 0, "fetch"], {"delay_seconds": "${NL_DELAY:-1}"})
    assert parse_sources(doc)[0].fetch.delay_seconds == 2.5
    monkeypatch.delenv("NL_DELAY")
    assert parse_sources(doc)[0].fetch.delay_seconds == 1


def test_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - id: a\n    name: [x\n")
    with pytest.raises(ConfigError, match="sources.yaml: not valid YAML: .* at line 4, column 1$") as exc:
        load_sources(bad)
    assert "\n" not in str(exc.value)  # PyYAML's several-line report, folded to one line
    with pytest.raises(ConfigError, match="cannot be read"):
        load_sources(tmp_path)  # a directory
    with pytest.raises(ConfigError, match="file not found"):
        load_sources(tmp_path / "missing.yaml")


def broken_doc() -> dict:
    doc = copy.deepcopy(GOOD)
    doc["sources"] += [
        {**copy.deepcopy(GOOD["sources"][0]), "id": "typo", "enabled": False, "fetch": {"concurrency": "two"}},
        {**copy.deepcopy(GOOD["sources"][0]), "id": "other", "min_articles_per_day": 1.5},
        {"name": "No id"},
    ]
    return doc


def test_each_entry_is_parsed_on_its_own():
    checked = check_sources(broken_doc())
    assert [s.id for s in checked.sources] == ["azattyq"]
    assert [e.source_id for e in checked.errors] == ["typo", "other", "3"]
    assert [str(e) for e in checked.errors] == [
        "sources[typo].fetch.concurrency: expected an int, got 'two'",
        "sources[other].min_articles_per_day: expected an int, got 1.5",
        "sources[3].id: required field is missing",
    ]
    assert checked.summary().startswith("3 broken source entries (not loaded): sources[typo].fetch.concurrency")


def test_a_broken_entry_does_not_hide_the_others(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(broken_doc()))
    assert get_source("azattyq", path).name == "Example Outlet"
    with pytest.raises(ConfigError, match=r"sources\[typo\]\.fetch\.concurrency") as exc:
        get_source("typo", path)
    assert str(path) in str(exc.value)
    with pytest.raises(ConfigError, match="unknown source 'nope'.*broken entries: typo, other, 3"):
        get_source("nope", path)
    with pytest.raises(ConfigError, match="3 broken source entries in .*sources.yaml"):
        load_sources(path)  # all-or-nothing callers still refuse a file with mistakes


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (["sources", 0, "languages"], "languages"),
        (["sources", 0, "allowed_domains"], "allowed_domains"),
        (["sources", 0, "tags"], "tags"),
        (["sources", 0, "discovery", "feeds"], "discovery.feeds"),
        (["sources", 0, "selectors"], "selectors.drop"),
    ],
)
def test_a_string_where_a_list_belongs_is_an_error(path, field):
    value = {"drop": ".ads"} if field == "selectors.drop" else "en"
    with pytest.raises(ConfigError, match=rf"sources\[azattyq\]\.{field}: expected a list of strings, got the string"):
        parse_sources(with_change(path, value))


def test_unset_variable_without_default_is_named(monkeypatch):
    monkeypatch.delenv("NL_UNSET_DELAY", raising=False)
    doc = with_change(["sources", 0, "fetch"], {"delay_seconds": "${NL_UNSET_DELAY}"})
    with pytest.raises(ConfigError) as exc:
        parse_sources(doc)
    assert str(exc.value).startswith("sources[azattyq].fetch.delay_seconds: environment variable NL_UNSET_DELAY is not set")
    assert "None" not in str(exc.value)
    monkeypatch.setenv("NL_UNSET_DELAY", "3")
    assert parse_sources(doc)[0].fetch.delay_seconds == 3


def test_messages_use_the_right_article():
    with pytest.raises(ConfigError, match="expected an int, got 'x'"):
        parse_sources(with_change(["sources", 0, "min_articles_per_day"], "x"))
    with pytest.raises(ConfigError, match="expected a float, got 'x'"):
        parse_sources(with_change(["sources", 0, "quarantine_threshold"], "x"))


def test_require_day_names_source_day_range_and_remedy():
    source = parse_sources(with_change(["sources", 0, "end_date"], "2026-11-21"))[0]
    source.require_day(date(2026, 11, 1))
    source.require_day(date(2026, 11, 21))
    with pytest.raises(OutOfRangeError) as exc:
        source.require_day(date(2026, 11, 30))
    message = str(exc.value)
    assert "source azattyq: day 2026-11-30 is outside the days it publishes (2026-11-01 .. 2026-11-21)" in message
    assert "backfill" in message and "logical date from 2026-11-02 to 2026-11-22" in message
    with pytest.raises(OutOfRangeError, match="day 2026-10-31"):
        source.require_day(date(2026, 10, 31))
    assert isinstance(exc.value, TerminalError) and exc.value.exit_code == EXIT_USAGE
