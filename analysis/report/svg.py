"""Server-side SVG built as ElementTree elements, so escaping is the serializer's job.

Every label in a chart or network (institution names, titles) comes from scraped pages.
Building SVG by string formatting would make escaping a thing to remember at each call;
ElementTree escapes every attribute and text node when it serializes, so markup in a name
can only ever come out as text.
"""
from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET

from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
# The report's font stack; WenQuanYi Zen Hei is what Debian's headless Chromium has for Chinese.
FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
              '"WenQuanYi Zen Hei", "Helvetica Neue", Arial, sans-serif')


def number(value: float) -> str:
    """Coordinates with at most one decimal: short files, no visible rounding."""
    text = f"{float(value):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attribute(value) -> str:
    return number(value) if isinstance(value, float) else str(value)


def element(parent: ET.Element | None, tag: str, text: str | None = None, **attributes) -> ET.Element:
    """A child of `parent` (or a root); attribute names use `_` for `-` and a trailing `_`
    for Python keywords (``class_``)."""
    attrs = {name.rstrip("_").replace("_", "-"): _attribute(value) for name, value in attributes.items()
             if value is not None}
    node = ET.Element(tag, attrs) if parent is None else ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = str(text)
    return node


def svg_root(width: float, height: float, svg_id: str, label: str, left: float = 0, top: float = 0) -> ET.Element:
    """A responsive SVG (scales to its container through the viewBox) with an accessible name;
    `left`/`top` move the visible window when a layout decides its extent afterwards."""
    root = element(None, "svg", xmlns=SVG_NS, id=svg_id,
                   viewBox=f"{number(left)} {number(top)} {number(width)} {number(height)}",
                   role="img", aria_label=label, class_="chart", font_family=FONT_STACK)
    element(root, "title", label)
    return root


def to_markup(root: ET.Element) -> Markup:
    """The serialized SVG, marked safe for the template (ElementTree has escaped it)."""
    return Markup(ET.tostring(root, encoding="unicode"))


def text_width(text: str, size: float) -> float:
    """Rough rendered width: CJK and other wide characters take a full em, the rest about 0.6."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * size for ch in text)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when cut (the full text goes in a <title>)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
