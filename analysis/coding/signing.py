"""The signing date of a cooperation, as the text says it, else the publication date.

Order of trust: the sign-off (落款) line at the foot of the text, then the date of the
first sentence that reports a signing or founding ("4月22日，…签署…", year from the
publication date), then the date of the first paragraph that reports one ("7月14日，座谈会
在永川召开。会上，…签署…"), then the publication date itself. The parsing lives in
``scrapers/dates.py``; this module only decides which date a project gets and says where
it came from.
"""
from __future__ import annotations

from datetime import date

from scrapers.dates import find_event_date, find_signoff_date


def signing_date(body: str, published: date | None) -> tuple[date | None, str]:
    """(date, source) with source one of ``signoff``, ``text``, ``published``, ``none``."""
    signoff = find_signoff_date(body)
    if signoff is not None and signoff.ok:
        return signoff.value, "signoff"
    for text in (body, *(_one_sentence(p) for p in body.split("\n"))):
        event = find_event_date(text, published)
        if event is not None and event.ok:
            return event.value, "text"
    if published is not None:
        return published, "published"
    return None, "none"


def _one_sentence(paragraph: str) -> str:
    """A paragraph read as one sentence, so its date goes with a signing later in it."""
    return paragraph.translate(str.maketrans("。！？；", "，，，，"))
