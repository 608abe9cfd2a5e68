"""Network benchmark: full recompute at 100k projects, and the speed-up over networkx.

Run: .venv/bin/python benchmarks/network.py [--projects 100000] [--institutions 20000]
                                            [--quick] [--write-results]

1. Synthetic coded input generated in the run (seeded): a skewed, realistic distribution —
   a few hub institutions (provincial/municipal health commissions, the big university
   hospitals) join a large share of projects, the rest follow a heavy-tailed activity, projects
   have 2-8 participants (mostly 2-3), institutions sit in real provinces, prefectures and
   Chongqing districts (Sichuan counties get generated names).
2. Full recompute (`compute_all`, all four levels, every measure) for the whole period, and
   for the default periods (every year + 2019-2021 + whole range), each in its own process:
   wall time, peak RSS (ru_maxrss), seconds per stage.
3. Against networkx on the institution network of growing synthetic inputs (5 projects per
   institution): networkx's own constraint (default sparse path, whole model) and exact
   betweenness (default path, weight=None), and a straightforward networkx loop for
   effective size, efficiency and hierarchy (networkx has none of the last two, and its
   effective_size fast path is wrong on weighted graphs). Ours computes MORE: both Burt
   models. Each side runs in its own process; networkx is stopped at its time limit.
   The run also checks that both sides give the same numbers.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import write_section  # noqa: E402

SICHUAN_PREFECTURES = ["成都市", "自贡市", "攀枝花市", "泸州市", "德阳市", "绵阳市", "广元市", "遂宁市", "内江市",
                       "乐山市", "南充市", "眉山市", "宜宾市", "广安市", "达州市", "雅安市", "巴中市", "资阳市",
                       "阿坝藏族羌族自治州", "甘孜藏族自治州", "凉山彝族自治州"]
CHONGQING_DISTRICTS = ["渝中区", "江北区", "沙坪坝区", "九龙坡区", "南岸区", "北碚区", "渝北区", "巴南区", "万州区",
                       "涪陵区", "黔江区", "长寿区", "江津区", "合川区", "永川区", "南川区", "綦江区", "大足区",
                       "璧山区", "铜梁区", "潼南区", "荣昌区", "开州区", "梁平区", "武隆区"]
OTHER_PREFECTURES = {"北京市": ["北京市"], "上海市": ["上海市"], "贵州省": ["贵阳市", "遵义市"],
                     "云南省": ["昆明市"], "陕西省": ["西安市"], "广东省": ["广州市", "深圳市"], "湖北省": ["武汉市"]}
TYPES = ["government", "hospital", "university", "research_institute", "social_organization", "enterprise", "other"]
TYPE_WEIGHTS = [0.2, 0.35, 0.1, 0.05, 0.1, 0.15, 0.05]
THEMES = ["tcm", "modern_medicine", "prevention_care", "health_industry", "talent_research", "informatization", "other"]
SIZE_WEIGHTS = np.array([0.34, 0.25, 0.15, 0.10, 0.07, 0.05, 0.04])   # 2..8 participants
HUB_SHARES = [0.22, 0.18, 0.10, 0.06, 0.04]                          # share of projects each hub joins


def _places(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Province, prefecture, county of n institutions (about 60 % Sichuan, 30 % Chongqing)."""
    region = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    province, prefecture, county = [], [], []
    others = [(p, c) for p, cities in OTHER_PREFECTURES.items() for c in cities]
    for k in range(n):
        if region[k] == 0:
            pref = SICHUAN_PREFECTURES[min(int(rng.zipf(1.6)) - 1, len(SICHUAN_PREFECTURES) - 1)]
            province.append("四川省")
            prefecture.append(pref)
            county.append(f"{pref[:2]}{rng.integers(1, 9)}县" if rng.random() < 0.5 else None)
        elif region[k] == 1:
            province.append("重庆市")
            prefecture.append("重庆市")
            county.append(CHONGQING_DISTRICTS[rng.integers(len(CHONGQING_DISTRICTS))] if rng.random() < 0.6 else None)
        else:
            prov, pref = others[rng.integers(len(others))]
            province.append(prov)
            prefecture.append(pref)
            county.append(None)
    return pd.DataFrame({"province": province, "prefecture": prefecture, "county": county})


def synthetic_input(n_projects: int, n_institutions: int, seed: int = 0,
                    years: tuple[int, int] = (2019, 2023)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(projects, participants) frames with the columns of v_projects / v_project_participants."""
    rng = np.random.default_rng(seed)
    institutions = _places(rng, n_institutions)
    institutions.insert(0, "institution_id", [f"I{k:06d}" for k in range(n_institutions)])
    institutions["institution"] = [f"机构{k}" for k in range(n_institutions)]
    institutions["institution_type"] = rng.choice(TYPES, size=n_institutions, p=TYPE_WEIGHTS)
    institutions["sector"] = np.where(institutions["institution_type"] == "government", "government", "society")
    institutions["division_code"] = None

    sizes = rng.choice(np.arange(2, 9), size=n_projects, p=SIZE_WEIGHTS / SIZE_WEIGHTS.sum())
    n_hubs = min(len(HUB_SHARES), n_institutions)
    hub_rows = [np.flatnonzero(rng.random(n_projects) < share) for share in HUB_SHARES[:n_hubs]]
    activity = rng.pareto(1.8, size=n_institutions) + 1.0
    activity[:n_hubs] = 0.0
    activity /= activity.sum()
    # over-draw, then keep each project's first distinct members up to its size
    draws = rng.choice(n_institutions, size=int(sizes.sum() * 1.3) + n_projects, p=activity)
    owners = np.sort(rng.integers(0, n_projects, size=draws.size))
    pairs = pd.DataFrame({"project": owners, "inst": draws})
    pairs = pd.concat([pd.DataFrame({"project": rows, "inst": hub}) for hub, rows in enumerate(hub_rows)] + [pairs])
    pairs = pairs.drop_duplicates()
    pairs["slot"] = pairs.groupby("project").cumcount()
    pairs = pairs.loc[pairs["slot"] < sizes[pairs["project"].to_numpy()]]

    project_ids = np.array([f"P{k:07d}" for k in range(n_projects)])
    start = dt.date(years[0], 1, 1).toordinal()
    days = rng.integers(0, dt.date(years[1], 12, 31).toordinal() - start + 1, size=n_projects)
    signed = [dt.date.fromordinal(start + int(d)) for d in days]
    first_theme = rng.choice(THEMES, size=n_projects)
    second_theme = rng.choice(THEMES, size=n_projects)
    projects = pd.DataFrame({
        "project_id": project_ids,
        "title": [f"合作项目{k}" for k in range(n_projects)],
        "signed_date": signed,
        "year": [d.year for d in signed],
        "themes": [[a] if a == b or rng.random() < 0.6 else [a, b] for a, b in zip(first_theme, second_theme)],
        "primary_theme": first_theme,
        "mode": rng.choice(["inter_governmental", "government_society", "social"], size=n_projects,
                           p=[0.27, 0.12, 0.61]),
        "in_scope": rng.random(n_projects) < 0.97,
    })
    roles = np.where(pairs["slot"].to_numpy() == 0, "signatory",
                     rng.choice(["signatory", "participant", "witness"], size=len(pairs), p=[0.5, 0.42, 0.08]))
    participants = institutions.iloc[pairs["inst"].to_numpy()].reset_index(drop=True)
    participants.insert(0, "project_id", project_ids[pairs["project"].to_numpy()])
    participants.insert(3, "role", roles)
    return projects, participants


# --- measured tasks (each runs in its own process) -----------------------------------------

def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def task_recompute(n_projects: int, n_institutions: int, periods: list[str] | None, seed: int) -> dict:
    from analysis.network import compute_all

    start = time.perf_counter()
    projects, participants = synthetic_input(n_projects, n_institutions, seed)
    generated = time.perf_counter() - start
    rss_generated = _peak_rss_mb()
    start = time.perf_counter()
    result = compute_all(projects, participants, periods=periods)
    wall = time.perf_counter() - start
    stages = result.timings.groupby(["level", "stage"])["seconds"].sum()
    summary = result.summary.loc[result.summary["period"] == result.params["periods"][-1]]
    return {"generate_s": generated, "recompute_s": wall, "peak_rss_mb": _peak_rss_mb(),
            "rss_after_generate_mb": rss_generated, "participant_rows": len(participants),
            "periods": result.params["periods"],
            "stages": {f"{level}/{stage}": float(s) for (level, stage), s in stages.items()},
            "networks": summary[["level", "n_nodes", "n_ties", "betweenness_sources"]].to_dict("records")}


def institution_network(n_institutions: int, seed: int):
    """Whole-period institution co-participation matrix of a synthetic input (5 projects per institution)."""
    from analysis.network.inputs import prepare
    from analysis.network.projection import affiliation, co_participation, node_keys

    projects, participants = synthetic_input(5 * n_institutions, n_institutions, seed)
    coded = prepare(projects, participants)
    return co_participation(affiliation(node_keys(coded.participants, "institution"), coded.participants["project_id"]))


def task_ours(n_institutions: int, seed: int) -> dict:
    from analysis.network.measures import node_measures

    weights = institution_network(n_institutions, seed)
    start = time.perf_counter()
    _, summary = node_measures(weights)
    return {"seconds": time.perf_counter() - start, "n_nodes": summary["n_nodes"], "n_ties": summary["n_ties"],
            "peak_rss_mb": _peak_rss_mb()}


def networkx_measures(graph) -> dict[str, dict]:
    """Every node measure with networkx: its own constraint and betweenness, loops for the rest."""
    import networkx as nx

    measures = {"degree": dict(graph.degree(weight="weight")), "n_alters": dict(graph.degree())}
    n = graph.number_of_nodes()
    measures["degree_norm"] = {v: d / (n - 1) for v, d in measures["degree"].items()}
    measures["constraint"] = nx.constraint(graph, weight="weight")
    measures["betweenness"] = nx.betweenness_centrality(graph, normalized=False, weight=None)
    strength = measures["degree"]
    strongest = {v: max((d["weight"] for d in graph[v].values()), default=0.0) for v in graph}
    effective, efficiency, hierarchy = {}, {}, {}
    for i, neighbours in graph.adj.items():
        if not neighbours:
            effective[i] = efficiency[i] = hierarchy[i] = float("nan")
            continue
        p = {q: data["weight"] / strength[i] for q, data in neighbours.items()}
        size, dyads = 0.0, []
        for j in neighbours:
            common = [q for q in neighbours if q != j and q in graph[j]]
            size += 1 - sum(p[q] * graph[j][q]["weight"] / strongest[j] for q in common)
            dyads.append((p[j] + sum(p[q] * graph[q][j]["weight"] / strength[q] for q in common)) ** 2)
        count = len(dyads)
        mean = sum(dyads) / count
        effective[i], efficiency[i] = size, size / count
        hierarchy[i] = (sum(c / mean * np.log(c / mean) for c in dyads) / (count * np.log(count))
                        if count > 1 else float("nan"))
    measures.update(effective_size=effective, efficiency=efficiency, hierarchy=hierarchy)
    top = max(strength.values())
    measures["network"] = {"density_binary": nx.density(graph), "components": nx.number_connected_components(graph),
                           "centralization_valued": sum(top - d for d in strength.values()) / ((n - 1) * (n - 2))}
    return measures


def task_networkx(n_institutions: int, seed: int) -> dict:
    import networkx as nx

    from analysis.network.measures import node_measures

    weights = institution_network(n_institutions, seed)
    start = time.perf_counter()
    graph = nx.from_scipy_sparse_array(weights)
    theirs = networkx_measures(graph)
    seconds = time.perf_counter() - start
    ours, _ = node_measures(weights, model="whole")
    order = list(range(weights.shape[0]))
    differences = {name: float(np.nanmax(np.abs(ours[column].to_numpy() - [theirs[name][v] for v in order])))
                   for name, column in [("constraint", "constraint_whole"), ("effective_size", "effective_size_whole"),
                                        ("hierarchy", "hierarchy_whole"), ("betweenness", "betweenness"),
                                        ("degree", "degree")]}
    return {"seconds": seconds, "peak_rss_mb": _peak_rss_mb(), "max_abs_difference": differences}


TASKS = {"recompute": task_recompute, "ours": task_ours, "networkx": task_networkx}


def run_child(task: str, timeout: float | None = None, **kwargs) -> dict | None:
    """Run one task in a fresh interpreter; None when it exceeds `timeout` seconds."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps({"task": task, **kwargs})]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(f"benchmark task {task} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- report --------------------------------------------------------------------------------

def machine() -> str:
    import igraph
    import networkx
    import scipy

    load = os.getloadavg()[0]
    return (f"{os.cpu_count()} cores (nproc), Python {platform.python_version()}, numpy {np.__version__}, "
            f"scipy {scipy.__version__}, igraph {igraph.__version__}, networkx {networkx.__version__}; "
            f"{dt.date.today().isoformat()}; load average at start {load:.1f} (other jobs share the cores, "
            "so wall times vary between runs)")


def recompute_table(whole: dict, default: dict) -> list[str]:
    lines = ["| run | periods | generate s | recompute s | peak RSS MB |", "|---|---|---:|---:|---:|"]
    for name, run in (("whole period", whole), ("default periods", default)):
        lines.append(f"| {name} | {', '.join(run['periods'])} | {run['generate_s']:.1f} | "
                     f"**{run['recompute_s']:.1f}** | {run['peak_rss_mb']:.0f} |")
    lines += ["", "Seconds per stage, whole-period run:", "",
              "| level | nodes | ties | projection | degree + summary | structural holes (both models) | "
              "betweenness | assemble |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for network in whole["networks"]:
        level = network["level"]
        cells = [f"{whole['stages'].get(f'{level}/{stage}', 0.0):.2f}"
                 for stage in ("projection", "degree", "structural_holes", "betweenness", "assemble")]
        sources = network["betweenness_sources"]
        note = "" if sources == network["n_nodes"] else f" ({sources} sampled sources)"
        lines.append(f"| {level} | {network['n_nodes']:,} | {network['n_ties']:,} | " + " | ".join(cells[:3])
                     + f" | {cells[3]}{note} | {cells[4]} |")
    return lines


def comparison_table(rows: list[dict], limit: float) -> list[str]:
    lines = ["| institutions | nodes | ties | ours s | networkx s | ratio | max abs diff (constraint / ES / "
             "hierarchy / betweenness) |", "|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        theirs = row["networkx"]
        if theirs is None:
            nx_cell, ratio, diff = f"> {row['timeout']:.0f} (stopped)", f"> {row['timeout'] / row['ours']['seconds']:.0f}×", "–"
        else:
            nx_cell = f"{theirs['seconds']:.2f}"
            ratio = f"{theirs['seconds'] / row['ours']['seconds']:.0f}×"
            d = theirs["max_abs_difference"]
            diff = " / ".join(f"{d[k]:.1e}" for k in ("constraint", "effective_size", "hierarchy", "betweenness"))
        lines.append(f"| {row['n']:,} | {row['ours']['n_nodes']:,} | {row['ours']['n_ties']:,} | "
                     f"{row['ours']['seconds']:.2f} | {nx_cell} | **{ratio}** | {diff} |")
    within = [r for r in rows if r["networkx"] is not None and r["networkx"]["seconds"] <= limit]
    if within:
        best = max(within, key=lambda r: r["n"])
        lines += ["", f"Largest size networkx finishes within {limit:.0f} s: {best['n']:,} institutions "
                      f"({best['ours']['n_nodes']:,} nodes) — {best['networkx']['seconds'] / best['ours']['seconds']:.0f}× "
                      "slower than ours."]
    return lines


def verdict(whole: dict, rows: list[dict]) -> str:
    """One line: the issue's targets, met or not, from this run's numbers."""
    at_5000 = next((r for r in rows if r["n"] == 5000), None)
    if at_5000 is None:
        ratio_text = "5,000-institution comparison not run"
    else:
        theirs = at_5000["networkx"]["seconds"] if at_5000["networkx"] else at_5000["timeout"]
        ratio = theirs / at_5000["ours"]["seconds"]
        ratio_text = (f"{'≥' if at_5000['networkx'] is None else ''}{ratio:.0f}× faster than networkx at 5,000 "
                      f"({'met' if ratio >= 20 else 'NOT met'}, target ≥ 20×)")
    fast = whole["recompute_s"] < 60 and whole["peak_rss_mb"] < 2048
    return (f"Targets: whole-period recompute {whole['recompute_s']:.1f} s and {whole['peak_rss_mb']:.0f} MB "
            f"({'met' if fast else 'NOT met'}, target < 60 s and < 2 GB); {ratio_text}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--institutions", type=int, default=20_000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 3000, 5000],
                        help="institutions per networkx comparison (5 projects each)")
    parser.add_argument("--limit", type=float, default=60.0, help="networkx time limit per size, seconds")
    parser.add_argument("--limit-5000", type=float, default=1200.0,
                        help="networkx time limit at 5,000 institutions (the target comparison)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--write-results", action="store_true", help="update the Network section of RESULTS.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(args.child)
        print(json.dumps(TASKS[spec.pop("task")](**spec)))
        return
    if args.quick:
        args.projects, args.institutions, args.sizes = 10_000, 2_000, [300, 600]

    host = machine()
    print(f"machine: {host}", flush=True)
    whole = run_child("recompute", n_projects=args.projects, n_institutions=args.institutions,
                      periods=["all"], seed=args.seed)
    default = run_child("recompute", n_projects=args.projects, n_institutions=args.institutions,
                        periods=None, seed=args.seed)
    lines = [f"`.venv/bin/python benchmarks/network.py{' --quick' if args.quick else ''}` — {host}.", "",
             f"Full recompute, synthetic input of {args.projects:,} projects, {args.institutions:,} institutions "
             f"({whole['participant_rows']:,} participant rows), all four levels, every measure "
             "(both Burt models):", ""]
    lines += recompute_table(whole, default)
    print("\n".join(lines), flush=True)

    rows, stop = [], False
    for n in sorted(args.sizes):
        timeout = args.limit_5000 if n == 5000 else args.limit
        if stop and n != 5000:
            continue
        ours = run_child("ours", n_institutions=n, seed=args.seed)
        theirs = run_child("networkx", timeout=timeout, n_institutions=n, seed=args.seed)
        rows.append({"n": n, "ours": ours, "networkx": theirs, "timeout": timeout})
        stop = theirs is None or theirs["seconds"] > args.limit
        networkx_time = "stopped" if theirs is None else f"{theirs['seconds']:.1f} s"
        print(f"  {n} institutions: ours {ours['seconds']:.2f} s, networkx {networkx_time}", flush=True)
    comparison = ["", "Against networkx (institution network of a synthetic input with 5 projects per "
                  "institution; ours = every measure, both Burt models, exact betweenness; each side in its "
                  "own process):", ""] + comparison_table(rows, args.limit)
    comparison += ["", verdict(whole, rows)]
    print("\n".join(comparison), flush=True)
    if args.write_results:
        write_section("Network", "## Network\n\n" + "\n".join(lines + comparison).rstrip() + "\n\n")
        print("wrote the Network section of benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
