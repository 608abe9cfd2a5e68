"""Content coding: from crawled articles to coded cooperation projects.

Pure functions on records and frames (no database, no network, no Prefect). The rules are
data in ``analysis/data`` (gazetteer, institution and alias tables, weighted lexicons) so
that every decision can be read, explained and extended; see ``analysis/data/README.md``.

``code_corpus(documents, overrides=()) -> CodingResult`` is the entry point.
``CODER_VERSION`` changes whenever a rule or a data table changes, so that stored
documents are recoded (``healthcoop recode``).
"""
from analysis.coding.corpus import CodingResult, code_corpus

CODER_VERSION = "1.1.0"

__all__ = ["CODER_VERSION", "CodingResult", "code_corpus"]
