"""RSS, Atom, sitemaps and robots.txt for the demo site."""

from __future__ import annotations

from email.utils import format_datetime
from xml.sax.saxutils import escape

if __package__:
    from .catalog import SITE_NAME, Catalog, utc_z
else:  # run as a script from dev/demo_site/
    from catalog import SITE_NAME, Catalog, utc_z

FEED_SIZE = 15
POSTS_SITEMAP = "sitemaps/posts-2026-11.xml"
NEWS_SITEMAP = "sitemaps/news.xml"


def robots_txt(base: str, crawl_delay: float) -> str:
    """robots.txt: private area disallowed, the configured Crawl-delay, the sitemap index."""
    delay = int(crawl_delay) if float(crawl_delay).is_integer() else crawl_delay
    return (f"# {SITE_NAME}\nUser-agent: *\nDisallow: /private/\nDisallow: /wp-admin/\n"
            f"Allow: /wp-admin/admin-ajax.php\nCrawl-delay: {delay}\n\nSitemap: {base}sitemap.xml\n")


def rss(catalog: Catalog, base: str) -> str:
    """RSS 2.0 with the most recent stories, pubDate in RFC 822 with the publication's offset."""
    stories = catalog.latest(FEED_SIZE)
    items = []
    for s in stories:
        url = base + s.path.lstrip("/")
        creator = f"<dc:creator>{escape(', '.join(s.authors))}</dc:creator>" if s.author_in_meta else ""
        cats = "".join(f"<category>{escape(t)}</category>" for t in (s.section, *s.tags))
        items.append(
            f"<item><title>{escape(s.title)}</title>"
            f"<link>{escape(url + '?utm_source=rss&utm_medium=feed')}</link>"
            f'<guid isPermaLink="true">{escape(url)}</guid>'
            f"<pubDate>{format_datetime(s.published_at)}</pubDate>{creator}{cats}"
            f"<description>{escape(s.description)}</description></item>")
    built = format_datetime(stories[0].last_modified) if stories else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
            f"<title>{SITE_NAME}</title><link>{base}</link>"
            f'<atom:link href="{base}rss.xml" rel="self" type="application/rss+xml"/>'
            f"<description>Freedom of expression in Central Asia</description><language>en</language>"
            f"<lastBuildDate>{built}</lastBuildDate><ttl>30</ttl>\n" + "\n".join(items) + "\n</channel>\n</rss>\n")


def atom(catalog: Catalog, base: str) -> str:
    """Atom 1.0 with the most recent stories, published and updated in RFC 3339."""
    stories = catalog.latest(FEED_SIZE)
    entries = []
    for s in stories:
        url = base + s.path.lstrip("/")
        authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in s.authors) if s.author_in_meta \
            else f"<author><name>{SITE_NAME}</name></author>"
        entries.append(
            f'<entry xml:lang="{s.lang}"><title>{escape(s.title)}</title>'
            f'<link rel="alternate" type="text/html" href="{escape(url)}"/><id>{escape(url)}</id>'
            f"<published>{s.published_at.isoformat()}</published>"
            f"<updated>{s.last_modified.isoformat()}</updated>{authors}"
            f'<category term="{escape(s.section)}"/><summary>{escape(s.description)}</summary></entry>')
    updated = utc_z(max(s.last_modified for s in stories)) if stories else ""
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f"<title>{SITE_NAME}</title><id>{base}</id>"
            f'<link rel="self" href="{base}atom.xml"/><link rel="alternate" href="{base}"/>'
            f"<updated>{updated}</updated>\n" + "\n".join(entries) + "\n</feed>\n")


def sitemap_index(catalog: Catalog, base: str) -> str:
    """Sitemap index pointing at the news sitemap and the monthly posts sitemap."""
    newest = utc_z(max(s.last_modified for s in catalog.stories))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"<sitemap><loc>{base}{NEWS_SITEMAP}</loc><lastmod>{newest}</lastmod></sitemap>\n"
            f"<sitemap><loc>{base}{POSTS_SITEMAP}</loc><lastmod>{newest}</lastmod></sitemap>\n"
            "</sitemapindex>\n")


def news_sitemap(catalog: Catalog, base: str) -> str:
    """Google News sitemap for the last two days."""
    rows = []
    for s in catalog.news_stories():
        rows.append(
            f"<url><loc>{escape(base + s.path.lstrip('/'))}</loc><news:news><news:publication>"
            f"<news:name>{SITE_NAME}</news:name><news:language>{s.lang}</news:language></news:publication>"
            f"<news:publication_date>{s.published_raw}</news:publication_date>"
            f"<news:title>{escape(s.title)}</news:title><news:keywords>{escape(', '.join(s.tags))}"
            "</news:keywords></news:news></url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + "\n".join(rows) + "\n</urlset>\n")


def posts_sitemap(catalog: Catalog, base: str) -> str:
    """Monthly urlset of every post with its lastmod."""
    rows = [f"<url><loc>{escape(base + path.lstrip('/'))}</loc><lastmod>{when.isoformat()}</lastmod>"
            "<changefreq>monthly</changefreq></url>" for path, when in catalog.sitemap_entries()]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "\n".join(rows) + "\n</urlset>\n")
