"""Golden tests: every ucap fixture page parses to the record stored beside it."""
from tests.support.golden import golden_tests

test_fixture_set_covers_lists_and_articles, test_page_matches_golden_record = golden_tests("ucap")
