"""One Prefect test harness for the whole test run (it costs ~10 s to start)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def prefect_harness():
    import flows  # noqa: F401  (quiet Prefect defaults before prefect is imported)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
