"""robots.txt rules (RFC 9309 matching: longest path match wins, Allow wins ties) plus Crawl-delay and Sitemap."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

# RFC 9309 lets crawlers stop parsing after 500 KiB.
MAX_ROBOTS_BYTES = 500 * 1024
_SAFE = "/?=&*$:@!,;+~'()-._"


def _normalise(path: str) -> str:
    """One spelling for comparison: '/новости/' and '/%d0%bd%d0%be...' both become upper-case %-escapes."""
    return quote(unquote(path), safe=_SAFE)


@dataclass(frozen=True)
class _Rule:
    allow: bool
    pattern: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class RobotsRules:
    """The rules of one origin's robots.txt that apply to our user agent."""

    rules: tuple[_Rule, ...] = ()
    crawl_delay: float | None = None
    sitemaps: tuple[str, ...] = ()
    # Why these rules exist: "parsed", "missing" (4xx: everything allowed) or "unavailable" (5xx/network).
    status: str = "parsed"
    reason: str | None = None  # why robots.txt was unavailable, for the URLs' error messages

    @property
    def available(self) -> bool:
        """False when robots.txt could not be read (5xx or network error): try the site later."""
        return self.status != "unavailable"

    def allowed(self, url: str) -> bool:
        """True if our user agent may fetch url under these rules."""
        if not self.available:
            return False
        parts = urlsplit(url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        if path == "/robots.txt":
            return True
        path = _normalise(path)
        best: _Rule | None = None
        for rule in self.rules:
            if rule.regex.match(path) and (
                best is None
                or len(rule.pattern) > len(best.pattern)
                or (len(rule.pattern) == len(best.pattern) and rule.allow and not best.allow)
            ):
                best = rule
        return best is None or best.allow


def allow_all(status: str = "missing") -> RobotsRules:
    """Rules that allow everything (robots.txt answered 4xx)."""
    return RobotsRules(status=status)


def unavailable(reason: str | None = None) -> RobotsRules:
    """Rules for a robots.txt that answered 5xx or could not be reached: nothing may be fetched now."""
    return RobotsRules(status="unavailable", reason=reason or "5xx or unreachable")


def _compile(pattern: str) -> re.Pattern[str]:
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(piece) for piece in body.split("*"))
    return re.compile(regex + ("$" if anchored else ""), re.DOTALL)


def product_token(user_agent: str) -> str:
    """The crawler name robots.txt groups are matched against: 'newslake/0.1 (+url)' -> 'newslake'."""
    match = re.match(r"\s*([A-Za-z0-9_\-.]+)", user_agent or "")
    return match.group(1).lower() if match else ""


def parse_robots(text: str, user_agent: str) -> RobotsRules:
    """Parse robots.txt text and keep the group for our product token, else the '*' group."""
    token = product_token(user_agent)
    groups: list[tuple[list[str], list[tuple[str, str]]]] = []
    sitemaps: list[str] = []
    agents: list[str] = []
    lines: list[tuple[str, str]] = []
    in_rules = False
    for raw in text[:MAX_ROBOTS_BYTES].splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower().replace(" ", "-")
        if key == "sitemap":
            if value:
                sitemaps.append(value)
            continue
        if key in ("user-agent", "useragent"):
            if in_rules:
                groups.append((agents, lines))
                agents, lines, in_rules = [], [], False
            agents.append(value.split("/", 1)[0].strip().lower())
        elif key in ("allow", "disallow", "crawl-delay"):
            if not agents:
                continue  # rules before any user-agent line belong to no group
            in_rules = True
            lines.append((key, value))
    if agents:
        groups.append((agents, lines))

    chosen = [lines for names, lines in groups if token and token in names]
    if not chosen:
        chosen = [lines for names, lines in groups if "*" in names]
    rules: list[_Rule] = []
    delay: float | None = None
    for group_lines in chosen:
        for key, value in group_lines:
            if key == "crawl-delay":
                try:
                    parsed = float(value)
                except ValueError:
                    continue
                if parsed >= 0:
                    delay = parsed if delay is None else max(delay, parsed)
            elif value:  # an empty Disallow means "nothing disallowed"
                pattern = _normalise(value if value.startswith(("/", "*")) else "/" + value)
                rules.append(_Rule(key == "allow", pattern, _compile(pattern)))
    return RobotsRules(rules=tuple(rules), crawl_delay=delay, sitemaps=tuple(dict.fromkeys(sitemaps)))


@dataclass
class RobotsCache:
    """robots.txt rules per origin for one Fetcher (one run); filled by the Fetcher."""

    entries: dict[str, RobotsRules] = field(default_factory=dict)

    def get(self, origin: str) -> RobotsRules | None:
        """Cached rules for an origin such as 'https://example.com:443', or None."""
        return self.entries.get(origin)

    def put(self, origin: str, rules: RobotsRules) -> None:
        """Remember rules for an origin."""
        self.entries[origin] = rules
