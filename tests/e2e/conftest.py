"""One Prefect test harness for the whole test run (it costs ~10 s to start), and one demo:
``healthcoop demo`` run twice, as a user would, for the tests that look at its output."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def prefect_harness():
    import flows  # noqa: F401  (quiet Prefect defaults before prefect is imported)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def cli_demo(prefect_harness, tmp_path_factory):
    """The demo directory and what ``healthcoop demo --dir`` printed on each of two runs."""
    from typer.testing import CliRunner

    from flows.cli import app

    directory = tmp_path_factory.mktemp("demo")
    outputs = []
    for _ in range(2):
        result = CliRunner().invoke(app, ["demo", "--dir", str(directory)])
        assert result.exit_code == 0, (result.output, result.exception)
        outputs.append(result.stdout)
    return directory, outputs
