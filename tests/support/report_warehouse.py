"""A small, hand-made warehouse for the report and status tests.

Coded rows go in with plain INSERTs (so the tests do not depend on the crawler or the coder);
the network snapshot is then computed by the production recompute step, so the ranking
views, nodes and edges agree with each other exactly as they do after a real run. One
agreement carries markup in its title, one institution in its name, and one reporting page
has a `javascript:` URL: the report must show all of them as inert text.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from flows.steps import recompute_step
from warehouse.db import Warehouse

XSS_TITLE = "成渝<script>alert(1)</script>中医药<b>合作</b>协议"
XSS_INSTITUTION = "<b>重庆市</b><script>alert(2)</script>江津区中医院"
JAVASCRIPT_URL = "javascript:alert(3)"
PERIOD = "2019-2021"
CODER_VERSION = "test-1"
T0 = datetime(2021, 12, 1, 2, 0)

INSTITUTIONS = [  # id, name, type, sector, province, prefecture, county, division code
    ("i_cd_gov", "成都市卫生健康委员会", "government", "government", "四川省", "成都市", None, "510100"),
    ("i_cd_hx", "四川大学华西医院", "hospital", "society", "四川省", "成都市", "武侯区", "510107"),
    ("i_cq_gov", "重庆市卫生健康委员会", "government", "government", "重庆市", "重庆市", None, "500000"),
    ("i_cq_yc", "重庆市永川区人民医院", "hospital", "society", "重庆市", "重庆市", "永川区", "500118"),
    ("i_lz_h", "西南医科大学附属医院", "hospital", "society", "四川省", "泸州市", None, "510500"),
    ("i_sn_gov", "遂宁市卫生健康委员会", "government", "government", "四川省", "遂宁市", None, "510900"),
    ("i_bj_u", "北京中医药大学", "university", "society", "北京市", "北京市", None, "110000"),
    ("i_xss", XSS_INSTITUTION, "hospital", "society", "重庆市", "重庆市", "江津区", "500116"),
]

# id, title, signed, themes, mode, in scope, review status, parties (institution, role), reporting URLs
PROJECTS = [
    ("p1", "成都市与重庆市签订卫生健康合作协议", date(2019, 5, 10), ["modern_medicine"], "inter_governmental",
     True, "auto", [("i_cd_gov", "signatory"), ("i_cq_gov", "signatory")], ["https://wsjkw.cd.example/a1.html"]),
    ("p2", "华西医院与永川区人民医院组建专科联盟", date(2020, 3, 2), ["modern_medicine", "talent_research"], "social",
     True, "auto", [("i_cd_hx", "signatory"), ("i_cq_yc", "signatory"), ("i_cq_gov", "witness")],
     ["https://wsjkw.cq.example/a2.html"]),
    ("p3", XSS_TITLE, date(2021, 6, 18), ["tcm"], "social", True, "needs_review",
     [("i_xss", "signatory"), ("i_lz_h", "signatory"), ("i_bj_u", "participant")],
     ["https://wsjkw.cq.example/a3.html", JAVASCRIPT_URL]),
    ("p4", "遂宁市与重庆市永川区签署医疗合作协议", date(2021, 9, 1), ["prevention_care"], "government_society",
     True, "auto", [("i_sn_gov", "signatory"), ("i_cq_yc", "signatory")], ["https://wsjkw.sn.example/a4.html"]),
    ("p5", "泸州与成都开展中医药人才合作", date(2020, 11, 11), ["tcm", "informatization"], "social", True, "auto",
     [("i_lz_h", "signatory"), ("i_cd_hx", "participant"), ("i_bj_u", "participant")],
     ["https://wsjkw.lz.example/a5.html"]),
    ("p6", "成都市推进城市医疗集团建设", date(2021, 2, 2), ["other"], "social", False, "auto",
     [("i_cd_hx", "signatory"), ("i_cd_gov", "witness")], ["https://wsjkw.cd.example/a6.html"]),
]

RUNS = [  # id, flow, status, errors
    (1, "backfill", "completed", 0),
    (2, "nightly", "partial", 2),
    (3, "nightly", "partial", 1),
]
# source -> status per run (None: not crawled in that run)
SOURCE_STATUS = {
    "sc_wsjkw": ["ok", "ok", "ok"],
    "cq_wsjkw": ["ok", "challenged", "broken"],
    "cd_wjw": [None, "empty", "empty"],
}
PROBLEMS = [(2, "cq_wsjkw", "challenge"), (3, "cq_wsjkw", "parse"), (3, "cq_wsjkw", "fetch")]
MESSAGE_WITH_BRACKETS = "source cd_wjw: list page has 0 items [layout changed?]; check the parser"


def items_found(run_id: int, source_rank: int) -> int:
    """Different per run and source, so a test sees which row "last items" came from."""
    return 10 * run_id + source_rank


def run_time(run_id: int) -> datetime:
    return T0 + timedelta(days=run_id - 1)


def _runs_and_health(wh: Warehouse) -> None:
    for run_id, flow, status, errors in RUNS:
        wh.execute("INSERT INTO runs (run_id, flow, started_at, finished_at, status, pages_fetched, new_documents, "
                   "errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [run_id, flow, run_time(run_id), run_time(run_id) + timedelta(minutes=5), status, 10 * run_id,
                    run_id, errors])
        for rank, (source, statuses) in enumerate(SOURCE_STATUS.items()):
            status_here = statuses[run_id - 1]
            if status_here is None:
                continue
            message = MESSAGE_WITH_BRACKETS if status_here == "empty" else f"source {source}: {status_here}"
            wh.execute("INSERT INTO source_health (run_id, source_id, status, message, pages_fetched, items_found, "
                       "new_documents, parse_failures, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [run_id, source, status_here, message, 3, items_found(run_id, rank), run_id, 0,
                        run_time(run_id) + timedelta(minutes=2)])
    for i, (run_id, source, kind) in enumerate(PROBLEMS, start=1):
        wh.execute("INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [i, run_id, source, f"https://{source}.example/p{i}", kind, f"{kind} failed on page {i}",
                    run_time(run_id)])


def _documents_and_coding(wh: Warehouse) -> None:
    for row in INSTITUTIONS:
        wh.execute("INSERT INTO institutions VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(row))
    for project_id, title, signed, themes, mode, in_scope, review, parties, urls in PROJECTS:
        wh.execute("INSERT INTO projects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [project_id, title, signed, signed.year, themes, themes[0], mode, "合作协议",
                    0.6 if review == "needs_review" else 0.95, review, in_scope, "{}", CODER_VERSION, T0, T0])
        for institution_id, role in parties:
            wh.execute("INSERT INTO participants VALUES (?, ?, ?)", [project_id, institution_id, role])
        for n, url in enumerate(urls):
            doc_id = f"d_{project_id}_{n}"
            wh.execute("INSERT INTO documents (doc_id, source_id, url, url_path, title, published_date, first_seen, "
                       "last_seen) VALUES (?, 'sc_wsjkw', ?, ?, ?, ?, ?, ?)",
                       [doc_id, url, f"/{doc_id}", title, signed, T0, T0])
            wh.execute("INSERT INTO document_coding VALUES (?, TRUE, 0.9, '{}', ?, ?, ?)",
                       [doc_id, project_id, CODER_VERSION, T0])
            wh.execute("INSERT INTO project_documents VALUES (?, ?)", [doc_id, project_id])
    # one article that is not about cooperation, one not coded yet
    for doc_id, coded in (("d_news", True), ("d_new", False)):
        wh.execute("INSERT INTO documents (doc_id, source_id, url, url_path, title, published_date, first_seen, "
                   "last_seen) VALUES (?, 'cd_wjw', ?, ?, '卫生健康工作会议召开', ?, ?, ?)",
                   [doc_id, f"https://wsjkw.cd.example/{doc_id}.html", f"/{doc_id}", date(2021, 3, 3), T0, T0])
        if coded:
            wh.execute("INSERT INTO document_coding VALUES (?, FALSE, 0.1, '{}', NULL, ?, ?)",
                       [doc_id, CODER_VERSION, T0])


def build_report_warehouse(path: Path) -> Path:
    """Create the warehouse at `path` (and its published copy); return `path`."""
    with Warehouse(path) as wh:
        with wh.transaction():
            _runs_and_health(wh)
            _documents_and_coding(wh)
        recompute_step(wh, run_id=3)
    return path
