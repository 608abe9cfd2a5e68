"""Prefect flows and the ``healthcoop`` command line: the only package that imports prefect.

Prefect reads its settings when first imported, so quiet, offline-friendly defaults are set
here, before any flow module imports it (an operator's own environment still wins).
"""
import os

for _name, _value in {
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
    "DASK_LOGGING__DISTRIBUTED": "warning",  # a LocalCluster's INFO lines would bury the run's own output
}.items():
    os.environ.setdefault(_name, _value)
