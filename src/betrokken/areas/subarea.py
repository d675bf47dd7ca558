"""Sub-gemeente margins from sub-gemeente data (offline build), and the buurt rows.

* herkomst of 2024 for every wijk and buurt (``areas.gwb``), replacing the 2019 wijk
  figures and the gemeente copies;
* tenure of 2022 (owner-occupied share) for every wijk and buurt whose 2022 area with
  the same code is the same area (residents within ``SAME_AREA_CHANGE``);
* education, income and WOZ from the margin model (``areas.margins``), benchmarked to
  the gemeente, with standard errors;
* ``figure_sources`` on every wijk and buurt row: where each figure that is not the
  area's own 2024 figure comes from (``schema.FIGURE_ORIGINS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from betrokken.areas.columns import (
    AGE_SHARES,
    FROM_PARENT,
    MIGRATION_SHARES,
    figure_sources,
    sex_shares,
)
from betrokken.areas.margins import (
    MODELLED,
    MarginModel,
    estimate_margins,
    fit_margin_model,
    predictor_frame,
)

SAME_AREA_CHANGE = 0.30
"""A 2022 wijk/buurt is the same area as the 2024 one with its code when its residents
differ by at most this fraction (or by at most ``SAME_AREA_SLACK`` residents)."""
SAME_AREA_SLACK = 50
TENURE = ("owner", "social_rent", "density", "married")


@dataclass
class SubareaResult:
    wijk: pd.DataFrame
    buurt: pd.DataFrame
    model: MarginModel
    notes: list[str] = field(default_factory=list)


def _shares(counts: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=counts.index)
    ages = ("age_0_14", "age_15_24", "age_25_44", "age_45_64", "age_65plus")
    pop = counts[list(ages)].sum(axis=1)  # CBS rounds small counts to 5: shares of the sum
    pop = pop.where(pop > 0)
    for ours, theirs in zip(AGE_SHARES, ages, strict=True):
        out[ours] = (counts[theirs] / pop).clip(0, 1)
    herkomst = counts[["herkomst_nl", "herkomst_europa", "herkomst_buiten_europa"]]
    total = herkomst.sum(axis=1).where(lambda s: s > 0)
    for ours, theirs in zip(MIGRATION_SHARES, herkomst.columns, strict=True):
        out[ours] = herkomst[theirs] / total
    out["share_man"], out["share_vrouw"] = sex_shares(counts["men"], counts["women"])
    return out


def _gemeente_tenure(tenure: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """KWB 2022 gemeente tenure/density/married on 2024 gemeente codes (resident-weighted;
    density as residents over land area)."""
    gm = tenure[tenure.index.str.startswith("GM")].copy()
    to24 = mapping.set_index("code_2022")["gemeente_code"]
    gm["code"] = to24.reindex(gm.index).to_numpy()
    gm = gm.dropna(subset=["code", "population_2022"])
    w = gm["population_2022"]
    out = pd.DataFrame(index=sorted(gm["code"].unique()))
    for column in ("owner", "social_rent", "married"):
        ok = gm[column].notna()
        out[column] = ((gm[column] * w).where(ok).groupby(gm["code"]).sum()
                       / w.where(ok).groupby(gm["code"]).sum())
    area = (w / gm["density"].where(gm["density"] > 0)).groupby(gm["code"]).sum()
    out["density"] = w.groupby(gm["code"]).sum() / area.where(area > 0)
    return out


def _own_tenure(rows: pd.DataFrame, tenure: pd.DataFrame) -> pd.DataFrame:
    """The 2022 figures of the same area (same code, residents within the rule)."""
    same = tenure.reindex(rows.index)
    change = (same["population_2022"] - rows["population"]).abs()
    ok = change.le(np.maximum(SAME_AREA_CHANGE * rows["population"], SAME_AREA_SLACK))
    return same[list(TENURE)].where(ok, np.nan)


def subarea_margins(gwb: pd.DataFrame, tenure: pd.DataFrame, mapping: pd.DataFrame,
                    gemeente: pd.DataFrame, wijk: pd.DataFrame,
                    woz_from_2019: pd.Series | None = None) -> SubareaResult:
    """Wijk rows with 2024 herkomst, 2022 tenure and modelled education/income/WOZ,
    and the buurt rows of 2024 built the same way."""
    gm = gemeente.set_index("area_code")
    gm_tenure = _gemeente_tenure(tenure, mapping).reindex(gm.index)
    gm_counts = gwb[gwb["level"] == "gemeente"]
    gm_shares = _shares(gm_counts).reindex(gm.index)
    X_gm = predictor_frame(pd.concat([gm_shares, gm_tenure, gm[["woz_avg"]]], axis=1))
    model = fit_margin_model(X_gm, gm)

    wijk = wijk.set_index("area_code", drop=False)
    wk_counts = gwb[gwb["level"] == "wijk"].reindex(wijk.index)
    wk_shares = _shares(wk_counts)
    has_counts = wk_counts["population"].notna()
    tags = pd.DataFrame("", index=wijk.index,
                        columns=[*FROM_PARENT, "address_density", "urbanity"], dtype=object)
    own_density = wijk["address_density"].notna()  # estimated from addresses (areas.wijk)
    tags.loc[own_density, ["address_density", "urbanity"]] = "adressen"
    if woz_from_2019 is not None:  # the same wijk's 2019 WOZ, benchmarked (areas.wijk)
        from_2019 = woz_from_2019.reindex(wijk.index).fillna(False).astype(bool)
        tags.loc[from_2019 & wijk["woz_avg"].notna(), "woz_avg"] = "2019"
    for column in MIGRATION_SHARES:
        wijk.loc[has_counts, column] = wk_shares.loc[has_counts, column]
        tags.loc[has_counts, column] = ""
    derived = {i: [c for c in str(d).split(",") if c] for i, d in wijk["derived_columns"].items()}
    for i in wijk.index[has_counts]:  # herkomst 2024 is the wijk's own now
        derived[i] = [c for c in derived[i] if c not in MIGRATION_SHARES]
    own = _own_tenure(wijk, tenure)
    wk_parent_tenure = gm_tenure.reindex(wijk["gemeente_code"]).set_axis(wijk.index)
    wk_pred_input = pd.concat([wk_shares.where(has_counts, wijk[wk_shares.columns]),
                               own.fillna(wk_parent_tenure)], axis=1)
    wk_pred_input["woz_avg"] = wijk["woz_avg"].where(tags["woz_avg"] == "2019")
    _apply_estimates(wijk, derived, tags, own, wk_pred_input, model, gm)
    wijk["derived_columns"] = pd.Series({i: ",".join(d) for i, d in derived.items()})
    wijk["figure_sources"] = figure_sources(wijk["derived_columns"], tags, "gemeente")

    bu_counts = gwb[gwb["level"] == "buurt"]
    buurt = _buurt_frame(bu_counts, wijk)
    own_bu = _own_tenure(buurt, tenure)
    parent_input = wk_pred_input[list(TENURE)].reindex(buurt["wijk_code"]).set_axis(
        buurt.index)
    bu_input = pd.concat([buurt[[*AGE_SHARES, *MIGRATION_SHARES]],
                          own_bu.fillna(parent_input)], axis=1)
    bu_input["woz_avg"] = np.nan  # no buurt WOZ offline: stage 1 of the model gives it
    wk_origin = pd.DataFrame(  # the wijk's resolved origins: a gemeente copy stays one
        [dict(p.split(":", 1) for p in text.split(",") if ":" in p)
         for text in wijk["figure_sources"]], index=wijk.index)
    wk_tags = wk_origin.reindex(buurt["wijk_code"]).set_axis(buurt.index)
    bu_tags = wk_tags.where(wk_tags.isin(["gemeente"]), "wijk").astype(object)
    bu_tags[["woz_avg", "address_density", "urbanity"]] = "wijk"
    derived_bu = {i: [c for c in FROM_PARENT if c not in MIGRATION_SHARES]
                  + ["address_density", "urbanity"] for i in buurt.index}
    _apply_estimates(buurt, derived_bu, bu_tags, own_bu, bu_input, model, gm)
    buurt["derived_columns"] = pd.Series({i: ",".join(d) for i, d in derived_bu.items()})
    buurt["figure_sources"] = figure_sources(buurt["derived_columns"], bu_tags, "wijk")

    n_wk_model = int(wijk["share_edu_hoog_se"].notna().sum())
    n_bu_model = int(buurt["share_edu_hoog_se"].notna().sum())
    notes = [
        f"Herkomst 2024 per wijk en buurt (KWB 2024, {int(has_counts.sum())} wijken, "
        f"{len(buurt)} buurten); koopwoningen uit KWB 2022 waar de wijk/buurt dezelfde is "
        f"({int(own['owner'].notna().sum())} wijken, {int(own_bu['owner'].notna().sum())} "
        "buurten), anders van de wijk of gemeente.",
        f"Opleiding, inkomen en WOZ per wijk en buurt geschat (margemodel op "
        f"{model.n} gemeenten, gebenchmarkt op de gemeente): {n_wk_model} wijken, "
        f"{n_bu_model} buurten; kruisvalidatie r = "
        + ", ".join(f"{k} {v:.2f}" for k, v in model.cv_r.items()) + ".",
    ]
    return SubareaResult(wijk=wijk.reset_index(drop=True), buurt=buurt.reset_index(drop=True),
                         model=model, notes=notes)


def _apply_estimates(rows: pd.DataFrame, derived: dict, tags: pd.DataFrame, own: pd.DataFrame,
                     pred_input: pd.DataFrame, model: MarginModel, gm: pd.DataFrame) -> None:
    """Owner-occupied share from 2022 where own; model estimates where predictors exist."""
    has_own = own["owner"].notna()
    rows.loc[has_own, "share_owner_occupied"] = own.loc[has_own, "owner"]
    tags.loc[has_own, "share_owner_occupied"] = "2022"
    X = predictor_frame(pred_input)
    weight = rows["population"].astype(float) * (1 - rows["share_age_0_14"].fillna(0))
    est = estimate_margins(model, X, weight, rows["gemeente_code"], gm)
    keep_2019 = tags["woz_avg"] == "2019"
    for column in MODELLED:
        take = est[column].notna()
        if column == "woz_avg":
            take &= ~keep_2019
        rows.loc[take, column] = est.loc[take, column]
        tags.loc[take, column] = "model"
        rows[f"{column}_se"] = est[f"{column}_se"].where(take)
        for i in rows.index[take]:
            if column not in derived[i]:
                derived[i].append(column)
    for i in rows.index[has_own]:
        if "share_owner_occupied" not in derived[i]:
            derived[i].append("share_owner_occupied")


def _buurt_frame(counts: pd.DataFrame, wijk: pd.DataFrame) -> pd.DataFrame:
    """Buurt rows: own age, sex, herkomst of 2024; the rest from the wijk (then replaced
    by the model or by 2022 tenure where those exist)."""
    out = pd.DataFrame(index=counts.index)
    out["year"] = 2024
    out["level"] = "buurt"
    out["area_code"] = counts["area_code"]
    out["area_name"] = counts["area_name"]
    out["gemeente_code"] = "GM" + out["area_code"].str[2:6]
    out["wijk_code"] = "WK" + out["area_code"].str[2:8]
    out["population"] = counts["population"].astype(float)
    shares = _shares(counts)
    for column in shares.columns:
        out[column] = shares[column]
    parent = wijk.reindex(out["wijk_code"]).set_axis(out.index)
    for column in (*[c for c in FROM_PARENT if c not in MIGRATION_SHARES], "address_density",
                   "urbanity"):
        out[column] = parent[column]
    copied = set(FROM_PARENT) - set(MIGRATION_SHARES)  # secret in the wijk: secret here
    out["secret_columns"] = parent["secret_columns"].fillna("").map(
        lambda text: ",".join(c for c in text.split(",") if c in copied))
    out["is_current"] = True
    return out
