"""Regressions found by comparing the lxml parsers with the earlier BeautifulSoup ones."""
from scrapers.cms import ParseError, family

ARTICLE = """<html><head><meta name="ArticleTitle" content="两地医院签署合作协议">
<meta name="PubDate" content="2021-06-08 10:00"></head><body>
<div class="zwxl-article"><div class="view TRS_UEDITOR trs_paper_default">
<p>6月8日，两家医院签署合作协议。</p><div class="bdsharebuttonbox">分享到</div>\x01\x02尾部文字\x0b继续
<p>双方将开展远程会诊合作。</p></div></div></body></html>"""


def test_text_with_control_characters_after_a_removed_block_parses():
    url = "https://wsjkw.cq.gov.cn/zwxx_242/gzdt/202106/t20210608_1234567.html"
    try:
        article = family("trs").parse_article(ARTICLE, url)
    except ParseError as exc:  # a recorded parse error would be acceptable; a crash is not
        raise AssertionError(f"unexpected parse error: {exc}") from exc
    assert article.title == "两地医院签署合作协议"
    assert "两家医院签署合作协议" in article.body_text and "远程会诊" in article.body_text
    assert "分享到" not in article.body_text
