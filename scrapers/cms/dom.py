"""HTML building blocks shared by the family parsers: soup, links, readable text, body, attachments.

The rules follow ``shared/research/sites.md`` §6 and §9: find the body by a chain of known
containers and fall back to the densest ``<p>`` block; drop share widgets, tool bars and
footers; cut the body at "相关链接"/"上一篇" and similar; keep attachment links (including
the Chongqing ``downloadFj('name','path')`` buttons) and drop editor artefacts.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, NavigableString, Tag

from scrapers.challenge import looks_like_challenge
from scrapers.cms import ParseError
from scrapers.records import Attachment

#: Body containers of the known platforms, most specific first (sites.md §9.2).
BODY_CHAIN = (
    ".zwxl-article [class*=TRS_UEDITOR]", ".zwxl-article", "div.zwxl-main", ".wy_contMain.fontSt",
    ".detail_content", "#UCAP-CONTENT", "#artcle .content", ".TRS_Editor", "#zoom", ".trs_paper_default",
)
#: Containers outside the body that hold attachment links on some platforms.
ATTACHMENT_BLOCKS = ("[class*=fujian]", "[id*=fujian]", "[class*=attach]", ".wy_wj_more")
FILE_EXTENSIONS = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd", "zip", "rar", "7z", "txt",
                             "csv", "mp4", "ppt", "pptx"})
#: Elements removed from a body before its text is read.
NOISE_SELECTORS = ("script", "style", "noscript", "button", "iframe", "input", "select", "textarea", "object",
                   "#div_div", ".bdsharebuttonbox", "#Canvas")
#: Class or id fragments of tool bars, share widgets, related links and footers inside a body.
FURNITURE_CLASS_FRAGMENTS = ("foot", "share", "xglj", "fujian", "print")
#: Short headings that start related content; the body ends before them.
_CUT_HEADING = re.compile(r"^[【\[（(\s]*(?:相关链接|相关文件|相关报道|相关附件|相关阅读|上一篇|下一篇|延伸阅读|扫一扫|打印本页)")
#: Footer text that never belongs to an article.
_FOOTER_TEXT = re.compile(r"ICP备|公网安备|网站标识码")
_CUT_HEADING_MAX_CHARS = 40
#: A share/print/footer block longer than this (and not mostly links) wraps article text and stays;
#: tool bars and share widgets are a few words.
FURNITURE_MAX_CHARS = 60
_FOOTER_MAX_CHARS = 300
_TOOL_LINE = re.compile(
    r"^(?:[【\[]?\s*(?:字体|字号)\s*[:：].{0,16}|分享到[:：]?.{0,40}|扫一扫在手机打开当前页.{0,10}"
    r"|(?:[【\[]\s*(?:打印本?页?|关闭本?窗口|关闭|返回顶部|收藏本页)\s*[】\]]\s*)+)$")
_BLOCK_TAGS = frozenset({"p", "div", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
                         "h6", "section", "article", "blockquote", "pre", "center", "header", "footer", "figure",
                         "figcaption", "address", "hr"})
_CELL_TAGS = frozenset({"td", "th"})
_DOWNLOAD_FJ = re.compile(r"""downloadFj\(\s*(['"])(.*?)\1\s*,\s*(['"])(.*?)\3""", re.DOTALL)
_EDITOR_JUNK = re.compile(r"^(?:file:|[a-z]:\\)|fileTypeImages/", re.IGNORECASE)
_GENERIC_LINK_NAMES = frozenset({"", "下载", "点击下载", "附件下载", "查看", "点击查看"})
_SPACES = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
#: A space between two Chinese characters or punctuation marks is layout (``&nbsp;`` padding), not text.
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
MIN_DENSE_CHARS = 30


def parse_html(text: str, url: str) -> BeautifulSoup:
    """Soup of a decoded page; ParseError for non-text, empty, non-HTML or anti-bot pages."""
    if not isinstance(text, str):
        raise ParseError(f"{url}: expected decoded text, got {type(text).__name__}")
    if not text.strip():
        raise ParseError(f"{url}: empty page")
    reason = looks_like_challenge(None, text)
    if reason:
        raise ParseError(f"{url}: anti-bot challenge, not content ({reason})")
    if "<" not in text:
        raise ParseError(f"{url}: not an HTML page")
    return BeautifulSoup(text, "lxml")


def clean(text: str | None) -> str:
    """Collapse every run of whitespace (incl. full-width and no-break spaces) to one space."""
    return _SPACES.sub(" ", text or "").strip()


def text_of(element: Tag | None) -> str:
    """The visible text of an element on one line (scripts and comments excluded)."""
    return clean(element.get_text()) if element is not None else ""


# ---------------------------------------------------------------------------- links


def resolve_link(page_url: str, href: str | None) -> str | None:
    """An absolute http(s) URL for ``href`` on ``page_url`` (fragment dropped), or None for non-links."""
    if not isinstance(href, str):
        return None
    href = href.strip()
    if not href or href.startswith("#") or _EDITOR_JUNK.search(href) or \
            href.lower().startswith(("javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        absolute = urldefrag(urljoin(page_url, href)).url
        parts = urlsplit(absolute)
    except ValueError:
        return None
    return absolute if parts.scheme in ("http", "https") and parts.hostname else None


def same_site(page_url: str, url: str) -> str | None:
    """``url`` on the page's own host, with the page's scheme; None when it points to another host.

    Government templates mix ``http://`` and ``https://`` links to themselves; one scheme per
    site keeps each article at one URL.
    """
    try:
        page, other = urlsplit(page_url), urlsplit(url)
        if (page.hostname, page.port) != (other.hostname, other.port):
            return None
    except ValueError:
        return None
    return urlunsplit((page.scheme, other.netloc, other.path, other.query, ""))


def file_extension(url: str) -> str:
    path = urlsplit(url).path
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


# ---------------------------------------------------------------------------- body


def find_body(soup: BeautifulSoup, selectors: Iterable[str] = ()) -> Tag | None:
    """The article body: the family's selectors, then ``BODY_CHAIN``, then the densest ``<p>`` block."""
    for selector in (*selectors, *BODY_CHAIN):
        for element in soup.select(selector):
            if text_of(element) or element.find("a"):
                return element
    return densest_block(soup)


def densest_block(soup: BeautifulSoup) -> Tag | None:
    """The element whose ``<p>`` children hold the most text (readability's oldest trick)."""
    totals: dict[int, tuple[Tag, int]] = {}
    for paragraph in soup.find_all("p"):
        parent = paragraph.parent
        if parent is None:
            continue
        tag, total = totals.get(id(parent), (parent, 0))
        totals[id(parent)] = (tag, total + len(text_of(paragraph)))
    if not totals:
        return None
    tag, total = max(totals.values(), key=lambda pair: pair[1])
    return tag if total >= MIN_DENSE_CHARS else None


def remove_noise(container: Tag) -> None:
    """Drop scripts, widgets, share/print/footer blocks and the editor's stray local-file links in the body."""
    for selector in NOISE_SELECTORS:
        for element in container.select(selector):
            element.decompose()
    for element in container.find_all(_is_furniture_block):
        if not element.decomposed and _is_disposable(element):
            element.decompose()
    for anchor in container.find_all("a"):
        href = anchor.get("href")
        if isinstance(href, str) and _EDITOR_JUNK.search(href.strip()):
            anchor.decompose()


def _is_furniture_block(element: Tag) -> bool:
    names = [name.lower() for name in (*(element.get("class") or []), str(element.get("id") or ""))]
    return any(fragment in name and "footnote" not in name for name in names for fragment in FURNITURE_CLASS_FRAGMENTS)


def _is_disposable(element: Tag) -> bool:
    """Short, or mostly links: a tool bar or link list, not a wrapper such as ``<div id="printArea">``."""
    text = text_of(element)
    link_chars = sum(len(text_of(anchor)) for anchor in element.find_all("a"))
    return len(text) <= FURNITURE_MAX_CHARS or link_chars >= len(text) / 2


def cut_trailing_furniture(container: Tag) -> None:
    """Remove everything from the first related-links heading or footer line to the end of the body."""
    for element in container.find_all(True):
        text = text_of(element)
        if (len(text) <= _CUT_HEADING_MAX_CHARS and _CUT_HEADING.match(text)) or \
                (len(text) <= _FOOTER_MAX_CHARS and _FOOTER_TEXT.search(text)):
            _remove_from(element, container)
            return


def _remove_from(element: Tag, container: Tag) -> None:
    node: Tag | None = element
    while node is not None and node is not container:
        for sibling in list(node.next_siblings):
            sibling.extract()
        node = node.parent
    element.extract()


def body_lines(container: Tag) -> list[str]:
    """Paragraph lines of a (cleaned) body: block elements and ``<br>`` break lines, tool lines dropped."""
    for br in container.find_all("br"):
        br.replace_with(NavigableString("\n"))
    for element in container.find_all(True):
        if element.name in _BLOCK_TAGS:
            element.insert_before(NavigableString("\n"))
            element.insert_after(NavigableString("\n"))
        elif element.name in _CELL_TAGS:
            element.insert_after(NavigableString(" "))
    lines = (_SPACE_BETWEEN_CJK.sub("", clean(line)) for line in container.get_text().split("\n"))
    return [line for line in lines if line and not _TOOL_LINE.match(line)]


# ---------------------------------------------------------------------------- attachments


def find_attachments(containers: Iterable[Tag], page_url: str) -> tuple[Attachment, ...]:
    """Attachment links (by file extension) and ``downloadFj('name','path')`` buttons, once per URL."""
    found: dict[str, Attachment] = {}
    for container in containers:
        for anchor in container.find_all("a"):
            attachment = _attachment_of(anchor, page_url)
            if attachment and attachment.url not in found:
                found[attachment.url] = attachment
    return tuple(found.values())


def _attachment_of(anchor: Tag, page_url: str) -> Attachment | None:
    onclick = anchor.get("onclick")
    match = _DOWNLOAD_FJ.search(onclick) if isinstance(onclick, str) else None
    if match:
        url = resolve_link(page_url, match.group(4))
        return Attachment(name=clean(match.group(2)) or _file_name(url), url=url) if url else None
    url = resolve_link(page_url, anchor.get("href"))
    if url is None or file_extension(url) not in FILE_EXTENSIONS:
        return None
    name = text_of(anchor)
    if name in _GENERIC_LINK_NAMES:
        title = anchor.get("title")
        name = clean(title) if isinstance(title, str) and clean(title) else _file_name(url)
    return Attachment(name=name, url=url)


def _file_name(url: str | None) -> str:
    return urlsplit(url or "").path.rsplit("/", 1)[-1]
