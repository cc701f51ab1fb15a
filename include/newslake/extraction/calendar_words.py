"""Month names and relative-day words of the languages Central Asian outlets publish in."""

from __future__ import annotations

# Stems, not every inflection: a match may carry up to four more letters (февраля, феврали, февралы,
# fewraly, ақпанда), so "феврал" covers Russian genitive, Kyrgyz possessive and Tajik izofat forms.
MONTH_STEMS: dict[int, tuple[str, ...]] = {
    1: ("jan", "january", "янв", "январ", "yanvar", "қаңтар", "qantar", "ýanwar", "yanwar"),
    2: ("feb", "february", "фев", "феврал", "fevral", "ақпан", "aqpan", "fewral"),
    3: ("mar", "march", "мар", "март", "mart", "наурыз", "nauryz", "naýryz"),
    4: ("apr", "april", "апр", "апрел", "aprel", "сәуір", "sáýir", "sauir"),
    5: ("may", "май", "мая", "мамыр", "mamyr", "maý"),
    6: ("jun", "june", "июн", "iyun", "маусым", "maýsym", "mausym", "iýun"),
    7: ("jul", "july", "июл", "iyul", "шілде", "shilde", "iýul"),
    8: ("aug", "august", "авг", "август", "avgust", "тамыз", "tamyz", "awgust"),
    9: ("sep", "sept", "september", "сен", "сент", "сентябр", "sentabr", "sentyabr", "қыркүйек", "qyrkúiek",
        "sentýabr"),
    10: ("oct", "october", "окт", "октябр", "oktabr", "oktyabr", "қазан", "qazan", "oktýabr"),
    11: ("nov", "november", "ноя", "нояб", "ноябр", "noyabr", "қараша", "qarasha", "noýabr"),
    12: ("dec", "december", "дек", "декабр", "dekabr", "желтоқсан", "jeltoqsan"),
}

MONTHS: dict[str, int] = {stem: month for month, stems in MONTH_STEMS.items() for stem in stems}

# "yesterday" / "today" as printed in story headers ("вчера, 14:30", "kecha, 14:30").
DAY_WORDS: dict[str, int] = {
    "today": 0, "сегодня": 0, "бүгін": 0, "бүгүн": 0, "bugun": 0, "бугун": 0, "имрӯз": 0, "имрўз": 0,
    "şu gün": 0, "bu gün": 0,
    "yesterday": 1, "вчера": 1, "кеше": 1, "кечээ": 1, "kecha": 1, "кеча": 1, "дирӯз": 1, "дирўз": 1, "düýn": 1,
    "позавчера": 2,
}

# "<n> minutes/hours ago": unit stems per language, then the word for "ago".
AGO_UNITS: dict[str, str] = {
    "minute": "minutes", "min": "minutes", "минут": "minutes", "мин": "minutes", "мүнөт": "minutes",
    "daqiqa": "minutes", "дақиқа": "minutes", "minut": "minutes",
    "hour": "hours", "час": "hours", "сағат": "hours", "саат": "hours", "soat": "hours", "соат": "hours",
    "sagat": "hours",
}
AGO_WORDS: tuple[str, ...] = ("ago", "назад", "бұрын", "мурун", "oldin", "олдин", "пеш", "öň")
