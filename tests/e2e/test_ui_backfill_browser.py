"""An operator's backfill, clicked through the real Airflow UI in headless Chromium: log in, Trigger ->
Backfill over 2 days with "All Runs", then find both days written by those runs on the lake status
page, open a day and follow its Data Docs link. Screenshots land in the test's tmp folder."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from e2e_support import running_airflow, stack_config
from newslake_dev.devstack import airflow_password

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
DAYS = ("2026-11-18", "2026-11-19")
HOW_TO_INSTALL = (
    "the browser test needs Debian's Chromium at /usr/bin/chromium and Playwright in the venv: "
    "`make browser` (as root: apt-get install -y chromium chromium-driver) and `make venv`"
)


def _launch(playwright):
    """Headless system Chromium; the test fails (never skips) with how to install it when it cannot start."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: {HOW_TO_INSTALL}")
    try:
        return playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
    except Exception as exc:
        pytest.fail(f"Chromium did not start ({exc}): {HOW_TO_INSTALL}")


def _wait_for_runs(api, dag_id: str, days: tuple[str, ...], since: float, timeout: float = 900) -> dict[str, dict]:
    """The backfill's runs of days (created by this test), once all of them finished."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            runs = api.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100&run_type=backfill")["dag_runs"]
        except OSError:  # a slow answer from a busy API server: ask again until the deadline
            runs = []
        ours = {r["logical_date"][:10]: r for r in runs if r["logical_date"][:10] in days}
        if len(ours) == len(days) and all(r["state"] in ("success", "failed") for r in ours.values()):
            return ours
        if time.monotonic() > deadline:
            raise AssertionError(f"backfill runs not finished after {timeout:.0f}s: "
                                 f"{ {d: r['state'] for d, r in ours.items()} }")
        time.sleep(3)


def test_ui_backfill_then_lake_status(s3_server, demo_site, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    cfg = stack_config(s3_server, demo_site, tmp_path / "stack", f"browser-{uuid.uuid4().hex[:8]}")
    started = time.monotonic()
    with running_airflow(cfg, "news_demo") as api, sync_playwright() as playwright:
        browser = _launch(playwright)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        # Generous: on a loaded 2-core machine the UI's first load has taken over 30 s.
        page.set_default_timeout(90_000)
        page.set_default_navigation_timeout(180_000)
        base = cfg.airflow_url.rstrip("/")

        page.goto(base + "/")
        page.locator("input[name=username]").fill("admin")
        page.locator("input[name=password]").fill(airflow_password(cfg))
        page.locator("button[type=submit]").click()
        page.wait_for_url(lambda url: "/auth/login" not in url)

        page.goto(base + "/dags/news_demo")
        page.get_by_role("button", name="Trigger").first.click()
        dialog = page.locator("[role=dialog][data-state=open]")
        dialog.get_by_text("Backfill", exact=True).click()
        for n, day in enumerate(DAYS):
            dialog.get_by_test_id("datetime-input").nth(n).click()
            popover = page.locator("[data-scope=popover][data-part=content][data-state=open]")
            popover.get_by_placeholder("YYYY/MM/DD").fill(day.replace("-", "/"))
            popover.get_by_placeholder("HH:mm").fill("00:00")
            page.keyboard.press("Escape")
        # "Missing Runs", the default, would skip days that already ran: re-processing needs "All Runs".
        dialog.get_by_text("All Runs", exact=True).click()
        dialog.get_by_text("2 runs will be triggered.").wait_for()
        page.screenshot(path=str(shots / "1-backfill-dialog.png"))
        clicked = time.monotonic()
        dialog.get_by_role("button", name="Run Backfill").click()

        runs = _wait_for_runs(api, "news_demo", DAYS, clicked)
        assert {d: r["state"] for d, r in runs.items()} == dict.fromkeys(DAYS, "success")
        run_ids = {d: r["dag_run_id"] for d, r in runs.items()}

        # Browse -> Lake status: the plugin's page inside the Airflow UI (an iframe, same origin).
        page.goto(base + "/plugin/newslake-lake-status")
        frame = page.frame_locator("iframe").first
        for day in DAYS:
            cell = frame.locator(f'.cells[data-source="demo"] a[data-day="{day}"]')
            # Written; the demo site's trap pages put some days above the quarantine warning share.
            assert cell.get_attribute("data-state") in ("written", "warning")
            assert cell.get_attribute("data-run") == run_ids[day]
        page.screenshot(path=str(shots / "2-lake-status.png"))

        frame.locator(f'.cells[data-source="demo"] a[data-day="{DAYS[0]}"]').click()
        frame.get_by_text("Published partition").wait_for()
        assert frame.locator("h1 .badge").get_attribute("data-state") in ("written", "warning")
        assert frame.get_by_role("link", name=run_ids[DAYS[0]]).count() == 1
        page.screenshot(path=str(shots / "3-day-detail.png"))

        with page.expect_response(lambda r: "/newslake/lake/quality/docs/" in r.url) as answer:
            frame.get_by_role("link", name="Data Docs page of this run").first.click()
        docs = answer.value
        assert docs.status == 200, docs.url
        # The run's Data Docs page (rendered by GX), served from the lake behind the Airflow login.
        assert "newslake_articles" in docs.body().decode("utf-8", "replace")
        assert f"dt={DAYS[0]}/run=" in docs.url
        page.wait_for_load_state()
        page.screenshot(path=str(shots / "4-data-docs.png"))
        browser.close()
    elapsed = time.monotonic() - started
    print(f"browser test wall time {elapsed:.0f}s; screenshots in {shots}")
    assert sorted(p.name for p in shots.iterdir()) == [
        "1-backfill-dialog.png", "2-lake-status.png", "3-day-detail.png", "4-data-docs.png",
    ]
