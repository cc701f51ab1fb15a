"""enrich() on the cases analysts rely on: places in every form, watchdogs by acronym, negated topics, evidence."""

from __future__ import annotations

import pytest
from newslake.enrichment import Enrichment, enrich, resources


def test_russian_inflections_and_former_names_map_to_iso_codes() -> None:
    e = enrich("Журналиста из Кыргызстана задержали", "Его задержали в Нур-Султане, а судили во Фрунзе.", "ru")
    assert e.countries == ["KG", "KZ"]
    assert e.primary_country == "KG"  # the title's mention weighs double


def test_a_city_implies_its_country_and_the_dateline_decides_the_primary_country() -> None:
    e = enrich("Blogger fined", "A court fined a blogger. Officials in Tashkent declined to comment.", "en", "ALMATY")
    assert e.countries == ["KZ", "UZ"]
    assert e.primary_country == "KZ"


def test_georgia_the_us_state_is_not_the_country() -> None:
    us = enrich("Storm hits Georgia", "Power lines fell across Atlanta and Savannah, the state of Georgia said.", "en")
    ge = enrich("Protest in Georgia", "Thousands marched in Tbilisi against the new law in Georgia.", "en")
    assert "GE" not in us.countries and us.countries == ["US"]
    assert ge.countries == ["GE"]


def test_outlet_names_and_footers_are_not_mentions() -> None:
    e = enrich("Bridge reopens", "The bridge in Osh reopened on Monday.\n\n© Kazakhstan Today 2026. All rights reserved.", "en")
    assert e.countries == ["KG"]


def test_language_names_are_not_countries() -> None:
    e = enrich("New bulletin", "The Bishkek channel now broadcasts in Russian and Kazakh.", "en")
    assert e.countries == ["KG"]


def test_watchdogs_by_acronym_and_the_most_specific_name() -> None:
    e = enrich("Watchdogs react", "CPJ and HRW criticised the ruling. The OSCE Representative on Freedom of the Media "
               "also spoke. ГКНБ не ответил.", "en")
    assert e.organizations == ["Committee to Protect Journalists", "Human Rights Watch",
                               "National Security Committee", "OSCE Representative on Freedom of the Media"]


def test_article_19_of_a_constitution_is_not_the_organisation() -> None:
    assert enrich("", "The court cited Article 19 of the Constitution.", "en").organizations == []
    assert enrich("", "Article 19 said the law is too broad.", "en").organizations == ["Article 19"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The journalist was not detained, police said.", "en"),
        ("The ministry denied plans to block the site.", "en"),
        ("Журналист не был задержан, заявили в полиции.", "ru"),
        ("Министерство опровергло планы блокировать сайт.", "ru"),
        ("Authorities could block the messenger if it refuses to register.", "en"),
        ("Журналист hibsga olinmagan.", "uz"),
    ],
)
def test_negated_or_hypothetical_topics_do_not_count(text: str, language: str) -> None:
    e = enrich("", text, language)
    assert e.topics == [] and e.topic_evidence == {}


def test_each_topic_keeps_the_sentence_that_shows_it() -> None:
    body = ("The weather was mild. Police detained two reporters outside the court. "
            "The regulator blocked access to the news website on Friday.")
    e = enrich("Update", body, "en")
    assert e.topics == ["website_blocking", "detention_or_arrest"]
    assert e.topic_evidence == {
        "detention_or_arrest": "Police detained two reporters outside the court.",
        "website_blocking": "The regulator blocked access to the news website on Friday.",
    }
    assert e.evidence_rows()[0] == {"topic": "website_blocking",
                                    "sentence": "The regulator blocked access to the news website on Friday."}


def test_a_proposed_restrictive_law_counts_but_a_denied_one_does_not() -> None:
    assert enrich("", "MPs proposed a foreign agent law for NGOs.", "en").topics == ["restrictive_law"]
    assert enrich("", "The minister denied that a foreign agent law is planned.", "en").topics == []


@pytest.mark.parametrize(
    "body",
    ["", "\x00\x01\x02", "☃" * 10_000, "Казахстан" * 50_000, "a.b.c.d." * 1000, "\n\n\n", "' ' ' -- « »",
     "ҚАЗАҚСТАН!!! O'ZBEKISTON??? " * 200, "\ud800 broken surrogate"],
)
def test_odd_text_never_raises_and_is_deterministic(body: str) -> None:
    first = enrich("t", body, "kk")
    assert isinstance(first, Enrichment)
    assert enrich("t", body, "kk") == first


def test_none_fields_are_accepted() -> None:
    assert enrich(None, None, None) == Enrichment()  # type: ignore[arg-type]


def test_operator_organisations_extend_the_bundled_list(tmp_path, monkeypatch) -> None:
    extra = tmp_path / "orgs.yaml"
    extra.write_text("organizations:\n  Justice for Journalists:\n    aliases: [Justice for Journalists]\n"
                     "    acronyms: [JFJ]\n  Adil Soz:\n    aliases: [Adil Soz Foundation]\n", encoding="utf-8")
    monkeypatch.setenv(resources.ORGANIZATIONS_ENV, str(extra))
    resources.reset()
    try:
        e = enrich("", "JFJ and the Adil Soz Foundation counted 40 attacks; Amnesty agreed.", "en")
        assert e.organizations == ["Adil Soz", "Amnesty International", "Justice for Journalists"]
    finally:
        monkeypatch.delenv(resources.ORGANIZATIONS_ENV)
        resources.reset()


def test_a_broken_operator_file_is_a_clear_error(tmp_path, monkeypatch) -> None:
    extra = tmp_path / "orgs.yaml"
    extra.write_text("organizations:\n  Bad:\n    nicknames: [x]\n", encoding="utf-8")
    monkeypatch.setenv(resources.ORGANIZATIONS_ENV, str(extra))
    resources.reset()
    try:
        with pytest.raises(resources.EnrichmentConfigError, match=r"orgs.yaml: organizations.Bad: unknown key"):
            resources.load()
    finally:
        monkeypatch.delenv(resources.ORGANIZATIONS_ENV)
        resources.reset()


@pytest.mark.parametrize(
    ("text", "language", "topic"),
    [
        ("Users said WhatsApp and Telegram would not load for a third day.", "en", "website_blocking"),
        ("В Ашхабаде второй день не работает мобильный интернет.", "ru", "internet_shutdown"),
        ("Жители не могут открыть новостные сайты без VPN.", "ru", "website_blocking"),
        ("Editors said they no longer cover the president's family.", "en", "self_censorship"),
        ("Reporters Without Borders said police detained the editor.", "en", "detention_or_arrest"),
    ],
)
def test_a_negative_word_inside_a_term_or_a_name_does_not_negate_it(text: str, language: str, topic: str) -> None:
    assert enrich("", text, language).topics == [topic]


def test_a_cue_inside_one_topics_term_still_qualifies_other_topics() -> None:
    # "out of fear" is self-censorship wording; the arrest it mentions is feared, not reported.
    e = enrich("", "Many editors practised self-censorship out of fear of arrest.", "en")
    assert e.topics == ["self_censorship"]
    assert enrich("", "Police in Almaty denied beating a journalist at the rally.", "en").topics == []


def test_what_a_journalist_wrote_about_is_not_what_happened_to_them() -> None:
    e = enrich("", "Журналистка получает угрозы после публикации о задержаниях в регионе.", "ru")
    assert e.topics == ["violence_against_journalists"]
    assert enrich("", "The reporter was threatened after her story about arrests of farmers.", "en").topics == [
        "violence_against_journalists"]
    # Without a publication before "about", the detention is the news.
    assert enrich("", "Адвокат сообщил о задержании журналиста.", "ru").topics == ["detention_or_arrest"]


def test_penalties_a_law_provides_are_not_a_prosecution() -> None:
    e = enrich("", "Сенат одобрил поправки, позволяющие привлекать блогеров к уголовной ответственности "
               "за распространение ложной информации.", "ru")
    assert e.topics == ["restrictive_law"]
    assert enrich("", "Prosecutors opened a criminal case against the editor.", "en").topics == ["criminal_prosecution"]


def test_the_longer_term_of_another_topic_wins() -> None:
    # "следственный" alone suggests an investigation; "следственный изолятор" is a place of detention.
    assert enrich("", "Родственникам сообщили, что она находится в следственном изоляторе.", "ru").topics == [
        "detention_or_arrest"]


def test_a_prison_sentence_is_a_prosecution_not_a_detention() -> None:
    assert enrich("", "A court jailed the editor for four years.", "en").topics == ["criminal_prosecution"]
    assert enrich("", "Police jailed two activists overnight after the rally.", "en").topics == [
        "detention_or_arrest"]


def test_a_term_of_only_excluded_parts_is_a_config_error(tmp_path, monkeypatch) -> None:
    bad = tmp_path / "taxonomy.yaml"
    bad.write_text("topics:\n  x:\n    terms:\n      en: ['!jail*']\n", encoding="utf-8")
    monkeypatch.setattr(resources, "TAXONOMY_PATH", bad)
    resources.reset()
    try:
        with pytest.raises(resources.EnrichmentConfigError, match="only excluded parts"):
            resources.load()
    finally:
        monkeypatch.undo()
        resources.reset()


@pytest.mark.parametrize("language", ["en", "ru", "kk", "uz"])
def test_a_word_called_plain_has_its_lower_case_as_only_form(language: str) -> None:
    # The matcher answers "plain" words from its indexes without their forms: the shortcut is only
    # correct if token_forms would have given the lower case alone.
    from newslake.enrichment import morph
    from newslake.enrichment.patterns import plain_forms, token_forms
    from newslake.enrichment.text import tokenize

    gate = resources.load().lemma_gate
    text = ("Задержание журналиста в Оше. Суды, цены и Строительство; Қазақстанда блогер ұсталды. "
            "O'zbekistonda jurnalist hibsga olindi. Reporters' rights: the editor's arrest, CPJ and U.S. courts.")
    tokens = tokenize(text, 0)
    plain = [t for t in tokens if plain_forms(t, language, gate)]
    assert plain and len(plain) < len(tokens)  # both kinds occur, so the check below is not vacuous
    for t in plain:
        assert token_forms(t, language, morph.lemma, gate) == [t.lower], t.text


def test_a_capitalised_common_word_opening_a_sentence_still_matches_by_its_lemma() -> None:
    # Sentence-initial words are capitalised; they reach the analyser through the same surfaces as lower case.
    e = enrich("Новости", "Задержаниями журналистов занялись. Блокировкой сайтов занялись.", "ru")
    assert e.topics == ["website_blocking", "detention_or_arrest"]
