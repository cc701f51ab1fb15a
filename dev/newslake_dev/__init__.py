"""Development-only code of newslake: the embedded stack, the SeaweedFS and PostgreSQL launchers, bench scoring.

Installed into the dev venv (`make venv`) for the demo, the tests and bench/; never part of the image.
"""
