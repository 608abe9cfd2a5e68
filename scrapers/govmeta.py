"""The national meta-tag standard for government pages (《政府网站网页设计规范》, sites.md §5).

Every government page should carry ``<meta name="SiteName|ArticleTitle|PubDate|…">``. In
practice the tags are sometimes ``http-equiv`` instead of ``name``, vary in case, and carry
template leaks (``ColumnName="null"``, an unexpanded ``${…}``) or blanks. This module reads
them as first-choice *hints*: bad values become "missing", so callers fall back to the
page's own markup instead of publishing a template placeholder. The SEO ``keywords`` tag is
kept apart from the standard's ``Keywords`` when a page has both.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup
from lxml import etree

#: Standard tag → attribute of ``GovMeta``.
STANDARD_TAGS = {
    "SiteName": "site_name",
    "SiteDomain": "site_domain",
    "SiteIDCode": "site_id_code",
    "ColumnName": "column_name",
    "ArticleTitle": "article_title",
    "PubDate": "pub_date",
    "ContentSource": "content_source",
}
_STANDARD_BY_LOWER = {tag.lower(): attr for tag, attr in STANDARD_TAGS.items()}  # sites vary the case
_PLACEHOLDERS = frozenset({"null", "none", "undefined", "nil", "(null)", "nan", "-", "—", "/"})
_TEMPLATE_LEAK = re.compile(r"\$\{|\{\{|<%|#\{|\$!|<\s*/?\s*trs_|\[!--|<!--|^\$[A-Za-z_]|^@[A-Za-z_]+@$",
                            re.IGNORECASE)
_SITE_ID_CODE = re.compile(r"^(?:\d{10}|bm\d{8})$", re.IGNORECASE)
_KEYWORD_SPLIT = re.compile(r"[;,，；、|]+")


@dataclass(frozen=True)
class GovMeta:
    """The standard tags of one page; ``None`` (or ``()``) when absent or unusable."""

    site_name: str | None = None
    site_domain: str | None = None
    site_id_code: str | None = None
    column_name: str | None = None
    article_title: str | None = None
    pub_date: str | None = None
    content_source: str | None = None
    keywords: tuple[str, ...] = ()
    seo_keywords: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, str]:
        """The usable tags under their standard names (``Keywords`` joined by ``;``), for ``Article.meta``."""
        out = {tag: getattr(self, attr) for tag, attr in STANDARD_TAGS.items() if getattr(self, attr)}
        if self.keywords:
            out["Keywords"] = ";".join(self.keywords)
        if self.seo_keywords:
            out["keywords"] = ";".join(self.seo_keywords)
        return out


def usable(value: str | None) -> str | None:
    """``value`` stripped, or None when it is blank, a placeholder such as ``null``, or a template leak."""
    if value is None:
        return None
    value = " ".join(value.split())
    if not value or value.lower() in _PLACEHOLDERS or _TEMPLATE_LEAK.search(value):
        return None
    return value


def meta_tags(page: BeautifulSoup | etree._Element) -> list[tuple[str, str]]:
    """(name, content) of every ``<meta>`` named by ``name=`` or ``http-equiv=``, in page order.

    ``page`` is a BeautifulSoup document or the lxml tree the CMS parsers use.
    """
    metas = page.iter("meta") if isinstance(page, etree._Element) else page.find_all("meta")
    tags = []
    for meta in metas:
        name = meta.get("name") or meta.get("http-equiv")
        content = meta.get("content")
        if isinstance(name, str) and isinstance(content, str):
            tags.append((name.strip(), content))
    return tags


def read_govmeta(page: BeautifulSoup | etree._Element) -> GovMeta:
    """Read the standard tags; the first usable value of each wins."""
    found: dict[str, str] = {}
    standard_keywords: str | None = None
    seo_keywords: str | None = None
    for name, content in meta_tags(page):
        value = usable(content)
        if value is None:
            continue
        lower = name.lower()
        if lower in _STANDARD_BY_LOWER:
            found.setdefault(_STANDARD_BY_LOWER[lower], value)
        elif lower == "keywords" and name == "keywords":
            seo_keywords = seo_keywords or value
        elif lower == "keywords":
            standard_keywords = standard_keywords or value
    if "site_domain" in found:
        found["site_domain"] = re.sub(r"^[a-z]+://", "", found["site_domain"], flags=re.IGNORECASE).rstrip("/").lower()
    if "site_id_code" in found and not _SITE_ID_CODE.match(found["site_id_code"]):
        del found["site_id_code"]
    if standard_keywords is None:
        standard_keywords, seo_keywords = seo_keywords, None
    return GovMeta(**found, keywords=_split_keywords(standard_keywords), seo_keywords=_split_keywords(seo_keywords))


def _split_keywords(value: str | None) -> tuple[str, ...]:
    return tuple(word.strip() for word in _KEYWORD_SPLIT.split(value or "") if word.strip())
