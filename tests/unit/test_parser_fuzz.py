"""Hostile input: random bytes, mutated fixture pages and generated HTML into every family parser.

Whatever arrives, decoding must return text and the parsers may only raise ``ParseError``
(which the crawler records as a parse failure); anything else would be a crash in a nightly run.
"""
from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrapers.cms import FAMILY_NAMES, ParseError, family
from scrapers.encoding import decode_html
from tests.support.golden import fixture_pages

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
URLS = {
    "trs": "https://wsjkw.cq.gov.cn/zwxx_242/gzdt/202004/t20200423_7012345.html",
    "sichuan": "https://wsjkw.sc.gov.cn/scwsjkw/gzdt/2020/4/24/3f2a9c1d5e6b4a7f8c0d1e2f3a4b5c6d.shtml",
    "ucap": "https://cdwjw.chengdu.gov.cn/es-search/search/135634?_pageSize=20&page=1",
    "generic": "http://wjw.luzhou.gov.cn/xwdt/gzdt/index_1.html",
}
SEEDS = [page.read_bytes() for name in FAMILY_NAMES for page in fixture_pages(name)]


def parse_everywhere(raw: bytes, content_type: str | None, families=FAMILY_NAMES) -> None:
    text = decode_html(raw, content_type).text
    assert isinstance(text, str)
    for name in families:
        module = family(name)
        for parse in (module.parse_list, module.parse_article):
            try:
                parse(text, URLS[name])
            except ParseError as exc:
                assert "\n" not in str(exc), "ParseError messages are one line"


@FUZZ
@given(raw=st.binary(max_size=2048),
       content_type=st.sampled_from([None, "text/html", "text/html; charset=utf-8", "text/html; charset=gbk",
                                     "application/json", "text/html; charset=bogus"]))
def test_random_bytes(raw, content_type):
    parse_everywhere(raw, content_type)


@st.composite
def mutated_pages(draw):
    """A fixture page with slices deleted, duplicated or replaced by random bytes, possibly truncated."""
    page = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, len(page)))
        end = draw(st.integers(start, min(len(page), start + 400)))
        action = draw(st.sampled_from(["delete", "duplicate", "replace"]))
        if action == "delete":
            del page[start:end]
        elif action == "duplicate":
            page[start:start] = page[start:end]
        else:
            page[start:end] = draw(st.binary(max_size=64))
    if draw(st.booleans()):
        page = page[:draw(st.integers(0, len(page)))]
    return bytes(page)


#: Leaving these out nests list rows under libxml2, so the page is parsed again by html5lib.
ROW_END_TAGS = re.compile(rb"</(?:span|div|li|p|dd|dt|tr|td)>")


@FUZZ
@given(raw=mutated_pages(), name=st.sampled_from(FAMILY_NAMES), unclosed=st.booleans())
def test_mutated_fixture_pages(raw, name, unclosed):
    parse_everywhere(ROW_END_TAGS.sub(b"", raw) if unclosed else raw, None, families=(name,))


TEXT = st.text(alphabet=st.sampled_from(list("合作协议签署重庆四川月日年〇二十 \n0123456789-/.:：<>&\"'")), max_size=24)
HREF = st.one_of(TEXT, st.sampled_from([
    "./202004/t20200422_1.html", "/scwsjkw/gzdt/2020/2/30/0123456789abcdef0123456789abcdef.shtml",
    "/cdwjw/c1/2020-13/40/content_ab.shtml", "javascript:void(0)", "file:///C:/a.doc", "http://[::1", "//",
    "http://other.example/t20200101_1.html", "./P020200422.pdf", "",
]))
ATTRIBUTES = st.dictionaries(
    st.sampled_from(["class", "id", "href", "title", "onclick", "name", "content", "http-equiv", "charset"]),
    st.one_of(HREF, st.sampled_from(["zwxl-article", "view TRS_UEDITOR", "wy_contMain fontSt", "detail_content",
                                     "PubDate", "ArticleTitle", "ContentSource", "zwxl-table", "share",
                                     "downloadFj('a.pdf','./P0.pdf')", "downloadFj('", "null", "${x}"])),
    max_size=3)
TAGS = st.sampled_from(["div", "p", "li", "ul", "a", "span", "table", "tr", "td", "meta", "title", "script", "h1",
                        "br", "img", "button"])


def render(node) -> str:
    if isinstance(node, str):
        return node
    tag, attributes, children = node
    attrs = "".join(f' {k}="{v}"' for k, v in attributes.items())
    return f"<{tag}{attrs}>{''.join(render(c) for c in children)}</{tag}>"


HTML = st.recursive(TEXT, lambda children: st.tuples(TAGS, ATTRIBUTES, st.lists(children, max_size=4)), max_leaves=25)


@FUZZ
@given(tree=HTML, before=st.sampled_from(["", "<html><head>", "<!DOCTYPE html><html><body>", "{", "\ufeff"]))
def test_generated_html(tree, before):
    parse_everywhere((before + render(tree)).encode("utf-8"), "text/html")
