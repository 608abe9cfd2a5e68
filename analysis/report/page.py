"""Assembling the report page: charts, networks and tables into the template, then the folder.

See the package docstring for what `data` holds. Jinja's autoescape and ElementTree escape
every scraped string, so markup in a title is shown as text. The output depends only on the
data (no "generated at" clock), so the same snapshot gives the same bytes.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from analysis.report import charts, network_svg, sections
from analysis.report.svg import FONT_STACK

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_FILES = ("report.css",)
TOP_INSTITUTIONS = 30


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(PACKAGE_DIR / "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _period_rows(frame, period: str, key: str):
    rows = frame.loc[(frame["period"] == period) & (frame["n_projects"] > 0)]
    return rows.sort_values(["n_projects", key], ascending=[False, True])


def trend_charts(network: dict, period: str) -> list[dict]:
    """Agreements and network growth per year, themes and modes of the period, modes per year."""
    yearly = network["yearly"].sort_values("year")
    years = [str(y) for y in yearly["year"]]
    themes = _period_rows(network["themes"], period, "theme")
    modes = _period_rows(network["modes"], period, "mode")
    found = [
        {"title": "Agreements per year", "note": "In-scope agreements by year of signing (all years collected).",
         "svg": charts.vertical_bars("chart-yearly", "Agreements per year", years, yearly["n_projects"].tolist(),
                                     "agreements")},
        {"title": "Growth of the network", "note": "Institutions taking part for the first time, and ties "
                                                    "between institutions, per year.",
         "svg": charts.line_chart("chart-growth", "Growth of the network per year", years,
                                  {"new institutions": yearly["n_new_institutions"].tolist(),
                                   "ties": yearly["n_edges"].tolist()}, "count")},
        {"title": f"Themes, {period}", "note": "Each agreement counted once, under its main theme (as in the "
                                                "paper's Table 2).",
         "svg": charts.horizontal_bars("chart-themes", f"Agreements per theme, {period}",
                                       [sections.THEME_LABELS.get(t, t) for t in themes["theme"]],
                                       themes["n_projects"].tolist(),
                                       [sections.fmt_percent(s * 100) for s in themes["share"]], "agreements")},
        {"title": f"Modes of cooperation, {period}", "note": "Who signs: only governments, governments with "
                                                             "society, or only society.",
         "svg": charts.horizontal_bars("chart-modes", f"Agreements per mode, {period}",
                                       [sections.MODE_LABELS.get(m, m) for m in modes["mode"]],
                                       modes["n_projects"].tolist(),
                                       [sections.fmt_percent(s * 100) for s in modes["share"]], "agreements")},
    ]
    single_years = sections.period_years(network)
    if len(single_years) > 1:
        by_year = network["modes"].set_index(["period", "mode"])["n_projects"]
        counts = {m: [int(by_year.get((y, m), 0)) for y in single_years] for m in sections.MODE_LABELS}
        series = {sections.MODE_LABELS[m]: values for m, values in counts.items() if sum(values)}
        found.append({"title": "Modes per year", "note": "Agreements of each mode by year of signing.",
                      "svg": charts.line_chart("chart-modes-yearly", "Agreements per mode and year", single_years,
                                               series, "agreements")})
    return found


def network_views(network: dict, period: str, top: int = TOP_INSTITUTIONS) -> dict:
    prefectures = network_svg.level_graph(network, period, "prefecture")
    institutions = network_svg.top_institutions(network_svg.level_graph(network, period, "institution"), top)
    return {
        "prefecture_svg": network_svg.prefecture_map(prefectures),
        "prefecture_count": len(prefectures.nodes),
        "institution_svg": network_svg.institution_ring(institutions),
        "institution_count": len(institutions.nodes),
        "colours": [{"label": "四川省 Sichuan", "colour": network_svg.PROVINCE_COLOURS["四川省"]},
                    {"label": "重庆市 Chongqing", "colour": network_svg.PROVINCE_COLOURS["重庆市"]},
                    {"label": "elsewhere", "colour": network_svg.OTHER_COLOUR}],
        "ties": [{"label": "Sichuan–Chongqing tie", "colour": network_svg.CROSS_TIE},
                 {"label": "other tie", "colour": network_svg.OTHER_TIE}],
    }


def report_context(data: dict, period: str, paper_file=None) -> dict:
    network, quality = data["network"], data["quality"]
    sections.check_period(network, period)
    snapshot = quality.get("snapshot") or {}
    return {
        "period": period,
        "font_stack": Markup(FONT_STACK),
        "snapshot": {"fingerprint": snapshot.get("fingerprint", ""), "coder": snapshot.get("coder_version") or ""},
        "overview": sections.overview(network, period, quality),
        "network": network_views(network, period),
        "charts": trend_charts(network, period),
        "paper": sections.paper_section(network, period, paper_file),
        "agreements": sections.newest_agreements(data["projects"], data["participants"]),
        "quality": sections.quality_section(quality),
    }


def write_report(data: dict, out_dir: str | Path, period: str, paper_file=None) -> Path:
    """``analysis.report.build_report``: render the page, then write the folder."""
    html = _environment().get_template("report.html.j2").render(**report_context(data, period, paper_file))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in STATIC_FILES:
        shutil.copyfile(PACKAGE_DIR / "static" / name, out_dir / name)
    index = out_dir / "index.html"
    index.write_text(html, encoding="utf-8")
    return index
