"""The report's content shaped for the template: formatted tables, the paper beside ours,
the newest agreements, the data-quality rows.

Pure functions of the frames and dicts of ``warehouse.report_data``. Values come out as
display strings (the template only lays them out and escapes them); a cell may also be
``{"text": …, "class": …}`` to mark agreement or a status.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd

from analysis.network import NetworkResult, compare_with_paper, load_paper_tables, paper_tables
from analysis.report.formatting import (HEALTHY_STATUSES, coder_versions, fmt_date, fmt_number, fmt_percent, fmt_when,
                                         missing, problem_kinds)

THEME_LABELS = {
    "tcm": "Chinese medicine 中医药", "modern_medicine": "Modern medicine 现代医学",
    "prevention_care": "Prevention & care 预防保健", "health_industry": "Health industry 健康产业",
    "talent_research": "Talent & research 人才科研", "informatization": "Health IT 信息化", "other": "Other 其他",
}
MODE_LABELS = {
    "inter_governmental": "Inter-governmental 政府间", "government_society": "Government–society 政社",
    "social": "Social 社会", "unknown": "Not coded",
}
ROLE_LABELS = {"signatory": "signs", "participant": "joins", "witness": "witness"}
NEWEST_AGREEMENTS = 25


def status_cell(status) -> dict:
    text = "–" if missing(status) else str(status)
    return {"text": text, "class": "good" if text in HEALTHY_STATUSES else "bad"}


def agree_cell(agrees: bool) -> dict:
    return {"text": "agrees" if agrees else "differs", "class": "good" if agrees else "bad"}


def table(columns: list[tuple[str, bool]], rows: list[list], caption: str = "", note: str = "") -> dict:
    """`columns`: (header, numeric) pairs; numeric columns are right-aligned."""
    return {"columns": [{"label": label, "numeric": numeric} for label, numeric in columns], "rows": rows,
            "caption": caption, "note": note}


def safe_href(url) -> str | None:
    """Only http(s) URLs become links: a scraped `javascript:` URL must never be clickable."""
    if missing(url):
        return None
    text = str(url).strip()
    return text if urlsplit(text).scheme in ("http", "https") else None


# --- overview -----------------------------------------------------------------------------

def overview(network: dict, period: str, quality: dict) -> list[dict]:
    """Headline figures of the period: (value, label) cards."""
    summary = network["summary"]
    rows = summary.loc[summary["period"] == period].set_index("level")

    def measure(level: str, column: str):
        return rows.at[level, column] if level in rows.index and column in rows.columns else None

    any_level = rows.index[0] if len(rows) else None
    counts = quality.get("counts") or {}
    return [
        {"value": fmt_number(measure(any_level, "n_projects")), "label": f"agreements in the network, {period}"},
        {"value": fmt_number(measure("institution", "n_nodes")), "label": "institutions taking part"},
        {"value": fmt_number(measure("prefecture", "n_nodes")), "label": "prefecture-level units"},
        {"value": fmt_number(measure("prefecture", "n_ties")), "label": "ties between those units"},
        {"value": fmt_number(measure("institution", "density_binary"), 3), "label": "institution network density"},
        {"value": fmt_number(counts.get("documents")), "label": "articles collected (all years)"},
    ]


# --- the paper's tables -------------------------------------------------------------------

def _name(row) -> str:
    return row.node if missing(row.node_label) else str(row.node_label)


def _our_tables(result: NetworkResult, period: str) -> dict[str, dict]:
    tables = paper_tables(result, period=period, level="locality")
    other = next(c for c in tables["table4"].columns if c.startswith("constraint_"))
    return {
        "table1": table([("Rank", True), ("Locality", False), ("Projects", True), ("%", True)],
                        [[fmt_number(r.rank), _name(r), fmt_number(r.n_projects), fmt_percent(r.percent)]
                         for r in tables["table1"].itertuples()]),
        "table2": table([("Rank", True), ("Theme", False), ("Projects", True), ("%", True)],
                        [[fmt_number(r.rank), THEME_LABELS.get(r.theme, r.theme), fmt_number(r.n_projects),
                          fmt_percent(r.percent)] for r in tables["table2"].itertuples()]),
        "table3": table([("Rank", True), ("Locality", False), ("Degree", True), ("Partners", True)],
                        [[fmt_number(r.rank), _name(r), fmt_number(r.degree, 1), fmt_number(r.n_alters)]
                         for r in tables["table3"].itertuples()]),
        "table4": table([("Rank", True), ("Locality", False), ("Constraint", True),
                         (f"{other.split('_')[1]} model", True)],
                        [[fmt_number(r.rank), _name(r), fmt_number(r.constraint, 3),
                          fmt_number(getattr(r, other), 3)] for r in tables["table4"].itertuples()]),
    }


def _by_item(comparison: pd.DataFrame, name: str) -> list[pd.DataFrame]:
    """The comparison rows of one table, grouped per published row, in the paper's order."""
    rows = comparison.loc[comparison["table"] == name].reset_index(drop=True)
    keys = list(dict.fromkeys(zip(rows["item"], rows["paper_rank"].fillna(-1))))
    return [rows.loc[(rows["item"] == item) & (rows["paper_rank"].fillna(-1) == rank)] for item, rank in keys]


def _measures(group: pd.DataFrame) -> dict[str, pd.Series]:
    return {r["measure"]: r for _, r in group.iterrows()}


def _paper_tables(comparison: pd.DataFrame) -> dict[str, dict]:
    """The paper's published rows, each with our value for the same node and whether they agree."""
    def projects_and_percent(name: str, label) -> list[list]:
        rows = []
        for group in _by_item(comparison, name):
            m = _measures(group)
            n, pct = m["n_projects"], m["percent"]
            rows.append([label(n), f"{fmt_number(n['paper'])} ({fmt_percent(pct['paper'])})",
                         f"{fmt_number(n['ours'])} ({fmt_percent(pct['ours'])})",
                         agree_cell(bool(n["agrees"] and pct["agrees"]))])
        return rows

    def ranked(name: str, measure: str, decimals: int) -> list[list]:
        rows = []
        for group in _by_item(comparison, name):
            r = _measures(group)[measure]
            rows.append([fmt_number(r["paper_rank"]), r["node"], fmt_number(r["paper"], decimals),
                         f"{fmt_number(r['ours'], decimals)} (#{fmt_number(r['our_rank'])})",
                         fmt_number(r["ours_alternative"], decimals), agree_cell(bool(r["agrees"]))])
        return rows

    return {
        "table1": table([("Locality", False), ("Paper n (%)", True), ("Ours n (%)", True), ("", False)],
                        projects_and_percent("table1", lambda r: r["node"])),
        "table2": table([("Theme", False), ("Paper n (%)", True), ("Ours n (%)", True), ("", False)],
                        projects_and_percent("table2", lambda r: THEME_LABELS.get(r["node"], r["node"]))),
        "table3": table([("Rank", True), ("Locality", False), ("Paper", True), ("Ours (rank)", True),
                         ("Ours, partners", True), ("", False)], ranked("table3", "degree", 1),
                        note="The paper's degree may be binary (number of partners) or valued; both of ours shown."),
        "table4": table([("Rank", True), ("Locality", False), ("Paper", True), ("Ours (rank)", True),
                         ("Ours, other model", True), ("", False)], ranked("table4", "constraint", 3),
                        note="Burt's constraint; the other column is the other ego/whole-network model."),
    }


def _headline_comparison(comparison: pd.DataFrame) -> dict:
    rows = comparison.loc[comparison["table"].isin(["totals", "modes"])]
    return table([("Published statement", False), ("Paper", True), ("Ours", True), ("", False)],
                 [[r.item, f"{'> ' if r.relation == '>' else ''}{fmt_number(r.paper, 2)}",
                   fmt_number(r.ours, 2), agree_cell(bool(r.agrees))] for r in rows.itertuples()],
                 caption="Totals and modes (percent of projects)")


PAPER_TITLES = {
    "table1": ("Table 1", "Localities with the most projects"),
    "table2": ("Table 2", "Leading themes"),
    "table3": ("Table 3", "Degree centrality"),
    "table4": ("Table 4", "Lowest constraint (most structural holes)"),
}


def paper_section(network: dict, period: str, paper_file=None) -> dict:
    """Tables 1-4 of the period from our data and, for the paper's own period, its published
    rows beside them. Without analysis/data/paper_tables.json the published side is left out
    and `paper_note` says so."""
    result = NetworkResult.from_snapshot(network)
    ours = _our_tables(result, period)
    try:
        paper = load_paper_tables(paper_file) if paper_file else load_paper_tables()
    except FileNotFoundError as exc:
        paper, note = None, f"The paper's published numbers are not shown: {exc.filename} was not found."
    else:
        note = "" if period == paper["period"] else (
            f"The paper covers {paper['period']}; its published numbers are shown for that period only.")
    if paper is not None and period == paper["period"]:
        comparison = compare_with_paper(result, paper)
        published = _paper_tables(comparison)
        headline = _headline_comparison(comparison)
    else:
        published, headline = {}, None
    tables = [{"id": key, "number": number, "title": title, "ours": ours[key], "paper": published.get(key)}
              for key, (number, title) in PAPER_TITLES.items()]
    return {"tables": tables, "headline": headline, "paper_note": note,
            "paper_source": paper.get("source") if paper else None}


# --- agreements ---------------------------------------------------------------------------

def newest_agreements(projects: pd.DataFrame, participants: pd.DataFrame, limit: int = NEWEST_AGREEMENTS) -> list:
    """The most recently signed agreements with their parties and source links."""
    newest = projects.sort_values(["signed_date", "project_id"], ascending=[False, True], na_position="last")
    role_order = participants["role"].map({role: i for i, role in enumerate(ROLE_LABELS)})
    parties = participants.assign(role_order=role_order).sort_values(
        ["project_id", "role_order", "institution"]).groupby("project_id")
    rows = []
    for p in newest.head(limit).itertuples():
        members = parties.get_group(p.project_id) if p.project_id in parties.groups else participants.iloc[:0]
        rows.append({
            "title": "" if missing(p.title) else str(p.title),
            "date": fmt_date(p.signed_date),
            "theme": THEME_LABELS.get(p.primary_theme, "" if missing(p.primary_theme) else str(p.primary_theme)),
            "mode": MODE_LABELS.get(p.mode, "" if missing(p.mode) else str(p.mode)),
            "in_scope": bool(p.in_scope) if not missing(p.in_scope) else False,
            "needs_review": p.review_status == "needs_review",
            "parties": [{"name": str(m.institution), "role": ROLE_LABELS.get(m.role, str(m.role)),
                         "role_class": str(m.role)} for m in members.itertuples()],
            "links": [{"href": safe_href(url), "text": urlsplit(str(url)).netloc or str(url)}
                      for url in (p.source_urls if not missing(p.source_urls) else [])],
        })
    return rows


# --- data quality -------------------------------------------------------------------------

def quality_section(quality: dict) -> dict:
    """Per-source health, the last runs, and the facts about coding and the snapshot."""
    sources = table(
        [("Source", False), ("Last status", False), ("Last success", False), ("Items", True),
         ("New docs", True), ("Failure streak", True), ("Message", False)],
        [[s["source_id"], status_cell(s["last_status"]), fmt_when(s["last_success"]), fmt_number(s["last_items"]),
          fmt_number(s["last_new_documents"]),
          {"text": fmt_number(s["failure_streak"]), "class": "bad" if s["failure_streak"] else ""},
          s["last_message"] or ""] for s in quality["sources"]],
        caption="Per-source health (each source's most recent crawl)")
    runs = table(
        [("Run", True), ("Flow", False), ("Status", False), ("Started", False), ("Finished", False),
         ("Pages", True), ("New docs", True), ("Changed", True), ("New projects", True), ("Errors", True),
         ("Problems", True)],
        [[fmt_number(r["run_id"]), r["flow"], status_cell(r["status"]), fmt_when(r["started_at"]),
          fmt_when(r["finished_at"]), fmt_number(r["pages_fetched"]), fmt_number(r["new_documents"]),
          fmt_number(r["changed_documents"]), fmt_number(r["new_projects"]), fmt_number(r["errors"]),
          fmt_number(r["problems"])] for r in quality["runs"]],
        caption="Latest runs")
    snapshot = quality.get("snapshot") or {}
    counts = quality.get("counts") or {}
    problems = quality.get("last_run_problems") or {}
    facts = [
        ("Review queue", _review_queue(quality["review_queue"])),
        ("Coder version", coder_versions(quality)),
        ("Documents", f"{fmt_number(counts.get('documents'))} collected, {fmt_number(counts.get('uncoded_documents'))}"
                      f" not coded, {fmt_number(counts.get('cooperation_documents'))} about cooperation"),
        ("Projects", f"{fmt_number(counts.get('projects'))} agreements, {fmt_number(counts.get('projects_in_scope'))}"
                     " in the network"),
        ("Last run", _last_run(quality["runs"][0]) if quality["runs"] else "no run yet"),
        ("Problems in the last run", _problems(problems)),
        ("Network snapshot", f"{snapshot.get('fingerprint', '–')} · computed {fmt_when(snapshot.get('created_at'))}"
                             if snapshot else "none yet"),
    ]
    return {"sources": sources, "runs": runs, "facts": facts}


def _review_queue(size: int) -> str:
    if not size:
        return "empty"
    return f"{size} agreement{'s' if size > 1 else ''} to review (see healthcoop review list)"


def _last_run(run: dict) -> str:
    return (f"#{run['run_id']} {run['flow']} {run['status']}, started {fmt_when(run['started_at'])}, "
            f"finished {fmt_when(run['finished_at'])}")


def _problems(problems: dict) -> str:
    if not problems.get("count"):
        return "none"
    return f"{problems['count']} ({problem_kinds(problems)})"


def _periods(network: dict) -> list[str]:
    return network["params"].get("periods") or sorted(network["rankings"]["period"].unique())


def period_years(network: dict) -> list[str]:
    """The single-year periods of the snapshot, in order (for the per-year charts)."""
    return sorted(p for p in _periods(network) if str(p).isdigit())


def check_period(network: dict, period: str) -> None:
    periods = _periods(network)
    if period not in periods:
        raise ValueError(f"period {period!r} is not in the current network snapshot (computed: "
                         f"{', '.join(periods) or 'none'}); choose one of those")
