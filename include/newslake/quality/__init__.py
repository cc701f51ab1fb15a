"""Data quality: the article suite as data, its GX run, stored results and Data Docs."""
