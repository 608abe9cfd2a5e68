"""Anti-bot challenge pages are recognised (with a reason), ordinary pages are not."""
from __future__ import annotations

import pytest

from scrapers.challenge import looks_like_challenge, visible_text
from scrapers.cms import ParseError, family

RUISHU_412 = ('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
              '<script type="text/javascript">$_ts=window[\'$_ts\'];if(!$_ts)$_ts={};$_ts.nsd=12345;'
              "$_ts.cd=\"qqqrrr\";</script><script type=\"text/javascript\" charset=\"utf-8\" "
              'src="/aBcDeF/gHiJk.b4c45da.js" r=\'m\'></script></head><body></body></html>')
JIASULE_521 = ("<html><body><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')"
               "+('r')+('a')+('n')+('c')+('e')+('=')+(1)+('6');document.cookie='__jsl_clearance=1600000000.1|0|abc';"
               "location.href=location.pathname+location.search</script></body></html>")
CAPTCHA = ("<html><head><title>安全验证</title></head><body><form><p>访问过于频繁，请输入验证码后继续访问</p>"
           "<img src=\"/captcha.jpg\"><input name=\"code\"><button>提交</button></form></body></html>")
SCRIPT_ONLY = "<html><head><script src=\"/js/boot.js\"></script></head><body><script>init();</script></body></html>"
ARTICLE = ("<html><head><title>市卫生健康委召开工作会议_重庆市卫生健康委员会</title><script src=\"/js/jquery.js\">"
           "</script></head><body><div class=\"zwxl-article\"><p>4月22日，市卫生健康委召开全市卫生健康工作会议，"
           "部署年度重点任务。</p></div><script>var _trs_uv='x';</script></body></html>")


@pytest.mark.parametrize("status, text, words", [
    (412, RUISHU_412, "$_ts"),
    (200, RUISHU_412, "$_ts"),
    (521, JIASULE_521, "__jsl_clearance"),
    (200, CAPTCHA, "请输入验证码"),
    (412, "<html><body>Precondition Failed</body></html>", "412"),
    (521, "", "521"),
    (200, SCRIPT_ONLY, "only <script>"),
    (None, SCRIPT_ONLY, "only <script>"),
])
def test_challenges_are_recognised_with_a_reason(status, text, words):
    reason = looks_like_challenge(status, text)
    assert reason and words in reason


@pytest.mark.parametrize("status, text", [
    (200, ARTICLE),
    (200, "<html><body><p>本栏目暂无信息</p></body></html>"),
    (404, SCRIPT_ONLY),  # a JavaScript redirect on a not-found page is not a challenge
    (200, ""),
    (503, "<html><body>Service Unavailable</body></html>"),
    (200, '{"results": [], "total": 0}'),
])
def test_ordinary_pages_are_not_challenges(status, text):
    assert looks_like_challenge(status, text) is None


def test_visible_text_ignores_scripts_styles_comments_and_unclosed_scripts():
    html = "<p>甲</p><script>var s='<p>乙</p>';</script><style>p{}</style><!-- 丙 --><p>丁</p><script>never closed"
    assert visible_text(html) == "甲 丁"


@pytest.mark.parametrize("name", ["trs", "sichuan", "ucap", "generic"])
def test_parsers_refuse_challenge_pages(name):
    parser = family(name)
    with pytest.raises(ParseError, match="anti-bot challenge"):
        parser.parse_article(RUISHU_412, "https://cdwjw.chengdu.gov.cn/cdwjw/c135634/list.shtml")
    with pytest.raises(ParseError, match="anti-bot challenge"):
        parser.parse_list(CAPTCHA, "https://cdwjw.chengdu.gov.cn/cdwjw/c135634/list.shtml")
