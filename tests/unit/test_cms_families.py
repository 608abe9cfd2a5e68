"""Family parsers beyond the golden pages: list URLs, evidence order, problems and refusals."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from scrapers.cms import FAMILY_NAMES, ParseError, family
from scrapers.cms.dom import parse_html
from scrapers.encoding import decode_html
from scrapers.registry import Column, Source
from tests.support.golden import expected_path, fixture_pages


def source(cms: str, base_url: str, path: str, channel_id: str | None = None) -> tuple[Source, Column]:
    column = Column(path=path, name="工作动态", channel_id=channel_id)
    return Source(id=f"{cms}_test", name="测试站点", cms=cms, base_url=base_url, columns=(column,)), column


@pytest.mark.parametrize("cms, base, path, expected", [
    ("trs", "https://wsjkw.cq.gov.cn", "/zwxx_242/gzdt/",
     ["https://wsjkw.cq.gov.cn/zwxx_242/gzdt/", "https://wsjkw.cq.gov.cn/zwxx_242/gzdt/index_1.html",
      "https://wsjkw.cq.gov.cn/zwxx_242/gzdt/index_2.html"]),
    ("trs", "https://wsjkw.cq.gov.cn", "/zwxx_242/gzdt/index.html",
     ["https://wsjkw.cq.gov.cn/zwxx_242/gzdt/index.html", "https://wsjkw.cq.gov.cn/zwxx_242/gzdt/index_1.html",
      "https://wsjkw.cq.gov.cn/zwxx_242/gzdt/index_2.html"]),
    ("sichuan", "https://wsjkw.sc.gov.cn", "/scwsjkw/gzdt/tygl.shtml",
     ["https://wsjkw.sc.gov.cn/scwsjkw/gzdt/tygl.shtml", "https://wsjkw.sc.gov.cn/scwsjkw/gzdt/tygl_2.shtml",
      "https://wsjkw.sc.gov.cn/scwsjkw/gzdt/tygl_3.shtml"]),
    ("generic", "http://wjw.luzhou.gov.cn", "/xwdt/gzdt/",
     ["http://wjw.luzhou.gov.cn/xwdt/gzdt/", "http://wjw.luzhou.gov.cn/xwdt/gzdt/index_1.html",
      "http://wjw.luzhou.gov.cn/xwdt/gzdt/index_2.html"]),
    ("generic", "http://wjw.example.gov.cn", "/news/list.htm",
     ["http://wjw.example.gov.cn/news/list.htm", "http://wjw.example.gov.cn/news/list_1.htm",
      "http://wjw.example.gov.cn/news/list_2.htm"]),
])
def test_list_page_urls(cms, base, path, expected):
    src, column = source(cms, base, path)
    assert [family(cms).list_page_url(src, column, i) for i in range(3)] == expected


def test_ucap_list_pages_are_the_json_api_counted_from_one():
    src, column = source("ucap", "https://cdwjw.chengdu.gov.cn", "/cdwjw/c135634/list.shtml", channel_id="135634")
    assert family("ucap").list_page_url(src, column, 0) == (
        "https://cdwjw.chengdu.gov.cn/es-search/search/135634?_template=ucap/cdtf&_pageSize=20"
        "&SORTED_TIME=DESC&IS_STICKY=DESC&SEQ_NUM=DESC&page=1")
    assert family("ucap").list_page_url(src, column, 2).endswith("&page=3")


def test_ucap_channel_comes_from_the_path_when_the_registry_has_none():
    src, column = source("ucap", "https://cdwjw.chengdu.gov.cn", "/cdwjw/c135636/list.shtml")
    assert "/es-search/search/135636?" in family("ucap").list_page_url(src, column, 0)
    src, column = source("ucap", "https://cdwjw.chengdu.gov.cn", "/cdwjw/news/list.shtml")
    with pytest.raises(ValueError, match="ucap_test.*channel_id"):
        family("ucap").list_page_url(src, column, 0)


@pytest.mark.parametrize("cms", FAMILY_NAMES)
def test_negative_page_index_is_refused(cms):
    src, column = source(cms, "https://x.gov.cn", "/c1/list.shtml", channel_id="1")
    with pytest.raises(ValueError, match="page_index"):
        family(cms).list_page_url(src, column, -1)


TRS_URL = "https://wsjkw.cq.gov.cn/zwxx_242/gzdt/202004/t20200423_7012345.html"


def trs_article(meta: str = "", bar_date: str = "2020-04-23", body: str = "<p>4月22日，两地签署合作协议，正文占位。</p>",
                before_body: str = "") -> str:
    return (f"<html><head><title>川渝签署合作协议_重庆市卫生健康委员会</title>{meta}</head><body>"
            f"<div class=\"zwxl-title\"><p class=\"tit\">川渝签署合作协议</p><div class=\"zwxl-bar\">"
            f"<span class=\"tit\">发布日期：</span><span class=\"con\">{bar_date}</span></div></div>"
            f"<div class=\"zwxl-article\"><div class=\"view TRS_UEDITOR\">{before_body}{body}</div></div>"
            "</body></html>")


def test_meta_title_unlike_the_visible_title_is_reported_and_the_visible_one_used():
    article = family("trs").parse_article(trs_article('<meta name="ArticleTitle" content="齐齐哈尔市政府门户网站首页">'),
                                          TRS_URL)
    assert article.title == "川渝签署合作协议"
    assert any(p.startswith("title: meta ArticleTitle") for p in article.problems)


def test_pubdate_far_from_the_url_date_is_not_believed():
    article = family("trs").parse_article(trs_article('<meta name="PubDate" content="2016-01-01 08:00">'), TRS_URL)
    assert str(article.published_date) == "2020-04-23"
    assert any("far from the URL date" in p for p in article.problems)


def test_unreadable_pubdate_is_reported_and_the_date_line_used():
    article = family("trs").parse_article(trs_article('<meta name="PubDate" content="20200423">'), TRS_URL)
    assert str(article.published_date) == "2020-04-23"
    assert "published_date: meta PubDate '20200423' is not a date" in article.problems


def test_no_date_anywhere_is_a_problem_not_a_guess():
    url = "http://wjw.example.gov.cn/news/article.html"
    article = family("generic").parse_article(
        "<html><head><title>某某新闻</title></head><body><h1>某某新闻</h1><div id=\"zoom\"><p>正文占位，没有日期。</p>"
        "</div></body></html>", url)
    assert article.published_date is None
    assert "published_date: missing" in article.problems and "content_source: missing" in article.problems


def test_share_bar_at_the_top_of_the_body_does_not_swallow_the_text():
    article = family("trs").parse_article(trs_article(before_body="<div class=\"share\">分享到：微信</div>"), TRS_URL)
    assert article.body_text == "4月22日，两地签署合作协议，正文占位。"


def test_print_area_wrapper_is_kept_while_a_long_related_links_block_goes():
    paragraphs = "".join(f"<p>第{i}段，双方将在医疗服务、公共卫生和人才培养等方面开展合作并建立工作机制。</p>" for i in range(8))
    links = "".join(f"<a href=\"/zwxx_242/gzdt/a{i}.html\">相关新闻第{i}条标题占位文字较长的一条</a>" for i in range(15))
    article = family("trs").parse_article(
        trs_article(body=f"<div id=\"printArea\">{paragraphs}</div><div class=\"xglj\">{links}</div>"), TRS_URL)
    lines = article.body_text.splitlines()
    assert len(lines) == 8 and lines[0].startswith("第0段") and "相关新闻" not in article.body_text


def test_title_without_body_is_kept_with_a_problem():
    article = family("trs").parse_article(trs_article(body=""), TRS_URL)
    assert article.title == "川渝签署合作协议" and article.body_text == ""
    assert "body_text: empty" in article.problems


@pytest.mark.parametrize("cms", FAMILY_NAMES)
@pytest.mark.parametrize("text, message", [
    ("", "empty page"),
    ("   \n", "empty page"),
    ("plain words, no markup", "not an HTML page"),
    ("<html><body><div></div></body></html>", "no article title, body or attachment"),
    (b"<html></html>", "expected decoded text"),
])
def test_unusable_article_pages_raise_one_line_parse_errors(cms, text, message):
    with pytest.raises(ParseError, match=message) as caught:
        family(cms).parse_article(text, "https://x.gov.cn/a.html")
    assert "https://x.gov.cn/a.html" in str(caught.value) and "\n" not in str(caught.value)


def test_ucap_search_answers_that_are_not_lists_raise_parse_errors():
    parse = family("ucap").parse_list
    with pytest.raises(ParseError, match="not JSON"):
        parse('{"results": [', "https://cdwjw.chengdu.gov.cn/es-search/search/1?page=1")
    with pytest.raises(ParseError, match="no 'results' list"):
        parse('{"data": []}', "https://cdwjw.chengdu.gov.cn/es-search/search/1?page=1")


def test_empty_list_page_is_an_empty_list_not_an_error():
    page = family("trs").parse_list("<html><body><div class=\"header\">首页 政务信息 政府信息公开 互动交流</div>"
                                    "<p class=\"right-title\">工作动态</p><ul class=\"tab-item\"></ul>"
                                    "<script>createPage(1, 0, \"index\", \"html\");</script></body></html>",
                                    "https://wsjkw.cq.gov.cn/zwxx_242/gzdt/")
    assert page.items == () and page.total_pages == 1


def test_javascript_next_link_is_not_a_next_page():
    page = family("generic").parse_list(
        "<html><body><ul><li><a href=\"a/t20200101_1.html\">某某新闻标题</a><span>2020-01-01</span></li></ul>"
        "<a href=\"javascript:next()\">下一页</a></body></html>", "http://wjw.example.gov.cn/news/")
    assert len(page.items) == 1 and page.next_url is None


def _html_list_fixtures() -> list[tuple[str, Path]]:
    return [(family_name, page) for family_name in FAMILY_NAMES for page in fixture_pages(family_name)
            if page.suffix == ".html" and json.loads(expected_path(page).read_text("utf-8"))["kind"] == "list"]


@pytest.mark.parametrize("family_name, page", _html_list_fixtures(), ids=lambda value: getattr(value, "stem", value))
def test_list_rows_without_end_tags_are_the_same_rows(family_name, page):
    """Browsers close a row at the next ``<li>``/``<dd>``/``<tr>`` (HTML5 implied end tags); so must we."""
    spec = json.loads(expected_path(page).read_text("utf-8"))
    text = decode_html(page.read_bytes(), spec.get("content_type")).text
    unclosed = re.sub(r"</(span|div|li|p|dd|dt|tr|td)>", "", text)
    parse_list = family(family_name).parse_list
    intact = parse_list(text, spec["url"]).items
    assert intact and parse_list(unclosed, spec["url"]).items == intact


def test_rows_nested_by_missing_end_tags_come_out_as_siblings():
    root = parse_html("<ul><li><span>2021-06-08</span><a href='a.html'>甲</a>"
                      "<li><span>2021-06-09<a href='b.html'>乙</a>"
                      "<li><span>2021-06-10<a href='c.html'>丙</a></ul>", "http://wjw.example.gov.cn/news/")
    rows = root.xpath("//li")
    assert len(rows) == 3 and {row.getparent().tag for row in rows} == {"ul"}
    assert [row.xpath("string(.)") for row in rows] == ["2021-06-08甲", "2021-06-09乙", "2021-06-10丙"]


def test_control_characters_in_nested_rows_read_as_replacement_characters():
    """lxml refuses C0 controls in a tree; the html5lib parse reads them as libxml2 does (U+FFFD)."""
    root = parse_html("<ul><li><span>a\x01b\x00<li>c\ufffe</ul>", "http://wjw.example.gov.cn/news/")
    assert [row.xpath("string(.)") for row in root.xpath("//li")] == ["a\ufffdb\ufffd", "c\ufffd"]


def test_dates_without_their_year_take_it_from_the_url():
    """``4月22日`` on an article and ``04-22`` in a list row are dated by the year in the URL (sites.md §6)."""
    article = family("generic").parse_article(
        "<html><head><title>两地医院签署合作协议</title></head><body><h1>两地医院签署合作协议</h1>"
        "<div class='info'>发布时间：4月22日</div><div id='zoom'><p>4月21日，两地医院签署合作协议，"
        "双方将在专科建设、人才培养等方面开展合作。</p></div></body></html>",
        "http://wjw.luzhou.gov.cn/xwdt/gzdt/2020/art_1.html")
    assert article.published_date == date(2020, 4, 22)
    page = family("generic").parse_list(
        "<html><body><ul><li><a href='2020/art_1.html'>两地医院签署合作协议</a><span>04-22</span></li>"
        "<li><a href='2019/art_9.html'>市卫健委召开会议</a><span>12-30</span></li>"
        "<li><a href='art_7.html'>没有年份的文章</a><span>12-30</span></li></ul></body></html>",
        "http://wjw.luzhou.gov.cn/xwdt/gzdt/")
    assert [(item.url.rsplit("/", 2)[-2:], item.published_date) for item in page.items] == [
        (["2020", "art_1.html"], date(2020, 4, 22)), (["2019", "art_9.html"], date(2019, 12, 30))]
