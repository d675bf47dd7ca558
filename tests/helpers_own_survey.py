"""Generated own-survey files: respondents simulated from a known profile mix per wijk.

The shared Burgerpeiling file has the format but no responses, so the own-survey flow is
tested on files generated here: per wijk a *true* profile mix (the model's wijk mix tilted
by a fixed vector, so truth and model differ), a profile drawn per respondent from it,
quiz answers drawn from the committed LCA item probabilities of that profile, and age
band and sex drawn from the wijk's adults. Written as a quiz CSV or as a Burgerpeiling
.sav (the VNG variable names and codes, with the quiz items added as extra variables).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from betrokken.areas import reach
from betrokken.model.artifact import load_model
from betrokken.model.quiz import QUIZ_ITEMS
from betrokken.store.database import connect
from betrokken.store.target_areas import TargetAreaReader

TILT = np.array([0.9, -0.6, 0.7, -0.4, -0.5, 0.3, -0.8, 0.4])
"""Log-ratio by which the true mix departs from the model's, per profile (in order)."""

# Burgerpeiling ch02 code per schema age band (the CBS band's main Burgerpeiling class)
_BP_AGE = {"25_44": 2, "45_64": 4, "65plus": 5}
_BP_SEX = {"man": 1, "vrouw": 2}


def utrecht_target(db_path):
    """(the committed profile model, Utrecht's Bereikcheck target from the database)."""
    model = load_model()
    con = connect(db_path, read_only=True)
    try:
        return model, reach.load_target(TargetAreaReader(con), "GM0344", model.profile_ids)
    finally:
        con.close()


def true_mix(target, model) -> pd.DataFrame:
    mix = target.unit_mix.dropna()
    tilted = mix.to_numpy() * np.exp(TILT)[None, :]
    return pd.DataFrame(tilted / tilted.sum(1, keepdims=True), index=mix.index,
                        columns=mix.columns)


def simulate(target, model, sizes: dict[str, int], *, seed: int = 7) -> tuple[pd.DataFrame,
                                                                              pd.DataFrame]:
    """Respondents (quiz items, age_band, sex, postcode, wijk) and the true mix per wijk."""
    rng = np.random.default_rng(seed)
    lca = model.meta["lca"]
    probs = np.asarray(lca["item_probs"], float)  # class x item x option
    idx = [lca["indicators"].index(i) for i in QUIZ_ITEMS]
    truth = true_mix(target, model)
    xw = target.pc4_units.sort_values("fraction", ascending=False).drop_duplicates("pc4")
    rows = []
    for unit, n in sizes.items():
        cells = target.cells[target.cells["unit"] == unit]
        cw = cells["adults"].to_numpy() / cells["adults"].sum()
        pcs = xw.loc[xw["unit"] == unit, "pc4"].tolist()
        klass = rng.choice(len(truth.columns), size=n, p=truth.loc[unit].to_numpy())
        cell = rng.choice(len(cells), size=n, p=cw)
        block = pd.DataFrame(index=range(n))
        u = rng.random((n, len(idx)))
        for c, (item, j) in enumerate(zip(QUIZ_ITEMS, idx, strict=True)):
            p = probs[klass, j, :]
            cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
            block[item] = (u[:, c, None] > cum[:, :-1]).sum(axis=1)
        block["leeftijd"] = cells["age_band"].to_numpy()[cell]
        block["geslacht"] = cells["sex"].to_numpy()[cell]
        block["postcode"] = [pcs[r % len(pcs)] for r in range(n)] if pcs else ""
        block["wijk"] = "" if pcs else unit
        block["_unit"] = unit
        rows.append(block)
    return pd.concat(rows, ignore_index=True), truth


def quiz_csv(respondents: pd.DataFrame) -> bytes:
    return respondents.drop(columns="_unit").to_csv(index=False, sep=";").encode("utf-8")


def burgerpeiling_sav(respondents: pd.DataFrame, path, gemeente: int) -> None:
    """Write the respondents in the VNG Burgerpeiling variables (+ quiz items) as .sav."""
    import pyreadstat

    from betrokken.survey.burgerpeiling import BURGERPEILING_ITEMS

    n = len(respondents)
    out = pd.DataFrame({i.source: np.full(n, np.nan) for i in BURGERPEILING_ITEMS})
    out["respondent"] = np.arange(1, n + 1, dtype=float)
    out["gemnr"] = float(gemeente)
    out["ch01"] = respondents["geslacht"].map(_BP_SEX).astype(float).to_numpy()
    # 18-24 falls in Burgerpeiling's 18-29, which straddles two CBS bands: missing age
    out["ch02"] = respondents["leeftijd"].map(_BP_AGE).fillna(1).astype(float).to_numpy()
    out["ch03"] = 4.0
    out["weging"] = 1.0
    # the Burgerpeiling knows the wijk, not the postcode
    wijk = respondents["wijk"].where(respondents["wijk"] != "", respondents["_unit"])
    out["wijknr"] = wijk.to_numpy().astype(str)
    for item in QUIZ_ITEMS:
        out[item] = respondents[item].astype(float).to_numpy()
    pyreadstat.write_sav(out, str(path))
