"""HTML rendering for the demo site: article pages in four layouts, listings and static pages."""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from html import escape
from urllib.parse import quote

if __package__:
    from .catalog import AGENCY, SECTIONS, SITE_NAME, Catalog, Story
else:  # run as a script from dev/demo_site/
    from catalog import AGENCY, SECTIONS, SITE_NAME, Catalog, Story

MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]
MONTHS_RU = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
             "октября", "ноября", "декабря"]

UI = {
    "en": {
        "tagline": "Independent reporting on speech, media and the internet in Central Asia",
        "home": "Home", "about": "About us", "contact": "Contact", "privacy": "Privacy policy",
        "terms": "Terms of use", "advertise": "Advertise", "search": "Search",
        "cookie": "We use cookies to count readers and remember your settings. By continuing to browse "
                  "this site you agree to our use of cookies.",
        "accept": "Accept", "settings": "Cookie settings",
        "share": "Share this story", "related": "Related stories", "more": "More from Steppe Wire",
        "comments": "Comments", "reply": "Leave a comment",
        "reply_note": "Your email address will not be published. Comments are moderated before they appear.",
        "newsletter": "Get the Steppe Wire morning briefing in your inbox every weekday.",
        "subscribe": "Subscribe", "tags": "Tags", "most_read": "Most read this week",
        "copyright": "© 2026 Steppe Wire. All rights reserved. Reproduction only with a link to the source.",
        "tip": "Have a story we should look into? Write to our newsroom over an encrypted channel.",
        "older": "Older posts", "newer": "Newer posts", "archive": "Archive for",
        "empty": "Nothing was published on this day.",
    },
    "ru": {
        "tagline": "Независимые новости о свободе слова, СМИ и интернете в Центральной Азии",
        "home": "Главная", "about": "О нас", "contact": "Контакты", "privacy": "Конфиденциальность",
        "terms": "Условия использования", "advertise": "Реклама", "search": "Поиск",
        "cookie": "Мы используем файлы cookie, чтобы считать читателей и запоминать ваши настройки. "
                  "Продолжая пользоваться сайтом, вы соглашаетесь с этим.",
        "accept": "Принять", "settings": "Настройки",
        "share": "Поделиться", "related": "Читайте также", "more": "Еще на Steppe Wire",
        "comments": "Комментарии", "reply": "Оставить комментарий",
        "reply_note": "Ваш адрес почты не будет опубликован. Комментарии проходят модерацию.",
        "newsletter": "Утренняя рассылка Steppe Wire по будним дням.",
        "subscribe": "Подписаться", "tags": "Теги", "most_read": "Самое читаемое за неделю",
        "copyright": "© 2026 Steppe Wire. Все права защищены. Перепечатка только со ссылкой на источник.",
        "tip": "Знаете историю, которой стоит заняться? Напишите в редакцию по защищенному каналу.",
        "older": "Ранее", "newer": "Позже", "archive": "Архив за",
        "empty": "В этот день публикаций не было.",
    },
}

COMMENTS = {
    "en": [
        ("Gulmira T.", "This is exactly what happened to my cousin last spring. Nobody wrote about it then."),
        ("steppe_reader", "Thank you for covering this. Please follow up when the appeal is heard."),
        ("Daniyar", "Honestly I think some posts do cross the line, but fines like this are absurd."),
        ("Olga K.", "Is there a way to donate to the legal defence? Please add a link."),
        ("Nodir88", "Same situation in our region, the local pages are all afraid to write anything now."),
        ("Asel", "Shared with my students. We discussed it in the journalism ethics class today."),
    ],
    "ru": [
        ("Марат", "Спасибо, что пишете об этом. Больше нигде не нашел подробностей."),
        ("Светлана В.", "У нас в городе было то же самое, только никто не стал жаловаться."),
        ("Бахтияр", "Будем следить за апелляцией. Держитесь!"),
        ("гость", "Интересно, что скажут в министерстве. Как всегда, ничего."),
    ],
}


def fmt_date(dt: datetime, lang: str) -> str:
    """Human date as printed on the page, in the publication's own offset."""
    if lang == "ru":
        return f"{dt.day} {MONTHS_RU[dt.month - 1]} {dt.year}, {dt:%H:%M}"
    hour = dt.hour % 12 or 12
    return f"{MONTHS_EN[dt.month - 1]} {dt.day}, {dt.year} at {hour}:{dt:%M} {'am' if dt.hour < 12 else 'pm'}"


def _pick(items: list, key: str, n: int) -> list:
    start = zlib.crc32(key.encode("utf-8")) % len(items)
    return [items[(start + i) % len(items)] for i in range(n)]


def _nav(lang: str, base: str) -> str:
    links = [f'<li class="menu-item"><a href="{base}">{UI[lang]["home"]}</a></li>']
    links += [f'<li class="menu-item"><a href="{base}section/{key}/">{escape(names[lang])}</a></li>'
              for key, names in SECTIONS.items()]
    links.append(f'<li class="menu-item"><a href="{base}about/">{UI[lang]["about"]}</a></li>')
    other = "ru" if lang == "en" else "en"
    links.append(f'<li class="menu-item lang-switch"><a href="{base}{other}/">{other.upper()}</a></li>')
    return "\n".join(links)


def _cookie(lang: str) -> str:
    t = UI[lang]
    return (f'<div id="cookie-notice" class="cookie-banner" role="dialog"><p>{t["cookie"]}</p>'
            f'<button class="cookie-accept">{t["accept"]}</button> '
            f'<a href="#" class="cookie-settings">{t["settings"]}</a></div>')


def _share(lang: str, url: str, title: str) -> str:
    u, tt = quote(url, safe=""), quote(title, safe="")
    return (f'<div class="share-buttons"><h3>{UI[lang]["share"]}</h3><ul>'
            f'<li><a class="share-facebook" href="https://www.facebook.com/sharer/sharer.php?u={u}">Facebook</a></li>'
            f'<li><a class="share-x" href="https://x.com/intent/post?url={u}&amp;text={tt}">X</a></li>'
            f'<li><a class="share-telegram" href="https://t.me/share/url?url={u}">Telegram</a></li>'
            f'<li><a class="share-whatsapp" href="https://wa.me/?text={tt}%20{u}">WhatsApp</a></li>'
            f'<li><a class="share-email" href="mailto:?subject={tt}&amp;body={u}">Email</a></li></ul></div>')


def _related(story: Story, catalog: Catalog) -> list[Story]:
    same = [s for s in catalog.stories if s.lang == story.lang and s.slug != story.slug]
    return _pick(same, story.slug, 3) if same else []


def _related_html(story: Story, catalog: Catalog, base: str, css: str) -> str:
    items = "".join(f'<li><a href="{base}{s.path.lstrip("/")}">{escape(s.title)}</a></li>'
                    for s in _related(story, catalog))
    return f'<section class="{css}"><h3>{UI[story.lang]["related"]}</h3><ul>{items}</ul></section>'


def _comments(story: Story, css: str) -> str:
    t = UI[story.lang]
    picked = _pick(COMMENTS[story.lang], story.slug, 2)
    items = "".join(
        f'<li class="comment"><div class="comment-body"><div class="comment-author"><b class="fn">{escape(who)}</b>'
        f' <span class="says">says:</span></div><div class="comment-content"><p>{escape(text)}</p></div>'
        f'<div class="reply"><a class="comment-reply-link" href="#respond">Reply</a></div></div></li>'
        for who, text in picked)
    return (f'<div id="comments" class="{css}"><h2 class="comments-title">{t["comments"]} ({len(picked)})</h2>'
            f'<ol class="comment-list">{items}</ol><div id="respond"><h3>{t["reply"]}</h3><p>{t["reply_note"]}</p>'
            f'<form action="#" method="post"><textarea name="comment"></textarea><input type="text" name="author">'
            f'<button type="submit">{t["reply"]}</button></form></div></div>')


def _sidebar(story: Story, catalog: Catalog, base: str) -> str:
    t = UI[story.lang]
    popular = "".join(f'<li><a href="{base}{s.path.lstrip("/")}">{escape(s.title)}</a></li>'
                      for s in _pick(catalog.stories, story.slug + "#pop", 4))
    return (f'<aside id="secondary" class="widget-area sidebar"><section class="widget widget_popular">'
            f'<h2 class="widget-title">{t["most_read"]}</h2><ol>{popular}</ol></section>'
            f'<section class="widget widget_newsletter"><p>{t["newsletter"]}</p><form><input type="email" '
            f'name="email" placeholder="you@example.org"><button>{t["subscribe"]}</button></form></section></aside>')


def _footer(lang: str, base: str, css: str) -> str:
    t = UI[lang]
    return (f'<footer class="{css}"><div class="footer-about"><p>{t["tagline"]}.</p><p>{t["tip"]}</p></div>'
            f'<ul class="footer-menu"><li><a href="{base}about/">{t["about"]}</a></li>'
            f'<li><a href="{base}contact/">{t["contact"]}</a></li><li><a href="{base}privacy/">{t["privacy"]}</a></li>'
            f'<li><a href="{base}terms/">{t["terms"]}</a></li><li><a href="{base}advertise/">{t["advertise"]}</a></li>'
            f'<li><a href="{base}rss.xml">RSS</a></li></ul><p class="copyright">{t["copyright"]}</p></footer>')


def _person(name: str, base: str) -> dict:
    return {"@type": "Person", "name": name}


def jsonld(story: Story, url: str, base: str) -> dict | None:
    """The JSON-LD block for a story, in the shape its flags ask for (None = page has none)."""
    if story.jsonld == "none":
        return None
    article: dict = {
        "@type": "NewsArticle",
        "headline": story.title,
        "description": story.description,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "inLanguage": story.lang,
        "articleSection": story.section,
        "keywords": ", ".join(story.tags) if story.layout == "drupal" else list(story.tags),
        "image": [f"{base}media/{story.slug}.jpg"],
        "publisher": {"@type": "Organization", "name": SITE_NAME,
                      "logo": {"@type": "ImageObject", "url": f"{base}media/logo.png"}},
    }
    if story.published_raw:
        article["datePublished"] = story.published_raw
        article["dateModified"] = story.modified_raw or story.published_raw
    persons = [_person(n, base) for n in story.authors] if story.author_in_meta else []
    if story.jsonld == "graph":
        people_nodes = []
        if persons:
            refs = []
            for p in persons:
                pid = f"{base}#/schema/person/{zlib.crc32(p['name'].encode('utf-8')):08x}"
                people_nodes.append({**p, "@id": pid})
                refs.append({"@id": pid})
            article["author"] = refs[0] if story.author_form == "object" and len(refs) == 1 else refs
        article["@id"] = url + "#article"
        article["isPartOf"] = {"@id": url}
        return {"@context": "https://schema.org", "@graph": [
            {"@type": "WebSite", "@id": f"{base}#website", "url": base, "name": SITE_NAME},
            {"@type": "WebPage", "@id": url, "url": url, "name": story.title, "isPartOf": {"@id": f"{base}#website"},
             "breadcrumb": {"@id": url + "#breadcrumb"}},
            article,
            {"@type": "BreadcrumbList", "@id": url + "#breadcrumb", "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": UI[story.lang]["home"], "item": base},
                {"@type": "ListItem", "position": 2, "name": story.title}]},
            *people_nodes,
        ]}
    if persons:
        if story.author_form == "string":
            article["author"] = ", ".join(story.authors)
        elif story.author_form == "object" and len(persons) == 1:
            article["author"] = persons[0]
        else:
            article["author"] = persons
    return {"@context": "https://schema.org", **article}


def _head(story: Story, url: str, canonical: str, base: str, amp_url: str | None, charset: str) -> str:
    title = escape(story.title)
    desc = escape(story.description, quote=True)
    out = [f'<meta charset="{charset}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{title} | {SITE_NAME}</title>",
           f'<link rel="canonical" href="{escape(canonical)}">',
           f'<meta name="description" content="{desc}">',
           '<meta property="og:type" content="article">',
           f'<meta property="og:site_name" content="{SITE_NAME}">',
           f'<meta property="og:locale" content="{"ru_RU" if story.lang == "ru" else "en_US"}">',
           f'<meta property="og:title" content="{escape(story.title, quote=True)}">',
           f'<meta property="og:description" content="{desc}">',
           f'<meta property="og:url" content="{escape(canonical)}">',
           f'<meta property="og:image" content="{base}media/{story.slug}.jpg">',
           '<meta name="twitter:card" content="summary_large_image">']
    date_in_meta = story.jsonld == "none" and story.date_meta == "og" or (
        story.jsonld != "none" and story.layout == "wordpress")
    if story.published_raw and date_in_meta:
        out.append(f'<meta property="article:published_time" content="{story.published_raw}">')
        if story.modified_raw:
            out.append(f'<meta property="article:modified_time" content="{story.modified_raw}">')
    out.append(f'<meta property="article:section" content="{escape(story.section, quote=True)}">')
    out += [f'<meta property="article:tag" content="{escape(t, quote=True)}">' for t in story.tags]
    if story.author_in_meta:
        out.append(f'<meta name="author" content="{escape(", ".join(story.authors), quote=True)}">')
    if amp_url:
        out.append(f'<link rel="amphtml" href="{escape(amp_url)}">')
    out.append(f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME}" href="{base}rss.xml">')
    data = jsonld(story, canonical, base)
    if data is not None:
        out.append('<script type="application/ld+json">' + json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
                   + "</script>")
    out.append('<script>window.dataLayer=window.dataLayer||[];dataLayer.push({"page_type":"article"});</script>')
    return "\n".join(out)


def _time_html(story: Story, css: str) -> str:
    """The visible publication date; a machine-readable <time> unless the page only has meta dates."""
    pub = story.published_at
    if pub is None:
        return ""
    text = fmt_date(pub, story.lang)
    if story.jsonld == "none" and story.date_meta == "og":
        return f'<span class="{css}">{text}</span>'
    return f'<time class="{css}" datetime="{story.published_raw}">{text}</time>'


def _paras(story: Story) -> str:
    return "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in story.body_paragraphs)


def _tags(story: Story, base: str, wrap: str) -> str:
    links = ", ".join(f'<a href="{base}tag/{quote(tag_slug(t))}/" rel="tag">{escape(t)}</a>'
                      for t in story.tags)
    return f'<{wrap} class="tags-links">{UI[story.lang]["tags"]}: {links}</{wrap}>'


def render_story(story: Story, catalog: Catalog, base: str, *, path: str | None = None,
                 layout: str | None = None, canonical_path: str | None = None, amp_path: str | None = None) -> str:
    """Full HTML page of one story; path/layout/canonical_path override for AMP copies."""
    path = path or story.path
    layout = layout or story.layout
    url = base + path.lstrip("/")
    canonical = base + (canonical_path or path).lstrip("/")
    amp_url = base + amp_path.lstrip("/") if amp_path else None
    charset = "windows-1251" if story.encoding == "windows-1251" else "utf-8"
    head = _head(story, url, canonical, base, amp_url, charset)
    render = {"wordpress": _wordpress, "drupal": _drupal, "minimal": _minimal, "amp": _amp}[layout]
    return render(story, catalog, base, head, url)


def _wordpress(story: Story, catalog: Catalog, base: str, head: str, url: str) -> str:
    lang = story.lang
    post_id = zlib.crc32(story.slug.encode("utf-8")) % 90000 + 10000
    return f"""<!DOCTYPE html>
<html lang="{"ru-RU" if lang == "ru" else "en-US"}">
<head>
{head}
<link rel="stylesheet" href="{base}wp-content/themes/steppe/style.css?ver=4.2.1" media="all">
</head>
<body class="post-template-default single single-post postid-{post_id} single-format-standard">
{_cookie(lang)}
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header">
<div class="site-branding"><p class="site-title"><a href="{base}" rel="home">{SITE_NAME}</a></p>
<p class="site-description">{UI[lang]["tagline"]}</p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">
{_nav(lang, base)}
</ul></nav>
<form role="search" class="search-form" action="{base}"><input type="search" name="s" placeholder="{UI[lang]["search"]}"></form>
</header>
<div id="content" class="site-content">
<div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-{post_id}" class="post-{post_id} post type-post status-publish format-standard hentry">
<header class="entry-header">
<span class="cat-links"><a href="{base}section/{story.section_key}/" rel="category tag">{escape(story.section)}</a></span>
<h1 class="entry-title">{escape(story.title)}</h1>
<div class="entry-meta"><span class="posted-on">{_time_html(story, "entry-date published")}</span></div>
</header>
<div class="entry-content">
{_paras(story)}
</div>
<footer class="entry-footer">{_tags(story, base, "span")}</footer>
</article>
{_share(lang, url, story.title)}
{_related_html(story, catalog, base, "related-posts jp-relatedposts")}
{_comments(story, "comments-area")}
</main></div>
{_sidebar(story, catalog, base)}
</div>
{_footer(lang, base, "site-footer")}
</div>
<script src="{base}wp-includes/js/jquery.min.js"></script>
</body>
</html>
"""


def _drupal(story: Story, catalog: Catalog, base: str, head: str, url: str) -> str:
    lang = story.lang
    nid = zlib.crc32(story.slug.encode("utf-8")) % 9000 + 1000
    return f"""<!DOCTYPE html>
<html lang="{lang}" dir="ltr">
<head>
{head}
<link rel="stylesheet" media="all" href="{base}sites/default/files/css/css_steppe.css">
</head>
<body class="path-node page-node-type-article">
<a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<div class="dialog-off-canvas-main-canvas" data-off-canvas-main-canvas>
<div class="layout-container">
{_cookie(lang)}
<header role="banner" class="region region-header">
<div id="block-sitebranding" class="block-system-branding-block"><a href="{base}" rel="home" class="site-logo">{SITE_NAME}</a>
<div class="site-slogan">{UI[lang]["tagline"]}</div></div>
<nav role="navigation" id="block-mainnavigation" class="block-menu menu--main"><ul class="menu">
{_nav(lang, base)}
</ul></nav>
</header>
<div class="region region-breadcrumb"><nav class="breadcrumb" role="navigation"><ol>
<li><a href="{base}">{UI[lang]["home"]}</a></li><li><a href="{base}section/{story.section_key}/">{escape(story.section)}</a></li>
</ol></nav></div>
<main role="main"><a id="main-content" tabindex="-1"></a>
<div class="layout-content"><div class="region region-content">
<div id="block-steppe-content" class="block-system-main-block">
<article role="article" about="/node/{nid}" class="node node--type-article node--promoted node--view-mode-full">
<h1 class="page-title"><span class="field field--name-title field--type-string">{escape(story.title)}</span></h1>
<div class="node__meta"><span class="field field--name-created">{_time_html(story, "datetime")}</span></div>
<div class="node__content clearfix">
<div class="clearfix text-formatted field field--name-body field--type-text-with-summary field--label-hidden field__item">
{_paras(story)}
</div>
<div class="field field--name-field-tags field--type-entity-reference field--label-above">{_tags(story, base, "div")}</div>
</div>
</article>
</div>
{_share(lang, url, story.title)}
<div class="block-views-blockrelated-content">{_related_html(story, catalog, base, "view-related")}</div>
<section class="comment-section">{_comments(story, "field--name-comment")}</section>
</div></div>
<aside class="layout-sidebar-second" role="complementary">{_sidebar(story, catalog, base)}</aside>
</main>
{_footer(lang, base, "site-footer region-footer")}
</div></div>
</body>
</html>
"""


def _minimal(story: Story, catalog: Catalog, base: str, head: str, url: str) -> str:
    lang = story.lang
    date = fmt_date(story.published_at, lang) if story.published_at else ""
    more = "".join(f'<li><a href="{base}{s.path.lstrip("/")}">{escape(s.title)}</a></li>'
                   for s in _related(story, catalog))
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
{head}
<style>body{{font-family:Georgia,serif;max-width:760px;margin:auto}}.topbar a{{margin-right:1em}}</style>
</head>
<body>
{_cookie(lang)}
<div class="topbar"><a href="{base}"><b>{SITE_NAME}</b></a>
{" ".join(f'<a href="{base}section/{k}/">{escape(v[lang])}</a>' for k, v in SECTIONS.items())}
</div>
<div class="wrap">
<div class="story">
<h2 class="headline">{escape(story.title)}</h2>
<div class="story-date">{date}</div>
<div class="story-text">
{_paras(story)}
</div>
<div class="story-tags">{", ".join(escape(t) for t in story.tags)}</div>
</div>
{_share(lang, url, story.title)}
<div class="more"><b>{UI[lang]["more"]}</b><ul>{more}</ul></div>
</div>
<div class="footer"><p>{UI[lang]["copyright"]}</p><p><a href="{base}about/">{UI[lang]["about"]}</a> |
<a href="{base}contact/">{UI[lang]["contact"]}</a> | <a href="{base}privacy/">{UI[lang]["privacy"]}</a></p></div>
</body>
</html>
"""


def _amp(story: Story, catalog: Catalog, base: str, head: str, url: str) -> str:
    lang = story.lang
    byline = ""
    if story.author_in_meta:
        byline = f'<div class="amp-wp-meta amp-wp-byline"><span class="amp-wp-author author vcard">' \
                 f'{escape(", ".join(story.authors))}</span></div>'
    head = head.replace('<meta name="viewport" content="width=device-width, initial-scale=1">',
                        '<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">')
    return f"""<!doctype html>
<html amp lang="{lang}">
<head>
{head}
<script async src="https://cdn.ampproject.org/v0.js"></script>
<script async custom-element="amp-social-share" src="https://cdn.ampproject.org/v0/amp-social-share-0.1.js"></script>
<style amp-boilerplate>body{{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;animation:-amp-start 8s steps(1,end) 0s 1 normal both}}</style>
<style amp-custom>.amp-wp-article{{max-width:600px;margin:0 auto}}</style>
</head>
<body class="single-post amp-mode-mouse">
<header id="top" class="amp-wp-header"><div><a href="{base}">{SITE_NAME}</a></div></header>
<article class="amp-wp-article">
<header class="amp-wp-article-header">
<h1 class="amp-wp-title">{escape(story.title)}</h1>
{byline}
<div class="amp-wp-meta amp-wp-posted-on">{_time_html(story, "amp-wp-date")}</div>
</header>
<div class="amp-wp-article-content">
{_paras(story)}
</div>
<footer class="amp-wp-article-footer">
<div class="amp-wp-meta amp-wp-tax-category"><a href="{base}section/{story.section_key}/">{escape(story.section)}</a></div>
<div class="amp-wp-meta amp-wp-tax-tag">{", ".join(escape(t) for t in story.tags)}</div>
<div class="amp-wp-share"><amp-social-share type="facebook"></amp-social-share><amp-social-share type="twitter"></amp-social-share></div>
<div class="amp-wp-comments-link"><a href="{url}#comments">{UI[lang]["reply"]}</a></div>
</footer>
</article>
<footer class="amp-wp-footer"><div><h2>{SITE_NAME}</h2><p>{UI[lang]["copyright"]}</p>
<a href="#top" class="back-to-top">Back to top</a></div></footer>
</body>
</html>
"""


def _page(lang: str, base: str, title: str, inner: str, extra_head: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{escape(title)} | {SITE_NAME}</title>
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME}" href="{base}rss.xml">
{extra_head}
</head>
<body class="archive">
{_cookie(lang)}
<header class="site-header"><p class="site-title"><a href="{base}">{SITE_NAME}</a></p>
<nav class="main-navigation"><ul class="menu">
{_nav(lang, base)}
</ul></nav></header>
<main id="main" class="site-main">
<h1 class="page-title">{escape(title)}</h1>
{inner}
</main>
{_footer(lang, base, "site-footer")}
</body>
</html>
"""


def _listing(entries: list[tuple[str, str, datetime | None, str]], base: str) -> str:
    out = []
    for path, title, when, teaser in entries:
        date = f'<time datetime="{when.isoformat()}">{fmt_date(when, "en")}</time>' if when else ""
        out.append(f'<article class="post-summary"><h2 class="entry-title"><a href="{base}{path.lstrip("/")}" '
                   f'rel="bookmark">{escape(title)}</a></h2><div class="entry-meta">{date}</div>'
                   f'<div class="entry-summary"><p>{escape(teaser)}</p></div></article>')
    return "\n".join(out)


def render_archive(day: str, page: int, entries: list, n_pages: int, base: str) -> str:
    """One page of a daily archive listing, with rel=prev/next links."""
    y, m, d = day.split("-")
    first = f"{base}archive/{y}/{m}/{d}/"
    page_url = lambda n: first if n == 1 else f"{first}page/{n}/"  # noqa: E731
    links, head = [], []
    if page > 1:
        links.append(f'<a class="prev page-numbers" rel="prev" href="{page_url(page - 1)}">{UI["en"]["newer"]}</a>')
        head.append(f'<link rel="prev" href="{page_url(page - 1)}">')
    links += [f'<a class="page-numbers" href="{page_url(n)}">{n}</a>' if n != page else
              f'<span aria-current="page" class="page-numbers current">{n}</span>' for n in range(1, n_pages + 1)]
    if page < n_pages:
        links.append(f'<a class="next page-numbers" rel="next" href="{page_url(page + 1)}">{UI["en"]["older"]}</a>')
        head.append(f'<link rel="next" href="{page_url(page + 1)}">')
    inner = _listing(entries, base) if entries else f'<p class="no-results">{UI["en"]["empty"]}</p>'
    inner += f'\n<nav class="navigation pagination" role="navigation"><div class="nav-links">{" ".join(links)}</div></nav>'
    title = f'{UI["en"]["archive"]} {MONTHS_EN[int(m) - 1]} {int(d)}, {y}' + (f" – page {page}" if page > 1 else "")
    head.insert(0, f'<link rel="canonical" href="{page_url(page)}">')
    return _page("en", base, title, inner, "\n".join(head))


def render_section(key: str, catalog: Catalog, base: str) -> str:
    """A section front: every story of the section, newest first."""
    stories = sorted((s for s in catalog.stories if s.section_key == key), key=lambda s: s.published_at,
                     reverse=True)
    entries = [(s.path, s.title, s.published_at, s.description) for s in stories]
    return _page("en", base, SECTIONS[key]["en"], _listing(entries, base))


def tag_slug(tag: str) -> str:
    """URL slug of a tag as used in /tag/<slug>/ links."""
    return tag.lower().replace(" ", "-")


def render_tag(slug: str, catalog: Catalog, base: str) -> str | None:
    """A tag page listing every story with that tag (None when no story has it)."""
    stories = sorted((s for s in catalog.stories if slug in {tag_slug(t) for t in s.tags}),
                     key=lambda s: s.published_at, reverse=True)
    if not stories:
        return None
    name = next(t for t in stories[0].tags if tag_slug(t) == slug)
    entries = [(s.path, s.title, s.published_at, s.description) for s in stories]
    return _page("en", base, f"Tag: {name}", _listing(entries, base))


def render_home(catalog: Catalog, base: str, lang: str | None = None) -> str:
    """Front page: the latest stories (optionally one language)."""
    stories = [s for s in catalog.latest(len(catalog.stories)) if lang is None or s.lang == lang][:20]
    entries = [(s.path, s.title, s.published_at, s.description) for s in stories]
    return _page(lang or "en", base, SITE_NAME if lang is None else f"{SITE_NAME} ({lang})",
                 _listing(entries, base))


STATIC = {
    "about": "Steppe Wire is a small newsroom that follows freedom of expression in Central Asia: blocked "
             "websites, prosecutions for posts, detained bloggers, shutdowns and the rules that govern the press. "
             f"Our reports carry the agency code {AGENCY}. This site and everyone in it are fictional.",
    "contact": "Newsroom: news@steppewire.example. Corrections: corrections@steppewire.example.",
    "privacy": "We keep server logs for fourteen days and use one first-party cookie to remember your settings.",
    "terms": "Quote freely with a link to the original story.",
    "advertise": "Steppe Wire does not accept political advertising.",
}


def render_static(name: str, base: str) -> str:
    """A static information page (about, contact, ...)."""
    return _page("en", base, name.capitalize(), f"<div class=\"page-content\"><p>{escape(STATIC[name])}</p></div>")


def render_not_found(base: str) -> str:
    """The site's 404 page."""
    return _page("en", base, "Page not found", '<div class="page-content"><p>The page you are looking for has '
                 "moved or never existed. Try the search box or the archive.</p></div>")


def render_private(base: str) -> str:
    """An internal page robots.txt forbids; a polite crawler never sees it."""
    return _page("en", base, "Internal draft", '<div class="page-content"><p>Editorial draft, not for '
                 "publication. Crawlers that respect robots.txt never request this page.</p></div>")
