"""newslake: news ingestion stages (discovery, fetching, extraction, validation, lake) for Airflow."""

__version__ = "0.1.0"
