"""Coding through the warehouse: overrides stored there survive every recode, and project ids
already given out stay put when an earlier report of the same agreement turns up later."""
from __future__ import annotations

from datetime import date

import pytest

from flows.steps import code_step
from scrapers.records import Article
from warehouse import store
from warehouse.db import Warehouse

SIGNING = ("4月22日，重庆市卫生健康委员会与四川省卫生健康委员会在重庆签署合作协议，两地将在公共卫生、"
           "医疗服务和中医药等方面合作。")


def report(wh: Warehouse, source_id: str, url: str, published: date) -> str:
    article = Article(url=url, title="川渝卫生健康委签署一体化发展合作协议", published_date=published,
                      body_text=SIGNING)
    store.WarehouseSink(wh, None).store_article(source_id, "/gzdt/", article, None)
    return store.doc_id_for(source_id, url)


def projects(wh: Warehouse) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in wh.fetchall(
        "SELECT project_id, primary_theme, review_status, len(source_urls) FROM v_projects")}


@pytest.fixture
def wh(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        yield warehouse


def test_an_override_stored_in_the_warehouse_is_applied_and_survives_recoding(wh):
    report(wh, "cq_wsjkw", "https://wsjkw.cq.gov.cn/gzdt/t20210423_1.html", date(2021, 4, 23))
    code_step(wh)
    (project_id, (theme, _, _)), = projects(wh).items()
    wanted = "informatization" if theme != "informatization" else "tcm"
    store.add_override(wh, "project", project_id, "primary_theme", wanted, "read the PDF", "li")
    first = code_step(wh, force=True)
    again = code_step(wh, force=True)
    assert first["rejected_overrides"] == again["rejected_overrides"] == []
    assert projects(wh)[project_id][:2] == (wanted, "reviewed")


def test_a_bad_stored_override_is_named_by_its_warehouse_id(wh):
    report(wh, "cq_wsjkw", "https://wsjkw.cq.gov.cn/gzdt/t20210423_1.html", date(2021, 4, 23))
    code_step(wh)
    override_id = store.add_override(wh, "project", "p_nope", "mode", "social", None, None)
    assert code_step(wh, force=True)["rejected_overrides"] == [f"override {override_id}: project 'p_nope' not found"]


def test_an_earlier_report_found_later_joins_the_project_without_renaming_it(wh):
    later = report(wh, "cq_wsjkw", "https://wsjkw.cq.gov.cn/gzdt/t20210425_1.html", date(2021, 4, 25))
    first = code_step(wh)
    assert set(projects(wh)) == {f"p_{later}"} and first["new_projects_by_source"] == {"cq_wsjkw": 1}
    report(wh, "sc_wsjkw", "https://wsjkw.sc.gov.cn/scwsjkw/gzdt/2021/4/23/abc.shtml", date(2021, 4, 23))
    recoded = code_step(wh)
    assert recoded["new_projects"] == 0 and recoded["new_projects_by_source"] == {}
    assert {pid: n for pid, (_, _, n) in projects(wh).items()} == {f"p_{later}": 2}
