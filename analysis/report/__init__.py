"""The static HTML report: one folder (index.html + report.css) that works offline from file://.

    from warehouse.report_data import load_report_data
    from analysis.report import build_report
    index = build_report(load_report_data(path), out_dir, period="2019-2021")

`data` is what ``warehouse.report_data.load_report_data`` returns: ``network`` (the current
snapshot's frames: rankings, themes, modes, yearly, nodes, edges, summary, params),
``projects`` and ``participants`` (the v_projects / v_project_participants frames) and
``quality`` (runs, per-source health, snapshot, counts, review queue, coder versions).

Everything is rendered on the server: SVG charts and networks, no JavaScript, no CDN, no
font files (the font stack names WenQuanYi Zen Hei, which Debian's headless Chromium has
for Chinese). ``status_view.render_status`` draws `healthcoop status` for a terminal.
"""
from __future__ import annotations

from pathlib import Path


def build_report(data: dict, out_dir: str | Path, period: str = "2019-2021", paper_file=None) -> Path:
    """Write index.html and report.css into `out_dir` (created if missing); return index.html.

    Raises ValueError when `period` is not in the snapshot. `paper_file` replaces
    analysis/data/paper_tables.json (the paper's published numbers)."""
    # Imported here: the network analysis (networkx, igraph) is only needed to build a page,
    # and `healthcoop status` imports this package for its terminal view.
    from analysis.report.page import write_report

    return write_report(data, out_dir, period, paper_file)
