"""Seconds per PDF report (area, postcode set, national) on a built database.

Two medians per case: the CLI path (``write_report``: open the database, load the
catalogue, build the report) and the server path (catalogue already loaded, as
``betrokken serve`` holds it; only the report is built). Medians over the repeats.

Usage: BETROKKEN_DB=path.duckdb python benchmarks/reports.py [repeats]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from betrokken.reports.area_report import area_report, composed_area, national_area, write_report
from betrokken.store import area_answers
from betrokken.store.catalogue import load_catalogue
from betrokken.store.pc4_estimates import compose_postcodes


def _median(fn, repeats: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds (CPU time is the fairer figure on a shared,
    busy machine; DuckDB's threads can make it exceed wall-clock)."""
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    db = Path(os.environ.get("BETROKKEN_DB", "betrokken.duckdb"))
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    cases = {"gemeente GM0344": {"area_code": "GM0344"}, "wijk WK034401": {"area_code": "WK034401"},
             "postcodes 3511-3513": {"postcodes": ["3511", "3512", "3513"]},
             "national": {"national": True}}
    con = duckdb.connect(str(db), read_only=True)
    cat = load_catalogue(con)
    areas = {
        "gemeente GM0344": lambda: area_answers.area_detail(cat, "GM0344"),
        "wijk WK034401": lambda: area_answers.area_detail(cat, "WK034401"),
        "postcodes 3511-3513": lambda: composed_area(
            compose_postcodes(con, ["3511", "3512", "3513"]), cat),
        "national": lambda: national_area(cat),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, kwargs in cases.items():
            cli = _median(lambda kw=kwargs: write_report(db, Path(tmp) / "r.pdf", **kw), repeats)
            served = _median(lambda n=name: area_report(con, cat, areas[n](),
                                                        national=n == "national"), repeats)
            print(f"{name}: CLI {cli[0]:.2f} s (CPU {cli[1]:.2f} s), with loaded catalogue "
                  f"{served[0]:.2f} s (CPU {served[1]:.2f} s); medians over {repeats}")
    con.close()


if __name__ == "__main__":
    main()
