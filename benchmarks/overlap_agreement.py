"""How well the polygon-overlap relation PC4 <-> wijk/gemeente agrees with the addresses.

Reproduces the table in docs/data.md ("PC4 ↔ wijk / gemeente by polygon overlap"):
the PC4 polygons and wijk polygons of the data directory, overlap weights (area, even
density, fitted to both populations, fitted with pairs under 2 % dropped) against the
address crosswalk 2024 (reporting only, no pass/fail).

    BETROKKEN_DATA=/path/to/data python benchmarks/overlap_agreement.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from betrokken.areas import overlap
from betrokken.areas.harmonise import pc4_crosswalk
from betrokken.sources.crosswalk import PC4_WIJK_CROSSWALK
from betrokken.sources.kwb_wijk import WIJK_2024, WIJK_2024_POLYGONS
from betrokken.sources.pc4 import PC4_BOUNDARIES_2020, PC4_POPULATION_2021


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    data = Path(os.environ["BETROKKEN_DATA"])
    pc4 = PC4_BOUNDARIES_2020.read_local(data)
    wijk = WIJK_2024_POLYGONS.read_local(data)
    wijk_pop = WIJK_2024.read_local(data).set_index("wijkcode")["aantal_inwoners"]
    pc4_pop = PC4_POPULATION_2021.read_local(data).set_index("postcode")["inwoners"]
    addresses = pc4_crosswalk(PC4_WIJK_CROSSWALK.read_local(data))

    t0 = time.perf_counter()
    relation = overlap.overlap_relation(pc4, wijk, wijk_pop)
    relation["residents_fitted"] = overlap.fit_to_margins(relation, pc4_pop, wijk_pop)
    seconds = time.perf_counter() - t0
    result = overlap.agreement(relation, addresses, pc4_pop)
    stored = overlap.as_crosswalk(relation)
    kept = relation.merge(stored[["pc4", "wijk_code"]], on=["pc4", "wijk_code"])
    result["stored"] = overlap.agreement(kept, addresses, pc4_pop)["residents_fitted"]
    ours = set(zip(stored["pc4"], stored["wijk_code"], strict=True))
    theirs = set(zip(addresses["pc4"], addresses["wijk_code"], strict=True))
    result["stored"].update({"pairs": len(ours), "address_pairs": len(theirs),
                             "pair_precision": len(ours & theirs) / len(ours),
                             "pair_recall": len(ours & theirs) / len(theirs)})
    result["seconds_overlap_and_fit"] = seconds
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
