"""Benchmark the full build: median wall time and peak memory over N runs.

Each run is a fresh Python subprocess (``betrokken.build.build_database`` into a
temporary file), so imports and the spatial extension load are included and peak
memory (``ru_maxrss``) is per run. Reads the data directory from BETROKKEN_DATA.

    BETROKKEN_DATA=../shared/data python benchmarks/build.py --runs 5
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
report = build_database(Path(sys.argv[1]), Path(sys.argv[2]), quiet=True,
                        n_boot=int(sys.argv[3]) if sys.argv[3] != "none" else None)
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
peak_mb = usage.ru_maxrss / 1024
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": peak_mb, "stages": report.timings,
                  "levels": report.level_counts, "mix_rows": report.mix_rows}))
"""


def run_once(data_dir: Path, n_boot: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        out = subprocess.run([sys.executable, "-c", CHILD, str(db), str(data_dir), n_boot],
                             capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["db_mb"] = db.stat().st_size / 1e6
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--n-boot", default="none",
                        help="bootstrap replicates for the profile mix (default: the model's)")
    args = parser.parse_args()
    raw = os.environ.get("BETROKKEN_DATA")
    if not raw:
        sys.exit("Set BETROKKEN_DATA to the data directory.")
    runs = [run_once(Path(raw), args.n_boot) for _ in range(args.runs)]
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


if __name__ == "__main__":
    main()
