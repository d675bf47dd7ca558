"""Median wall time of the K = 8 latent class fit (and the membership model) on the real survey.

Usage: BETROKKEN_DATA=../shared/data python benchmarks/fit.py [--repeats 5] [--n-init 1]

Reports the median over ``--repeats`` runs of: one K=8 StepMix fit with ``--n-init`` random
starts (the product model uses the ``final_n_init`` stored in the artifact), the LCA E-step
from stored parameters (what the refit check uses), and one membership-model fit.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from betrokken.model import segmentation as seg
from betrokken.model.membership import BASE_PREDICTORS, MembershipModel
from betrokken.survey.targets import national_targets
from betrokken.survey.vu import load_vu
from betrokken.survey.weights import rake


def timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n-init", type=int, default=1)
    parser.add_argument("--data-dir", default=os.environ.get("BETROKKEN_DATA"))
    args = parser.parse_args()
    data_dir = Path(args.data_dir)
    frame, _ = load_vu(data_dir)
    weights = rake(frame, national_targets(data_dir)).to_numpy()
    X = seg.indicator_matrix(frame)
    scores = seg.axis_scores(frame)
    seeds = iter(range(1000))
    fits = timed(
        lambda: seg.fit_segmentation(X, scores, weights, n_init=args.n_init, seed=next(seeds)),
        args.repeats,
    )
    segm = seg.fit_segmentation(X, scores, weights, n_init=1, seed=1)
    estep = timed(lambda: segm.posterior(X), args.repeats)
    post = segm.posterior(X)
    rows = frame[list(BASE_PREDICTORS)].notna().all(axis=1).to_numpy()
    mframe = frame.loc[rows].reset_index(drop=True)
    member = timed(
        lambda: MembershipModel().fit(mframe, post[rows], weights[rows]), args.repeats
    )
    result = {
        "n_respondents": len(frame),
        "n_indicators": X.shape[1],
        "repeats": args.repeats,
        "lca_k8_fit_seconds_median": round(statistics.median(fits), 3),
        "lca_k8_n_init": args.n_init,
        "lca_k8_fit_seconds_all": [round(t, 3) for t in fits],
        "lca_estep_seconds_median": round(statistics.median(estep), 4),
        "membership_fit_seconds_median": round(statistics.median(member), 3),
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
