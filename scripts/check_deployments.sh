#!/usr/bin/env bash
# Check the Prefect deployments end to end on this machine, against the local replica sites:
# start a Prefect server on 127.0.0.1, create the process work pool, deploy prefect.yaml,
# start a worker, run the backfill deployment with other dates and --sources, wait for it,
# check the warehouse, check that the nightly deployment has runs scheduled at 02:00
# Asia/Shanghai, and stop everything it started. Run from anywhere: `make check-deployments`.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin="$repo/.venv/bin"
work=$(mktemp -d)
port=$(("$RANDOM" % 2000 + 14200))
export PREFECT_HOME="$work/prefect-home"
export PREFECT_API_URL="http://127.0.0.1:$port/api"
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1 PREFECT_LOGGING_LEVEL=WARNING
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 20); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { echo "check_deployments: FAILED: $*" >&2; exit 1; }

step "Prefect server on 127.0.0.1:$port"
"$bin/prefect" server start --host 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  "$bin/python" - "$PREFECT_API_URL" <<'EOF' 2>/dev/null && break || sleep 1
import sys, httpx
sys.exit(0 if httpx.get(sys.argv[1] + "/health", timeout=2).status_code == 200 else 1)
EOF
done || true
"$bin/python" -c "import httpx,sys; httpx.get('$PREFECT_API_URL/health', timeout=2).raise_for_status()" \
  || { tail -20 "$work/server.log"; fail "Prefect server did not become healthy"; }

step "replica sites"
"$bin/python" -m scrapers.replica --write-sources "$work/sources.yaml" >"$work/replica.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do [ -s "$work/sources.yaml" ] && break; sleep 0.5; done
[ -s "$work/sources.yaml" ] || fail "replica sites did not start"
sed -i 's/rate_per_s: .*/rate_per_s: 50.0/' "$work/sources.yaml"   # our own local servers
cat "$work/replica.log"

step "work pool, deployments, worker"
cd "$repo"
"$bin/prefect" work-pool create healthcoop-process --type process --overwrite >/dev/null
"$bin/prefect" --no-prompt deploy --all >"$work/deploy.log" 2>&1 || { cat "$work/deploy.log"; fail "prefect deploy"; }
"$bin/prefect" deployment ls
"$bin/prefect" worker start --pool healthcoop-process >"$work/worker.log" 2>&1 &
pids+=($!)

step "backfill deployment with other dates, against the replicas"
db="$work/warehouse.duckdb"
"$bin/prefect" deployment run 'backfill/backfill-2019-2021' \
  --param start=2020-01-01 --param end=2020-12-31 \
  --param sources_file="$work/sources.yaml" --param db="$db" \
  --watch --watch-timeout 600 || { tail -40 "$work/worker.log"; fail "backfill deployment run"; }

step "warehouse contents"
n_docs=$("$bin/healthcoop" query "SELECT count(*) AS n FROM v_documents" --db "$db" --format csv | tail -1)
expected=$("$bin/python" - <<'EOF'
from datetime import date
from scrapers.replica import DEFAULT_CORPUS_DIR, load_corpus
print(sum(date(2020, 1, 1) <= a.published.date() <= date(2020, 12, 31) for a in load_corpus(DEFAULT_CORPUS_DIR).articles))
EOF
)
"$bin/healthcoop" query "SELECT flow, status, pages_fetched, new_documents, new_projects, errors FROM v_runs" --db "$db"
[ "$n_docs" = "$expected" ] || fail "warehouse has $n_docs documents, the replicas publish $expected in 2020"
echo "documents stored: $n_docs of $expected published in 2020"

step "nightly schedule: runs at 02:00 Asia/Shanghai"
"$bin/python" - <<'EOF' || fail "nightly schedule"
import asyncio
from zoneinfo import ZoneInfo

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName, FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType


async def main() -> None:
    async with get_client() as client:
        for _ in range(30):
            runs = await client.read_flow_runs(
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["nightly"])),
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=["SCHEDULED"]))))
            if runs:
                break
            await asyncio.sleep(1)
        assert runs, "no scheduled runs of the nightly deployment"
        local = sorted(r.expected_start_time.astimezone(ZoneInfo("Asia/Shanghai")) for r in runs)
        for t in local:
            print("scheduled nightly run:", t.isoformat())
        assert all((t.hour, t.minute) == (2, 0) for t in local), "not at 02:00 Asia/Shanghai"


asyncio.run(main())
EOF

step "all checks passed"
