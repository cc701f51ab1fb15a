"""Enrichment for press-freedom monitoring: countries, organisations and topics (with evidence) of an article."""

from newslake.enrichment.enrich import Enrichment, enrich

__all__ = ["Enrichment", "enrich"]
