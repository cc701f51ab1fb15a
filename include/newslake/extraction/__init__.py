"""HTML -> Article: metadata in order of trust, trafilatura body improved with metadata, datelines, bylines."""

from .extract import extract_article

__all__ = ["extract_article"]
