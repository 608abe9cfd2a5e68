"""Turn the raw bytes of a page into text, saying which encoding was used and how.

Chinese government sites rarely put a charset in ``Content-Type``; older ones serve GBK with
only a ``<meta charset=gb2312>``, and a few declare UTF-8 while sending GBK. httpx guesses
UTF-8 and silently produces U+FFFD, so healthcoop decodes the bytes itself, in the order
BOM → HTTP header charset → ``<meta>`` charset → detection → UTF-8 with replacement
(``shared/research/prefect-duckdb.md`` §9.4).

Every GB label (gb2312, gbk, …) is decoded as gb18030, a strict superset, so characters
outside GB2312 such as 镕 or 堃 survive. A declared encoding that produces replacement
characters while the other common encoding (UTF-8 ↔ gb18030) decodes cleanly is treated as
a mis-declaration: the clean decoding wins and ``note`` says so.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Iterator

import charset_normalizer

#: Labels decoded as gb18030, the superset of all of them.
GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030", "gb_2312-80", "gb_2312", "gb2312-80", "csgb2312", "x-gbk",
                       "cp936", "ms936", "windows-936", "euc-cn", "euccn", "iso-ir-58", "chinese", "hz-gb-2312"})
#: How far into the document a ``<meta>`` charset is looked for (Chinese templates have long heads).
META_SCAN_BYTES = 8192
#: A declared encoding is distrusted only when it yields at least this many U+FFFD.
MISDECLARED_MIN_REPLACEMENTS = 3
#: Share of non-ASCII characters that must be CJK for a strict gb18030 decoding to be trusted.
CJK_SHARE_FOR_GB = 0.5

#: Single-byte Western codecs (by ``codecs.lookup`` name): every byte decodes, so none yields U+FFFD.
_WESTERN_SINGLE_BYTE = frozenset({"iso8859-1", "cp1252", "iso8859-15"})
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^\s"';,]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass(frozen=True)
class DecodedText:
    """A decoded page. Unpacks as ``(text, encoding, replacements)``.

    ``encoding`` is a Python codec name that re-decodes the stored bytes the same way;
    ``chosen_by`` is the step that decided (``bom``, ``header``, ``meta``, ``detector``,
    ``fallback``); ``note`` explains an override of what the page declared.
    """

    text: str
    encoding: str
    replacements: int
    chosen_by: str
    note: str | None = None

    def __iter__(self) -> Iterator[object]:
        return iter((self.text, self.encoding, self.replacements))


def normalize_label(label: str | None) -> str | None:
    """The Python codec for a charset label, with GB labels widened to gb18030; None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in GB_FAMILY:
        return "gb18030"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in ("gb2312", "gbk", "hz"):
        return "gb18030"
    return "utf-8" if name in ("utf-8", "ascii") else name


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a ``Content-Type`` header, as a codec name (None if absent/unknown)."""
    match = _HEADER_CHARSET.search(content_type or "")
    return normalize_label(match.group(1)) if match else None


def meta_charset(body: bytes) -> str | None:
    """The charset of ``<meta charset>`` or ``<meta http-equiv=Content-Type content=…charset=…>``."""
    for match in _META_CHARSET.finditer(body[:META_SCAN_BYTES]):
        codec = normalize_label(match.group(1).decode("ascii", "ignore"))
        if codec:
            return codec
    return None


def decode_html(body: bytes, content_type: str | None = None) -> DecodedText:
    """Decode a page: BOM → header charset → meta charset → detection → UTF-8 with replacement."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text, count = _decode_counting(body[len(bom):], codec)
            return DecodedText(text, codec, count, "bom")
    for step, codec in (("header", header_charset(content_type)), ("meta", meta_charset(body))):
        if codec:
            return _decode_declared(body, codec, step)
    return _detect(body)


def _decode_counting(body: bytes, codec: str) -> tuple[str, int]:
    text = body.decode(codec, errors="replace")
    return text, text.count("\ufffd")


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_declared(body: bytes, codec: str, step: str) -> DecodedText:
    text, count = _decode_counting(body, codec)
    if count >= MISDECLARED_MIN_REPLACEMENTS:
        doubt = f"that gives {count} U+FFFD"
    elif _is_western_single_byte(codec) and sum(byte > 127 for byte in body) >= MISDECLARED_MIN_REPLACEMENTS:
        # Every byte decodes in these, so a Chinese page mislabelled with one (a server
        # default) would read as mojibake without a single U+FFFD.
        doubt = "that reads its non-ASCII bytes as Latin letters"
    else:
        return DecodedText(text, codec, count, step)
    for alternative in ("utf-8", "gb18030"):
        if alternative == codec:
            continue
        clean = _strict(body, alternative)
        if clean is not None and (alternative == "utf-8" or _looks_chinese(clean)):
            note = f"{step} declared {codec} but {doubt}; the bytes decode cleanly as {alternative}"
            return DecodedText(clean, alternative, 0, step, note)
    return DecodedText(text, codec, count, step)


def _is_western_single_byte(codec: str) -> bool:
    try:
        return codecs.lookup(codec).name in _WESTERN_SINGLE_BYTE
    except LookupError:
        return False


def _looks_chinese(text: str) -> bool:
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return non_ascii > 0 and len(_CJK.findall(text)) / non_ascii >= CJK_SHARE_FOR_GB


def _detect(body: bytes) -> DecodedText:
    """No declaration: valid UTF-8 wins, then gb18030 if it reads as Chinese, then the detector.

    The gb18030 check comes before charset-normalizer because on short GBK pages the
    detector prefers Korean or Japanese codecs, and every site healthcoop reads is Chinese.
    """
    text = _strict(body, "utf-8")
    if text is not None:
        return DecodedText(text, "utf-8", 0, "detector")
    text = _strict(body, "gb18030")
    if text is not None and _looks_chinese(text):
        return DecodedText(text, "gb18030", 0, "detector")
    best = charset_normalizer.from_bytes(body).best()
    codec = normalize_label(best.encoding) if best is not None else None
    if codec:
        text, count = _decode_counting(body, codec)
        return DecodedText(text, codec, count, "detector")
    text, count = _decode_counting(body, "utf-8")
    return DecodedText(text, "utf-8", count, "fallback")
