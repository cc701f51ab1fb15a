"""Language detection separates ru / kk / ky / uz (Cyrillic and Latin) / tg / en, and overrides wrong declarations."""

from __future__ import annotations

import pytest
from newslake.extraction import extract_article
from newslake.extraction.language import detect_language, normalise_language_tag
from pagekit import page

SAMPLES = {
    "ru": "Президент провел встречу с представителями бизнеса и обсудил вопросы развития экономики, которые "
          "были подняты на прошлой неделе в столице. Он также отметил, что это важно для страны и её будущего.",
    "kk": "Президент бизнес өкілдерімен кездесу өткізіп, экономиканы дамыту мәселелерін талқылады. Бұл кездесу "
          "өткен аптада астанада болып, оның нәтижелері туралы айтылды және ол маңызды екенін атап өтті.",
    "ky": "Президент бизнес өкүлдөрү менен жолугушуу өткөрүп, экономиканы өнүктүрүү маселелерин талкуулады. Бул "
          "жолугушуу өткөн жумада борборда болуп, анын жыйынтыктары тууралуу айтылды жана ал маанилүү экенин белгиледи.",
    "uz": "Президент бизнес вакиллари билан учрашув ўтказди ва иқтисодиётни ривожлантириш масалаларини муҳокама "
          "қилди. Бу учрашув ўтган ҳафта пойтахтда бўлиб ўтди ва унинг натижалари ҳақида гапирилди, бу муҳим эди.",
    "uz-latn": "Prezident biznes vakillari bilan uchrashuv oʻtkazdi va iqtisodiyotni rivojlantirish masalalarini "
               "muhokama qildi. Bu uchrashuv o‘tgan hafta poytaxtda boʻlib oʻtdi va uning natijalari haqida gapirildi.",
    "tg": "Президент бо намояндагони тиҷорат вохӯрӣ доир кард ва масъалаҳои рушди иқтисодиётро баррасӣ намуд. Ин "
          "вохӯрӣ дар ҳафтаи гузашта дар пойтахт баргузор шуд ва дар бораи натиҷаҳои он низ гуфта шуд.",
    "en": "The president met business representatives and discussed the development of the economy, which was "
          "raised last week in the capital. He said that this is important for the country and its future.",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_detects_language(name):
    detection = detect_language(SAMPLES[name])
    assert detection.language == name.split("-")[0]
    assert detection.confident


def test_short_or_empty_text_is_not_guessed():
    assert detect_language("just a few words").language is None
    assert detect_language("").language is None
    assert detect_language("12345 67890 !!!").language is None


def test_wrong_declaration_is_overridden_and_recorded():
    paragraphs = [SAMPLES["kk"]] * 3
    article = extract_article(page(lang="ru", title="Кездесу", paragraphs=paragraphs), "https://x.example/a")
    assert article.language == "kk"
    assert article.field_sources["language"] == "text"
    assert any("declares language" in w for w in article.warnings)


def test_correct_declaration_is_kept_and_undeclared_is_detected():
    article = extract_article(page(lang="ky", title="Жолугушуу", paragraphs=[SAMPLES["ky"]] * 3), "https://x.example/a")
    assert (article.language, article.field_sources["language"]) == ("ky", "html")
    article = extract_article(page(lang=None, title="Встреча", paragraphs=[SAMPLES["ru"]] * 3), "https://x.example/a")
    assert (article.language, article.field_sources["language"]) == ("ru", "text")


@pytest.mark.parametrize(("tag", "code"), [("en-US", "en"), ("ru_RU", "ru"), ("kz", "kk"), ("", None), ("english", None)])
def test_language_tags(tag, code):
    assert normalise_language_tag(tag) == code
