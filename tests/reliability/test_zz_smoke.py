import time
from tests.support.fault_server import Rule
from scrapers.crawl import CrawlPolicy
from tests.reliability.harness import worst_health, SETTINGS

def show(crawl, reports):
    print("lost", crawl.lost(), "dups", crawl.duplicates())
    for p in crawl.problems(): print("  P", p)
    for sid in [s.id for s in crawl.sources]:
        h = worst_health(reports, sid) if isinstance(reports, list) else reports.source(sid)
        print("  H", h.status, h.message)

def test_layout(faulty_crawl):
    for sid in ("cq_wsjkw", "sc_wsjkw", "cd_wjw", "lz_wjw"):
        crawl = faulty_crawl()
        crawl.injector.rules = [Rule(crawl.list_target(sid), "layout_changed", times=1)]
        print("LAYOUT", sid); show(crawl, crawl.backfill())
        crawl.backfill(); print("rerun lost", crawl.lost())

def test_malformed(faulty_crawl):
    crawl = faulty_crawl([Rule("/*", "malformed_html")])
    print("MALFORMED"); show(crawl, crawl.backfill())
    print(crawl.stored())

def test_date(faulty_crawl):
    crawl = faulty_crawl()
    arts = [crawl.article(s.id, 1) for s in crawl.sources]
    crawl.injector.rules = [Rule(a.target, "impossible_date") for a in arts]
    print("DATE"); show(crawl, crawl.backfill())
    st = crawl.stored()
    for a in arts: print(a.published, st.get(a.doc_id), crawl.document_problems(a.doc_id))

def test_gbk(faulty_crawl):
    crawl = faulty_crawl([Rule("/*", "gbk_as_utf8")])
    print("GBK"); show(crawl, crawl.backfill())
    print(crawl.wh.fetchall("select title, body_text from documents limit 3"))

def test_incr(faulty_crawl):
    crawl = faulty_crawl()
    a = crawl.article("cq_wsjkw", 6)
    crawl.injector.rules = [Rule(a.target, "http_503", times=3)]
    print("INCR"); show(crawl, crawl.crawl(CrawlPolicy()))
    crawl.crawl(CrawlPolicy()); print("rerun lost", crawl.lost())
