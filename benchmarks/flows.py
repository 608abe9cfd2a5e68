"""Overhead of a no-change `healthcoop nightly` against a bare Prefect hello-world flow.

Both run the same way an operator runs them ad hoc: a fresh process in Prefect's ephemeral
mode, sharing one warm PREFECT_HOME. The nightly crawls the local replica sites (one request
per column, all answering 304), finds nothing new, skips coding and recompute, and publishes.

    .venv/bin/python benchmarks/flows.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scrapers.registry import load_sources  # noqa: E402
from scrapers.replica import DEFAULT_CORPUS_DIR, start_replicas  # noqa: E402

HELLO = """
import flows  # the same quiet Prefect settings as healthcoop
from prefect import flow, task

@task
def say(name):
    return f"hello {name}"

@flow
def hello():
    return say("world")

hello()
"""


def timed(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python, cli = str(REPO / ".venv/bin/python"), str(REPO / ".venv/bin/healthcoop")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PREFECT_HOME": f"{tmp}/prefect-home"}
        sources = [replace(s, rate_per_s=50.0) for s in load_sources()]
        with start_replicas(DEFAULT_CORPUS_DIR, sources) as replicas:
            sources_file = replicas.write_sources_file(Path(tmp) / "sources.yaml")
            nightly = [cli, "nightly", "--sources", str(sources_file), "--db", f"{tmp}/w.duckdb"]
            hello = [python, "-c", HELLO]
            first = timed(nightly, env)  # fills the warehouse and warms PREFECT_HOME
            timed(hello, env)
            replicas.reset_logs()
            hello_times, nightly_times = [], []
            for _ in range(args.repeat):
                hello_times.append(timed(hello, env))
                nightly_times.append(timed(nightly, env))
            requests = len([r for r in replicas.log() if r.path != "/robots.txt"]) / args.repeat
            columns = sum(len(s.columns) for s in replicas.sources_with_local_urls())
    h, n = statistics.median(hello_times), statistics.median(nightly_times)
    print(f"{'run':<34}{'median s':>10}{'min s':>8}{'max s':>8}")
    print(f"{'bare Prefect hello-world flow':<34}{h:>10.2f}{min(hello_times):>8.2f}{max(hello_times):>8.2f}")
    print(f"{'no-change healthcoop nightly':<34}{n:>10.2f}{min(nightly_times):>8.2f}{max(nightly_times):>8.2f}")
    print(f"ratio nightly / hello-world: {n / h:.2f} (target <= 1.5)")
    print(f"requests per no-change nightly: {requests:.0f} for {columns} columns; first (filling) nightly {first:.1f} s")


if __name__ == "__main__":
    main()
