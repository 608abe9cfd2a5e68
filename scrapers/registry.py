"""Load and validate the source registry (``scrapers/sources.yaml`` or ``--sources FILE``).

The schema is public (``shared/contract.md`` §2). Validation errors name the source and the
field, so an operator can fix a broken file from one line of output.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from scrapers.cms import FAMILY_NAMES, family
from scrapers.health import FIELDS as PASS_RATE_FIELDS

BUNDLED_SOURCES = Path(__file__).with_name("sources.yaml")
_ID_RE = re.compile(r"^[a-z0-9_]+$")
DEFAULT_RATE_PER_S = 0.5
SOURCE_FIELDS = ("id", "name", "cms", "base_url", "rate_per_s", "expect", "columns")
COLUMN_FIELDS = ("path", "name", "channel_id")
#: Health assertions a source may declare (checked by scrapers.health).
EXPECTATIONS = ("min_items_per_list_page", "min_field_pass_rate")


class RegistryError(ValueError):
    """A sources file that cannot be used; the message is one line naming source and field."""


@dataclass(frozen=True)
class Column:
    path: str
    name: str
    channel_id: str | None = None


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    cms: str
    base_url: str
    columns: tuple[Column, ...]
    rate_per_s: float = DEFAULT_RATE_PER_S
    expect: dict[str, Any] = field(default_factory=dict)

    def column_url(self, column: Column) -> str:
        return self.base_url + column.path


def default_sources_path() -> Path:
    env = os.environ.get("HEALTHCOOP_SOURCES")
    return Path(env) if env else BUNDLED_SOURCES


def load_sources(path: str | os.PathLike | None = None) -> list[Source]:
    """Read and validate a registry file; raise RegistryError with a one-line message."""
    path = Path(path) if path else default_sources_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"sources file {path}: not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RegistryError(f"sources file {path}: not valid YAML ({first})") from None
    return parse_sources(raw, where=str(path))


def parse_sources(raw: Any, where: str = "sources") -> list[Source]:
    if not isinstance(raw, dict) or not isinstance(raw.get("sources"), list) or not raw["sources"]:
        raise RegistryError(f"{where}: expected a top-level 'sources:' list with at least one source")
    sources: list[Source] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw["sources"]):
        source = _parse_source(entry, f"{where}: source #{index + 1}")
        if source.id in seen:
            raise RegistryError(f"{where}: source {source.id}: duplicate id")
        seen.add(source.id)
        sources.append(source)
    return sources


def _parse_source(entry: Any, where: str) -> Source:
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: expected a mapping")
    sid = entry.get("id")
    if not isinstance(sid, str) or not _ID_RE.match(sid):
        raise RegistryError(f"{where}: field 'id' must match [a-z0-9_]+ (got {sid!r})")
    where = f"source {sid}"
    _no_unknown_fields(entry, SOURCE_FIELDS, where)
    for key in ("name", "cms", "base_url"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise RegistryError(f"{where}: missing or empty field '{key}'")
    if entry["cms"] not in FAMILY_NAMES:
        raise RegistryError(f"{where}: field 'cms' is {entry['cms']!r}; known families: {', '.join(FAMILY_NAMES)}")
    base_url = entry["base_url"].rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
        raise RegistryError(f"{where}: field 'base_url' must be an origin like https://host[:port] (got {entry['base_url']!r})")
    rate = entry.get("rate_per_s", DEFAULT_RATE_PER_S)
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 < rate <= 100:
        raise RegistryError(f"{where}: field 'rate_per_s' must be a number in (0, 100] (got {rate!r})")
    expect = _parse_expect(entry.get("expect") or {}, where)
    columns_raw = entry.get("columns")
    if not isinstance(columns_raw, list) or not columns_raw:
        raise RegistryError(f"{where}: field 'columns' must be a non-empty list")
    columns = tuple(_parse_column(c, f"{where}: column #{i + 1}") for i, c in enumerate(columns_raw))
    column_problem = getattr(family(entry["cms"]), "column_problem", None)
    for i, column in enumerate(columns):
        problem = column_problem(column) if column_problem else None
        if problem:
            raise RegistryError(f"{where}: column #{i + 1}: {problem}")
    return Source(id=sid, name=entry["name"].strip(), cms=entry["cms"], base_url=base_url,
                  columns=columns, rate_per_s=float(rate), expect=dict(expect))


def _no_unknown_fields(entry: dict, known: tuple[str, ...], where: str) -> None:
    """A misspelt field (``rate_per_sec``) would otherwise be ignored without a word."""
    unknown = sorted(str(key) for key in entry if key not in known)
    if unknown:
        raise RegistryError(f"{where}: unknown field '{unknown[0]}' (known: {', '.join(known)})")


def _parse_expect(expect: Any, where: str) -> dict:
    if not isinstance(expect, dict):
        raise RegistryError(f"{where}: field 'expect' must be a mapping")
    _no_unknown_fields(expect, EXPECTATIONS, f"{where}: expect")
    minimum = expect.get("min_items_per_list_page")
    if minimum is not None and (not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1):
        raise RegistryError(f"{where}: expect.min_items_per_list_page must be a whole number >= 1 (got {minimum!r})")
    rate = expect.get("min_field_pass_rate")
    rates = rate if isinstance(rate, dict) else {} if rate is None else {"(all fields)": rate}
    for name, value in rates.items():
        if isinstance(rate, dict) and name not in PASS_RATE_FIELDS:
            raise RegistryError(f"{where}: expect.min_field_pass_rate names unknown field {name!r} "
                                f"(known: {', '.join(PASS_RATE_FIELDS)})")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
            raise RegistryError(f"{where}: expect.min_field_pass_rate must be a number in [0, 1] "
                                f"or a mapping of fields to such numbers (got {value!r})")
    return dict(expect)


def _parse_column(entry: Any, where: str) -> Column:
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: expected a mapping with 'path' and 'name'")
    _no_unknown_fields(entry, COLUMN_FIELDS, where)
    path, name = entry.get("path"), entry.get("name")
    if not isinstance(path, str) or not path.startswith("/") or "://" in path:
        raise RegistryError(f"{where}: field 'path' must be a path starting with '/' (got {path!r})")
    if not isinstance(name, str) or not name.strip():
        raise RegistryError(f"{where}: missing or empty field 'name'")
    channel = entry.get("channel_id")
    if channel is not None and not isinstance(channel, (str, int)):
        raise RegistryError(f"{where}: field 'channel_id' must be a string")
    return Column(path=path, name=name.strip(), channel_id=str(channel) if channel is not None else None)


def with_base_urls(sources: list[Source], base_urls: dict[str, str]) -> list[Source]:
    """Return the sources with some origins swapped, e.g. for local replicas."""
    return [replace(s, base_url=base_urls[s.id].rstrip("/")) if s.id in base_urls else s for s in sources]


def dump_sources(sources: list[Source]) -> str:
    """Serialise sources back to registry YAML (used to write a replica sources file)."""
    doc = {"sources": []}
    for s in sources:
        entry: dict[str, Any] = {"id": s.id, "name": s.name, "cms": s.cms, "base_url": s.base_url,
                                 "rate_per_s": s.rate_per_s}
        if s.expect:
            entry["expect"] = dict(s.expect)
        entry["columns"] = [{k: v for k, v in (("path", c.path), ("channel_id", c.channel_id), ("name", c.name)) if v is not None}
                            for c in s.columns]
        doc["sources"].append(entry)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
