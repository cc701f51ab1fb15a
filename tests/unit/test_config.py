"""Source config: the bundled file is valid and every mistake names the bad field."""

from __future__ import annotations

import copy

import pytest
from newslake.config import ConfigError, load_sources, parse_sources

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
    bad.write_text("sources: [\n")
    with pytest.raises(ConfigError, match="sources.yaml: not valid YAML"):
        load_sources(bad)
    with pytest.raises(ConfigError, match="file not found"):
        load_sources(tmp_path / "missing.yaml")
