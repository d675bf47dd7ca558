"""Check the sub-gemeente margin model (``areas.margins``) below gemeente level.

The model is fitted on gemeenten (cross-validated there). Below gemeente level the only
measured figures in the data directory are the wijken of 2019 (thomvenema subset): WOZ,
income per recipient (1,602 wijken) and the share of persons in the lowest 40 % / highest
20 % of incomes. For the 2019 wijken that are the same area in 2024 (``areas.wijk``'s
population test) this compares, per wijk, the model's estimate made *without* the wijk's
own WOZ (stage 1 only for WOZ; with the stage-1 WOZ for the others) to the 2019 figure,
as deviations from the gemeente (log scale), and prints RMSE and r next to the gemeente
CV RMSE. The ratio is the ``SUBAREA_ERROR_FACTOR`` evidence.

    BETROKKEN_DATA=../shared/data python benchmarks/margins.py
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd


def main() -> None:
    from betrokken.areas import subarea
    from betrokken.areas.harmonise import build_area_tables
    from betrokken.areas.margins import estimate_margins, predictor_frame
    from betrokken.sources.kwb_wijk import WIJK_2019

    data_dir = Path(os.environ["BETROKKEN_DATA"])
    captured = {}
    original = subarea._apply_estimates

    def capture(rows, derived, tags, own, pred_input, model, gm):
        if rows["level"].iloc[0] == "wijk":
            captured.update(rows=rows.copy(), pred=pred_input.copy(), model=model, gm=gm)
        return original(rows, derived, tags, own, pred_input, model, gm)

    subarea._apply_estimates = capture
    tables = build_area_tables(data_dir)
    subarea._apply_estimates = original
    rows, pred, model, gm = (captured[k] for k in ("rows", "pred", "model", "gm"))
    pred = pred.copy()
    pred["woz_avg"] = np.nan  # as for a buurt: no own WOZ
    weight = rows["population"] * (1 - rows["share_age_0_14"].fillna(0))
    est = estimate_margins(model, predictor_frame(pred), weight, rows["gemeente_code"], gm)

    w19 = WIJK_2019.read_local(data_dir).set_index("wijkcode")
    pop19 = w19["aantal_inwoners"].reindex(rows.index)
    same = ((pop19 - rows["population"]).abs() / rows["population"]).le(0.30)
    checks = {
        "woz_avg": ("gem_woz_waarde_x1000", "log"),
        "income_avg": ("gem_inkomen_per_ontvanger_x1000", "log"),
        "share_low_income_hh": ("frac_personen_laagste40pct_inkomen", "logit"),
        "share_high_income_hh": ("frac_personen_hoogste20pct_inkomen", "logit"),
    }
    print(f"wijken: {len(rows)}, same area in 2019: {int(same.sum())}")
    print(f"{'target':24s} {'n':>5s} {'r(dev)':>7s} {'rmse(dev)':>9s} {'gm cv rmse':>10s} ratio")
    for target, (column, link) in checks.items():
        obs = pd.to_numeric(w19[column].reindex(rows.index), errors="coerce")
        ok = same & obs.notna() & (obs > 0) & est[target].notna()
        f = np.log if link == "log" else (lambda p: np.log(p / (1 - p)))
        o = f(obs[ok].clip(1e-3, 0.999) if link == "logit" else obs[ok])
        m = f(est.loc[ok, target])
        g = rows.loc[ok, "gemeente_code"]
        o_dev, m_dev = o - o.groupby(g).transform("mean"), m - m.groupby(g).transform("mean")
        multi = g.map(g.value_counts()) > 1
        r = np.corrcoef(o_dev[multi], m_dev[multi])[0, 1]
        rmse = float(np.sqrt(np.mean((o_dev[multi] - m_dev[multi]) ** 2)))
        cv = model.cv_rmse[target]
        print(f"{target:24s} {int(multi.sum()):5d} {r:7.2f} {rmse:9.3f} {cv:10.3f} "
              f"{rmse / cv:5.2f}")
    print("(low/high income: the 2019 file has persons in the national lowest 40 % / "
          "highest 20 %, not households with a low/high income: r only is comparable)")
    del tables


if __name__ == "__main__":
    main()
