"""Coverage of the 90 % intervals of the area indices (large simulation, for docs/method.md).

    BETROKKEN_DATA=../shared/data python benchmarks/interval_coverage.py --sims 100 --boot 100
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from betrokken.reports.coverage import simulate_index_coverage

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=100)
    parser.add_argument("--boot", type=int, default=100)
    args = parser.parse_args()
    t0 = time.perf_counter()
    result = simulate_index_coverage(Path(os.environ["BETROKKEN_DATA"]), n_sim=args.sims,
                                     n_boot=args.boot, seed=11)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(result, indent=1))
