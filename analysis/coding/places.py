"""Gazetteer: read place names in text and institution names, and place them in GB/T 2260.

The table is ``analysis/data/divisions.csv`` (every province and prefecture of China, every
county-level unit of Sichuan and Chongqing) plus ``division_aliases.csv`` (renames since
2011, moves such as 简阳 into 成都, functional zones that are not counties). A place is
reported in the contract's four columns; province-level bodies sit in the capital and
Chongqing municipal bodies in 重庆市 (see ``Gazetteer.place``).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from analysis.coding.resources import DataError, read_csv, read_lexicon

HOME_PROVINCES = ("510000", "500000")  # Sichuan, Chongqing: the region the network covers


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    short_name: str
    level: str  # province | prefecture | county
    parent_code: str
    capital_code: str  # provinces only: the capital's code (a municipality's own code)


@dataclass(frozen=True)
class Place:
    """Where an institution sits, in the columns of ``v_project_participants``."""

    province: str
    prefecture: str
    county: str | None
    division_code: str


@dataclass(frozen=True)
class Mention:
    """A place name found in a text: ``codes`` has one entry unless the name is ambiguous."""

    start: int
    end: int
    surface: str
    codes: tuple[str, ...]


class Gazetteer:
    """Lookup of division names (full, short, former) to codes, with hierarchy helpers."""

    def __init__(self, divisions: list[Division], aliases: dict[str, str],
                 former_names: dict[str, str], short_stoplist: set[str],
                 compounds: dict[str, tuple[str, ...]]):
        self.by_code = {d.code: d for d in divisions}
        self.former_names = former_names
        surface: dict[str, set[str]] = {}
        for d in divisions:
            surface.setdefault(d.name, set()).add(d.code)
        full_names = set(surface)
        # 凉山州, 秀山县: an autonomous unit named by its short name and level word is read
        # as the unit itself and spelled out in full in institution names
        self.autonomous_forms = {d.short_name + d.name[-1]: d.code for d in divisions
                                 if d.short_name and d.name[-3:] in ("自治州", "自治县")}
        for d in divisions:
            forms = [d.short_name, d.short_name + d.name[-1] if d.name[-3:] in ("自治州", "自治县") else ""]
            for form in forms:  # 泸州, 合江, 凉山州; ambiguity is settled later by resolve()
                if form and form not in short_stoplist and form not in full_names:
                    surface.setdefault(form, set()).add(d.code)
        for name, code in aliases.items():
            surface.setdefault(name, set()).add(code)
        self._surface = {k: tuple(sorted(v)) for k, v in surface.items()}
        self.compounds = compounds
        self._by_first: dict[str, list[str]] = {}
        for form in sorted(set(self._surface) | set(compounds), key=lambda f: (-len(f), f)):
            self._by_first.setdefault(form[0], []).append(form)

    # --- hierarchy -------------------------------------------------------------------
    def division(self, code: str) -> Division:
        try:
            return self.by_code[code]
        except KeyError:
            raise DataError(f"divisions.csv: unknown division code {code!r}") from None

    def province_of(self, code: str) -> Division:
        return self.division(code[:2] + "0000")

    def is_municipality(self, code: str) -> bool:
        province = self.province_of(code)
        return province.capital_code == province.code

    def ancestors(self, code: str) -> tuple[str, ...]:
        """The code itself and every unit above it, most precise first."""
        chain = [code]
        while self.by_code[chain[-1]].parent_code:
            chain.append(self.by_code[chain[-1]].parent_code)
        return tuple(chain)

    def is_within(self, code: str, outer: str) -> bool:
        return outer in self.ancestors(code)

    def in_home_region(self, code: str) -> bool:
        return self.province_of(code).code in HOME_PROVINCES

    def place(self, code: str) -> Place:
        """The contract's columns for a division code.

        A province-level code sits in its capital (四川省 -> 成都市, code kept 510000); a
        municipality's own code is its own prefecture (重庆市, 重庆市); a Chongqing district
        has prefecture 重庆市 and itself as county.
        """
        d = self.division(code)
        province = self.province_of(code)
        if d.level == "province":
            return Place(province.name, self.division(province.capital_code).name, None, code)
        if d.level == "prefecture":
            return Place(province.name, d.name, None, code)
        return Place(province.name, self.division(d.parent_code).name, d.name, code)

    def scope_unit(self, code: str) -> str:
        """The unit the region filter counts: a Chongqing district/county on its own, else the
        prefecture-level city (province-level bodies count as their capital)."""
        d = self.division(code)
        if d.level == "province":
            return d.capital_code
        if d.level == "county" and not self.is_municipality(code):
            return d.parent_code
        return code

    # --- reading names ---------------------------------------------------------------
    def forms_at(self, text: str, pos: int) -> list[str]:
        """Every known place form (and compound) starting at ``pos``, longest first."""
        return [f for f in self._by_first.get(text[pos], ()) if text.startswith(f, pos)]

    def resolve(self, codes: tuple[str, ...], within: str | None = None) -> str | None:
        """One code out of the candidates for a name: the one inside ``within`` if given,
        else the candidate that contains all others (阿坝 -> 阿坝州), else None."""
        if within:
            inside = [c for c in codes if self.is_within(c, within)]
            if len(inside) == 1:
                return inside[0]
            codes = tuple(inside) or codes
        for c in codes:
            if all(self.is_within(other, c) for other in codes):
                return c
        return None

    def leading_chain(self, name: str) -> tuple[tuple[str, str], ...]:
        """The place names at the start of ``name`` as (surface, code) steps, each inside
        the one before: ``泸州市合江县人民医院`` -> (泸州市, 510500), (合江县, 510522)."""
        steps: list[tuple[str, str]] = []
        pos = 0
        while pos < len(name):
            current = steps[-1][1] if steps else None
            step = None
            for form in self.forms_at(name, pos):
                if form in self.compounds:
                    continue
                code = self.resolve(self._surface[form], within=current)
                if code and (current is None or (code != current and self.is_within(code, current))):
                    step = (form, code)
                    break
            if step is None:
                break
            steps.append(step)
            pos += len(step[0])
        return tuple(steps)

    def official_prefix(self, surface: str, code: str) -> str | None:
        """How an official name spells the unit ``surface`` stands for, or None when the
        surface is a short or informal form that must be left as written.

        Chongqing districts/counties carry 重庆市 (重庆市永川区), Sichuan districts carry their
        city (成都市双流区), Sichuan counties and county-level cities stand alone (合江县,
        简阳市); former names become current ones (开县 -> 重庆市开州区) and autonomous units
        their full names (凉山州 -> 凉山彝族自治州, 秀山县 -> 重庆市秀山土家族苗族自治县).
        """
        d = self.division(code)
        if surface != d.name and self.former_names.get(surface) != code \
                and self.autonomous_forms.get(surface) != code:
            return None
        if d.level != "county":
            return d.name
        if self.is_municipality(code):
            return self.province_of(code).name + d.name
        if d.name.endswith("区"):
            return self.division(d.parent_code).name + d.name
        return d.name

    def mentions(self, text: str) -> list[Mention]:
        """Place names in running text, left to right, longest match at each position."""
        found = []
        pos = 0
        while pos < len(text):
            forms = self.forms_at(text, pos)
            if not forms:
                pos += 1
                continue
            form = forms[0]
            codes = self.compounds.get(form) or self._surface[form]
            found.append(Mention(pos, pos + len(form), form, tuple(codes)))
            pos += len(form)
        return found


def _divisions_from_csv() -> list[Division]:
    rows = read_csv("divisions.csv")
    divisions = []
    for i, row in enumerate(rows, start=2):
        if len(row.get("code", "")) != 6 or row.get("level") not in ("province", "prefecture", "county"):
            raise DataError(f"divisions.csv line {i}: bad code or level in {row}")
        divisions.append(Division(row["code"], row["name"], row["short_name"], row["level"],
                                  row["parent_code"], row["capital_code"]))
    return divisions


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shared gazetteer built from ``analysis/data``."""
    divisions = _divisions_from_csv()
    known = {d.code for d in divisions}
    aliases, former_names = {}, {}
    for i, row in enumerate(read_csv("division_aliases.csv"), start=2):
        if row["code"] not in known:
            raise DataError(f"division_aliases.csv line {i}: unknown code {row['code']!r}")
        aliases[row["name"]] = row["code"]
        if row["kind"] in ("renamed", "moved"):
            former_names[row["name"]] = row["code"]
    lex = read_lexicon("places")
    compounds = {k: tuple(str(c) for c in v) for k, v in (lex.get("compounds") or {}).items()}
    for name, codes in compounds.items():
        if not set(codes) <= known:
            raise DataError(f"places.yaml: compound {name!r} names an unknown code")
    return Gazetteer(divisions, aliases, former_names, set(lex.get("short_name_stoplist") or ()),
                     compounds)
