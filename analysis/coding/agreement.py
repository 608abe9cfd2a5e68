"""Agreement type (战略合作框架协议 … 其他) from ordered patterns in ``lexicons/agreements.yaml``.

The title names the kind of agreement more reliably than the body, which often mentions
other instruments in passing (a framework agreement "推动组建医联体"), so the title is
tried first with every type before the body is.
"""
from __future__ import annotations

import re
from functools import lru_cache

from analysis.coding.resources import DataError, read_lexicon

AGREEMENT_TYPES = ("战略合作框架协议", "合作框架协议", "合作协议", "备忘录", "专科联盟", "医联体", "联盟",
                   "对口支援协议", "共建协议", "其他")
FALLBACK = "其他"


class AgreementRules:
    def __init__(self, lexicon: dict):
        self.types: list[tuple[str, re.Pattern]] = []
        for entry in lexicon["types"]:
            if entry["type"] not in AGREEMENT_TYPES:
                raise DataError(f"agreements.yaml: unknown agreement type {entry['type']!r}")
            alternatives = [p[3:] if p.startswith("re:") else re.escape(p) for p in entry["patterns"]]
            try:
                self.types.append((entry["type"], re.compile("|".join(alternatives))))
            except re.error as exc:
                raise DataError(f"agreements.yaml: bad regular expression for {entry['type']!r}: {exc}") from None
        #: Lexicon order ranks the types: of several reports, the first-listed type wins.
        self.rank = {kind: i for i, (kind, _) in enumerate(self.types)}

    def classify(self, title: str, body: str) -> tuple[str, str | None]:
        """(agreement type, the phrase that decided it or None for the fallback)."""
        for text in (title, body):
            for kind, pattern in self.types:
                hit = pattern.search(text)
                if hit:
                    return kind, hit.group()
        return FALLBACK, None


@lru_cache(maxsize=1)
def agreement_rules() -> AgreementRules:
    return AgreementRules(read_lexicon("agreements"))
