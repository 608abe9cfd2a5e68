"""Find institution names in text and turn each into one institution record.

Three passes over a text:

1. **Known names**: every canonical name of ``institutions.csv`` and every alias of
   ``aliases.csv`` (重医附一院 -> 重庆医科大学附属第一医院). An alias with a ``context`` code
   applies only when the article's own place lies inside that unit (省医院 means
   四川省人民医院 in a Sichuan article only). A known name shorter than four characters
   (川大, 重医) must start a word: 四川大力推进 names no university.
2. **Abbreviations by rule**: university hospitals (重医附一院, 成医一附院, 西南医大附院) and
   numbered hospitals (市五医院 = the article city's 第五人民医院), so that the alias table
   need not list every one.
3. **Pattern names**: a type word at the end of a name (医院, 卫健委, 大学, 有限公司 …, see
   ``lexicons/institutions.yaml``) and the text to its left back to punctuation, a
   connector word (与, 签署 …) or the end of an earlier hospital or government name
   (重庆市人民医院同广安市人民医院 is two names). ``市卫健委`` is read relative to the article's
   place, ``川渝两地卫健委`` names one commission per place, and descriptions of a kind of
   institution (重庆市三甲医院, 渝西地区医院, 两地医院) are no names.

A name in brackets right after a name (四川省人民医院（四川省医学科学院）) is the same
institution and is not counted twice.

A found name is made canonical (official suffix, official place prefix such as
重庆市永川区, then the alias table again), typed by its last suffix and placed: the table's
known location, else the place at the start of its name, else the article's place.
Unknown institutions get ``inst_`` + a hash of the canonical name, which is also how the ids
in ``institutions.csv`` were made, so an institution keeps its id when it is added there.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from analysis.coding.places import Gazetteer, Place, gazetteer
from analysis.coding.resources import DataError, read_csv, read_lexicon

INSTITUTION_TYPES = ("government", "hospital", "university", "research_institute",
                     "social_organization", "enterprise", "other")
_NAME_CHARS = re.compile(r"[\u4e00-\u9fff·]+$")
_MAX_NAME_PREFIX = 30  # characters of text looked at to the left of a suffix
_TOWN = re.compile(r"^[\u4e00-\u9fff]{1,4}?(?:镇|乡|街道)(?:中心)?$")  # 安居镇, 围龙镇中心
_SHORT_SURFACE = 4  # known names shorter than this (川大, 重医, 省医院) must start a word
_NUMERALS = "一二三四五六七八九十"
_BRACKETS = {"（": "）", "(": ")"}
_CLOSED_TYPES = ("hospital", "government")  # names of these types are not continued by another name


def institution_id(canonical_name: str) -> str:
    """Stable id of an institution: the same name always gives the same id."""
    return "inst_" + hashlib.sha1(canonical_name.encode("utf-8")).hexdigest()[:10]


def sector_of(institution_type: str) -> str:
    return "government" if institution_type == "government" else "society"


@dataclass(frozen=True)
class Institution:
    institution_id: str
    name: str
    institution_type: str
    place: Place | None
    known: bool  # listed in institutions.csv
    place_source: str  # table | name | context | none

    @property
    def sector(self) -> str:
        return sector_of(self.institution_type)


@dataclass(frozen=True)
class InstitutionMention:
    start: int
    end: int
    surface: str
    institution: Institution


@dataclass(frozen=True)
class _KnownEntry:
    institution_id: str
    name: str
    institution_type: str
    division_code: str


class InstitutionFinder:
    """Finds and normalises institution names; built once from the data tables."""

    def __init__(self, gz: Gazetteer, known: dict[str, _KnownEntry],
                 aliases: dict[str, tuple[tuple[str, str], ...]], lexicon: dict):
        self.gz = gz
        self.known = known
        self.aliases = aliases  # alias -> ((canonical name, context code or ""), …), narrowest context first
        surfaces = sorted(set(known) | set(aliases), key=lambda s: (-len(s), s))
        self._known_re = re.compile("|".join(map(re.escape, surfaces)))
        self.suffix_type: dict[str, str] = {}
        for itype, words in lexicon["suffixes"].items():
            if itype not in INSTITUTION_TYPES:
                raise DataError(f"institutions.yaml: unknown institution type {itype!r}")
            for word in words:
                self.suffix_type[word] = itype
        self._suffix_re = re.compile("|".join(
            map(re.escape, sorted(self.suffix_type, key=lambda s: (-len(s), s)))))
        self.abbreviations = sorted(lexicon["abbreviations"].items(), key=lambda kv: -len(kv[0]))
        self._connector_re = re.compile(".*(?:" + "|".join(
            map(re.escape, sorted(lexicon["connectors"], key=len, reverse=True))) + ")")
        self.name_starts = tuple(lexicon["name_starts"])
        self.generic_words = tuple(sorted(lexicon["generic_words"], key=len, reverse=True))
        self.descriptions = tuple(sorted(lexicon["descriptions"], key=len, reverse=True))
        self.name_cores = tuple(lexicon["name_cores"])
        self._place_named_body_re = re.compile(
            f"(?:第[{_NUMERALS}]{{1,3}})?(?:{'|'.join(map(re.escape, lexicon['place_named_bodies']))})")
        self.word_starts = tuple(lexicon["word_starts"])
        self.collectives = {k: int(v) for k, v in lexicon["collectives"].items()}
        self.relative_levels = dict(lexicon["relative_levels"])
        self.relative_markers = tuple(lexicon["relative_markers"])
        self._attached_re, self.universities = self._attached_pattern(lexicon["university_abbreviations"])
        parents = sorted((n for n, e in known.items() if e.institution_type in ("university", "research_institute")),
                         key=lambda n: (-len(n), n))
        self._parent_re = re.compile("|".join(map(re.escape, parents)))
        self._numbered_re = re.compile(f"(?:{'|'.join(self.relative_markers)})?[{''.join(self.relative_levels)}]"
                                       f"[{_NUMERALS}]{{1,3}}医?院")
        self._cache: dict[tuple[str, str | None], Institution] = {}

    # --- one name -> one institution ----------------------------------------------------
    def lookup_alias(self, surface: str, home: str | None) -> str | None:
        """The canonical name an alias stands for in an article placed at ``home``."""
        if surface in self.known:
            return surface
        for name, context in self.aliases.get(surface, ()):
            if not context or (home and self.gz.is_within(home, context)):
                return name
        return None

    def canonical_name(self, raw: str, home: str | None) -> str:
        """Official spelling of a found name: alias table, official suffix, official place
        prefix (永川区人民医院 -> 重庆市永川区人民医院; a short place before a body always named
        after its unit too: 泸州人民医院 -> 泸州市人民医院), alias table again."""
        known = self.lookup_alias(raw, home)
        if known:
            return known
        name = raw
        for short, official in self.abbreviations:
            if name.endswith(short) and not name.endswith(official):
                name = name[: -len(short)] + official
                break
        steps = self.gz.leading_chain(name)
        if steps:
            surface, code = steps[-1]
            rest = name[sum(len(s) for s, _ in steps):]
            official = self.gz.official_prefix(surface, code)
            if official is None and self._place_named_body_re.fullmatch(rest):
                official = self.gz.official_prefix(self.gz.division(code).name, code)
            if official:
                name = official + rest
        return self.lookup_alias(name, home) or name

    def type_of(self, name: str) -> str:
        """The type given by the name's last suffix (``other`` when none fits)."""
        best = None
        for m in self._suffix_re.finditer(name):
            best = m
        if best is None or best.end() != len(name):
            return "other"
        return self.suffix_type[best.group()]

    def institution(self, raw: str, home: str | None) -> Institution:
        """The institution record for a name as written, in an article placed at ``home``
        (remembered: the same names recur in every article)."""
        key = (raw, home)
        if key not in self._cache:
            self._cache[key] = self._resolve(raw, home)
        return self._cache[key]

    def _resolve(self, raw: str, home: str | None) -> Institution:
        name = self.canonical_name(raw, home)
        entry = self.known.get(name)
        if entry:
            return Institution(entry.institution_id, name, entry.institution_type,
                               self._place(entry.division_code, entry.institution_type), True, "table")
        itype = self.type_of(name)
        code = self._place_in_name(name)
        source = "name" if code else "context" if home else "none"
        place = self._place(code or home, itype) if code or home else None
        return Institution(institution_id(name), name, itype, place, False, source)

    def _place_in_name(self, name: str) -> str | None:
        """Where a name says its institution sits: the places it starts with (泸州市合江县…),
        else the place right after 附属 (…附属永川医院), else the known university or
        institute it belongs to (西南医科大学附属第一医院 -> 泸州)."""
        steps = self.gz.leading_chain(name)
        attached = name.find("附属")
        if not steps and attached > 0:
            steps = self.gz.leading_chain(name[attached + 2:])
        if steps:
            return steps[-1][1]
        parent = self._parent_re.match(name)
        return self.known[parent.group()].division_code if parent else None

    def _place(self, code: str, institution_type: str) -> Place:
        """Only government bodies keep a province-level code (四川省卫生健康委员会 -> 510000);
        a hospital or university named after its province sits in the capital city
        (四川省人民医院 -> 成都市, 510100), as the coding rules place it."""
        d = self.gz.division(code)
        if d.level == "province" and institution_type != "government":
            return self.gz.place(d.capital_code)
        return self.gz.place(code)

    # --- text -> mentions ---------------------------------------------------------------
    def find(self, text: str, home: str | None) -> list[InstitutionMention]:
        """Every institution named in ``text``, left to right, nested names dropped."""
        # (start, end, surface, name, pass): known names sort before pattern names
        raw: list[tuple[int, int, str, str, int]] = []
        for m in self._known_re.finditer(text):
            name = self.lookup_alias(m.group(), home)
            if name and not (len(m.group()) < _SHORT_SURFACE and self._inside_word(text, m.start())):
                raw.append((m.start(), m.end(), m.group(), name, 0))
        for m in self._attached_re.finditer(text):
            raw.append((m.start(), m.end(), m.group(), self._attached_name(m), 0))
        for m in self._numbered_re.finditer(text):
            raw.extend(self._numbered_hospital(text, m, home))
        for m in self._suffix_re.finditer(text):
            raw.extend((*found, 1) for found in self._pattern_names(text, m.start(), m.end(), home))
        raw.sort(key=lambda r: (r[0], -(r[1] - r[0]), r[4]))
        kept: list[tuple[int, int, str, str, int]] = []
        for item in raw:
            if kept and item[0] < kept[-1][1]:
                shared_span = item[:2] == kept[-1][:2] and item[4] == kept[-1][4] == 1
                if not shared_span or item in kept:
                    continue  # inside a longer or earlier name; 两地卫健委 shares one span
            if kept and self._bracketed_after(text, kept[-1][1], item[0], item[1]):
                continue  # 四川省人民医院（四川省医学科学院）: one institution, two names
            kept.append(item)
        return [InstitutionMention(s, e, surface, self.institution(name, home))
                for s, e, surface, name, _ in kept]

    def _inside_word(self, text: str, start: int) -> bool:
        """A short name continues a word on its left (川大 in 四川大力, 重医 in 加重医疗)
        unless punctuation, a connector word (与, 由 …) or a word start (据, 日 …) precedes it."""
        piece = self._piece_before(text, start)
        return bool(piece) and not piece.endswith(self.word_starts)

    @staticmethod
    def _bracketed_after(text: str, previous_end: int, start: int, end: int) -> bool:
        """``text[start:end]`` is the whole content of brackets right after a name."""
        opening = text[previous_end:start]
        return opening in _BRACKETS and text[end:end + 1] == _BRACKETS[opening]

    def _attached_pattern(self, abbreviations: dict[str, str]) -> tuple[re.Pattern, dict[str, str]]:
        """Short names of university hospitals by rule, not by alias: 重医附一院, 成医一附院,
        西南医大附院 = (university)(附属)(number)(院). ``universities`` maps every spelling
        of a university (full names from the table, abbreviations from the lexicon) to its name."""
        universities = {name: name for name, entry in self.known.items() if entry.institution_type == "university"}
        for short, name in abbreviations.items():
            if name not in universities:
                raise DataError(f"institutions.yaml: university abbreviation {short!r} names {name!r}, "
                                "which is not a university of institutions.csv")
            universities[short] = name
        spellings = "|".join(map(re.escape, sorted(universities, key=lambda u: (-len(u), u))))
        n = f"[{_NUMERALS}]"
        pattern = re.compile(f"(?P<u>{spellings})(?:附属?第?(?P<a>{n})(?:医)?院|第?(?P<b>{n})附(?:属医)?院|附(?:属医)?院)")
        return pattern, universities

    def _attached_name(self, m: re.Match) -> str:
        """The hospital's full name: the table's spelling when it knows one (成都医学院第一附属医院
        but 重庆医科大学附属第一医院), else the common form (附属第N医院, 附属医院)."""
        university = self.universities[m.group("u")]
        number = m.group("a") or m.group("b")
        forms = [f"{university}附属第{number}医院", f"{university}第{number}附属医院"] if number \
            else [f"{university}附属医院"]
        return next((f for f in forms if f in self.known), forms[0])

    def _pattern_names(self, text: str, s: int, e: int, home: str | None):
        """Names ending with the suffix at ``text[s:e]`` (several for 两地卫健委 and for
        重庆市万州区、开州区卫健委)."""
        suffix = text[s:e]
        piece = self._piece_before(text, s)
        start = s - len(piece)
        collective = next((w for w in self.collectives if piece.endswith(w)), None)
        if collective:
            if self.suffix_type[suffix] != "government":
                return []  # 两地卫健委 names both commissions, 两地医院 names no hospital
            return [(start, e, text[start:e], self._official_for(code, suffix))
                    for code in self._places_before(text, s - len(collective), self.collectives[collective])]
        relative = piece[1:] if piece[:1] in self.relative_markers and piece[1:2] in self.relative_levels else piece
        if relative[:1] in self.relative_levels and not self.gz.forms_at(relative, 0) \
                and not self._generic(relative[1:]):  # 区级医院 is no name, 市中医医院 is one
            code = self._relative(relative[0], text, start, home)
            if code is None:
                return []
            return [(start, e, text[start:e], self._official_for(code, "") + relative[1:] + suffix)]
        if self._is_place_only(piece):
            found = []
            for a, b in self._listed_places(text, start, s):
                end = e if b == s else b  # the last place carries the suffix in the text
                found.append((a, end, text[a:end], text[a:b] + suffix))
            return found
        if _TOWN.match(piece) and not piece.startswith(self.generic_words):  # 安居镇卫生院
            code = self._relative("县", text, start, home)
            if code is None:
                return []
            return [(start, e, text[start:e], self._official_for(code, "") + piece + suffix)]
        offset = self._name_start(piece)
        if offset is None:
            if self.suffix_type[suffix] == "government" or not 2 <= len(piece) <= 10 \
                    or piece.startswith(self.generic_words) or self._describes(piece):
                return []
            offset = 0
        steps = self.gz.leading_chain(piece[offset:])
        if self._describes(piece[offset + sum(len(surface) for surface, _ in steps):]):
            return []  # 重庆市三甲医院, 渝西地区医院
        return [(start + offset, e, text[start + offset:e], piece[offset:] + suffix)]

    def _numbered_hospital(self, text: str, m: re.Match, home: str | None):
        """市五医院, 市三院, 我市二院 = the numbered people's hospital of the place the level word
        refers to (成都市第五人民医院 in a Chengdu article, 重庆市第五人民医院 in a Chongqing one)."""
        if self._inside_word(text, m.start()):
            return []
        surface = m.group()
        short = surface.lstrip("".join(self.relative_markers))
        code = self._relative(short[0], text, m.start(), home)
        if code is None:
            return []
        number = short[1:].rstrip("院").rstrip("医")
        return [(m.start(), m.end(), surface, self._official_for(code, f"第{number}人民医院"), 0)]

    def _describes(self, core: str) -> bool:
        """The words between a name's places and its suffix describe a kind of institution
        instead of naming one (三甲, 市级, 辖区, 毗邻地区 …); 中医, 妇幼 … still name one."""
        return bool(core) and not core.startswith(self.name_cores) and (
            core.startswith(self.descriptions) or core.endswith(self.descriptions))

    def _generic(self, core: str) -> bool:
        """After a relative level word (市, 区 …) the rest must name, not describe: 区级医院
        and 区属医院 are no names, 市中医医院 is one."""
        return self._describes(core) or (core.startswith(self.generic_words) and not core.startswith(self.name_cores))

    def _piece_before(self, text: str, end: int) -> str:
        """The text a name can occupy before ``end``: back to punctuation, then after the
        last connector word, then after the last hospital or government name in it when a
        new name starts there (重庆市人民医院同广安市人民医院 is two names, but
        重庆医科大学附属第一医院金山医院 is one, and a university or an institute may lead a
        longer name: 重庆医科大学附属第一医院)."""
        run = _NAME_CHARS.search(text[max(0, end - _MAX_NAME_PREFIX):end])
        piece = run.group() if run else ""
        cut = self._connector_re.match(piece)
        piece = piece[cut.end():] if cut else piece
        closed = [m.end() for m in self._suffix_re.finditer(piece)
                  if self.suffix_type[m.group()] in _CLOSED_TYPES]
        if closed and self._name_start(piece[closed[-1]:]) is not None:
            return piece[closed[-1]:]
        return piece

    def _is_place_only(self, piece: str) -> bool:
        steps = self.gz.leading_chain(piece)
        return bool(steps) and sum(len(surface) for surface, _ in steps) == len(piece)

    def _listed_places(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Spans of the places sharing one suffix: ``text[start:end]`` and the place-only
        items before it joined by 、, left to right."""
        spans = [(start, end)]
        while start > 0 and text[start - 1] == "、":
            piece = self._piece_before(text, start - 1)
            if not self._is_place_only(piece):
                break
            spans.insert(0, (start - 1 - len(piece), start - 1))
            start = start - 1 - len(piece)
        return spans

    def _name_start(self, piece: str) -> int | None:
        """Where the name begins inside ``piece``: the first place name or name-start word.
        A hospital attached to a university starts with the university
        (首都医科大学附属北京天坛医院, not 北京天坛医院)."""
        attached = piece.find("附属")
        if attached > 0:
            own = self._name_start(piece[:attached])
            return own if own is not None else 0
        for i in range(len(piece)):
            if piece.startswith(self.name_starts, i):
                return i
            if any(f not in self.gz.compounds for f in self.gz.forms_at(piece, i)):
                return i
        return None

    def _official_for(self, code: str, suffix: str) -> str:
        d = self.gz.division(code)
        return (self.gz.official_prefix(d.name, code) or d.name) + suffix

    def _relative(self, level_char: str, text: str, pos: int, home: str | None) -> str | None:
        """The unit 市/省/区 refers to at ``text[pos]``: the article's own place when it is
        of that level (市卫健委 in a Luzhou article), else the unit of that level named last
        before ``pos`` (区人民医院 after 重庆市铜梁区人民医院 in a Chongqing-wide article)."""
        level = self.relative_levels[level_char]
        if home and not (level == "province" and self.gz.is_municipality(home)):  # no 省 in Chongqing
            for code in self.gz.ancestors(home):
                d = self.gz.division(code)
                if d.level == level or (level == "prefecture" and self.gz.is_municipality(code)):
                    return code
        named = [self.gz.resolve(m.codes) for m in self.gz.mentions(text[:pos])
                 if m.surface not in self.gz.compounds]
        return next((c for c in reversed(named) if c and self.gz.division(c).level == level), None)

    def _places_before(self, text: str, end: int, count: int) -> list[str]:
        """The last ``count`` distinct places named in the sentence before ``end``."""
        sentence_start = max(text.rfind(p, 0, end) for p in "。！？；\n") + 1
        codes: list[str] = []
        for mention in self.gz.mentions(text[sentence_start:end]):
            named = mention.codes if mention.surface in self.gz.compounds else (self.gz.resolve(mention.codes),)
            codes.extend(c for c in named if c and c not in codes)
        return codes[-count:] if len(codes) >= count else []


@lru_cache(maxsize=1)
def finder() -> InstitutionFinder:
    """The shared finder built from ``analysis/data``."""
    gz = gazetteer()
    known: dict[str, _KnownEntry] = {}
    for i, row in enumerate(read_csv("institutions.csv"), start=2):
        if row["institution_type"] not in INSTITUTION_TYPES or row["division_code"] not in gz.by_code:
            raise DataError(f"institutions.csv line {i}: bad type or division code in {row['name']!r}")
        if not row["institution_id"].startswith("inst_"):
            raise DataError(f"institutions.csv line {i}: institution_id must start with inst_")
        known[row["name"]] = _KnownEntry(row["institution_id"], row["name"], row["institution_type"],
                                         row["division_code"])
    readings: dict[str, list[tuple[str, str]]] = {}
    for i, row in enumerate(read_csv("aliases.csv"), start=2):
        if row["name"] not in known:
            raise DataError(f"aliases.csv line {i}: {row['alias']!r} points to {row['name']!r}, "
                            "which is not in institutions.csv")
        if row["context"] and row["context"] not in gz.by_code:
            raise DataError(f"aliases.csv line {i}: unknown context code {row['context']!r}")
        if any(context == row["context"] for _, context in readings.get(row["alias"], ())):
            raise DataError(f"aliases.csv line {i}: {row['alias']!r} is listed twice for the same context")
        readings.setdefault(row["alias"], []).append((row["name"], row["context"]))
    aliases = {alias: tuple(sorted(found, key=lambda r: (-len(gz.ancestors(r[1])) if r[1] else 0, r[1])))
               for alias, found in readings.items()}  # 市公卫中心: the Chengdu or the Chongqing one
    return InstitutionFinder(gz, known, aliases, read_lexicon("institutions"))
