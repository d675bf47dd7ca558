"""Benchmark the full build: median wall time and peak memory over N runs.

Each run is a fresh Python subprocess (``betrokken.build.build_database`` into a
temporary file), so imports and the spatial extension load are included and peak
memory (``ru_maxrss``) is per run. Reads the data directory from BETROKKEN_DATA.

    BETROKKEN_DATA=../shared/data python benchmarks/build.py --runs 5

After the runs it times the straightforward alternative for the profile-mix stage, a
pandas loop over areas (``benchmarks/mix.py: pandas_loop_mix``), on a random sample of
areas in the same invocation, and extrapolates it linearly to all areas: the speed-up is
that extrapolated loop time over the measured mix stage. Targets (issue #4): full
national build <= 30 s wall time and <= 2 GB peak memory. Issue #8: the same-run ratio
against the previous model (profile mix from the membership model alone) is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from betrokken.build import build_database
if sys.argv[4] == "membership":  # the previous model: mix from the membership model only
    import betrokken.model.area_models as area_models
    area_models.load_area_models = lambda *args, **kwargs: None
report = build_database(Path(sys.argv[1]), Path(sys.argv[2]), quiet=True,
                        n_boot=int(sys.argv[3]) if sys.argv[3] != "none" else None)
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
peak_mb = usage.ru_maxrss / 1024
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": peak_mb, "stages": report.timings,
                  "levels": report.level_counts, "mix_rows": report.mix_rows}))
"""


def run_once(data_dir: Path, n_boot: str, route: str = "via_indices") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        out = subprocess.run([sys.executable, "-c", CHILD, str(db), str(data_dir), n_boot, route],
                             capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["db_mb"] = db.stat().st_size / 1e6
    return result


def pandas_loop_comparison(data_dir: Path, sample_size: int) -> dict:
    """Seconds per area of the pandas per-area loop, and its extrapolation to all areas."""
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from mix import pandas_loop_mix  # benchmarks/mix.py

    from betrokken.areas.harmonise import build_area_tables
    from betrokken.areas.poststratify import MARGIN_COLUMNS
    from betrokken.model.artifact import load_model

    tables = build_area_tables(data_dir)
    model = load_model()
    areas = tables.areas[tables.areas["is_current"].astype(bool)]
    fit_ok = areas[[c for cols in MARGIN_COLUMNS.values() for c in cols]].notna().all(axis=1)
    candidates = areas[fit_ok & (areas["population"] >= 50)]
    sample = candidates.sample(n=min(sample_size, len(candidates)), random_state=1)
    urbanity = areas[areas["level"] == "gemeente"].set_index("area_code")["urbanity"]
    n_boot = model.bootstrap_proba(model.national_cells.head(1)).shape[0]
    t0 = time.perf_counter()
    pandas_loop_mix(sample, model, urbanity, n_boot)
    per_area = (time.perf_counter() - t0) / len(sample)
    return {"per_area_s": per_area, "all_areas_s": per_area * len(areas), "n": len(sample)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--loop-sample", type=int, default=40,
                        help="areas timed in the pandas-loop comparison (0: skip)")
    parser.add_argument("--no-compare-previous", dest="compare_previous", action="store_false",
                        help="skip the same-run builds with the previous model (issue #4 route)")
    parser.add_argument("--n-boot", default="none",
                        help="bootstrap replicates for the profile mix (default: the model's)")
    args = parser.parse_args()
    raw = os.environ.get("BETROKKEN_DATA")
    if not raw:
        sys.exit("Set BETROKKEN_DATA to the data directory.")
    runs, previous = [], []
    for _ in range(args.runs):  # interleaved, so both see the same machine load
        runs.append(run_once(Path(raw), args.n_boot))
        if args.compare_previous:
            previous.append(run_once(Path(raw), args.n_boot, "membership"))
    stages = sorted({k for r in runs for k in r["stages"]})
    rows = [("full build (wall, incl. imports)", [r["wall"] for r in runs], "s"),
            ("full build (CPU time, load-proof)", [r["cpu"] for r in runs], "s")]
    rows += [(f"  stage {s}", [r["stages"].get(s, 0.0) for r in runs], "s") for s in stages]
    rows += [("peak memory (maxrss)", [r["peak_mb"] for r in runs], "MB"),
             ("database size", [r["db_mb"] for r in runs], "MB")]
    print(f"betrokken build benchmark: {args.runs} runs, data {raw}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"levels: {runs[0]['levels']}, profile_mix rows: {runs[0]['mix_rows']}")
    print(f"{'measure':36s} {'median':>9s} {'min':>9s} {'max':>9s}")
    for name, values, unit in rows:
        print(f"{name:36s} {statistics.median(values):8.2f}{unit[0]} "
              f"{min(values):8.2f}{unit[0]} {max(values):8.2f}{unit[0]}   ({unit})")
    if previous:
        new, old = (statistics.median(r["wall"] for r in rs) for rs in (runs, previous))
        print(f"previous model (membership route, no area models), same run: median {old:.2f} s "
              f"wall; ratio new/previous {new / old:.2f}")
    if args.loop_sample > 0:
        loop = pandas_loop_comparison(Path(raw), args.loop_sample)
        mix_stage = statistics.median(r["stages"].get("profile_mix", 0.0) for r in runs)
        print(f"pandas per-area loop: {loop['per_area_s'] * 1000:.0f} ms/area on {loop['n']} "
              f"sampled areas -> {loop['all_areas_s']:.0f} s for all areas (extrapolated); "
              f"vectorised mix stage {mix_stage:.2f} s: speed-up "
              f"{loop['all_areas_s'] / mix_stage:.0f}x")


if __name__ == "__main__":
    main()
