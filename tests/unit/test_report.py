"""The HTML report rendered from a small hand-made warehouse: escaping, networks, tables, offline."""
from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from analysis.report import build_report
from tests.support.report_warehouse import JAVASCRIPT_URL, PERIOD, XSS_INSTITUTION, XSS_TITLE, build_report_warehouse
from warehouse.db import open_reader, published_path
from warehouse.report_data import load_report_data


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return published_path(build_report_warehouse(tmp_path_factory.mktemp("wh") / "w.duckdb"))


@pytest.fixture(scope="module")
def data(warehouse):
    return load_report_data(warehouse)


@pytest.fixture(scope="module")
def index(data, tmp_path_factory):
    return build_report(data, tmp_path_factory.mktemp("report"), period=PERIOD)


@pytest.fixture(scope="module")
def html(index):
    return index.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def soup(html):
    return BeautifulSoup(html, "lxml")


def ranked_nodes(warehouse, level: str) -> set[str]:
    con = open_reader(warehouse)
    try:
        rows = con.execute("SELECT node FROM v_rankings WHERE period = ? AND level = ?", [PERIOD, level]).fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def test_markup_in_titles_and_names_is_escaped_everywhere(html, soup):
    assert "<script" not in html.lower()  # the page has no script at all, so none can come from the data
    assert "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;合作&lt;/b&gt;" in html
    titles = [td.get_text() for td in soup.select("#agreements-table td.title")]
    assert any(XSS_TITLE in title for title in titles)  # shown as the literal text
    parties = [li.get_text() for li in soup.select("#agreements-table .parties li")]
    assert XSS_INSTITUTION in parties
    ring_labels = [t.get_text() for t in soup.select("svg#network-institution text.node-label")]
    assert any(label.startswith("<b>重庆市</b><scr") for label in ring_labels)  # SVG text escaped too (shortened)
    tooltips = [t.get_text() for t in soup.select("svg#network-institution circle.node title")]
    assert any(tip.startswith(XSS_INSTITUTION) for tip in tooltips)


def test_only_http_urls_become_links(soup):
    hrefs = [a["href"] for a in soup.select("#agreements-table a")]
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    assert JAVASCRIPT_URL in soup.select_one("#agreements-table").get_text()  # listed, as text


def test_prefecture_network_has_one_circle_per_ranked_unit(warehouse, soup):
    circles = soup.select("svg#network-prefecture circle.node")
    expected = ranked_nodes(warehouse, "prefecture")
    assert len(circles) == len(expected)
    assert {c["data-node"] for c in circles} == expected
    provinces = {c["data-node"]: c["data-province"] for c in circles}
    assert provinces["成都市"] == "sichuan" and provinces["重庆市"] == "chongqing" and provinces["北京市"] == "other"
    labels = {t.get_text() for t in soup.select("svg#network-prefecture text.node-label")}
    assert {"成都市", "重庆市", "泸州市", "遂宁市"} <= labels


def test_prefecture_edges_carry_their_weights(data, soup):
    edges = data["network"]["edges"]
    chosen = edges.loc[(edges["period"] == PERIOD) & (edges["level"] == "prefecture")]
    drawn = soup.select("svg#network-prefecture path.edge")
    assert sorted(float(p["data-weight"]) for p in drawn) == sorted(chosen["weight"])
    widths = {float(p["data-weight"]): float(p["stroke-width"]) for p in drawn}
    assert widths[max(widths)] > widths[min(widths)]


def test_institution_ring_shows_the_institutions_of_the_period(warehouse, soup):
    circles = soup.select("svg#network-institution circle.node")
    assert {c["data-node"] for c in circles} == ranked_nodes(warehouse, "institution")  # fewer than the top 30


def test_paper_tables_ours_and_published_side_by_side(warehouse, soup):
    for n in range(1, 5):
        ours = soup.select(f"table#table{n}-ours tbody tr")
        paper = soup.select(f"table#table{n}-paper tbody tr")
        assert ours and paper, f"table {n}"
    con = open_reader(warehouse)
    top = dict(con.execute("SELECT node, n_projects FROM v_rankings WHERE period = ? AND level = 'locality' "
                           "AND rank_projects = 1", [PERIOD]).fetchall())
    con.close()
    first = [td.get_text() for td in soup.select("table#table1-ours tbody tr")[0].select("td")]
    assert first[0] == "1" and first[1] in top and first[2] == str(top[first[1]]) and first[3].endswith(" %")
    published = [td.get_text() for td in soup.select("table#table1-paper tbody tr")[0].select("td")]
    assert published[0] == "重庆市" and published[1] == "56 (64.37 %)"  # the paper's Table 1, first row
    assert soup.select("table#headline-table tbody tr")


def test_without_the_paper_file_the_published_side_is_left_out(data, tmp_path):
    html = build_report(data, tmp_path, period=PERIOD, paper_file=tmp_path / "missing.json").read_text("utf-8")
    soup = BeautifulSoup(html, "lxml")
    assert soup.select("table#table1-ours") and not soup.select("table#table1-paper")
    assert "missing.json was not found" in soup.select_one(".notice").get_text()


def test_another_period_has_no_published_side(data, tmp_path):
    soup = BeautifulSoup(build_report(data, tmp_path, period="2021").read_text("utf-8"), "lxml")
    assert soup.select("table#table1-ours") and not soup.select("table#table1-paper")
    assert "The paper covers 2019-2021" in soup.select_one(".notice").get_text()


def test_unknown_period_is_a_clear_error(data, tmp_path):
    with pytest.raises(ValueError, match=r"period '2030' is not in the current network snapshot \(computed: .*2019"):
        build_report(data, tmp_path, period="2030")


def test_data_quality_section(soup):
    rows = {tr.select("td")[0].get_text(): [td.get_text() for td in tr.select("td")]
            for tr in soup.select("table#sources-table tbody tr")}
    assert set(rows) == {"sc_wsjkw", "cq_wsjkw", "cd_wjw"}
    assert rows["cq_wsjkw"][1:3] == ["broken", "2021-12-01 02:02"] and rows["cq_wsjkw"][5] == "2"
    assert rows["cd_wjw"][2] == "–" and rows["cd_wjw"][5] == "2"
    assert [tr.select("td")[0].get_text() for tr in soup.select("table#runs-table tbody tr")] == ["3", "2", "1"]
    facts = dict(zip((dt.get_text() for dt in soup.select(".facts dt")),
                     (dd.get_text() for dd in soup.select(".facts dd"))))
    assert facts["Review queue"].startswith("1 agreement to review")
    assert facts["Coder version"] == "test-1"
    assert facts["Problems in the last run"] == "2 (fetch 1, parse 1)"
    assert re.fullmatch(r"[0-9a-f]{64} · computed .+", facts["Network snapshot"])


def test_charts_are_present(soup):
    for chart in ("chart-yearly", "chart-growth", "chart-themes", "chart-modes", "chart-modes-yearly"):
        assert soup.select_one(f"svg#{chart}") is not None, chart
    years = [t.get_text() for t in soup.select("svg#chart-yearly text")]
    assert {"2019", "2020", "2021"} <= set(years)


def test_report_is_one_offline_folder(index, html):
    assert sorted(p.name for p in index.parent.iterdir()) == ["index.html", "report.css"]
    soup = BeautifulSoup(html, "lxml")
    assert [link["href"] for link in soup.select("link")] == ["report.css"]
    assert not soup.select("img, script, iframe, object")
    css = (index.parent / "report.css").read_text("utf-8")
    assert "url(" not in css and "@import" not in css and "WenQuanYi Zen Hei" in html


def test_same_data_gives_the_same_bytes(data, html, tmp_path):
    assert build_report(data, tmp_path, period=PERIOD).read_text("utf-8") == html
