"""Load the sample corpus (``sample_sites/corpus/<id>.json``) that the replica sites publish.

Each file is one article as one site published it (schema: ``sample_sites/README.md``). The
``<id>.expected.json`` files beside them are coding labels and are not read here. A file that
does not validate is reported with one line naming the file and field, and the other
articles are still served: the corpus is hand-written and grows while people work on it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

_ID_RE = re.compile(r"^[a-z0-9_]+$")
PUBLISHED_FORMAT = "%Y-%m-%d %H:%M"
# The corpus lives in the repository (not in the package): sample_sites/corpus.
DEFAULT_CORPUS_DIR = Path(__file__).resolve().parents[2] / "sample_sites" / "corpus"
DATE_STYLES = ("iso", "cn")


class CorpusError(ValueError):
    """An article that cannot be rendered; the message is one line naming the article and field."""


@dataclass(frozen=True)
class CorpusArticle:
    """One article of the corpus, validated; ``published`` is Beijing wall-clock time."""

    id: str
    source: str
    column: str
    published: datetime
    title: str
    body: tuple[str, ...]
    content_source: str = ""
    attachments: tuple[str, ...] = ()
    with_meta: bool = True
    date_style: str = "iso"


@dataclass(frozen=True)
class CorpusLoad:
    articles: tuple[CorpusArticle, ...]
    errors: tuple[str, ...]


def article_from_dict(raw: Any, where: str = "article") -> CorpusArticle:
    """Validate one article mapping (a corpus file's content, or ``add_article``'s argument)."""
    if not isinstance(raw, dict):
        raise CorpusError(f"{where}: expected a JSON object")
    aid = raw.get("id")
    if not isinstance(aid, str) or not _ID_RE.match(aid):
        raise CorpusError(f"{where}: field 'id' must match [a-z0-9_]+ (got {aid!r})")
    where = f"article {aid}"
    for key in ("source", "column", "title"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise CorpusError(f"{where}: missing or empty field '{key}'")
    published = _parse_published(raw.get("published"), where)
    body = raw.get("body")
    if not isinstance(body, list) or not body or not all(isinstance(p, str) and p.strip() for p in body):
        raise CorpusError(f"{where}: field 'body' must be a non-empty list of non-empty strings")
    content_source = raw.get("content_source") or ""
    if not isinstance(content_source, str):
        raise CorpusError(f"{where}: field 'content_source' must be a string")
    render = raw.get("render") or {}
    if not isinstance(render, dict):
        raise CorpusError(f"{where}: field 'render' must be an object")
    date_style = render.get("date_style", "iso")
    if date_style not in DATE_STYLES:
        raise CorpusError(f"{where}: field 'render.date_style' must be one of {', '.join(DATE_STYLES)} (got {date_style!r})")
    return CorpusArticle(
        id=aid, source=raw["source"].strip(), column=raw["column"].strip(), published=published,
        title=raw["title"].strip(), body=tuple(p.strip() for p in body), content_source=content_source.strip(),
        attachments=_attachment_names(raw.get("attachments"), where), with_meta=render.get("meta", True) is not False,
        date_style=date_style,
    )


def _parse_published(value: Any, where: str) -> datetime:
    try:
        return datetime.strptime(value, PUBLISHED_FORMAT)
    except (TypeError, ValueError):
        raise CorpusError(f"{where}: field 'published' must be 'YYYY-MM-DD HH:MM' (got {value!r})") from None


def _attachment_names(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CorpusError(f"{where}: field 'attachments' must be a list")
    names = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise CorpusError(f"{where}: every attachment needs a non-empty 'name'")
        names.append(name.strip())
    return tuple(names)


def load_corpus(corpus_dir: str | Path) -> CorpusLoad:
    """Read every ``<id>.json`` article of a corpus directory, skipping (and naming) bad files."""
    articles: list[CorpusArticle] = []
    errors: list[str] = []
    for path in sorted(Path(corpus_dir).glob("*.json")):
        if path.name.endswith(".expected.json"):
            continue
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            article = article_from_dict(raw, where=f"corpus file {path.name}")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            errors.append(f"corpus file {path.name}: unreadable ({type(exc).__name__}: {str(exc).splitlines()[0]})")
            continue
        except CorpusError as exc:
            errors.append(str(exc))
            continue
        if article.id != path.stem:  # the file name is the id, which keeps ids unique
            errors.append(f"corpus file {path.name}: field 'id' is {article.id!r}, expected the file name {path.stem!r}")
        else:
            articles.append(article)
    return CorpusLoad(tuple(articles), tuple(errors))
