"""Page styles, inlined into the HTML template (the package ships no asset files)."""

from __future__ import annotations

CSS = """
:root { --ink: #1f2937; --muted: #5f6b7a; --line: #e3e7ec; --brand: #0b2545; --accent: #1f6feb;
        --bg: #f4f6f9; --select: #e8f0fe; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-size: 14px; }
.app-header { background: var(--brand); color: #fff; display: flex; align-items: center;
              gap: 32px; padding: 12px 28px; }
.app-header h1 { font-size: 20px; margin: 0; font-weight: 600; letter-spacing: .2px; }
.app-header nav { display: flex; gap: 4px; }
.app-header nav a { color: #c9d6e8; text-decoration: none; padding: 6px 12px; border-radius: 6px; }
.app-header nav a.active, .app-header nav a:hover { background: rgba(255,255,255,.14); color: #fff; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 28px 40px; }
.page-head { display: flex; justify-content: space-between; align-items: flex-end; gap: 24px;
             flex-wrap: wrap; margin-bottom: 16px; }
.page-head h2 { margin: 0 0 4px; font-size: 22px; }
.subtitle, .note, .hint { color: var(--muted); margin: 0; }
.note:empty { display: none; }
.rounding-note { margin-top: 10px; font-size: 12px; }
.controls { display: flex; gap: 16px; }
.control { display: flex; flex-direction: column; gap: 4px; width: 180px; }
.control > span { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase;
                  letter-spacing: .4px; }
.control-wide { width: 300px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px;
        margin-bottom: 16px; box-shadow: 0 1px 2px rgba(16,24,40,.04); }
.card h3 { margin: 0 0 12px; font-size: 16px; }
.card-head { display: flex; justify-content: space-between; align-items: baseline; gap: 16px; }
.table-wrap { overflow-x: auto; }
table.data-table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
.data-table th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px;
                 border-bottom: 2px solid var(--line); padding: 8px 10px; white-space: nowrap; }
.data-table td { padding: 7px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
.data-table .num { text-align: right; }
.data-table tbody tr.sector-row { cursor: pointer; }
.data-table tbody tr:hover { background: #f7f9fc; }
.data-table tbody tr.selected { background: var(--select); box-shadow: inset 3px 0 0 var(--accent); }
.data-table tfoot td { font-weight: 700; border-top: 2px solid var(--ink); border-bottom: none; }
.data-table .col-total_cost { font-weight: 600; }
.sector-code { color: var(--muted); font-size: 12px; margin-left: 8px; }
.notice { max-width: 760px; margin: 48px auto; padding: 28px 32px; }
.notice h2 { margin-top: 0; }
.notice code { background: #eef1f5; padding: 2px 6px; border-radius: 4px; }
.notice.error { border-left: 4px solid #c62828; }
"""

INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
        <style>""" + CSS + """</style>
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>
"""
