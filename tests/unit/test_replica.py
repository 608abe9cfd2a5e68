"""The replica sites: list pages cover the corpus, URL schemes, validators, the JSON API, GBK, live updates."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup

from scrapers.registry import BUNDLED_SOURCES, load_sources
from scrapers.replica import (DEFAULT_CORPUS_DIR, ReplicaServer, StaticReply, load_corpus, render_site,
                              start_replicas)
from scrapers.replica.families import layout_for
from scrapers.replica.synthetic import SCRIPT_TITLE, synthetic_article, synthetic_articles, write_corpus

SOURCES = load_sources(BUNDLED_SOURCES)
SOURCE_BY_ID = {s.id: s for s in SOURCES}
PAGES_WANTED = 3
ARTICLES_FOR_THREE_PAGES = 11  # at the page size of 5


@pytest.fixture(scope="module")
def tmp_corpus(tmp_path_factory) -> Path:
    """12 synthetic articles in every column of every registry source (three list pages each),
    plus a broken file and a label file that the loader must skip."""
    folder = write_corpus(tmp_path_factory.mktemp("corpus"), synthetic_articles(SOURCES, 12))
    (folder / "broken_one.json").write_text("{not json", encoding="utf-8")
    (folder / "syn_x.expected.json").write_text("{}", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def http():
    """One client for the module: creating an httpx client costs ~70 ms."""
    with httpx.Client() as client:
        yield client


@pytest.fixture(scope="module")
def tmp_replicas(tmp_corpus):
    with start_replicas(tmp_corpus, SOURCES) as replicas:
        yield replicas


# --- reading list pages independently of the parsers (selectors from sites.md) ---
def _list_hrefs(cms: str, html: bytes, encoding: str) -> list[str]:
    soup = BeautifulSoup(html.decode(encoding), "lxml")
    selector = {"trs": "ul.tab-item > li.clearfix > a, ul.gl-list.gl-list2 > li > a",
                "sichuan": "div.wy_contMain.fontSt > ul > li > a", "generic": "div.list li > a"}[cms]
    return [a["href"] for a in soup.select(selector)]


def _walk_column(site, column) -> tuple[int, list[str]]:
    """Walk a column's list pages the way the real site exposes them: (pages seen, article URLs)."""
    source = site.source
    base = "http://replica.test"
    if source.cms == "ucap":
        urls, page = [], 1
        while (response := site.resolve(f"{_api_path(source, column)}?_pageSize=20&page={page}")) is not None:
            urls += [base + r["url"] for r in json.loads(response.body)["results"]]
            page += 1
        return page - 1, urls
    encoding = _encoding(source)
    urls, pages, page_url = [], 0, base + _first_list_path(source, column)
    while page_url:
        response = site.resolve(urlsplit(page_url).path)
        assert response is not None, f"list page {page_url} missing"
        pages += 1
        urls += [urljoin(page_url, href) for href in _list_hrefs(source.cms, response.body, encoding)]
        page_url = _next_page(source.cms, response.body.decode(encoding), page_url)
    return pages, urls


def _encoding(source) -> str:
    return "gb18030" if source.cms == "generic" else "utf-8"


def _api_path(source, column) -> str:
    return f"/es-search/search/{layout_for(source, 5).channel_id(column)}"


def _first_list_path(source, column) -> str:
    if source.cms == "ucap":
        return _api_path(source, column) + "?page=1"
    return column.path if source.cms == "sichuan" else layout_for(source, 5).column_dir(column)


def _article_path(source, article) -> str:
    column = next(c for c in source.columns if c.path == article.column)
    return layout_for(source, 5).article_path(column, article)


def _next_page(cms: str, html: str, url: str) -> str | None:
    soup = BeautifulSoup(html, "lxml")
    if cms == "trs":
        total, index = (int(x) for x in html.split("createPage(")[1].split(",")[:2])
        return urljoin(url, f"index_{index + 1}.html") if index + 1 < total else None
    link = soup.find("a", string="下一页")
    return urljoin(url, link["href"]) if link else None


def _corpus_dirs():
    return [pytest.param(DEFAULT_CORPUS_DIR, id="real-corpus"), pytest.param("tmp", id="tmp-corpus")]


@pytest.mark.parametrize("corpus", _corpus_dirs())
def test_every_corpus_article_is_listed_exactly_once_in_its_column(corpus, tmp_corpus):
    folder = tmp_corpus if corpus == "tmp" else corpus
    articles = load_corpus(folder).articles
    for source in SOURCES:
        site = render_site(source, articles)
        assert not site.errors
        layout = layout_for(source, 5)
        for column in source.columns:
            listed = Counter(urlsplit(u).path for u in _walk_column(site, column)[1] if urlsplit(u).hostname == "replica.test")
            expected = {layout.article_path(column, a): a for a in articles if a.source == source.id and a.column == column.path}
            assert set(listed) == set(expected), f"{source.id} {column.path}"
            assert all(n == 1 for n in listed.values()), f"{source.id} {column.path}: listed twice"
            for path, article in expected.items():
                text = BeautifulSoup(site.pages[path].body.decode(_encoding(source)), "lxml").get_text()
                assert article.title in text and article.body[0] in text


@pytest.mark.parametrize("source_id,column_path", [(s.id, c.path) for s in SOURCES for c in s.columns])
def test_each_real_column_spans_three_list_pages(source_id, column_path):
    source = SOURCE_BY_ID[source_id]
    articles = [a for a in load_corpus(DEFAULT_CORPUS_DIR).articles if a.column == column_path and a.source == source_id]
    if len(articles) < ARTICLES_FOR_THREE_PAGES:
        pytest.skip(f"corpus incomplete: {source_id} {column_path} has {len(articles)} of the "
                    f"{ARTICLES_FOR_THREE_PAGES} articles needed for {PAGES_WANTED} list pages")
    column = next(c for c in source.columns if c.path == column_path)
    pages, urls = _walk_column(render_site(source, articles), column)
    assert pages >= PAGES_WANTED
    assert len({u for u in urls if "replica.test" in u}) == len(articles)


def test_tmp_columns_span_three_pages_with_family_pagination(tmp_corpus):
    articles = load_corpus(tmp_corpus).articles
    cq = render_site(SOURCE_BY_ID["cq_wsjkw"], articles)
    assert cq.resolve("/zwxx_242/gzdt/").body == cq.resolve("/zwxx_242/gzdt/index.html").body
    assert b'createPage(3, 2, "index", "html")' in cq.resolve("/zwxx_242/gzdt/index_2.html").body
    assert cq.resolve("/zwxx_242/gzdt/index_3.html") is None
    sc = render_site(SOURCE_BY_ID["sc_wsjkw"], articles)
    assert "共3页" in sc.resolve("/scwsjkw/gzdt/tygl_3.shtml").body.decode()
    assert sc.resolve("/scwsjkw/gzdt/tygl_4.shtml") is None
    lz = render_site(SOURCE_BY_ID["lz_wjw"], articles)
    assert "共3页" in lz.resolve("/xwdt/gzdt/index_1.html").body.decode("gb18030")


def test_article_urls_follow_each_platform_scheme_and_are_stable(tmp_corpus):
    articles = load_corpus(tmp_corpus).articles
    patterns = {"cq_wsjkw": r"^/(zwxx_242/gzdt|zwgk_242/fdzdgknr/tzgg/gzgs)/\d{6}/t\d{8}_\d{7,8}\.html$",
                "yc_wsjkw": r"^/bm/qwsjkw/zwxx_71652/gzdt/\d{6}/t\d{8}_\d{7,8}\.html$",
                "sc_wsjkw": r"^/scwsjkw/(gzdt|gggs)/\d{4}/[1-9]\d?/[1-9]\d?/[0-9a-f]{32}\.shtml$",
                "cd_wjw": r"^/cdwjw/c135634/\d{4}-\d{2}/\d{2}/content_[0-9a-f]{32}\.shtml$",
                "lz_wjw": r"^/xwdt/gzdt/\d{6}/t\d{8}_\d+\.html$"}
    for source in SOURCES:
        layout = layout_for(source, 5)
        for article in (a for a in articles if a.source == source.id):
            path = _article_path(source, article)
            assert re.match(patterns[source.id], path), path
            assert article.published.strftime("%Y") in path
        first, second = render_site(source, articles), render_site(source, articles)
        assert {p: r.etag for p, r in first.pages.items()} == {p: r.etag for p, r in second.pages.items()}


def test_trs_article_markup_attachments_and_off_site_row(tmp_corpus):
    articles = [a for a in load_corpus(tmp_corpus).articles if a.source == "cq_wsjkw"]
    site = render_site(SOURCE_BY_ID["cq_wsjkw"], articles)
    two = next(a for a in articles if len(a.attachments) == 2 and a.with_meta)
    path = _article_path(site.source, two)
    soup = BeautifulSoup(site.pages[path].body.decode(), "lxml")
    assert soup.find("meta", attrs={"name": "PubDate"})["content"] == two.published.strftime("%Y-%m-%d %H:%M:00")
    assert soup.select_one("div.zwxl-article > div.view.TRS_UEDITOR.trs_paper_default")
    body_links = [a["href"] for a in soup.select("div.zwxl-article a[href^='./P0']")]
    buttons = [a["onclick"] for a in soup.select("div.zwxl-article a[onclick^='downloadFj']")]
    assert len(body_links) == 1 and len(buttons) == 1 and "'./P0" in buttons[0]
    folder = path.rsplit("/", 1)[0] + "/"
    assert site.resolve(urljoin(folder, body_links[0])).content_type == "application/pdf"
    assert "来源：</span><span class=\"con\">" in soup.find("script", string=lambda s: s and "document.write" in s).string
    first_page = BeautifulSoup(site.resolve("/zwxx_242/gzdt/").body.decode(), "lxml")
    hosts = [urlsplit(a["href"]).hostname for a in first_page.select("ul.tab-item li a")]
    assert hosts.count("www.cq.gov.cn") == 1 and hosts.count(None) == 5
    no_meta = next(a for a in articles if not a.with_meta)
    assert b'name="ArticleTitle"' not in site.pages[_article_path(site.source, no_meta)].body


def test_script_title_is_escaped_everywhere(tmp_corpus):
    articles = load_corpus(tmp_corpus).articles
    for source in SOURCES:
        site = render_site(source, articles)
        encoding = _encoding(source)
        article = next(a for a in articles if a.source == source.id and a.title == SCRIPT_TITLE)
        html = site.pages[_article_path(source, article)].body.decode(encoding)
        assert "<script>alert" not in html and "&lt;script&gt;alert" in html
        soup = BeautifulSoup(html, "lxml")
        assert SCRIPT_TITLE in soup.title.string
        for list_page in (r for p, r in site.pages.items() if r.content_type == "text/html" and p != "/"):
            assert b"<script>alert" not in list_page.body


def test_cn_date_style_changes_only_the_visible_date(tmp_corpus):
    articles = load_corpus(tmp_corpus).articles
    for source in SOURCES:
        site = render_site(source, articles)
        article = next(a for a in articles if a.source == source.id and a.date_style == "cn")
        soup = BeautifulSoup(site.pages[_article_path(source, article)].body.decode(_encoding(source)), "lxml")
        for meta in soup.find_all("meta"):
            meta.decompose()
        text = soup.get_text()
        p = article.published
        assert f"发布{'日期' if source.cms == 'trs' else '时间'}：{p.year}年{p.month}月{p.day}日" in text
        assert p.strftime("%Y-%m-%d") not in text


def test_gbk_site_bytes_and_headers(tmp_replicas, http):
    base = tmp_replicas.base_urls["lz_wjw"]
    response = http.get(base + "/xwdt/gzdt/index.html")
    assert response.status_code == 200 and response.headers["content-type"] == "text/html"
    assert b"charset=gb2312" in response.content
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("gb2312")  # 〇 in the footer is GBK, not GB2312
    text = response.content.decode("gb18030")
    assert "〇" in text and "泸州市卫生健康委员会" in text
    assert http.get(base + "/xwdt/gzdt/").content == response.content


def test_utf8_sites_send_no_charset(tmp_replicas, http):
    for source_id in ("cq_wsjkw", "sc_wsjkw", "cd_wjw", "yc_wsjkw"):
        response = http.get(tmp_replicas.base_urls[source_id] + "/")
        assert response.headers["content-type"] == "text/html"
        response.content.decode("utf-8")


def test_conditional_requests_get_304(tmp_replicas, http):
    base = tmp_replicas.base_urls["cq_wsjkw"]
    first = http.get(base + "/zwxx_242/gzdt/")
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert http.get(base + "/zwxx_242/gzdt/", headers={"If-None-Match": etag}).status_code == 304
    assert http.get(base + "/zwxx_242/gzdt/", headers={"If-Modified-Since": last_modified}).status_code == 304
    assert http.get(base + "/zwxx_242/gzdt/", headers={"If-None-Match": '"other"'}).status_code == 200
    older = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert http.get(base + "/zwxx_242/gzdt/", headers={"If-Modified-Since": older}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110)
    both = {"If-None-Match": '"other"', "If-Modified-Since": last_modified}
    assert http.get(base + "/zwxx_242/gzdt/", headers=both).status_code == 200


def test_json_api_pagination(tmp_replicas, http):
    base = tmp_replicas.base_urls["cd_wjw"]
    listing = http.get(base + "/cdwjw/c135634/list.shtml")
    soup = BeautifulSoup(listing.text, "lxml")
    channel = soup.find("meta", attrs={"name": "channelId"})["content"]
    assert channel == "135634" and soup.select(".publicList li") == []
    pages = [http.get(f"{base}/es-search/search/{channel}", params={"_template": "ucap/cdtf", "_pageSize": "20",
                                                                    "page": str(n)}) for n in (1, 2, 3)]
    assert all(p.status_code == 200 and p.headers["content-type"] == "application/json" for p in pages)
    docs = [p.json() for p in pages]
    assert [len(d["results"]) for d in docs] == [5, 5, 2]
    assert all(d["total"] == 12 and d["pageSize"] == 5 for d in docs) and [d["page"] for d in docs] == [1, 2, 3]
    times = [r["publishedTimeStr"] for d in docs for r in d["results"]]
    assert times == sorted(times, reverse=True)
    urls = [r["url"] for d in docs for r in d["results"]]
    assert len(set(urls)) == 12 and all(http.get(base + u).status_code == 200 for u in urls[:3])
    assert http.get(f"{base}/es-search/search/{channel}").json()["page"] == 1
    assert http.get(f"{base}/es-search/search/{channel}?page=4").status_code == 404
    assert http.get(f"{base}/es-search/search/999?page=1").status_code == 404


def test_robots_home_and_unknown_paths(tmp_replicas, http):
    base = tmp_replicas.base_urls["sc_wsjkw"]
    robots = http.get(base + "/robots.txt")
    assert robots.headers["content-type"] == "text/plain"
    assert "Disallow: /search/" in robots.text and "Crawl-delay" not in robots.text
    assert "/scwsjkw/gzdt/tygl.shtml" in http.get(base + "/").text
    assert http.get(base + "/nope.html").status_code == 404
    assert http.head(base + "/scwsjkw/gzdt/tygl.shtml").status_code == 200


def test_request_log_records_and_resets(tmp_replicas, http):
    server = tmp_replicas.servers["yc_wsjkw"]
    server.reset_log()
    base = server.base_url
    http.get(base + "/bm/qwsjkw/zwxx_71652/gzdt/index_1.html?x=1")
    http.get(base + "/missing")
    log = server.log()
    assert [(r.method, r.path, r.status) for r in log] == [
        ("GET", "/bm/qwsjkw/zwxx_71652/gzdt/index_1.html?x=1", 200), ("GET", "/missing", 404)]
    assert log[0].time <= log[1].time
    server.reset_log()
    assert server.log() == []


@pytest.mark.parametrize("source_id", [s.id for s in SOURCES])
def test_add_article_appears_on_list_page_one(source_id, tmp_corpus, http):
    source = SOURCE_BY_ID[source_id]
    articles = load_corpus(tmp_corpus).articles
    with ReplicaServer(source, articles) as server:
        column = source.columns[-1]
        first_page = _first_list_path(source, column)
        old_page = http.get(server.base_url + first_page)
        older_article = _article_path(source, next(a for a in articles if a.column == column.path and a.source == source_id))
        old_article = http.get(server.base_url + older_article)
        new = {"id": "added_late", "source": source_id, "column": column.path, "published": "2024-01-02 09:00",
               "title": "新增文章：川渝医院签署专科联盟协议", "body": ["新增正文。"], "attachments": [{"name": "协议.pdf"}]}
        path = server.add_article(new)
        assert path.startswith(layout_for(source, 5).column_dir(column))
        revalidated = http.get(server.base_url + first_page, headers={"If-None-Match": old_page.headers["etag"],
                                                                      "If-Modified-Since": old_page.headers["last-modified"]})
        assert revalidated.status_code == 200 and revalidated.headers["etag"] != old_page.headers["etag"]
        assert path.encode() in revalidated.content or path.rsplit("/", 2)[-1].encode() in revalidated.content
        since_only = http.get(server.base_url + first_page, headers={"If-Modified-Since": old_page.headers["last-modified"]})
        assert since_only.status_code == 200
        assert http.get(server.base_url + path).status_code == 200
        assert http.get(server.base_url + older_article, headers={"If-None-Match": old_article.headers["etag"]}).status_code == 304


def test_add_article_rejects_unknown_column():
    with ReplicaServer(SOURCE_BY_ID["cq_wsjkw"]) as server:
        with pytest.raises(ValueError, match="column '/nope/' is not a column of source cq_wsjkw"):
            server.add_article({"id": "x1", "source": "cq_wsjkw", "column": "/nope/", "published": "2020-01-01 10:00",
                                "title": "t", "body": ["b"]})
        with pytest.raises(ValueError, match="field 'published'"):
            server.add_article({"id": "x2", "source": "cq_wsjkw", "column": "/zwxx_242/gzdt/", "published": "2020-13-01",
                                "title": "t", "body": ["b"]})


def test_intercept_hook_can_replace_or_pass_through(tmp_corpus, http):
    """The seam for the fault-injecting layer (issue 9): a hook that sees each request first."""
    def flaky(request, serve):
        if request.target.endswith("index_1.html"):
            return StaticReply(503, (("Retry-After", "1"),), b"busy")
        return None

    articles = load_corpus(tmp_corpus).articles
    with ReplicaServer(SOURCE_BY_ID["cq_wsjkw"], articles, intercept=flaky) as server:
        assert http.get(server.base_url + "/zwxx_242/gzdt/index_1.html").status_code == 503
        assert http.get(server.base_url + "/zwxx_242/gzdt/index_2.html").status_code == 200
        assert [r.status for r in server.log()] == [503, 200]


def test_start_replicas_registry_and_errors(tmp_replicas, tmp_path):
    assert set(tmp_replicas.servers) == set(SOURCE_BY_ID)
    assert any("broken_one.json" in e for e in tmp_replicas.errors)
    local = tmp_replicas.sources_with_local_urls()
    assert all(s.base_url.startswith("http://127.0.0.1:") for s in local)
    assert len({s.base_url for s in local}) == len(local)  # one origin per source
    written = load_sources(tmp_replicas.write_sources_file(tmp_path / "sources.yaml"))
    assert [(s.id, s.base_url, s.columns) for s in written] == [(s.id, s.base_url, s.columns) for s in local]


def test_start_replicas_serves_only_sources_with_articles(tmp_path):
    write_corpus(tmp_path, [synthetic_article(SOURCE_BY_ID["sc_wsjkw"], 0, 0)])
    with start_replicas(tmp_path, SOURCES) as replicas:
        assert list(replicas.servers) == ["sc_wsjkw"]
        assert [s.id for s in replicas.sources_with_local_urls()] == ["sc_wsjkw"]
