"""HTML building blocks shared by the family parsers: tree, selectors, readable text, links, body, attachments.

The rules follow ``shared/research/sites.md`` §6 and §9: find the body by a chain of known
containers and fall back to the densest ``<p>`` block; drop share widgets, tool bars and
footers; cut the body at "相关链接"/"上一篇" and similar; keep attachment links (including
the Chongqing ``downloadFj('name','path')`` buttons) and drop editor artefacts.

Pages are parsed once with lxml's HTML parser and read with compiled XPath, which is several
times faster than a BeautifulSoup tree searched by CSS selectors. libxml2 lacks the HTML5
implied end tags, so a page whose list rows come out nested in each other is parsed again
with html5lib, as a browser would.

The text rules are those of BeautifulSoup's ``get_text`` (which the parsers were first
written against, so their records stay the same): text inside ``script``, ``style``,
``template``, ``rt`` and ``rp`` is not part of the text of an ordinary element, comments
never are, and removing an element keeps the text that follows it.
"""
from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Iterable, Iterator
from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

import html5lib
from html5lib.constants import DataLossWarning
from lxml import etree

from scrapers.challenge import looks_like_challenge
from scrapers.cms import ParseError
from scrapers.records import Attachment

Element = etree._Element

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
_CUT_WORDS = ("相关链接", "相关文件", "相关报道", "相关附件", "相关阅读", "上一篇", "下一篇", "延伸阅读", "扫一扫",
              "打印本页")
_CUT_HEADING = re.compile(r"^[【\[（(\s]*(?:%s)" % "|".join(_CUT_WORDS))
#: Footer text that never belongs to an article.
_FOOTER_WORDS = ("ICP备", "公网安备", "网站标识码")
_FOOTER_TEXT = re.compile("|".join(_FOOTER_WORDS))
_MAY_CUT = re.compile("|".join(_CUT_WORDS + _FOOTER_WORDS))
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


def parse_html(text: str, url: str) -> Element:
    """The tree of a decoded page; ParseError for non-text, empty, non-HTML or anti-bot pages.

    The root is a ``document`` element holding every top-level element: markup after
    ``</html>`` makes lxml start a second ``<html>``, which belongs to the page as well.
    A leading byte-order mark is dropped, as BeautifulSoup does (lxml would keep it as text).
    """
    if not isinstance(text, str):
        raise ParseError(f"{url}: expected decoded text, got {type(text).__name__}")
    if not text.strip():
        raise ParseError(f"{url}: empty page")
    reason = looks_like_challenge(None, text)
    if reason:
        raise ParseError(f"{url}: anti-bot challenge, not content ({reason})")
    if "<" not in text:
        raise ParseError(f"{url}: not an HTML page")
    markup = text.removeprefix("\ufeff")
    document = _libxml2_document(markup)
    if _ROW_INSIDE_ROW(document):
        document = _html5_document(markup)
    return document


#: A list or table row whose nearest list or table ancestor is another row. An HTML5 parser
#: never builds that (a new ``<li>``, ``<dd>`` or ``<tr>`` closes the open row and whatever
#: inline elements are still open in it), but libxml2 does when end tags are missing, and then
#: every following row sits inside the previous one and the list parsers see one row.
_ROW_INSIDE_ROW = etree.XPath(
    "boolean(//*[self::li or self::dd or self::dt or self::tr]"
    "[ancestor::*[self::li or self::dd or self::dt or self::tr or self::ul or self::ol or self::menu or self::dl"
    " or self::table or self::tbody or self::thead or self::tfoot][1][self::li or self::dd or self::dt or self::tr]])")


def _libxml2_document(markup: str) -> Element:
    """libxml2's tree: fast (about 50 times html5lib's) and right for every page whose rows are closed."""
    parser = etree.HTMLParser(recover=True)
    parser.feed(markup)
    top = parser.close()
    document = etree.Element("document")
    if top is not None:
        document.extend([node for node in (top, *top.itersiblings()) if isinstance(node.tag, str)])
    return document


#: Characters lxml refuses in a tree (C0 controls, U+FFFE, U+FFFF): read as U+FFFD, as libxml2 reads controls.
_XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _html5_document(markup: str) -> Element:
    """The tree a browser builds (WHATWG tree construction, implied end tags included)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataLossWarning)  # names lxml cannot hold (``<o:p>``) are renamed
        tree = html5lib.parse(_XML_INCOMPATIBLE.sub("\ufffd", markup), treebuilder="lxml",
                              namespaceHTMLElements=False)
    document = etree.Element("document")
    document.append(tree.getroot())
    return document


def clean(text: str | None) -> str:
    """Collapse every run of whitespace (incl. full-width and no-break spaces) to one space."""
    return _SPACES.sub(" ", text or "").strip()


# ---------------------------------------------------------------------------- selectors


class _Compound:
    """One simple selector, ``tag.class#id[attr*=part]``: the only CSS the recipes use."""

    _SYNTAX = re.compile(r"(?P<tag>[a-z][\w-]*)?(?P<parts>(?:[.#][\w-]+|\[[\w-]+\*=[\w-]+\])*)")
    _PART = re.compile(r"\.([\w-]+)|#([\w-]+)|\[([\w-]+)\*=([\w-]+)\]")

    def __init__(self, text: str):
        syntax = self._SYNTAX.fullmatch(text)
        if syntax is None or not text:
            raise ValueError(f"unsupported CSS selector {text!r}")
        parts = self._PART.findall(syntax["parts"])
        self.tag = syntax["tag"]
        self.classes = frozenset(cls for cls, _, _, _ in parts if cls)
        self.ids = tuple(id_ for _, id_, _, _ in parts if id_)
        self.contains = tuple((attribute, part) for _, _, attribute, part in parts if attribute)

    def xpath(self) -> str:
        """An XPath path from a scope to every match (and a few more: class words are checked by ``matches``).

        Elements are reached through their first tested attribute (``descendant::*/@class[…]/..``),
        which libxml2 evaluates several times faster than a predicate on every element.
        """
        tests: dict[str, list[str]] = {}  # attribute -> tests on its value, written "{}"
        for cls in sorted(self.classes):
            tests.setdefault("class", []).append(f"contains({{}},'{cls}')")
        for id_ in self.ids:
            tests.setdefault("id", []).append(f"{{}}='{id_}'")
        for attribute, part in self.contains:
            tests.setdefault(attribute, []).append(f"contains({{}},'{part}')")
        if not tests:
            return f"descendant::{self.tag}"
        (attribute, first), *others = tests.items()
        path = f"descendant::*/@{attribute}" + "".join(f"[{test.format('.')}]" for test in first)
        return path + f"/parent::{self.tag or '*'}" + "".join(
            f"[{test.format('@' + name)}]" for name, group in others for test in group)

    def matches(self, element: Element) -> bool:
        """Soupsieve's rules: exact tag, id and class words; ``*=`` is a substring of the attribute."""
        return ((self.tag is None or element.tag == self.tag)
                and all(element.get("id") == id_ for id_ in self.ids)
                and (not self.classes or self.classes <= set(class_names(element)))
                and all(part in (element.get(attribute) or "") for attribute, part in self.contains))


class _Selector:
    """Compounds joined by descendant (`` ``) and child (``>``) combinators; XPath finds the candidates."""

    def __init__(self, text: str):
        steps = re.findall(r"(>|\s|^)\s*([^\s>]+)", text.strip())
        self.combinators = tuple(combinator.strip() for combinator, _ in steps)
        self.compounds = tuple(_Compound(compound) for _, compound in steps)
        self.candidates = etree.XPath(self.compounds[-1].xpath())
        #: A single compound without class words is matched exactly by its XPath.
        self.exact = len(self.compounds) == 1 and not self.compounds[0].classes

    def select(self, scope: Element) -> list[Element]:
        if self.exact:
            return self.candidates(scope)
        last = len(self.compounds) - 1
        return [element for element in self.candidates(scope) if self._matches(element, last)]

    def _matches(self, element: Element, index: int) -> bool:
        """Compound ``index`` matches ``element`` and the compounds before it match its ancestors."""
        if not self.compounds[index].matches(element):
            return False
        if index == 0:
            return True
        if self.combinators[index] == ">":
            parent = element.getparent()
            return parent is not None and self._matches(parent, index - 1)
        return any(self._matches(ancestor, index - 1) for ancestor in element.iterancestors())


@lru_cache(maxsize=None)
def _compiled(selector: str) -> _Selector:
    return _Selector(selector)


def select(scope: Element, selector: str) -> list[Element]:
    """The descendants of ``scope`` that match ``selector``, in document order (like ``soup.select``)."""
    return _compiled(selector).select(scope)


def select_all(scope: Element, selectors: Iterable[str]) -> Iterator[Element]:
    """The matches of each selector in turn."""
    for selector in selectors:
        yield from select(scope, selector)


_WORDS = re.compile(r"\S+")


def class_names(element: Element) -> list[str]:
    return _WORDS.findall(element.get("class") or "")


def descendants(element: Element, *tags: str) -> Iterator[Element]:
    """Descendant elements (not ``element`` itself), optionally only those named ``tags``; no comments."""
    return element.iterdescendants(*tags) if tags else element.iterdescendants(etree.Element)


#: What a removed element becomes: no name a selector or a text rule knows, no attributes, no content.
REMOVED = "healthcoop-removed"


def remove(element: Element) -> None:
    """Take ``element`` and its content out of the page, keeping the text that followed it in place.

    The element is emptied and renamed rather than unlinked: unlinking would take its tail
    text along, and lxml refuses to attach that text elsewhere when it holds control
    characters, which broken pages do.
    """
    element.clear(keep_tail=True)
    element.tag = REMOVED


def is_inside(element: Element, ancestor: Element) -> bool:
    return any(node is ancestor for node in element.iterancestors())


# ---------------------------------------------------------------------------- text

#: Elements whose strings are no part of the text of other elements (BeautifulSoup's string containers).
STRING_CONTAINERS = ("script", "style", "template", "rt", "rp")


def text_of(element: Element | None, lined: Element | None = None) -> str:
    """The visible text of an element on one line (scripts and comments excluded)."""
    return clean(raw_text(element, lined)) if element is not None else ""


def raw_text(element: Element, lined: Element | None = None) -> str:
    """The text of an element as BeautifulSoup's ``get_text`` gives it.

    ``lined`` is a body whose lines have been read (``body_lines``): the line breaks put
    around its block elements, ``<br>`` and cells count as text from then on. The common
    case, an ordinary element, is serialised by lxml (after string containers are
    stripped from a copy, when it holds any).
    """
    if element.tag in STRING_CONTAINERS or (lined is not None and _overlaps(element, lined)):
        return "".join(strings(element, lined=lined))
    if context_of(element) is not None:
        return ""  # all of it is script or template text
    if next(element.iterdescendants(*STRING_CONTAINERS), None) is not None:
        element = copy.deepcopy(element)
        etree.strip_elements(element, *STRING_CONTAINERS, with_tail=False)
    return etree.tostring(element, method="text", encoding=str, with_tail=False)


def _overlaps(element: Element, other: Element) -> bool:
    return element is other or is_inside(element, other) or is_inside(other, element)


def context_of(element: Element) -> str | None:
    """The string container the text directly inside ``element`` belongs to (None: ordinary text)."""
    if element.tag in STRING_CONTAINERS:
        return element.tag
    container = next(element.iterancestors(*STRING_CONTAINERS), None)
    return None if container is None else container.tag


def strings(element: Element, skip: Element | None = None, lined: Element | None = None) -> list[str]:
    """The strings of ``element`` that count as its text, one per text node, in document order.

    Strings inside ``skip`` are left out. An ordinary element's text excludes string containers;
    a string container's text is its own kind of string only.
    """
    wanted = element.tag if element.tag in STRING_CONTAINERS else None
    out: list[str] = []
    if element is not skip:
        breaks = lined is not None and is_inside(element, lined)
        _collect(element, context_of(element), breaks, wanted, lined, skip, out)
    return out


def _collect(node: Element, context: str | None, breaks: bool, wanted: str | None, lined: Element | None,
             skip: Element | None, out: list[str]) -> None:
    """Append the strings under ``node`` whose string container is ``wanted``.

    ``context`` is the container of ``node``'s own text; ``breaks`` says ``node`` lies inside the
    ``lined`` body, so it puts its line breaks (which are ordinary strings) into the text.
    """
    line_breaks = breaks and wanted is None
    if line_breaks and node.tag == "br":
        out.append("\n")
        return
    if line_breaks and node.tag in _BLOCK_TAGS:
        out.append("\n")
    keep = context == wanted
    if keep and node.text:
        out.append(node.text)
    child_breaks = breaks or node is lined
    for child in node:
        if isinstance(child.tag, str) and child is not skip:
            child_context = child.tag if child.tag in STRING_CONTAINERS else context
            # An ordinary element's text skips string containers, but not the line breaks put inside them.
            if wanted is not None or child_context is None or child_breaks:
                _collect(child, child_context, child_breaks, wanted, lined, skip, out)
        if keep and child.tail:
            out.append(child.tail)
    if line_breaks and node.tag in _BLOCK_TAGS:
        out.append("\n")
    elif line_breaks and node.tag in _CELL_TAGS:
        out.append(" ")


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


def site_link(page_url: str, href: str | None) -> str | None:
    """``href`` resolved on the page's own host, with the page's scheme; None for non-links and
    links to another host.

    Government templates mix ``http://`` and ``https://`` links to themselves; one scheme per
    site keeps each article at one URL.
    """
    url = resolve_link(page_url, href)
    if url is None:
        return None
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


def find_body(root: Element, selectors: Iterable[str] = ()) -> Element | None:
    """The article body: the family's selectors, then ``BODY_CHAIN``, then the densest ``<p>`` block."""
    for element in select_all(root, (*selectors, *BODY_CHAIN)):
        if text_of(element) or next(descendants(element, "a"), None) is not None:
            return element
    return densest_block(root)


def densest_block(root: Element) -> Element | None:
    """The element whose ``<p>`` children hold the most text (readability's oldest trick)."""
    totals: dict[Element, int] = {}
    for paragraph in descendants(root, "p"):
        parent = paragraph.getparent()
        totals[parent] = totals.get(parent, 0) + len(text_of(paragraph))
    if not totals:
        return None
    block, total = max(totals.items(), key=lambda pair: pair[1])
    return block if total >= MIN_DENSE_CHARS else None


def remove_noise(container: Element) -> None:
    """Drop scripts, widgets, share/print/footer blocks and the editor's stray local-file links in the body."""
    for element in select_all(container, NOISE_SELECTORS):
        remove(element)
    for element in [element for element in descendants(container) if _is_furniture_block(element)]:
        if is_inside(element, container) and _is_disposable(element):  # not inside a block already removed
            remove(element)
    for anchor in list(descendants(container, "a")):
        href = anchor.get("href")
        if href is not None and _EDITOR_JUNK.search(href.strip()):
            remove(anchor)


def _is_furniture_block(element: Element) -> bool:
    names = [name.lower() for name in (*class_names(element), element.get("id") or "")]
    return any(fragment in name and "footnote" not in name for name in names for fragment in FURNITURE_CLASS_FRAGMENTS)


def _is_disposable(element: Element) -> bool:
    """Short, or mostly links: a tool bar or link list, not a wrapper such as ``<div id="printArea">``."""
    text = text_of(element)
    link_chars = sum(len(text_of(anchor)) for anchor in descendants(element, "a"))
    return len(text) <= FURNITURE_MAX_CHARS or link_chars >= len(text) / 2


def cut_trailing_furniture(container: Element) -> None:
    """Remove everything from the first related-links heading or footer line to the end of the body."""
    if next(descendants(container, *STRING_CONTAINERS), None) is None and not _MAY_CUT.search(raw_text(container)):
        return  # every element's text is part of the body's, which has no word that starts a cut
    for element in descendants(container):
        text = text_of(element)
        if (len(text) <= _CUT_HEADING_MAX_CHARS and _CUT_HEADING.match(text)) or \
                (len(text) <= _FOOTER_MAX_CHARS and _FOOTER_TEXT.search(text)):
            _remove_from(element, container)
            return


def _remove_from(element: Element, container: Element) -> None:
    """Remove ``element`` and everything after it in ``container``: at each level up, the following
    siblings and the text between them."""
    node = element
    while node is not None and node is not container:
        node.tail = None
        parent = node.getparent()
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)  # unlinking takes the sibling's tail text with it
        node = parent
    remove(element)


def body_lines(container: Element) -> list[str]:
    """Paragraph lines of a (cleaned) body: block elements and ``<br>`` break lines, tool lines dropped.

    From here on ``container`` is the ``lined`` body for ``text_of``.
    """
    lines = (_SPACE_BETWEEN_CJK.sub("", clean(line)) for line in raw_text(container, lined=container).split("\n"))
    return [line for line in lines if line and not _TOOL_LINE.match(line)]


# ---------------------------------------------------------------------------- attachments


def find_attachments(containers: Iterable[Element], page_url: str) -> tuple[Attachment, ...]:
    """Attachment links (by file extension) and ``downloadFj('name','path')`` buttons, once per URL."""
    found: dict[str, Attachment] = {}
    for container in containers:
        for anchor in descendants(container, "a"):
            attachment = _attachment_of(anchor, page_url)
            if attachment and attachment.url not in found:
                found[attachment.url] = attachment
    return tuple(found.values())


def _attachment_of(anchor: Element, page_url: str) -> Attachment | None:
    onclick = anchor.get("onclick")
    match = _DOWNLOAD_FJ.search(onclick) if onclick is not None else None
    if match:
        url = resolve_link(page_url, match.group(4))
        return Attachment(name=clean(match.group(2)) or _file_name(url), url=url) if url else None
    url = resolve_link(page_url, anchor.get("href"))
    if url is None or file_extension(url) not in FILE_EXTENSIONS:
        return None
    name = text_of(anchor)
    if name in _GENERIC_LINK_NAMES:
        title = anchor.get("title")
        name = clean(title) if title is not None and clean(title) else _file_name(url)
    return Attachment(name=name, url=url)


def _file_name(url: str | None) -> str:
    return urlsplit(url or "").path.rsplit("/", 1)[-1]
