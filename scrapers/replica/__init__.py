"""Local replicas of the health-commission sites, rendered from ``sample_sites/corpus``.

Tests, benchmarks and ``healthcoop demo`` crawl these instead of the real sites:
``render`` builds each source's site (URL schemes and HTML of its CMS family) as a pure
mapping path -> response, and ``server`` serves it on 127.0.0.1, one origin per source.

    with start_replicas(DEFAULT_CORPUS_DIR, load_sources()) as replicas:
        replicas.write_sources_file(tmp / "sources.yaml")   # point the crawler at them
"""
from scrapers.replica.corpus import DEFAULT_CORPUS_DIR, CorpusArticle, CorpusError, article_from_dict, load_corpus
from scrapers.replica.render import RenderedSite, Response, render_site
from scrapers.replica.server import (ReplicaRequest, ReplicaServer, ReplicaSet, Reply, RequestRecord, StaticReply,
                                     start_replicas)

__all__ = ["DEFAULT_CORPUS_DIR", "CorpusArticle", "CorpusError", "article_from_dict", "load_corpus", "RenderedSite",
           "Response", "render_site", "ReplicaRequest", "ReplicaServer", "ReplicaSet", "Reply", "RequestRecord",
           "StaticReply", "start_replicas"]
