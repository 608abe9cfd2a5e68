"""Decoding the bytes of Chinese government pages: BOM → header → meta → detection → fallback."""
from __future__ import annotations

import codecs

import pytest

from scrapers.encoding import decode_html, header_charset, meta_charset, normalize_label

NOTICE = ("泸州市卫生健康委员会与重庆市永川区卫生健康委员会签署医疗卫生合作协议，"
          "双方将在医疗资源共享、卫生应急联动和人才培养等方面加强合作。")


def page(head: str = "", body: str = NOTICE) -> str:
    return f"<html><head>{head}<title>工作动态</title></head><body><div class=\"con\"><p>{body}</p></div></body></html>"


def test_gbk_page_with_meta_charset_and_no_header_charset():
    raw = page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gbk")
    text, encoding, replacements = decode_html(raw, "text/html")
    assert (encoding, replacements) == ("gb18030", 0)
    assert NOTICE in text


def test_gbk_page_without_any_declaration_is_detected():
    decoded = decode_html(page().encode("gbk"), None)
    assert (decoded.encoding, decoded.chosen_by, decoded.replacements) == ("gb18030", "detector", 0)
    assert NOTICE in decoded.text


def test_short_gbk_page_is_not_taken_for_korean():
    # charset-normalizer alone calls these bytes cp949; Chinese sites come first here.
    decoded = decode_html("<p>合作协议</p>".encode("gbk"))
    assert decoded.text == "<p>合作协议</p>"


def test_gb2312_header_decodes_characters_outside_gb2312():
    # 镕 and 堃 are GBK-only: a strict gb2312 decoder turns them into U+FFFD.
    raw = page(body="主任李镕、副主任王堃出席签约仪式。").encode("gb18030")
    text, encoding, replacements = decode_html(raw, "text/html; charset=GB2312")
    assert (encoding, replacements) == ("gb18030", 0)
    assert "李镕" in text and "王堃" in text


def test_gbk_body_misdeclared_as_utf8_in_header_is_detected_and_noted():
    raw = page().encode("gbk")
    decoded = decode_html(raw, "text/html; charset=utf-8")
    assert decoded.encoding == "gb18030" and decoded.replacements == 0
    assert NOTICE in decoded.text
    assert decoded.chosen_by == "header"
    assert "declared utf-8" in decoded.note and "U+FFFD" in decoded.note


@pytest.mark.parametrize("label, body_codec", [("ISO-8859-1", "gb18030"), ("windows-1252", "utf-8")])
def test_chinese_body_labelled_with_a_western_single_byte_charset_is_read_right_and_noted(label, body_codec):
    """Latin-1 and cp1252 decode any bytes without a U+FFFD: mojibake would pass unnoticed."""
    body = "<p>重庆市卫生健康委员会与泸州市卫生健康委员会签署合作协议，堃镕</p>".encode(body_codec)
    decoded = decode_html(body, f"text/html; charset={label}")
    assert "签署合作协议，堃镕" in decoded.text and decoded.encoding == body_codec
    assert decoded.note.startswith("header declared") and decoded.replacements == 0


def test_a_real_latin1_page_stays_latin1():
    decoded = decode_html("<p>café résumé naïve</p>".encode("latin-1"), "text/html; charset=iso-8859-1")
    assert decoded.text == "<p>café résumé naïve</p>" and decoded.note is None and decoded.replacements == 0


def test_utf8_body_misdeclared_as_gb2312_in_meta_is_read_as_utf8():
    raw = page('<meta charset="gb2312">').encode("utf-8")
    decoded = decode_html(raw, "text/html")
    assert decoded.encoding == "utf-8" and NOTICE in decoded.text
    assert decoded.note and "meta declared gb18030" in decoded.note


def test_header_charset_wins_over_meta_charset():
    raw = page('<meta charset="gbk">').encode("utf-8")
    decoded = decode_html(raw, "text/html; charset=UTF-8")
    assert (decoded.encoding, decoded.chosen_by, decoded.note) == ("utf-8", "header", None)


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                                        (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_byte_order_mark_wins_over_every_declaration(bom, codec):
    raw = bom + page('<meta charset="gbk">').encode(codec)
    decoded = decode_html(raw, "text/html; charset=gbk")
    assert (decoded.encoding, decoded.chosen_by) == (codec, "bom")
    assert decoded.text.startswith("<html>") and NOTICE in decoded.text


def test_undecodable_bytes_fall_back_and_count_replacements():
    raw = page().encode("utf-8")[:60] + b"\xff\xfe\xfa" + b"</p></body></html>"
    decoded = decode_html(raw, "text/html; charset=utf-8")
    assert decoded.encoding == "utf-8"
    assert decoded.replacements == decoded.text.count("\ufffd") == 3


def test_unpacks_as_a_triple():
    text, encoding, replacements = decode_html(b"<p>ok</p>")
    assert (text, encoding, replacements) == ("<p>ok</p>", "utf-8", 0)


@pytest.mark.parametrize("label, codec", [
    ("gb2312", "gb18030"), ("GBK", "gb18030"), ("GB_2312-80", "gb18030"), ("x-gbk", "gb18030"),
    ("cp936", "gb18030"), ("GB18030", "gb18030"), ("utf8", "utf-8"), ("UTF-8", "utf-8"), ("us-ascii", "utf-8"),
    ("big5", "big5"), ("no-such-charset", None), ("", None), (None, None),
])
def test_labels_are_normalised_with_gb_labels_widened(label, codec):
    assert normalize_label(label) == codec


@pytest.mark.parametrize("content_type, codec", [
    ("text/html; charset=gb2312", "gb18030"), ('text/html; charset="UTF-8"', "utf-8"),
    ("text/html;charset=GBK;q=1", "gb18030"), ("text/html", None), (None, None),
])
def test_header_charset(content_type, codec):
    assert header_charset(content_type) == codec


@pytest.mark.parametrize("head, codec", [
    (b'<meta charset="GB2312">', "gb18030"),
    (b"<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=gbk'>", "gb18030"),
    (b'<meta charset=utf-8 />', "utf-8"),
    (b'<meta charset="bogus"><meta charset="gbk">', "gb18030"),
    (b'<meta name="SiteName" content="x">', None),
])
def test_meta_charset(head, codec):
    assert meta_charset(b"<html><head>" + head + b"</head></html>") == codec
