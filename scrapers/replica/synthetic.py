"""Synthetic corpus articles: any number per column, with every rendering quirk, for tests and load.

The hand-written corpus is small (about a dozen articles per column) and is still being
written; tests need full columns now, and benchmarks need hundreds of pages. These articles
are formulaic on purpose (they label nothing for content coding) but exercise what the
crawler and parsers must handle: missing meta tags, Chinese-style dates, 0-3 attachments,
a title with ``<script>`` and ``&``, characters outside GB2312, sign-off dates.
"""
from __future__ import annotations

import json
from pathlib import Path

from scrapers.registry import Source

SCRIPT_TITLE = "川渝<script>alert('x')</script>医院 & 诊所签署合作协议"
_RARE_CHARS = "堃〇镕"  # GBK but not GB2312


def synthetic_article(source: Source, column_index: int, index: int) -> dict:
    """Article ``index`` of a column; the quirks cycle with ``index`` so every column gets each one."""
    column = source.columns[column_index]
    year, month, day = 2018 + index % 6, 1 + index % 12, 1 + (7 * index) % 28
    return {
        "id": f"syn_{source.id}_{column_index}_{index:04d}",
        "source": source.id,
        "column": column.path,
        "published": f"{year}-{month:02d}-{day:02d} {index % 24:02d}:{(11 * index) % 60:02d}",
        "title": SCRIPT_TITLE if index == 3 else f"{source.name}{column.name}第{index}号：川渝卫生健康合作推进会召开",
        "content_source": source.name,
        "body": [f"{month}月{day}日，川渝两地卫生健康部门召开合作推进会（第{index}号，{_RARE_CHARS}）。",
                 "会议通报了区域医疗中心建设进展，部署下一阶段合作任务。",
                 f"{source.name}　{year}年{month}月{day}日"],
        "attachments": [{"name": f"附件{k + 1}.{'pdf' if k % 2 == 0 else 'docx'}"} for k in range(index % 4)],
        "render": {"meta": index % 4 != 1, "date_style": "cn" if index % 5 == 2 else "iso"},
    }


def synthetic_articles(sources: list[Source], per_column: int) -> list[dict]:
    return [synthetic_article(source, c, i) for source in sources for c in range(len(source.columns))
            for i in range(per_column)]


def write_corpus(folder: str | Path, articles: list[dict]) -> Path:
    """Write articles as ``<id>.json`` files, the layout ``load_corpus`` reads."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for article in articles:
        (folder / f"{article['id']}.json").write_text(json.dumps(article, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder
