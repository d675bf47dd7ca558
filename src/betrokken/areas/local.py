"""Local engagement indicators (Gezondheidsmonitor) on the current areas of the database.

The Gezondheidsmonitor is published on the areas of its own year (2020 codes); the database
holds 2024 gemeenten and wijken and 2021 postcodes. The rules, in order:

1. **direct**: the area code exists in the edition (a gemeente not formed by a merger since,
   a wijk whose code did not change).
2. **merged** (gemeenten): a gemeente formed by a merger since the edition gets the mean of
   the gemeenten that formed it, weighted by their population in the edition's year
   (``betrokken.mergers``).
3. **parent_adjusted**: a wijk (or buurt) without its own value gets its parent's value plus
   the difference that the area's own demographics imply (a ridge regression of the
   indicator on age, migration, household and housing shares, fitted on the areas of that
   level that matched directly). The regression's residual spread is added to the
   uncertainty.
4. **via_wijk** (PC4): the address-weighted mean of the wijken the postcode overlaps
   (``crosswalk``); a postcode without wijk values gets its gemeente's value.

Uncertainty: the files carry no standard errors. The approximation used is that of a direct
survey estimate with the monitor's national sampling fraction (about 540,000 respondents for
14.2 million adults, so ``n = adults x 0.038``): binomial standard errors, wider for small
areas. For wijk/buurt values (RIVM small-area model estimates, which borrow strength) this is
conservative. The regression residual spread is added for ``parent_adjusted`` areas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge

from betrokken.areas.population import adult_weight_or_zero
from betrokken.errors import SourceError
from betrokken.mergers import successor_map
from betrokken.sources.gezondheidsmonitor import INDICATORS

__all__ = [
    "LOCAL_COMPONENTS",
    "LocalIndicators",
    "SAMPLING_FRACTION",
    "local_engagement",
    "map_local_indicators",
]

SAMPLING_FRACTION = 540_000 / 14_200_000
"""Gezondheidsmonitor 2020 respondents / adults 18+ in NL (for approximate standard errors)."""

LOCAL_COMPONENTS: dict[str, tuple[str, int]] = {
    "volunteering": ("volunteering", +1),
    "informal_care": ("informal_care", +1),
    "social_connectedness": ("socially_lonely", -1),
}
"""The three parts of local engagement: (source indicator, sign). Social connectedness is the
share of adults who are *not* socially lonely."""

IMPUTATION_FEATURES: tuple[str, ...] = (
    "share_age_15_24",
    "share_age_25_44",
    "share_age_65plus",
    "share_migration_west",
    "share_migration_nietwest",
    "share_hh_single",
    "share_hh_with_children",
    "share_owner_occupied",
    "share_low_income_hh",
    "woz_avg",
    "log_address_density",
)
METHODS_NL: dict[str, str] = {
    "direct": "eigen waarde",
    "merged": "samengevoegde gemeenten",
    "parent_adjusted": "van bovenliggend gebied, gecorrigeerd voor eigen bevolking",
    "via_wijk": "via de wijken van de postcode",
    "via_gemeente": "waarde van de gemeente",
    "missing": "geen waarde",
}


@dataclass
class LocalIndicators:
    """Indicator shares per current area (wide) with their approximate standard errors."""

    frame: pd.DataFrame
    """level, area_code, year, source_year, method, <indicator>, <indicator>_se ..."""
    report: dict = field(default_factory=dict)


def _features(areas: pd.DataFrame) -> pd.DataFrame:
    feats = areas.reindex(columns=[c for c in IMPUTATION_FEATURES if c != "log_address_density"])
    feats = feats.apply(pd.to_numeric, errors="coerce")
    feats["log_address_density"] = np.log1p(
        pd.to_numeric(areas.get("address_density"), errors="coerce")
    )
    return feats


def _binomial_se(p: np.ndarray, adults: np.ndarray) -> np.ndarray:
    n = np.maximum(adults * SAMPLING_FRACTION, 5.0)
    q = np.clip(p, 0.01, 0.99)
    return np.sqrt(q * (1 - q) / n)


def _gemeente_values(gm: pd.DataFrame, gemeenten: pd.DataFrame, pop_edition: pd.Series,
                     edition_year: int) -> pd.DataFrame:
    mapping, members = successor_map(date(edition_year, 1, 1))
    by_code = gm[gm["level"] == "gemeente"].set_index("area_code")
    rows = []
    for code in gemeenten["area_code"]:
        if code in members:
            olds = [c for c in members[code] if c in by_code.index]
            if len(olds) == len(members[code]):
                w = pop_edition.reindex(olds).fillna(0.0).to_numpy(float)
                w = w if w.sum() > 0 else np.ones(len(olds))
                vals = by_code.loc[olds, list(INDICATORS)].to_numpy(float)
                ok = np.isfinite(vals)
                mean = np.nansum(vals * w[:, None], axis=0) / np.where(
                    (ok * w[:, None]).sum(axis=0) > 0, (ok * w[:, None]).sum(axis=0), np.nan
                )
                rows.append({"area_code": code, "method": "merged", **dict(zip(INDICATORS, mean,
                                                                                strict=True))})
                continue
        if code in by_code.index and code not in mapping:
            rows.append({"area_code": code, "method": "direct",
                         **by_code.loc[code, list(INDICATORS)].to_dict()})
        else:
            rows.append({"area_code": code, "method": "missing"})
    return pd.DataFrame(rows).reindex(columns=["area_code", "method", *INDICATORS])


def _adjust_from_parent(children: pd.DataFrame, own: pd.DataFrame, parent_values: pd.DataFrame,
                        parents: pd.DataFrame, parent_col: str) -> tuple[pd.DataFrame, dict]:
    """Fill children without a direct value: parent value + demographic difference."""
    out = own.copy()
    resid_sd: dict[str, float] = {}
    feats_child = _features(children)
    feats_parent = _features(parents).set_axis(parents["area_code"].to_numpy())
    # a feature the source lacks entirely (e.g. migration in an older KWB layout) is a
    # constant: it adds nothing to the adjustment instead of breaking it
    fill = feats_child.mean().fillna(0.0)
    x_child = feats_child.fillna(fill).to_numpy(float)
    x_parent = feats_parent.fillna(fill).to_numpy(float)
    mu, sd = x_child.mean(axis=0), x_child.std(axis=0) + 1e-9
    parent_pos = pd.Series(np.arange(len(parents)), index=parents["area_code"].to_numpy())
    ppos = children[parent_col].map(parent_pos)
    pv = parent_values.set_index("area_code")
    for key in INDICATORS:
        direct = out["method"].eq("direct").to_numpy() & np.isfinite(out[key].to_numpy(float))
        need = ~np.isfinite(out[key].to_numpy(float))
        if direct.sum() < 30 or not need.any():
            continue
        model = Ridge(alpha=1.0).fit((x_child[direct] - mu) / sd, out[key].to_numpy(float)[direct])
        resid = out[key].to_numpy(float)[direct] - model.predict((x_child[direct] - mu) / sd)
        resid_sd[key] = float(np.std(resid))
        has_parent = ppos.notna().to_numpy()
        idx = np.flatnonzero(need & has_parent)
        pidx = ppos.to_numpy()[idx].astype(int)
        parent_val = pv.reindex(parents["area_code"].to_numpy()[pidx])[key].to_numpy(float)
        pred_child = model.predict((x_child[idx] - mu) / sd)
        pred_parent = model.predict((x_parent[pidx] - mu) / sd)
        value = np.clip(parent_val + pred_child - pred_parent, 0.0, 1.0)
        ok = np.isfinite(value)
        col = out.columns.get_loc(key)
        out.iloc[idx[ok], col] = value[ok]
        out.iloc[idx[ok], out.columns.get_loc("method")] = "parent_adjusted"
    return out, resid_sd


def map_local_indicators(gm: pd.DataFrame, areas: pd.DataFrame, crosswalk: pd.DataFrame | None,
                         *, edition_year: int) -> LocalIndicators:
    """Indicators of the Gezondheidsmonitor edition on every current area (see module doc)."""
    if "is_current" in areas:
        current = areas[areas["is_current"].fillna(False).astype(bool)]
    else:
        current = areas
    current = current.reset_index(drop=True)
    gem = current[current["level"] == "gemeente"].reset_index(drop=True)
    if gem.empty:
        raise SourceError("Er zijn geen gemeenten om de Gezondheidsmonitor op te leggen.")
    edition_gem = areas[(areas["level"] == "gemeente") & (areas["year"] == edition_year)]
    pop_edition = pd.to_numeric(edition_gem.set_index("area_code")["population"], errors="coerce")
    g_vals = _gemeente_values(gm, gem, pop_edition, edition_year)
    frames = [g_vals.assign(level="gemeente")]
    report: dict = {"edition": edition_year, "methods": {}, "residual_sd": {}}

    by_code = gm.set_index("area_code")
    for child_level, parent_level, parent_col in (("wijk", "gemeente", "gemeente_code"),
                                                   ("buurt", "wijk", "wijk_code")):
        children = current[current["level"] == child_level].reset_index(drop=True)
        if children.empty:
            continue
        own = by_code.reindex(children["area_code"])[list(INDICATORS)].reset_index()
        own["method"] = np.where(own[list(INDICATORS)].notna().any(axis=1), "direct", "missing")
        parents = current[current["level"] == parent_level].reset_index(drop=True)
        parent_values = pd.concat(frames, ignore_index=True)
        parent_values = parent_values[parent_values["level"] == parent_level]
        filled, resid = _adjust_from_parent(children, own, parent_values, parents, parent_col)
        report["residual_sd"][child_level] = resid
        frames.append(filled.assign(level=child_level))

    pc4 = current[current["level"] == "pc4"].reset_index(drop=True)
    if not pc4.empty:
        frames.append(_pc4_values(pc4, pd.concat(frames, ignore_index=True), crosswalk))

    out = pd.concat(frames, ignore_index=True)
    out = out.merge(current[["level", "area_code", "year"]], on=["level", "area_code"], how="left")
    nl = gm[gm["level"] == "nl"]
    if len(nl):
        out = pd.concat([out, nl[["area_code", *INDICATORS]].assign(
            level="nl", method="direct", year=edition_year)], ignore_index=True)
    out["source_year"] = edition_year
    adults = adult_weight_or_zero(out.merge(current, on=["level", "area_code", "year"], how="left",
                               suffixes=("", "_area")))
    adults = np.where(out["level"].eq("nl"), 14_200_000.0, adults)
    for key in INDICATORS:
        se = _binomial_se(out[key].to_numpy(float), adults)
        extra = np.array([report["residual_sd"].get(lvl, {}).get(key, 0.0) for lvl in out["level"]])
        se = np.sqrt(se**2 + np.where(out["method"].eq("parent_adjusted"), extra**2, 0.0))
        out[f"{key}_se"] = np.where(np.isfinite(out[key].to_numpy(float)), se, np.nan)
    report["methods"] = {
        lvl: out.loc[out["level"] == lvl, "method"].value_counts().to_dict()
        for lvl in ("gemeente", "wijk", "buurt", "pc4") if (out["level"] == lvl).any()
    }
    return LocalIndicators(frame=out, report=report)


def _pc4_values(pc4: pd.DataFrame, parents: pd.DataFrame,
                crosswalk: pd.DataFrame | None) -> pd.DataFrame:
    wijk = parents[parents["level"] == "wijk"].set_index("area_code")[list(INDICATORS)]
    gem = parents[parents["level"] == "gemeente"].set_index("area_code")[list(INDICATORS)]
    out = pd.DataFrame({"area_code": pc4["area_code"].to_numpy(), "level": "pc4"})
    for key in INDICATORS:
        out[key] = np.nan
    out["method"] = "missing"
    if crosswalk is not None and not crosswalk.empty:
        cw = crosswalk[crosswalk["pc4"].isin(out["area_code"])].copy()
        cw = cw.join(wijk, on="wijk_code")
        for key in INDICATORS:
            ok = cw[key].notna()
            w = cw["n_addresses"].astype(float).where(ok, 0.0)
            num = (w * cw[key].fillna(0.0)).groupby(cw["pc4"]).sum()
            den = w.groupby(cw["pc4"]).sum()
            val = (num / den.where(den > 0)).reindex(out["area_code"]).to_numpy()
            out[key] = val
        out.loc[out[list(INDICATORS)].notna().any(axis=1), "method"] = "via_wijk"
    missing = out["method"].eq("missing").to_numpy()
    if missing.any():
        gcode = pc4["gemeente_code"].to_numpy()[missing]
        vals = gem.reindex(gcode).to_numpy(float)
        out.loc[missing, list(INDICATORS)] = vals
        has = np.isfinite(vals).any(axis=1)
        out.loc[np.flatnonzero(missing)[has], "method"] = "via_gemeente"
    return out


def local_engagement(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Local engagement (mean of the three components) and its standard error per row."""
    parts, ses = [], []
    for source, sign in LOCAL_COMPONENTS.values():
        value = frame[source].to_numpy(float)
        parts.append(value if sign > 0 else 1.0 - value)
        ses.append(frame[f"{source}_se"].to_numpy(float))
    value = np.mean(parts, axis=0)
    se = np.sqrt(np.sum(np.square(ses), axis=0)) / len(parts)
    return value, se
