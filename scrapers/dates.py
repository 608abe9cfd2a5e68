"""Dates as Chinese government pages write them, parsed by explicit rules, never guessed.

dateparser misses the label-prefixed (``发布时间：2021-07-09``) and Chinese-numeral
(``二〇二〇年三月五日``) forms these pages use and silently invents years for ``3月5日``
(``shared/research/prefect-duckdb.md`` §9.5), so every accepted form has its own pattern
here. A string that looks like a date but cannot be one (``2020-02-30``, month 13) is
returned as a *problem* with no date, and so is a missing date; the caller records the
problem instead of falling back to a guess. A month-day date (``4月22日``, or ``04-22`` in
a list row) only gets a year the caller supplies, read from the page's URL
(``year_from_url``: ``t20200422_…``, ``/2020/4/22/``, ``/202004/``, ``/2020/``).

Three dates of an article are kept apart: the publication date (meta ``PubDate``, the
visible date line, the URL), the signing date at the foot of the text (落款, often in
Chinese numerals) and the event date in the body ("4月22日，…签署…").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time, timedelta
from urllib.parse import urlsplit

MIN_YEAR, MAX_YEAR = 1949, 2100
#: A month-day date more than this far after its reference date belongs to the year before.
YEAR_ROLLBACK_DAYS = 31
#: Labels that introduce a publication date on article and list pages.
DATE_LABELS = ("发布时间", "发布日期", "发表时间", "发文日期", "更新时间", "时间", "日期")
#: Verbs that make a sentence report a signing or founding.
SIGNING_VERBS = ("签署", "签订", "签约", "缔结", "揭牌", "挂牌", "成立", "启动", "授牌")

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DIGIT_CLASS = "〇零○ＯO一二两三四五六七八九"
_CN_SMALL = f"[{_CN_DIGIT_CLASS}十]{{1,3}}"
_TIME = r"(?:\s*(?P<hh>\d{1,2})[:：](?P<mi>\d{2})(?:[:：](?P<ss>\d{2}))?)?"
_FULL_PATTERNS = (
    re.compile(r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日" + _TIME),
    re.compile(r"(?<!\d)(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)" + _TIME),
    re.compile(rf"(?P<y>[{_CN_DIGIT_CLASS}]{{4}})\s*年\s*(?P<m>{_CN_SMALL})\s*月\s*(?P<d>{_CN_SMALL})\s*日"),
)
_MONTH_DAY = re.compile(rf"(?<![\d{_CN_DIGIT_CLASS}十])(?P<m>\d{{1,2}}|{_CN_SMALL})\s*月"
                        rf"\s*(?P<d>\d{{1,2}}|{_CN_SMALL})\s*[日号]")
#: ``04-22`` (no year): read only in list rows, with a year from the article's URL.
_NUMERIC_MONTH_DAY = re.compile(r"(?<![\d./-])(?P<m>0?[1-9]|1[0-2])-(?P<d>0?[1-9]|[12]\d|3[01])(?![\d./-])")
_LABEL = r"(?:%s)\s*[:：]?[^0-9<>\n]{0,10}?" % "|".join(DATE_LABELS)
_LABELLED = re.compile(_LABEL + r"(?=\d{4})")
_LABELLED_WITH_MONTH_DAY = re.compile(_LABEL + r"(?=\d{4}|\d{1,2}\s*月)")
_URL_PATTERNS = (
    re.compile(r"/t(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})_\d+\.s?html?(?:$|[?#])"),  # TRS
    re.compile(r"/(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/[^/?#]+\.s?html?(?:$|[?#])"),  # Sichuan and others
    re.compile(r"/(?P<y>\d{4})-(?P<m>\d{2})/(?P<d>\d{2})/content_\w+\.s?html?(?:$|[?#])"),  # UCAP
)
#: A year (or year-month) folder: ``/2020/``, ``/202004/``.
_URL_YEAR_FOLDER = re.compile(r"/(?P<y>(?:19|20)\d{2})(?:0[1-9]|1[0-2])?/")
_SENTENCE_END = re.compile(r"[。！？；\n]")
_SENTENCE_PUNCTUATION = re.compile(r"[，。！？；：,;:!?]")
#: The longest signing body written on the same line as the sign-off date.
SIGNER_MAX_CHARS = 40


@dataclass(frozen=True)
class DateResult:
    """A parsed date, or the reason there is none (``problem``); ``time`` when the text had one."""

    value: date | None
    problem: str | None = None
    time: time | None = None
    shown: str | None = None

    @property
    def ok(self) -> bool:
        return self.value is not None

    @property
    def invalid(self) -> bool:
        """A date was written but cannot be one (as opposed to no date at all)."""
        return self.value is None and self.shown is not None


def cn_number(text: str) -> int | None:
    """``〇``–``九`` digit strings (``二〇二〇``) and tens (``十``, ``十二``, ``二十``, ``三十一``) as int."""
    text = text.strip()
    if not text:
        return None
    if "十" not in text:
        digits = [_CN_DIGITS.get(ch) for ch in text]
        return None if None in digits else int("".join(map(str, digits)))
    tens_text, _, units_text = text.partition("十")
    if "十" in units_text or len(tens_text) > 1 or len(units_text) > 1:
        return None
    tens = 1 if not tens_text else _CN_DIGITS.get(tens_text)
    units = 0 if not units_text else _CN_DIGITS.get(units_text)
    if tens is None or units is None:
        return None
    return tens * 10 + units


def _to_int(text: str) -> int | None:
    return int(text) if text.isdigit() else cn_number(text)


def make_date(year: int | None, month: int | None, day: int | None, shown: str) -> DateResult:
    """Validate a year/month/day triple; an impossible one becomes a problem naming ``shown``."""
    if year is None or month is None or day is None:
        return DateResult(None, f"unreadable date {shown!r}", shown=shown)
    if not MIN_YEAR <= year <= MAX_YEAR:
        return DateResult(None, f"implausible year in {shown!r}", shown=shown)
    try:
        return DateResult(date(year, month, day), shown=shown)
    except ValueError:
        return DateResult(None, f"impossible date {shown!r}", shown=shown)


def _time_from(match: re.Match, shown: str) -> tuple[time | None, str | None]:
    groups = match.groupdict()
    if not groups.get("hh"):
        return None, None
    try:
        return time(int(groups["hh"]), int(groups["mi"]), int(groups["ss"] or 0)), None
    except ValueError:
        return None, f"impossible time in {shown!r}"


def _normalize(text: str) -> str:
    """Full-width digits and punctuation to ASCII (``２０２０／４／２２`` → ``2020/4/22``)."""
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ")


def _first_full_match(text: str) -> re.Match | None:
    matches = [m for m in (p.search(text) for p in _FULL_PATTERNS) if m]
    return min(matches, key=lambda m: m.start()) if matches else None


def parse_date(text: str | None, year: int | None = None) -> DateResult:
    """The first date written in ``text`` (labels and surrounding words are ignored).

    Accepts ``2020-04-22``, ``2020/4/22``, ``2020.04.22``, ``2020年4月22日``, an optional
    ``HH:MM[:SS]`` after any of them, and ``二〇二〇年四月二十二日``. ``4月22日`` is accepted
    only with ``year`` from the caller (the URL or meta date).
    """
    if not text or not text.strip():
        return DateResult(None, "missing date")
    text = _normalize(text)
    match = _first_full_match(text)
    if match:
        shown = match.group(0).strip()
        result = make_date(_to_int(match["y"]), _to_int(match["m"]), _to_int(match["d"]), shown)
        if not result.ok:
            return result
        clock, problem = _time_from(match, shown)
        return DateResult(result.value, problem, clock, shown)
    match = _MONTH_DAY.search(text)
    if match:
        shown = match.group(0).strip()
        if year is None:
            return DateResult(None, f"no year for {shown!r}", shown=shown)
        return make_date(year, _to_int(match["m"]), _to_int(match["d"]), shown)
    return DateResult(None, f"no date in {_clip(text)!r}")


def parse_row_date(text: str | None, year: int | None) -> DateResult:
    """The date shown in a list row: any ``parse_date`` form, or ``04-22`` when ``year`` is known."""
    result = parse_date(text, year)
    if result.ok or result.invalid or year is None:
        return result
    match = _NUMERIC_MONTH_DAY.search(_normalize(text or ""))
    if match is None:
        return result
    return make_date(year, int(match["m"]), int(match["d"]), match.group(0))


def parse_labelled_date(text: str | None, year: int | None = None) -> DateResult:
    """The first date introduced by a label such as ``发布时间：`` (§6 of sites.md); a
    month-day one only with ``year``."""
    if not text:
        return DateResult(None, "missing date")
    text = _normalize(text)
    for label in (_LABELLED if year is None else _LABELLED_WITH_MONTH_DAY).finditer(text):
        result = parse_date(text[label.end():label.end() + 40], year)
        if result.ok or result.invalid:
            return result
    return DateResult(None, "no labelled date")


def date_from_url(url: str | None) -> DateResult:
    """The date in a TRS (``t20200422_…``), Sichuan (``/2020/4/22/<hex>``) or UCAP (``/2020-04/22/content_``) URL."""
    for pattern in _URL_PATTERNS:
        match = pattern.search(url or "")
        if match:
            return make_date(int(match["y"]), int(match["m"]), int(match["d"]), match.group(0))
    return DateResult(None, "no date in URL")


def year_from_url(url: str | None) -> int | None:
    """The publication year an article's URL shows: its full date, else a year folder."""
    full = date_from_url(url)
    if full.ok:
        return full.value.year
    folders = _URL_YEAR_FOLDER.findall(urlsplit(url or "").path)
    return int(folders[-1]) if folders and MIN_YEAR <= int(folders[-1]) <= MAX_YEAR else None


def infer_year(month: int, day: int, reference: date) -> int:
    """The year of a month-day date written in a text published on ``reference``.

    News reports events a few days after they happen, so a date later in the calendar than
    the reference by more than ``YEAR_ROLLBACK_DAYS`` (a 12月30日 event in a January article)
    belongs to the previous year.
    """
    try:
        candidate = date(reference.year, month, day)
    except ValueError:
        return reference.year
    return reference.year - 1 if candidate - reference > timedelta(days=YEAR_ROLLBACK_DAYS) else reference.year


def find_event_date(body: str | None, reference: date | None) -> DateResult | None:
    """The date of the first sentence that reports a signing or founding ("4月22日，…签署…").

    Month-day dates take their year from ``reference`` (the publication date) by
    ``infer_year``. Returns None when no sentence both names a date and uses a signing verb.
    """
    for sentence in _SENTENCE_END.split(_normalize(body or "")):
        if not any(verb in sentence for verb in SIGNING_VERBS):
            continue
        full = _first_full_match(sentence)
        if full:
            return parse_date(full.group(0))
        month_day = _MONTH_DAY.search(sentence)
        if month_day:
            shown = month_day.group(0).strip()
            month, day = _to_int(month_day["m"]), _to_int(month_day["d"])
            if reference is None:
                return DateResult(None, f"no year for {shown!r}", shown=shown)
            if month is None or day is None:
                return make_date(None, month, day, shown)
            return make_date(infer_year(month, day, reference), month, day, shown)
    return None


def find_signoff_date(body: str | None, last_lines: int = 4) -> DateResult | None:
    """The sign-off (落款) date: a line at the foot of the text that ends with a full date.

    The line is either the date alone or the signing body, a space and the date
    ("重庆市卫生健康委员会　2020年4月20日"); a sentence that merely ends with a date has no
    space before it or carries punctuation. Only the last ``last_lines`` non-empty lines are
    examined, since a date line higher up is a heading or a table cell, not the signature.
    """
    lines = [line.strip() for line in _normalize(body or "").splitlines() if line.strip()]
    for line in reversed(lines[-last_lines:]):
        match = _first_full_match(line)
        if match and match.end() == len(line) and _signer_prefix(line[:match.start()]):
            return parse_date(match.group(0))
    return None


def _signer_prefix(prefix: str) -> bool:
    """Nothing, or a short name followed by a space, with no sentence punctuation."""
    return not prefix or (prefix[-1] == " " and len(prefix) <= SIGNER_MAX_CHARS
                          and not _SENTENCE_PUNCTUATION.search(prefix))


def _clip(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
