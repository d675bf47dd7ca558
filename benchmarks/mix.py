"""Benchmark: the national profile mix (all levels, with bootstrap intervals).

Measures, on the real data and the committed model artifact:

- wall time of ``compute_profile_mix`` (IPF + mix + B bootstrap draws + aggregation +
  intervals) and of writing the mix tables into DuckDB, median over ``--repeat`` runs;
- peak memory: Python-level peak during the mix (tracemalloc, numpy included) and the
  process's peak resident set size (includes loading the area tables and the model);
- the speed-up against a straightforward pandas implementation that loops over areas
  (per area: IPF on a 72-row DataFrame with groupby, then the model's ``predict_proba``
  and ``bootstrap_proba`` on that area's cells). The loop is timed on a random subset of
  areas and extrapolated linearly to all areas (it is far too slow to run in full).

Run:  BETROKKEN_DATA=/path/to/data python benchmarks/mix.py [--n-boot 100] [--repeat 3]
Targets (issue #4): full national build <= 30 s wall time and <= 2 GB peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from betrokken.areas.harmonise import build_area_tables
from betrokken.areas.mix import compute_profile_mix
from betrokken.areas.poststratify import ADULT_FRACTION_15_24, MARGIN_COLUMNS, cell_frame
from betrokken.model.artifact import load_model
from betrokken.schema import CELL_VARIABLES, INTERVAL_LEVEL
from betrokken.store.database import connect
from betrokken.store.mix_tables import write_mix_tables


def pandas_loop_mix(areas: pd.DataFrame, model, gemeente_urbanity: pd.Series, n_boot: int) -> list:
    """The straightforward way: one area at a time, pandas all the way."""
    seed = cell_frame().merge(model.national_cells, on=list(CELL_VARIABLES), how="left")
    seed["weight"] = seed["weight"].fillna(0).clip(lower=1e-6)
    alpha = (1 - INTERVAL_LEVEL) / 2
    results = []
    for _, area in areas.iterrows():
        cells = seed.copy()
        targets = {}
        for var, columns in MARGIN_COLUMNS.items():
            values = area[list(columns)].astype(float).to_numpy().copy()
            if var == "age":
                values[0] *= ADULT_FRACTION_15_24
            targets[var] = pd.Series(values / values.sum(), index=CELL_VARIABLES[var])
        for _sweep in range(100):
            for var, target in targets.items():
                current = cells.groupby(var)["weight"].transform("sum")
                cells["weight"] = cells["weight"] * cells[var].map(target) / current
            fitted = {var: cells.groupby(var)["weight"].sum() for var in targets}
            done = [np.allclose(fitted[v].reindex(t.index), t, atol=1e-9)
                    for v, t in targets.items()]
            if all(done):
                break
        X = cells[list(CELL_VARIABLES)].copy()
        if "gemeente_urbanity" in model.predictors:
            X["gemeente_urbanity"] = int(gemeente_urbanity.get(area["gemeente_code"], 3))
        w = cells["weight"].to_numpy()
        mix = w @ model.predict_proba(X)
        draws = np.einsum("c,bck->bk", w, model.bootstrap_proba(X)[:n_boot])
        lo, hi = np.quantile(draws, [alpha, 1 - alpha], axis=0)
        results.append((area["area_code"], mix, lo, hi))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("BETROKKEN_DATA"))
    parser.add_argument("--n-boot", type=int, default=None, help="default: all the model has")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loop-sample", type=int, default=60)
    args = parser.parse_args()
    if not args.data_dir:
        raise SystemExit("Set BETROKKEN_DATA or pass --data-dir.")

    t0 = time.perf_counter()
    tables = build_area_tables(Path(args.data_dir))
    t_areas = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = load_model()
    t_model = time.perf_counter() - t0

    mix_times, write_times, peaks = [], [], []
    mix = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        mix = compute_profile_mix(tables, model, n_boot=args.n_boot)
        mix_times.append(time.perf_counter() - t0)
        with tempfile.TemporaryDirectory() as tmp:
            con = connect(Path(tmp) / "bench.duckdb")
            t0 = time.perf_counter()
            write_mix_tables(con, mix, model)
            con.execute("CHECKPOINT")
            write_times.append(time.perf_counter() - t0)
            con.close()
    n_boot = mix.diagnostics["n_boot"]
    tracemalloc.start()  # separate run: tracing slows allocation down
    compute_profile_mix(tables, model, n_boot=args.n_boot)
    peaks.append(tracemalloc.get_traced_memory()[1])
    tracemalloc.stop()

    areas = tables.areas[tables.areas["is_current"].astype(bool)]
    fit_ok = areas[[c for cols in MARGIN_COLUMNS.values() for c in cols]].notna().all(axis=1)
    candidates = areas[fit_ok & (areas["population"] >= 50)]
    sample = candidates.sample(n=min(args.loop_sample, len(candidates)), random_state=1)
    gem = areas[areas["level"] == "gemeente"].set_index("area_code")["urbanity"]
    t0 = time.perf_counter()
    loop = pandas_loop_mix(sample, model, gem, n_boot)
    t_loop = time.perf_counter() - t0
    per_area = t_loop / len(sample)
    loop_full = per_area * len(areas)

    # The loop's answer agrees with the vectorised one on areas estimated from their own
    # marginals (gemeenten are published as aggregates of their wijken, so skip those).
    pm = mix.profile_mix.set_index(["area_code", "profile_id"])["share"]
    method = mix.area_indices.set_index("area_code")["estimate_method"]
    diffs = [
        np.abs(m - pm.loc[code].reindex(model.profile_ids).to_numpy()).max()
        for code, m, _, _ in loop
        if method.get(code) == "ipf"
    ]

    median_mix, median_write = statistics.median(mix_times), statistics.median(write_times)
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    report = {
        "areas": {lvl: int(n) for lvl, n in areas["level"].value_counts().items()},
        "n_boot": n_boot,
        "repeat": args.repeat,
        "load_area_tables_s": round(t_areas, 2),
        "load_model_s": round(t_model, 2),
        "compute_profile_mix_s_median": round(median_mix, 2),
        "compute_profile_mix_s_all": [round(t, 2) for t in mix_times],
        "write_mix_tables_s_median": round(median_write, 2),
        "mix_plus_write_s": round(median_mix + median_write, 2),
        "mix_python_peak_gb": round(max(peaks) / 1024**3, 3),
        "process_peak_rss_gb": round(rss_gb, 3),
        "pandas_loop_sample_areas": len(sample),
        "pandas_loop_s_per_area": round(per_area, 4),
        "pandas_loop_extrapolated_s_all_areas": round(loop_full, 1),
        "speedup_vs_pandas_loop": round(loop_full / median_mix, 1),
        "loop_vs_vectorised_max_abs_diff": float(max(diffs)) if diffs else None,
        "mix_timings_s_last_run": {k: round(v, 3) for k, v in
                                   mix.diagnostics["timings_s"].items()},
        "targets": {"build_wall_s": 30, "peak_memory_gb": 2},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
