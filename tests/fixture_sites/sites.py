"""Five fixture sites: WordPress-like, Drupal-like, an RFE/RL-style service, Bitrix (ru + kk), a watchdog.

Every page and sentence here is written for newslake's tests. Each site is a dict of routes that
`serve_site` puts on a real 127.0.0.1 HTTP server; `mutate()` changes a running site the way real
sites change (feed removed, sitemap moved, robots.txt disallowing us, pages losing their dates).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import escape
from xml.sax.saxutils import escape as xml_escape

from integration.tiny_site import Route

DAYS = ("2026-11-18", "2026-11-19", "2026-11-20")


@dataclass
class Story:
    """One article: where it lives, what it says and when (site-local time, with the site's UTC offset)."""

    path: str
    title: str
    paragraphs: list[str]
    local: datetime  # aware, in the site's offset
    lang: str = "en"
    region: str | None = None  # watchdog only: the region page that lists it

    def utc(self) -> datetime:
        return self.local.astimezone(timezone.utc)


@dataclass
class Site:
    """A fixture site: its routes and stories, plus what a test changes while it runs."""

    name: str
    routes: dict[str, Route]
    stories: list[Story]
    timezone: str
    languages: list[str]
    feed_paths: list[str] = field(default_factory=list)
    sitemap_paths: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)

    def mutate(self, change: str) -> None:
        """Apply one real-world change: feed_gone, sitemap_moved, robots_disallow, dates_gone."""
        if change == "feed_gone":
            for path in self.feed_paths:
                self.routes[path] = Route(b"<h1>Not found</h1>", "text/html", 404)
            for route in list(self.routes.values()):
                if route.content_type.startswith("text/html"):
                    route.body = route.body.replace(b'rel="alternate"', b'rel="x-removed"')
        elif change == "sitemap_moved":
            def moved(body: bytes) -> bytes:
                for path in self.sitemap_paths:  # an index names its children by their new paths too
                    body = body.replace(path.encode() + b"<", b"/new-sitemaps" + path.encode() + b"<")
                    body = body.replace(path.encode() + b"\n", b"/new-sitemaps" + path.encode() + b"\n")
                return body

            for path in self.sitemap_paths:
                old = self.routes[path]
                self.routes["/new-sitemaps" + path] = Route(moved(old.body), old.content_type)
                self.routes[path] = Route(b"not here any more", "text/plain", 404)
            robots = self.routes.get("/robots.txt")
            if robots is not None:
                robots.body = moved(robots.body)
        elif change == "robots_disallow":
            self.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /\n", "text/plain")
        elif change == "dates_gone":
            for story in self.stories:
                route = self.routes[story.path]
                route.body = _undated(route.body)
        else:
            raise ValueError(f"unknown change {change!r}")


def _undated(body: bytes) -> bytes:
    import re

    text = body.decode("utf-8")
    text = re.sub(r'<script type="application/ld\+json">.*?</script>', "", text, flags=re.S)
    text = re.sub(r'<meta property="article:published_time"[^>]*>', "", text)
    text = re.sub(r'<time[^>]*>.*?</time>', "", text, flags=re.S)
    text = re.sub(r'<span class="date">.*?</span>', "", text, flags=re.S)
    return text.encode("utf-8")


def _html(title: str, head: str, body: str, lang: str = "en") -> bytes:
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"{head}</head><body>{body}</body></html>").encode()


def _rss(title: str, base: str, stories: list[Story], date_format) -> bytes:
    items = "".join(
        f"<item><title>{xml_escape(s.title)}</title><link>{base}{s.path.lstrip('/')}</link>"
        f"<guid>{base}{s.path.lstrip('/')}</guid><pubDate>{date_format(s)}</pubDate></item>"
        for s in stories
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{xml_escape(title)}</title>'
            f"<link>{base}</link>{items}</channel></rss>").encode()


def _urlset(base: str, stories: list[Story], *, news: bool = False) -> bytes:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    rows = []
    for s in stories:
        extra = ""
        if news:
            extra = (f"<news:news><news:publication><news:name>x</news:name><news:language>{s.lang}</news:language>"
                     f"</news:publication><news:publication_date>{s.utc().isoformat()}</news:publication_date>"
                     f"<news:title>{xml_escape(s.title)}</news:title></news:news>")
        rows.append(f"<url><loc>{base}{s.path.lstrip('/')}</loc><lastmod>{s.utc().isoformat()}</lastmod>{extra}</url>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>'
            + "".join(rows) + "</urlset>").encode("utf-8")


def _index(base: str, paths: list[str]) -> bytes:
    rows = "".join(f"<sitemap><loc>{base}{p.lstrip('/')}</loc></sitemap>" for p in paths)
    return (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{rows}</sitemapindex>").encode()


def _at(day: str, clock: str, offset_hours: int) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}:00").replace(tzinfo=timezone(timedelta(hours=offset_hours)))


_EN_TOPICS = [
    ("Regional court hears appeal of jailed reporter",
     ["The appeal hearing opened on a cold morning with relatives of the reporter waiting outside the courthouse.",
      "Defence lawyers argued that the charges rest on a single anonymous statement and on messages taken from a "
      "phone seized without a warrant.",
      "Prosecutors asked the judges to keep the sentence unchanged and said the reporter had spread false "
      "information about the regional administration."]),
    ("Water shortages return to southern farming districts",
     ["Farmers in three southern districts say the irrigation canals ran dry two weeks earlier than last year.",
      "Local officials blame a dry winter in the mountains and promise new pumping stations before spring.",
      "Growers interviewed for this story said they had already cut the area sown with cotton and wheat."]),
    ("Parliament passes amendments to the media law",
     ["Deputies approved the amendments in a second reading after a short debate that lasted under an hour.",
      "The new text obliges online outlets to register as mass media and lets the ministry suspend websites "
      "without a court order.",
      "Editors of independent outlets said they would ask the president to return the bill to parliament."]),
    ("Night trains to the capital resume after repairs",
     ["The national railway restarted its night service to the capital after a month of track repairs.",
      "Tickets sold out within hours, the railway said, and two extra carriages will be added at weekends.",
      "Passengers complained about the absence of timetables at smaller stations along the line."]),
    ("Blogger detained after post about hospital conditions",
     ["Police detained the blogger at his home a day after he posted a video filmed inside a district hospital.",
      "The video showed patients lying in a corridor and a broken heating system in the children's ward.",
      "The regional health department said the hospital would be inspected but denied that patients were at risk."]),
    ("Mountain road reopens after avalanche season",
     ["Road crews cleared the last snow from the pass, reopening the main route between two regions.",
      "Drivers waited in a queue of trucks several kilometres long when the barrier was finally lifted.",
      "The transport ministry said the road would close again if the forecast for heavy snow proved right."]),
]


def _stories(prefix_for, offset: int, lang: str = "en", topics=None, clocks=("07:40", "13:15", "02:30")) -> list[Story]:
    topics = topics or _EN_TOPICS
    out = []
    for i, (title, paragraphs) in enumerate(topics):
        day = DAYS[i % len(DAYS)]
        local = _at(day, clocks[i % len(clocks)], offset)
        out.append(Story(prefix_for(i, day, title), title, paragraphs, local, lang))
    return out


def _slug(title: str) -> str:
    return "-".join(w.strip(",.").lower() for w in title.split()[:5])


def wordpress_site(base: str) -> Site:
    """A WordPress news site: <link rel=alternate> feed, /wp-sitemap.xml in robots.txt, /YYYY/MM/DD/ archives."""
    stories = _stories(lambda i, d, t: f"/{d.replace('-', '/')}/{_slug(t)}/", 6)
    routes: dict[str, Route] = {}
    for s in stories:
        head = (f'<link rel="alternate" type="application/rss+xml" title="Steppe Courier &raquo; Feed" href="{base}feed/">'
                f'<meta property="og:title" content="{escape(s.title)}">'
                f'<meta property="article:published_time" content="{s.local.isoformat()}">')
        body = (f'<header><a href="{base}">Steppe Courier</a></header><article><h1 class="entry-title">{escape(s.title)}</h1>'
                f'<div class="entry-meta"><time class="entry-date" datetime="{s.local.isoformat()}">'
                f'{s.local:%B %d, %Y}</time> by <span class="author">Aigerim Sadykova</span></div>'
                '<div class="entry-content">' + "".join(f"<p>{escape(p)}</p>" for p in s.paragraphs) + "</div></article>")
        routes[s.path] = Route(_html(s.title, head, body))
    listing = "".join(f'<h2><a href="{base}{s.path.lstrip("/")}">{escape(s.title)}</a></h2>' for s in stories)
    routes["/"] = Route(_html("Steppe Courier", f'<link rel="alternate" type="application/rss+xml" '
                              f'title="Steppe Courier &raquo; Feed" href="{base}feed/">'
                              f'<meta name="generator" content="WordPress 6.7">', listing))
    for day in DAYS:
        on_day = [s for s in stories if s.local.date().isoformat() == day]
        links = "".join(f'<a href="{base}{s.path.lstrip("/")}">{escape(s.title)}</a>' for s in on_day)
        routes[f"/{day.replace('-', '/')}/"] = Route(_html(f"Archive {day}", "", links))
    routes["/feed/"] = Route(_rss("Steppe Courier", base, stories, lambda s: s.utc().strftime("%a, %d %b %Y %H:%M:%S +0000")),
                             "application/rss+xml; charset=UTF-8")
    routes["/wp-sitemap.xml"] = Route(_index(base, ["/wp-sitemap-posts-post-1.xml"]), "application/xml")
    routes["/wp-sitemap-posts-post-1.xml"] = Route(_urlset(base, stories), "application/xml")
    routes["/robots.txt"] = Route(f"User-agent: *\nDisallow: /wp-admin/\n\nSitemap: {base}wp-sitemap.xml\n".encode(), "text/plain")
    return Site("wordpress", routes, stories, "Asia/Bishkek", ["en"], ["/feed/"], ["/wp-sitemap.xml", "/wp-sitemap-posts-post-1.xml"])


_RU_TOPICS = [
    ("Суд продлил арест журналиста", ["Суд продлил срок содержания под стражей журналиста еще на два месяца.",
     "Адвокаты заявили, что обжалуют решение, так как следствие не представило новых доказательств.",
     "Коллеги журналиста провели у здания суда одиночные пикеты."]),
    ("В горных районах выпал первый снег", ["Первый снег выпал в горных районах в ночь на среду.",
     "Дорожные службы вывели технику на перевалы и попросили водителей не выезжать без зимней резины.",
     "Синоптики ожидают похолодания до конца недели."]),
    ("Министерство опубликовало проект закона о блогерах", ["Проект закона обязывает блогеров с большой аудиторией регистрироваться.",
     "Эксперты считают, что документ позволит блокировать страницы без решения суда.",
     "Общественное обсуждение проекта продлится две недели."]),
]
_KK_TOPICS = [
    ("Сот журналистің қамау мерзімін ұзартты", ["Сот журналистің қамауда болу мерзімін тағы екі айға ұзартты.",
     "Адвокаттар шешімге шағым түсіретінін айтты, себебі тергеу жаңа дәлел ұсынбаған.",
     "Журналистің әріптестері сот ғимараты алдында жеке пикетке шықты."]),
    ("Тау аудандарына алғашқы қар түсті", ["Тау аудандарына сәрсенбіге қараған түні алғашқы қар түсті.",
     "Жол қызметтері асуларға техника шығарып, жүргізушілерді қысқы дөңгелексіз шықпауға шақырды.",
     "Синоптиктер апта соңына дейін суық болады деп күтеді."]),
]
_KK_MONTHS = {11: "қараша"}


def drupal_site(base: str) -> Site:
    """A Drupal site: no feed link on the homepage, /rss.xml and /sitemap.xml only at their Drupal paths.

    Pages print the local time without an offset ("19.11.2026 - 02:30"), as Drupal's default date format does.
    """
    stories = _stories(lambda i, d, t: f"/ru/news/{1200 + i}", 5, "ru", _RU_TOPICS)
    routes: dict[str, Route] = {}
    for s in stories:
        body = (f'<div id="page"><h1 class="page-title">{escape(s.title)}</h1>'
                f'<div class="submitted"><span class="date">{s.local:%d.%m.%Y - %H:%M}</span></div>'
                '<div class="field-name-body">' + "".join(f"<p>{escape(p)}</p>" for p in s.paragraphs) + "</div></div>")
        routes[s.path] = Route(_html(s.title, '<meta name="Generator" content="Drupal 10 (https://www.drupal.org)">',
                                     body, "ru"))
    listing = "".join(f'<a href="{base}{s.path.lstrip("/")}">{escape(s.title)}</a>' for s in stories)
    routes["/"] = Route(_html("Памир Монитор", '<meta name="Generator" content="Drupal 10 (https://www.drupal.org)">',
                              listing, "ru"))
    # Drupal's RSS prints the site's local offset (+0500 for Tashkent-like zones).
    routes["/rss.xml"] = Route(_rss("Памир Монитор", base, stories, lambda s: s.local.strftime("%a, %d %b %Y %H:%M:%S %z")),
                               "application/rss+xml; charset=utf-8")
    routes["/sitemap.xml"] = Route(_urlset(base, stories), "application/xml")
    routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /admin/\nDisallow: /user/\n", "text/plain")
    return Site("drupal", routes, stories, "Asia/Dushanbe", ["ru"], ["/rss.xml"], [])


def rferl_site(base: str) -> Site:
    """An RFE/RL-style (Pangea-like) service: /a/<slug>/<8 digits>.html, JSON-LD NewsArticle, /api/ feed token."""
    topics = [(t, p) for t, p in _KK_TOPICS] + [(t, p) for t, p in _EN_TOPICS[:2]]
    stories = _stories(lambda i, d, t: f"/a/{'story-' + str(i)}/{33500100 + i}.html", 5, "kk", topics,
                       clocks=("09:05", "23:40", "06:15"))
    for s in stories[2:]:
        s.lang = "en"
    routes: dict[str, Route] = {}
    for s in stories:
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": s.title,
              "datePublished": s.utc().strftime("%Y-%m-%d %H:%M:%SZ"), "inLanguage": s.lang,
              "author": [{"@type": "Person", "name": "Азаттық тілшісі"}],
              "publisher": {"@type": "Organization", "name": "Radio Free Steppe"}}
        head = (f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
                f'<link rel="alternate" type="application/rss+xml" title="RSS" href="{base}api/zqpoemtvpy">')
        when = f"{s.local.day} {_KK_MONTHS.get(s.local.month, 'қараша')} {s.local.year}, {s.local:%H:%M}"
        body = (f'<div class="col-title"><h1 class="title pg-title">{escape(s.title)}</h1></div>'
                f'<div class="published"><span class="date"><time pubdate="pubdate" datetime="{s.utc().strftime("%Y-%m-%dT%H:%M:%S+00:00")}">'
                f'{when}</time></span></div><div class="wsw">' + "".join(f"<p>{escape(p)}</p>" for p in s.paragraphs) + "</div>")
        routes[s.path] = Route(_html(s.title, head, body, s.lang))
    listing = "".join(f'<a href="{base}{s.path.lstrip("/")}">{escape(s.title)}</a>' for s in stories)
    routes["/"] = Route(_html("Radio Free Steppe", f'<link rel="alternate" type="application/rss+xml" title="RSS" '
                              f'href="{base}api/zqpoemtvpy">', listing, "kk"))
    routes["/api/zqpoemtvpy"] = Route(_rss("Radio Free Steppe", base, stories,
                                           lambda s: s.utc().strftime("%a, %d %b %Y %H:%M:%S GMT")), "application/rss+xml")
    routes["/sitemap.xml"] = Route(_index(base, ["/sitemap_news.xml"]), "application/xml")
    routes["/sitemap_news.xml"] = Route(_urlset(base, stories, news=True), "application/xml")
    routes["/robots.txt"] = Route(f"User-agent: *\nDisallow: /api/comments/\nSitemap: {base}sitemap.xml\n".encode(), "text/plain")
    return Site("rferl", routes, stories, "Europe/Prague", ["kk", "en"], ["/api/zqpoemtvpy"], ["/sitemap.xml", "/sitemap_news.xml"])


def bitrix_site(base: str) -> Site:
    """A 1C-Bitrix site with Russian (/ru/) and Kazakh (/kz/) versions: /rss/ feeds, sitemap index of iblocks."""
    ru = _stories(lambda i, d, t: f"/ru/news/{d.replace('-', '')}{i:02d}/", 5, "ru", _RU_TOPICS, clocks=("10:20", "00:45", "18:05"))
    kk = _stories(lambda i, d, t: f"/kz/news/{d.replace('-', '')}{i:02d}/", 5, "kk", _KK_TOPICS, clocks=("11:00", "01:10"))
    stories = ru + kk
    routes: dict[str, Route] = {}
    for s in stories:
        printed = (f"{s.local:%d.%m.%Y %H:%M}" if s.lang == "ru"
                   else f"{s.local.day} {_KK_MONTHS.get(s.local.month, 'қараша')} {s.local.year}, {s.local:%H:%M}")
        body = (f'<div class="news-detail"><h1>{escape(s.title)}</h1><span class="news-date-time">{printed}</span>'
                + "".join(f"<p>{escape(p)}</p>" for p in s.paragraphs) + "</div>")
        routes[s.path] = Route(_html(s.title, '<script src="/bitrix/js/main/core/core.js"></script>', body, s.lang))
    for lang, group in (("ru", ru), ("kz", kk)):
        routes[f"/{lang}/"] = Route(_html("Дала", "", "".join(f'<a href="{base}{s.path.lstrip("/")}">{escape(s.title)}</a>'
                                                             for s in group), "ru" if lang == "ru" else "kk"))
        routes[f"/{lang}/rss/"] = Route(_rss("Дала", base, group, lambda s: s.local.strftime("%a, %d %b %Y %H:%M:%S %z")),
                                        "application/rss+xml; charset=UTF-8")
        routes[f"/sitemap_iblock_{1 if lang == 'ru' else 2}.xml"] = Route(_urlset(base, group), "application/xml")
    routes["/"] = Route(_html("Дала Ньюс", '<script src="/bitrix/js/main/core/core.js"></script>',
                              f'<a href="{base}ru/">Русский</a> <a href="{base}kz/">Қазақша</a>', "ru"))
    routes["/sitemap.xml"] = Route(_index(base, ["/sitemap_iblock_1.xml", "/sitemap_iblock_2.xml"]), "application/xml")
    routes["/robots.txt"] = Route(f"User-agent: *\nDisallow: /bitrix/\nDisallow: /search/\nHost: {base}\n"
                                  f"Sitemap: {base}sitemap.xml\n".encode(), "text/plain")
    return Site("bitrix", routes, stories, "Asia/Almaty", ["ru", "kk"], ["/ru/rss/", "/kz/rss/"],
                ["/sitemap.xml", "/sitemap_iblock_1.xml", "/sitemap_iblock_2.xml"])


def watchdog_site(base: str) -> Site:
    """A press-freedom watchdog: a worldwide feed and sitemap; Central Asia is one /region/ page among many."""
    regions = ["central-asia", "africa", "central-asia", "central-asia", "americas", "central-asia"]
    stories = _stories(lambda i, d, t: f"/{d[:4]}/{d[5:7]}/{_slug(t)}/", 1)
    for s, region in zip(stories, regions, strict=True):
        s.region = region
    routes: dict[str, Route] = {}
    for s in stories:
        ld = {"@context": "https://schema.org", "@type": "Article", "headline": s.title,
              "datePublished": s.local.isoformat(), "author": {"@type": "Organization", "name": "Free Press Watch"}}
        head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        body = (f'<main><h1>{escape(s.title)}</h1><p class="region">{s.region}</p>'
                + "".join(f"<p>{escape(p)}</p>" for p in s.paragraphs) + "</main>")
        routes[s.path] = Route(_html(s.title, head, body))
    for region in sorted(set(regions)):
        links = "".join(f'<a href="{base}{s.path.lstrip("/")}">{escape(s.title)}</a>' for s in stories if s.region == region)
        routes[f"/region/{region}/"] = Route(_html(region, "", f'<h1>{region}</h1>{links}<a href="{base}about/">About</a>'))
    nav = "".join(f'<a href="{base}region/{r}/">{r}</a>' for r in sorted(set(regions)))
    routes["/"] = Route(_html("Free Press Watch", f'<link rel="alternate" type="application/rss+xml" href="{base}feed/">', nav))
    routes["/feed/"] = Route(_rss("Free Press Watch", base, stories, lambda s: s.utc().strftime("%a, %d %b %Y %H:%M:%S +0000")),
                             "application/rss+xml")
    routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", "text/plain")
    return Site("watchdog", routes, stories, "Europe/Paris", ["en"], ["/feed/"], [])


BUILDERS = {"wordpress": wordpress_site, "drupal": drupal_site, "rferl": rferl_site, "bitrix": bitrix_site,
            "watchdog": watchdog_site}
