"""Polite, safe HTTP for news sources: robots.txt, pacing, retries, size caps, outcomes, text decoding."""

from newslake.fetching.encoding import decode_html, detect_encoding
from newslake.fetching.fetcher import Fetcher
from newslake.fetching.protocol import PageFetcher
from newslake.fetching.result import FetchResult, FetchStats, Outcome
from newslake.fetching.robots import RobotsRules, parse_robots

__all__ = [
    "Fetcher",
    "FetchResult",
    "FetchStats",
    "Outcome",
    "PageFetcher",
    "RobotsRules",
    "decode_html",
    "detect_encoding",
    "parse_robots",
]
