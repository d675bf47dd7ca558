"""Coverage of the 90 % intervals of the area indices (large simulation, for docs/method.md).

    BETROKKEN_DATA=../shared/data python benchmarks/interval_coverage.py --sims 100 --boot 200 \
        [--write-docs]

``--write-docs`` fills the ``coverage`` block of docs/method.md.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from betrokken.model.fit import fill_block
from betrokken.reports.coverage import coverage_markdown, simulate_index_coverage

REPO = Path(__file__).resolve().parents[1]
SEED = 11

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=100)
    parser.add_argument("--boot", type=int, default=200)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    t0 = time.perf_counter()
    result = simulate_index_coverage(Path(os.environ["BETROKKEN_DATA"]), n_sim=args.sims,
                                     n_boot=args.boot, seed=SEED)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result["seed"] = SEED
    print(json.dumps(result, indent=1))
    if args.write_docs:
        method = REPO / "docs" / "method.md"
        method.write_text(fill_block(method.read_text(encoding="utf-8"), "coverage",
                                     coverage_markdown(result)), encoding="utf-8")
