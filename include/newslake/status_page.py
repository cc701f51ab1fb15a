"""HTML of the lake status pages: the sources x days grid, one day's detail, and the error page.

Self-contained pages (inline CSS, no scripts, no external assets) in the Airflow 3 UI's look, so
they sit naturally in the plugin's iframe. Everything from the lake is escaped.
"""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

_LABELS = {
    "written": "written",
    "warning": "written, quarantine above warning share",
    "failed": "failed",
    "running": "running",
    "missing": "missing",
    "not_expected": "not expected",
}

_CSS = """
:root { --bg:#f8fafc; --panel:#fff; --fg:#18181b; --muted:#52525b; --line:#e4e4e7; --accent:#017cee;
  --written:#16a34a; --warning:#ca8a04; --failed:#dc2626; --running:#06b6d4; --missing:#f97316;
  --not_expected:#e4e4e7; }
@media (prefers-color-scheme: dark) { :root { --bg:#09090b; --panel:#18181b; --fg:#fafafa; --muted:#a1a1aa;
  --line:#3f3f46; --not_expected:#27272a; } }
* { box-sizing: border-box; }
body { margin:0; padding:20px 24px; background:var(--bg); color:var(--fg);
  font:14px/1.45 Inter, "Segoe UI", system-ui, -apple-system, sans-serif; }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
h1 { font-size:20px; font-weight:600; margin:0 0 4px; } h2 { font-size:16px; font-weight:600; margin:20px 0 8px; }
.sub { color:var(--muted); margin:0 0 16px; }
.panel { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:14px 16px; margin-bottom:16px; }
form.range { display:flex; flex-wrap:wrap; gap:12px; align-items:end; }
form.range label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); gap:2px; }
input, select, button { font:inherit; padding:5px 8px; border:1px solid var(--line); border-radius:4px;
  background:var(--panel); color:var(--fg); }
button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; }
.quick a { margin-right:10px; font-size:13px; }
.legend { display:flex; flex-wrap:wrap; gap:14px; font-size:12px; color:var(--muted); margin:8px 0 12px; }
.legend span::before { content:""; display:inline-block; width:11px; height:11px; border-radius:2px;
  margin-right:5px; vertical-align:-1px; background:var(--sw); }
.grid { display:grid; grid-template-columns: 150px 1fr 260px; gap:6px 12px; align-items:center; }
.grid .name { font-weight:500; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
.grid .tot { font-size:12px; color:var(--muted); white-space:nowrap; }
.grid .tot b { color:var(--fg); font-weight:600; }
.grid .tot .bad { color:var(--failed); font-weight:600; }
.cells { display:grid; grid-template-columns: repeat(var(--n), minmax(0, 1fr)); gap:var(--gap); height:26px; }
.cells a { display:block; border-radius:2px; min-width:1px; }
.cells a:hover { outline:2px solid var(--fg); outline-offset:0; z-index:1; }
.months { display:grid; grid-template-columns: repeat(var(--n), minmax(0, 1fr)); font-size:11px;
  color:var(--muted); height:16px; }
.months span { white-space:nowrap; overflow:visible; }
.s-written { background:var(--written); } .s-warning { background:var(--warning); }
.s-failed { background:var(--failed); } .s-running { background:var(--running); }
.s-missing { background:repeating-linear-gradient(135deg, var(--missing) 0 3px, transparent 3px 6px);
  box-shadow: inset 0 0 0 1px var(--missing); }
.s-not_expected { background:var(--not_expected); }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; color:#fff; font-size:12px; font-weight:600; }
.badge.s-missing { color:var(--missing); background:none; box-shadow: inset 0 0 0 1px var(--missing); }
.badge.s-not_expected { color:var(--muted); }
table { border-collapse:collapse; width:100%; } th, td { text-align:left; padding:5px 8px;
  border-bottom:1px solid var(--line); vertical-align:top; } th { color:var(--muted); font-weight:500; width:220px; }
td.n { text-align:right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, Menlo, monospace; font-size:12px; }
.error { border-left:4px solid var(--failed); }
.reason { white-space:pre-wrap; }
"""


def _e(value: Any) -> str:
    return "" if value is None else html.escape(str(value), quote=True)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def _legend() -> str:
    return '<div class="legend">' + "".join(
        f'<span style="--sw:var(--{state})" class="lg-{state}">{_e(label)}</span>'
        for state, label in _LABELS.items()
    ) + "</div>"


def _months_row(days: list[str]) -> str:
    labels = []
    for i, day in enumerate(days):
        if i == 0 or day.endswith("-01"):
            labels.append(f'<span style="grid-column:{i + 1}">{_e(day[:7] if len(days) > 62 else day[5:])}</span>')
        elif len(days) <= 62 and i % 7 == 0:
            labels.append(f'<span style="grid-column:{i + 1}">{_e(day[5:])}</span>')
    return f'<div class="months" style="--n:{len(days)}">{"".join(labels)}</div>'


def _cell_title(source: str, cell: dict[str, Any]) -> str:
    parts = [f"{source} {cell['day']}: {_LABELS.get(cell['state'], cell['state'])}"]
    if cell.get("rows") is not None:
        parts.append(f"{cell['rows']} rows, {cell.get('quarantined') or 0} quarantined")
    if cell.get("failure"):
        parts.append(str(cell["failure"]))
    if cell.get("run_id"):
        parts.append(f"run {cell['run_id']}")
    return " · ".join(parts)


def _totals(totals: dict[str, int]) -> str:
    bad = totals["failed"] + totals["missing"]
    bad_html = f' · <span class="bad">{totals["failed"]} failed, {totals["missing"]} missing</span>' if bad else ""
    warn = f' · {totals["warning"]} warn' if totals["warning"] else ""
    return (
        f'<b>{totals["written"] + totals["warning"]}</b> written{warn}{bad_html}'
        f'<br>{totals["rows"]} rows · {totals["quarantined"]} quarantined'
    )


def render_grid(grid: dict[str, Any], *, source: str | None = None, json_href: str = "status") -> str:
    """The sources x days grid page for build_grid()'s data."""
    first, last = date.fromisoformat(grid["since"]), date.fromisoformat(grid["until"])
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    gap = "2px" if len(days) <= 62 else "0px"
    today = date.fromisoformat(grid["today"])
    quick = " ".join(
        f'<a href="?{_e(urlencode({k: v for k, v in {"source": source, "since": (today - timedelta(days=n)).isoformat(), "until": (today - timedelta(days=1)).isoformat()}.items() if v}))}">last {n} days</a>'
        for n in (7, 31, 90, 365)
    )
    rows = []
    for row in grid["sources"]:
        sid = row["source"]
        cells = "".join(
            f'<a class="s-{c["state"]}" data-day="{c["day"]}" data-state="{c["state"]}"'
            + (f' data-run="{_e(c["run_id"])}"' if c.get("run_id") else "")
            + f' href="day?source={_e(sid)}&amp;day={c["day"]}" title="{_e(_cell_title(sid, c))}"></a>'
            for c in row["cells"]
        )
        start = f' title="expected from {_e(row["start_date"])}"' if row.get("start_date") else ""
        rows.append(
            f'<div class="name"{start}><a href="?{_e(urlencode({"source": sid, "since": grid["since"], "until": grid["until"]}))}">{_e(sid)}</a></div>'
            f'<div class="cells" data-source="{_e(sid)}" style="--n:{len(days)};--gap:{gap}">{cells}</div>'
            f'<div class="tot">{_totals(row["totals"])}</div>'
        )
    body_rows = "\n".join(rows) if rows else '<p class="sub">No sources configured and nothing in the status index yet.</p>'
    hidden_source = f'<input type="hidden" name="source" value="{_e(source)}">' if source else ""
    scope = f"source <b>{_e(source)}</b>" if source else f"{len(grid['sources'])} sources"
    body = f"""
<h1>Lake status</h1>
<p class="sub">{scope}, {len(days)} days {_e(grid['since'])} .. {_e(grid['until'])} (UTC) · from the status index,
generated {_e(grid['generated_at'])} · <a href="{_e(json_href)}">JSON</a>{' · <a href="./">all sources</a>' if source else ''}</p>
<div class="panel"><form class="range" method="get">{hidden_source}
<label>From<input type="date" name="since" value="{_e(grid['since'])}"></label>
<label>To<input type="date" name="until" value="{_e(grid['until'])}"></label>
<button type="submit">Show</button><span class="quick">{quick}</span></form></div>
<div class="panel">{_legend()}
<div class="grid"><div></div>{_months_row(days)}<div class="tot">totals</div>
{body_rows}
</div></div>
<p class="sub">A cell opens the day: rows, quarantined rows and the expectations they failed, fetch outcomes, and
the run that wrote it. Warning share: quarantine above {grid['warn_share']:.0%} of the day's records.</p>
"""
    return _page("newslake: lake status", body)


def _link(href: str | None, text: str, *, top: bool = False) -> str:
    if not href:
        return ""
    target = ' target="_top"' if top else ""
    return f'<a href="{_e(href)}"{target}>{_e(text)}</a>'


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in pairs if v != "")


def render_day(detail: dict[str, Any]) -> str:
    """The detail page of one (source, day)."""
    source, day, state = detail["source"], detail["day"], detail["state"]
    links = detail.get("links") or {}
    sections = []
    failure = detail.get("failure")
    if state == "failed" and failure:
        still = ""
        if detail.get("published"):
            p = detail["published"]
            still = (f"<p>The partition of run <code>{_e(p.get('run_id'))}</code> ({_e(p.get('rows'))} rows) "
                     "is still the one readers get.</p>")
        sections.append(
            f'<div class="panel error"><h2>Last run failed</h2>'
            f"<table>{_rows([('run', _link(links.get('failed_run'), str(failure.get('run_id')), top=True)), ('stage', _e(failure.get('stage'))), ('failure type', '<code>' + _e(failure.get('type')) + '</code>'), ('at', _e(failure.get('at'))), ('reason', '<span class=reason>' + _e(failure.get('reason')) + '</span>'), ('Data Docs', _link(links.get('failed_data_docs'), 'Data Docs page of this run')), ('quarantine file', _link(links.get('quarantine'), 'quarantine Parquet'))])}</table>"
            f"{still}</div>"
        )
    elif state == "missing":
        sections.append(
            '<div class="panel error"><h2>Never written</h2><p>No run has published or failed this day. '
            f'Backfill it from the DAG <a href="/dags/{_e(detail["dag_id"])}" target="_top">{_e(detail["dag_id"])}</a> '
            "(Trigger, Backfill, this day as the range).</p></div>"
        )
    elif state == "not_expected":
        sections.append('<div class="panel"><p>No partition is expected for this day (before the source\'s start '
                        "date, after its end date, or not over yet).</p></div>")
    running = detail.get("running")
    if state == "running" and running:
        sections.append(f'<div class="panel"><h2>Running</h2><p>Run {_link(links.get("running_run"), str(running.get("run_id")), top=True)} '
                        f"started {_e(running.get('at'))}.</p></div>")
    published = detail.get("published")
    if published:
        fetch = published.get("fetch") or {}
        fetch_rows = ", ".join(f"{_e(k)} {_e(v)}" for k, v in sorted(fetch.items())) or "not recorded"
        top = published.get("top_failed") or []
        failed_html = "".join(f"<tr><td><code>{_e(name)}</code></td><td class=n>{_e(n)}</td></tr>" for name, n in top)
        failed_table = f"<table><tr><th>failed expectation</th><th>rows</th></tr>{failed_html}</table>" if top else "none"
        sections.append(
            '<div class="panel"><h2>Published partition</h2>'
            f"<table>{_rows([('rows', _e(published.get('rows'))), ('quarantined rows', _e(published.get('quarantined')) + ' (' + format(float(published.get('quarantine_share') or 0), '.1%') + ')'), ('top failed expectations', failed_table), ('fetch outcomes', fetch_rows), ('written by run', _link(links.get('run'), str(published.get('run_id')), top=True)), ('written at', _e(published.get('at'))), ('data file', '<code>' + _e(published.get('key')) + '</code>'), ('Data Docs', _link(links.get('data_docs'), 'Data Docs page of this run')), ('quarantine file', _link(links.get('quarantine'), 'quarantine Parquet'))])}</table></div>"
        )
    history = detail.get("history") or []
    if history:
        items = "".join(
            f"<tr><td>{_e(h.get('at'))}</td><td>{_e(h['event'])}</td><td><code>{_e(h.get('run_id'))}</code></td></tr>"
            for h in history
        )
        sections.append(f'<div class="panel"><h2>Events</h2><table><tr><th>at</th><th>event</th><th>run</th></tr>{items}</table></div>')
    body = (
        f'<p class="sub"><a href="./?source={_e(source)}">&larr; {_e(source)}</a> · <a href="./">all sources</a> · '
        f'<a href="status/day?source={_e(source)}&amp;day={_e(day)}">JSON</a></p>'
        f'<h1>{_e(source)} · {_e(day)} <span class="badge s-{_e(state)}" data-state="{_e(state)}">{_e(_LABELS.get(state, state))}</span></h1>'
        f'<p class="sub">DAG <a href="/dags/{_e(detail["dag_id"])}" target="_top">{_e(detail["dag_id"])}</a></p>'
        + "\n".join(sections)
    )
    return _page(f"newslake: {source} {day}", body)


def render_error(where: str, message: str, hint: str) -> str:
    """The page shown instead of the grid when the storage or the index cannot be read."""
    what = "The lake storage (S3) is unreachable" if where == "storage" else "The status index cannot be read"
    body = (
        f'<h1>Lake status</h1><div class="panel error" data-error="{_e(where)}"><h2>{_e(what)}</h2>'
        f"<p>{_e(message)}</p><p><b>What to check:</b> {_e(hint)}</p></div>"
    )
    return _page("newslake: lake status unavailable", body)
