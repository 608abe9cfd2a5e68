"""Chinese page dates: every accepted form, impossible and missing dates as problems, never guesses."""
from __future__ import annotations

from datetime import date, time

import pytest

from scrapers.dates import (cn_number, date_from_url, find_event_date, find_signoff_date, infer_year, parse_date,
                            parse_labelled_date, parse_row_date, year_from_url)


@pytest.mark.parametrize("text, expected", [
    ("2020-04-22", date(2020, 4, 22)),
    ("2020/4/22", date(2020, 4, 22)),
    ("2020.04.22", date(2020, 4, 22)),
    ("2020年4月22日", date(2020, 4, 22)),
    ("2020 年 4 月 22 日", date(2020, 4, 22)),
    ("2020年04月22日 10:30", date(2020, 4, 22)),
    ("二〇二〇年四月二十二日", date(2020, 4, 22)),
    ("二〇一九年十二月三十一日", date(2019, 12, 31)),
    ("二〇二一年一月十日", date(2021, 1, 10)),
    ("二O二O年十月一日", date(2020, 10, 1)),  # a Latin O typed for 〇
    ("二零二零年三月五日", date(2020, 3, 5)),
    ("２０２０／４／２２", date(2020, 4, 22)),  # full-width
    ("发布时间：2021-07-09", date(2021, 7, 9)),
    ("发布日期：2020年4月22日 浏览次数：36", date(2020, 4, 22)),
    ("[2019-12-03]", date(2019, 12, 3)),
    ("见2020.04.22.", date(2020, 4, 22)),
])
def test_accepted_forms(text, expected):
    result = parse_date(text)
    assert result.value == expected and result.problem is None


@pytest.mark.parametrize("text, clock", [
    ("2024-04-22 10:30:00", time(10, 30)),
    ("2024-04-22 10:30", time(10, 30)),
    ("2024-04-22", None),
    ("2020年04月22日 08:05", time(8, 5)),
])
def test_meta_pubdate_with_and_without_time_and_seconds(text, clock):
    result = parse_date(text)
    assert result.value == date(2024 if text.startswith("2024") else 2020, 4, 22)
    assert result.time == clock


@pytest.mark.parametrize("text", ["2020-02-30", "2019-02-29", "2020-13-01", "2020年2月30日", "二〇二〇年四月三十二日",
                                  "2020/00/10", "0202-04-22"])
def test_impossible_dates_are_problems_not_guesses(text):
    result = parse_date(text)
    assert result.value is None and result.invalid
    assert text in result.problem


def test_impossible_time_keeps_the_date_and_says_so():
    result = parse_date("2020-04-22 25:61")
    assert result.value == date(2020, 4, 22) and result.time is None
    assert "impossible time" in result.problem


@pytest.mark.parametrize("text", [None, "", "   ", "发布时间：", "第20200422号", "2020年4月"])
def test_missing_dates_are_problems(text):
    result = parse_date(text)
    assert result.value is None and not result.invalid and result.problem


def test_month_day_needs_the_year_from_the_caller():
    assert parse_date("4月22日").value is None
    assert "no year" in parse_date("4月22日").problem
    assert parse_date("4月22日", year=2020).value == date(2020, 4, 22)
    assert parse_date("四月二十二日", year=2020).value == date(2020, 4, 22)
    assert parse_date("2月30日", year=2020).invalid


def test_labelled_date_skips_unlabelled_numbers():
    text = "索引号：11500000/2020-00123 文号：渝卫发〔2020〕1号 发布时间：2020-04-23 10:30"
    assert parse_labelled_date(text).value == date(2020, 4, 23)
    assert parse_labelled_date("日期：2020-02-30").invalid
    assert not parse_labelled_date("浏览次数：2020").ok


def test_a_labelled_month_day_date_takes_the_callers_year_and_never_hides_a_full_one():
    assert parse_labelled_date("发布时间：4月22日", year=2020).value == date(2020, 4, 22)
    assert not parse_labelled_date("发布时间：4月22日").ok
    assert parse_labelled_date("时间：4月22日 发布日期：2020-04-23").value == date(2020, 4, 23)


def test_a_list_row_date_without_its_year_takes_the_year_of_the_article_url():
    assert parse_row_date("04-22", 2020).value == date(2020, 4, 22)
    assert parse_row_date("[4月21日]", 2020).value == date(2020, 4, 21)
    assert parse_row_date("2019-04-22", 2020).value == date(2019, 4, 22)  # a full date wins
    assert parse_row_date("04-22", None).value is None  # never a guessed year
    assert parse_row_date("02-30", 2021).invalid
    assert parse_row_date("028-86123456", 2020).value is None  # a phone number is not a date


@pytest.mark.parametrize("url, year", [
    ("https://wsjkw.cq.gov.cn/zwxx_242/gzdt/202004/t20200422_7012345.html", 2020),
    ("http://wjw.luzhou.gov.cn/xwdt/gzdt/2020/art_1.html", 2020),
    ("http://wjw.example.gov.cn/news/201912/abc.htm", 2019),
    ("http://wjw.example.gov.cn/news/art_2020.html", None),
    ("http://wjw.example.gov.cn/1800/a.html", None),
])
def test_year_from_url(url, year):
    assert year_from_url(url) == year


@pytest.mark.parametrize("url, expected", [
    ("http://wjw.suining.gov.cn/xwzx/2021/6/8/news_12.shtml", date(2021, 6, 8)),
    ("https://wsjkw.cq.gov.cn/zwxx_242/gzdt/202004/t20200422_7012345.html", date(2020, 4, 22)),
    ("https://wsjkw.sc.gov.cn/scwsjkw/gzdt/2020/4/22/0123456789abcdef0123456789abcdef.shtml", date(2020, 4, 22)),
    ("https://cdwjw.chengdu.gov.cn/cdwjw/c135634/2020-04/22/content_0123456789abcdef0123456789abcdef.shtml",
     date(2020, 4, 22)),
    ("https://wsjkw.cq.gov.cn/zwxx_242/gzdt/", None),
    ("https://wsjkw.cq.gov.cn/zwxx_242/gzdt/202004/P020200422123456789012.pdf", None),
])
def test_url_date_segments(url, expected):
    assert date_from_url(url).value == expected


def test_impossible_url_date_is_a_problem():
    result = date_from_url("https://wsjkw.cq.gov.cn/zwxx_242/gzdt/202002/t20200230_1.html")
    assert result.invalid and "t20200230_1.html" in result.problem


@pytest.mark.parametrize("text, value", [("〇", 0), ("十", 10), ("十二", 12), ("二十", 20), ("三十一", 31),
                                         ("二〇二〇", 2020), ("十十", None), ("三十一十", None), ("甲", None)])
def test_chinese_numerals(text, value):
    assert cn_number(text) == value


def test_event_date_from_a_signing_sentence_takes_the_publication_year():
    body = ("为推动两地协同发展，双方开展了多轮磋商。\n"
            "4月22日，重庆市卫生健康委员会与四川省卫生健康委员会在重庆签署合作协议。")
    assert find_event_date(body, date(2020, 4, 23)).value == date(2020, 4, 22)


def test_event_date_across_new_year_belongs_to_the_previous_year():
    body = "12月30日，两院正式签约共建专科联盟。"
    assert find_event_date(body, date(2021, 1, 4)).value == date(2020, 12, 30)
    assert infer_year(4, 25, date(2020, 4, 22)) == 2020  # a signing announced a few days ahead


def test_event_date_with_full_date_and_without_signing():
    assert find_event_date("2019年11月6日，双方签约共建心血管专科联盟。", None).value == date(2019, 11, 6)
    assert find_event_date("7月8日，泸州市召开座谈会，与会代表进行了交流。", date(2021, 7, 9)) is None
    assert "no year" in find_event_date("5月11日，两院签署协议。", None).problem


def test_signoff_date_is_a_date_alone_on_one_of_the_last_lines():
    body = "各区县卫生健康委：\n现将有关事项通知如下。\n重庆市卫生健康委员会\n二〇二〇年四月二十日\n（此件公开发布）"
    assert find_signoff_date(body).value == date(2020, 4, 20)
    assert find_signoff_date("正文。\n四川省卫生健康委员会\n2021年5月8日").value == date(2021, 5, 8)
    assert find_signoff_date("正文。\n重庆市卫生健康委员会\u30002018年1月1日").value == date(2018, 1, 1)
    assert find_signoff_date("2020年4月20日，会议召开。\n会议要求抓好落实。") is None
    assert find_signoff_date("正文。\n会议定于2020年4月20日") is None
    assert find_signoff_date("正文。\n会议时间： 2020年4月20日") is None
    assert find_signoff_date("正文。\n二〇二〇年二月三十日").invalid
    assert find_signoff_date("") is None
