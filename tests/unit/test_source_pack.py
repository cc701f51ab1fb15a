"""The bundled Central Asia source pack: real outlets, all disabled, each with its timezone and a note."""

from __future__ import annotations

import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from newslake.config import DEFAULT_CONFIG_PATH, load_sources

# The outlets the pack promises, by the host their homepage is on.
PROMISED = {
    "timesca.com", "eurasianet.org", "azattyq.org", "azattyk.org", "ozodi.org", "ozodlik.org", "azathabar.com",
    "kloop.kg", "vlast.kz", "24.kg", "asiaplustj.info", "kun.uz", "gazeta.uz", "amnesty.org", "hrw.org",
    "cpj.org", "rsf.org", "adilsoz.kz",
}
REGION = {"KZ", "KG", "TJ", "TM", "UZ"}


def _real():
    return [s for s in load_sources() if s.id != "demo"]


def test_the_pack_covers_every_promised_outlet_and_ships_disabled():
    real = _real()
    hosts = {".".join(urlsplit(s.base_url).hostname.split(".")[-2:]) for s in real}
    assert PROMISED <= hosts
    assert all(not s.enabled for s in real)
    assert [s.id for s in load_sources() if s.enabled] == ["demo"]


def test_each_real_source_has_a_timezone_countries_and_polite_fetching():
    for source in _real():
        ZoneInfo(source.timezone)
        assert source.timezone != "UTC", source.id
        assert source.countries and set(source.countries) <= REGION, source.id
        assert source.fetch.delay_seconds >= 3 and source.fetch.concurrency == 1, source.id
        assert not source.allow_private_network


def test_no_entry_guesses_css_selectors():
    for source in _real():
        sel = source.selectors
        assert not (sel.title or sel.body or sel.date or sel.authors or sel.drop), source.id


def test_watchdogs_read_only_their_central_asia_pages():
    for source in _real():
        if "watchdog" in source.tags and source.discovery.pages:
            assert not (source.discovery.feeds or source.discovery.sitemaps or source.discovery.auto), source.id
            assert source.discovery.article_url_pattern, source.id


def test_every_real_entry_says_what_it_relies_on_or_what_is_unverified():
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    blocks = re.split(r"\n  - id: ", text)
    for block in blocks[2:]:  # after the header and the demo entry
        sid = block.split("\n", 1)[0].strip()
        before = text[: text.index(f"- id: {sid}\n")].rsplit("\n  - id: ", 1)[-1]
        comment = "\n".join(line for line in before.splitlines() if line.strip().startswith("#"))
        assert re.search(r"Relies on|Unverified|unverified", comment), sid
