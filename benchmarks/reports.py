"""Seconds per PDF report (area, postcode set, national) on a built database.

Usage: BETROKKEN_DB=path.duckdb python benchmarks/reports.py [repeats]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from betrokken.reports.area_report import write_report


def main() -> None:
    db = Path(os.environ.get("BETROKKEN_DB", "betrokken.duckdb"))
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    cases = {"gemeente GM0344": {"area_code": "GM0344"}, "wijk WK034401": {"area_code": "WK034401"},
             "postcodes 3511-3513": {"postcodes": ["3511", "3512", "3513"]},
             "national": {"national": True}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, kwargs in cases.items():
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                write_report(db, Path(tmp) / "r.pdf", **kwargs)
                times.append(time.perf_counter() - t0)
            print(f"{name}: median {statistics.median(times):.2f} s over {repeats}")


if __name__ == "__main__":
    main()
