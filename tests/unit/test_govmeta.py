"""The national meta-tag standard: name= or http-equiv=, any case, bad values treated as missing."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from scrapers.govmeta import GovMeta, read_govmeta, usable


def head(*tags: str) -> BeautifulSoup:
    return BeautifulSoup(f"<html><head>{''.join(tags)}</head><body></body></html>", "lxml")


CQ_ARTICLE = head(
    '<meta name="SiteName" content="重庆市卫生健康委员会">',
    '<meta name="SiteDomain" content="https://wsjkw.cq.gov.cn/">',
    '<meta name="SiteIDCode" content="5000000038">',
    '<meta name="ColumnName" content="工作动态">',
    '<meta name="ArticleTitle" content="川渝卫生健康部门签署合作协议">',
    '<meta name="PubDate" content="2020-04-23 10:30:00">',
    '<meta name="ContentSource" content="重庆市卫生健康委员会">',
    '<meta name="Keywords" content="合作;协议;">',
)


def test_reads_every_standard_tag():
    meta = read_govmeta(CQ_ARTICLE)
    assert meta == GovMeta(site_name="重庆市卫生健康委员会", site_domain="wsjkw.cq.gov.cn", site_id_code="5000000038",
                           column_name="工作动态", article_title="川渝卫生健康部门签署合作协议",
                           pub_date="2020-04-23 10:30:00", content_source="重庆市卫生健康委员会",
                           keywords=("合作", "协议"))
    assert meta.as_dict()["Keywords"] == "合作;协议"


def test_http_equiv_and_case_insensitive_names():
    meta = read_govmeta(head('<meta http-equiv="PubDate" content="2021-06-08 09:05">',
                             '<META NAME="articletitle" CONTENT="标题">', '<meta name="SITENAME" content="某某网站">'))
    assert (meta.pub_date, meta.article_title, meta.site_name) == ("2021-06-08 09:05", "标题", "某某网站")


@pytest.mark.parametrize("value", ["null", "NULL", "", "   ", "undefined", "${ColumnName}", "{{column.name}}",
                                   "<trs_column field='chnlname'/>", "$ColumnName", "<%=name%>", "[!--column--]"])
def test_bad_values_are_missing(value):
    meta = read_govmeta(head(f'<meta name="ColumnName" content="{value}">'))
    assert meta.column_name is None
    assert usable(value) is None


def test_first_usable_value_wins_over_a_blank_duplicate():
    meta = read_govmeta(head('<meta name="ContentSource" content="">', '<meta name="ContentSource" content="市卫生健康委">'))
    assert meta.content_source == "市卫生健康委"


def test_seo_keywords_are_kept_apart_from_the_standard_keywords():
    both = read_govmeta(head('<meta name="keywords" content="重庆卫生健康,卫健委">', '<meta name="Keywords" content="合作,协议">'))
    assert both.keywords == ("合作", "协议") and both.seo_keywords == ("重庆卫生健康", "卫健委")
    assert both.as_dict() == {"Keywords": "合作;协议", "keywords": "重庆卫生健康;卫健委"}
    only_seo = read_govmeta(head('<meta name="keywords" content="泸州，卫生健康、合作">'))
    assert only_seo.keywords == ("泸州", "卫生健康", "合作") and only_seo.seo_keywords == ()


@pytest.mark.parametrize("code, kept", [("5000000038", True), ("bm01000001", True), ("51010000XX", False),
                                        ("500000", False)])
def test_site_id_code_must_have_the_standard_shape(code, kept):
    meta = read_govmeta(head(f'<meta name="SiteIDCode" content="{code}">'))
    assert (meta.site_id_code == code) is kept


def test_page_without_tags_and_unrelated_meta():
    meta = read_govmeta(head('<meta charset="utf-8">', '<meta name="viewport" content="width=device-width">',
                             '<meta property="og:title" content="x">'))
    assert meta == GovMeta() and meta.as_dict() == {}

