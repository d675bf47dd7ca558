"""Direct small-area models (MRP) for low trust and political engagement, and the profile
model conditional on them: what lets an area's estimates follow the area.

Three regressions, fitted on the VU panel respondents with the survey weights:

1. ``low_trust`` (trust axis < 0.5, the profile cards' definition) ~ age, sex, education,
   migration background + *area context* of the respondent's postcode;
2. ``high_engagement`` (national top third of the political engagement axis: 2017 vote incl.
   "did not vote", political knowledge, news use; the cards' definition) ~ the same + low_trust;
3. P(profile | age, sex, education, migration, low_trust, high_engagement), soft targets
   (survey weight x LCA posterior), no area context.

An area's estimates are poststratified over its 72 demographic cells: low trust
``sum_c s(c) P(t | c, z)``, political engagement ``sum_c s(c) sum_t P(t | c, z) P(e | c, t, z)``,
and its profile mix ``sum_c s(c) sum_{t,e} P(t | c, z) P(e | c, t, z) P(k | c, t, e)``, with
``s(c)`` from IPF on the area's margins and ``z`` the area's context. The mix thereby agrees
with the modelled indices and carries the context the demographics miss.

Which context enters each regression is chosen by grouped cross-validation (folds are
gemeenten, so a context that only memorises respondents' own gemeenten does not help): a
richer specification is kept only when it lowers the CV log-loss by more than one standard
error of the paired fold differences. No election result enters any of this.

Uncertainty: all three regressions are refitted on ``n_boot`` bootstrap resamples of the
respondents (the LCA classes held fixed), so area intervals include the survey's own
sampling noise, not only the membership model's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from betrokken import schema
from betrokken.areas.poststratify import cell_frame
from betrokken.errors import BetrokkenError
from betrokken.model.artifact import ARTIFACT_DIR, _jsonable
from betrokken.model.membership import MembershipModel, softmax, weighted_log_loss

__all__ = [
    "AREA_MODELS_FILE",
    "CONTEXT_SETS",
    "AreaModels",
    "area_context",
    "cell_design",
    "fit_area_models",
    "load_area_models",
    "save_area_models",
]

AREA_MODELS_FILE = "area_models.npz"
AREA_MODELS_META = "area_models.json"
INDIVIDUAL: tuple[str, ...] = ("age", "sex", "education", "migration")
LOW_TRUST_THRESHOLD = schema.LOW_TRUST_THRESHOLD
"""Trust axis (0-1) below the scale midpoint = low trust (as in the profile cards)."""
REGULARISATION_C = 1.0
"""Inverse L2 penalty, as in the membership model."""

CONTEXT_SETS: dict[str, tuple[str, ...]] = {
    "cbs": (
        "share_migration_nietwest",
        "log_woz",
        "log_address_density",
        "share_age_65plus",
        "share_low_income_hh",
        "share_owner_occupied",
    ),
    "gezondheidsmonitor": (
        "volunteering",
        "informal_care",
        "socially_lonely",
        "financial_strain",
        "control_over_life",
    ),
}
SPECS: dict[str, tuple[str, ...]] = {
    "individueel": (),
    "individueel + CBS-context": CONTEXT_SETS["cbs"],
    "individueel + Gezondheidsmonitor": CONTEXT_SETS["gezondheidsmonitor"],
    "individueel + CBS + Gezondheidsmonitor": (
        CONTEXT_SETS["cbs"] + CONTEXT_SETS["gezondheidsmonitor"]
    ),
}
OUTCOMES: tuple[str, ...] = ("low_trust", "high_engagement")


def area_context(areas: pd.DataFrame, local: pd.DataFrame | None) -> pd.DataFrame:
    """Every context variable per area row (same index as ``areas``); NaN where unknown."""
    out = pd.DataFrame(index=areas.index)
    num = lambda c: pd.to_numeric(areas.get(c), errors="coerce")  # noqa: E731
    out["share_migration_nietwest"] = num("share_migration_nietwest")
    out["log_woz"] = np.log(num("woz_avg").where(num("woz_avg") > 0))
    out["log_address_density"] = np.log1p(num("address_density"))
    out["share_age_65plus"] = num("share_age_65plus")
    out["share_low_income_hh"] = num("share_low_income_hh")
    out["share_owner_occupied"] = num("share_owner_occupied")
    keys = CONTEXT_SETS["gezondheidsmonitor"]
    if local is not None and not local.empty:
        joined = areas[["level", "area_code"]].merge(
            local[["level", "area_code", *keys]], on=["level", "area_code"], how="left"
        )
        for key in keys:
            out[key] = joined[key].to_numpy(float)
    else:
        for key in keys:
            out[key] = np.nan
    return out


def _onehot(frame: pd.DataFrame, extra_binary: tuple[str, ...] = ()) -> np.ndarray:
    blocks = []
    for var in INDIVIDUAL:
        values = frame[var].to_numpy()
        blocks.append(np.stack([values == lvl for lvl in schema.CELL_VARIABLES[var]], axis=1))
    for var in extra_binary:
        blocks.append(frame[var].to_numpy(float)[:, None])
    return np.hstack(blocks).astype(float)


def cell_design() -> pd.DataFrame:
    """The 72 demographic cells in ``areas.poststratify.cell_frame`` order."""
    return cell_frame()


@dataclass
class AreaModels:
    """Coefficients (point + bootstrap refits) and the context standardisation."""

    context: dict[str, list[str]]
    """outcome -> context variables used."""
    center: dict[str, float]
    scale: dict[str, float]
    coef: dict[str, np.ndarray]
    """``low_trust``/``high_engagement``: (B+1, p); ``profile``: (B+1, K, p); row 0 is the
    full-sample fit."""
    intercept: dict[str, np.ndarray]
    meta: dict = field(default_factory=dict)

    @property
    def n_boot(self) -> int:
        return int(self.coef["low_trust"].shape[0] - 1)

    def standardised(self, outcome: str, context: pd.DataFrame | None) -> np.ndarray:
        """Context columns of ``outcome``, standardised; unknown values at the mean (0).

        ``context=None`` stands for one area at the mean of every context variable."""
        cols = self.context[outcome]
        if context is None or not cols:
            return np.zeros((1 if context is None else len(context), len(cols)))
        z = np.column_stack(
            [(context[c].to_numpy(float) - self.center[c]) / self.scale[c] for c in cols]
        )
        return np.nan_to_num(z, nan=0.0)

    def cell_predictions(self, context: pd.DataFrame | None, replicate: int
                         ) -> dict[str, np.ndarray]:
        """For every area x cell: P(t=1), P(e=1 | t=0), P(e=1 | t=1); and P(k | cell, t, e).

        Shapes: (n_areas, 72) for the first three, (72, 2, 2, K) for the profile model.
        """
        cells = cell_design()
        x = _onehot(cells)
        n_ind = x.shape[1]
        out: dict[str, np.ndarray] = {}
        ct, it = self.coef["low_trust"][replicate], self.intercept["low_trust"][replicate]
        zt = self.standardised("low_trust", context)
        eta_t = (x @ ct[:n_ind])[None, :] + (zt @ ct[n_ind:])[:, None] + it
        out["p_t"] = 1.0 / (1.0 + np.exp(-eta_t))
        ce = self.coef["high_engagement"][replicate]
        ie = self.intercept["high_engagement"][replicate]
        ze = self.standardised("high_engagement", context)
        base_e = (x @ ce[:n_ind])[None, :] + (ze @ ce[n_ind + 1:])[:, None] + ie
        out["p_e_t0"] = 1.0 / (1.0 + np.exp(-base_e))
        out["p_e_t1"] = 1.0 / (1.0 + np.exp(-(base_e + ce[n_ind])))
        ck, ik = self.coef["profile"][replicate], self.intercept["profile"][replicate]
        pk = np.empty((len(cells), 2, 2, ck.shape[0]))
        for t in (0, 1):
            for e in (0, 1):
                d = np.hstack([x, np.full((len(cells), 1), t), np.full((len(cells), 1), e),
                               np.full((len(cells), 1), t * e)])
                pk[:, t, e] = softmax(d @ ck.T + ik)
        out["p_k"] = pk
        return out


# --------------------------------------------------------------------------- fitting


def _fit_binary(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float]:
    lr = LogisticRegression(C=REGULARISATION_C, max_iter=5000, tol=1e-8)
    lr.fit(x, y, sample_weight=w * (len(w) / w.sum()))
    return lr.coef_[0], float(lr.intercept_[0])


def _predict_binary(x: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x @ coef + intercept)))


def _binary_log_loss(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-(w * (y * np.log(p) + (1 - y) * np.log(1 - p))).sum() / w.sum())


def _fit_profile(x: np.ndarray, post: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logit with soft targets, pooled over identical design rows."""
    n, k = post.shape
    uniq, inverse = np.unique(x, axis=0, return_inverse=True)
    pooled = np.zeros((len(uniq), k))
    np.add.at(pooled, inverse.ravel(), w[:, None] * post)
    rows = np.repeat(np.arange(len(uniq)), k)
    labels = np.tile(np.arange(k), len(uniq))
    rep_w = pooled.ravel()
    keep = rep_w > 1e-12
    lr = LogisticRegression(C=REGULARISATION_C, max_iter=5000, tol=1e-10)
    lr.fit(uniq[rows[keep]], labels[keep], sample_weight=rep_w[keep] * (n / w.sum()))
    if len(lr.classes_) != k:
        raise BetrokkenError("Niet elk profiel komt voor in de trainingsdata.")
    return lr.coef_, lr.intercept_


def _profile_design(frame: pd.DataFrame) -> np.ndarray:
    t = frame["low_trust"].to_numpy(float)[:, None]
    e = frame["high_engagement"].to_numpy(float)[:, None]
    return np.hstack([_onehot(frame), t, e, t * e])


def _design(frame: pd.DataFrame, z: pd.DataFrame, outcome: str, cols: tuple[str, ...],
            center: dict, scale: dict) -> np.ndarray:
    extra = ("low_trust",) if outcome == "high_engagement" else ()
    x = _onehot(frame, extra)
    if cols:
        zc = np.column_stack([(z[c].to_numpy(float) - center[c]) / scale[c] for c in cols])
        x = np.hstack([x, np.nan_to_num(zc, nan=0.0)])
    return x


def choose_context(frame: pd.DataFrame, z: pd.DataFrame, w: np.ndarray, groups: np.ndarray,
                   *, center: dict, scale: dict, folds: int = 5) -> dict:
    """Grouped CV (folds = gemeenten) of every specification, per outcome.

    Returns per outcome a table of specifications (log-loss, SE of the paired difference with
    the individual-only model) and the chosen one.
    """
    splitter = GroupKFold(n_splits=folds)
    result: dict = {}
    for outcome in OUTCOMES:
        y = frame[outcome].to_numpy(float)
        losses: dict[str, list[float]] = {name: [] for name in SPECS}
        for train, test in splitter.split(frame, groups=groups):
            for name, cols in SPECS.items():
                x = _design(frame, z, outcome, cols, center, scale)
                coef, icpt = _fit_binary(x[train], y[train], w[train])
                losses[name].append(
                    _binary_log_loss(y[test], _predict_binary(x[test], coef, icpt), w[test])
                )
        base = np.asarray(losses["individueel"])
        table = {}
        for name, vals in losses.items():
            diff = base - np.asarray(vals)
            table[name] = {
                "log_loss": float(np.mean(vals)),
                "gain_vs_individual": float(diff.mean()),
                "gain_se": float(diff.std(ddof=1) / np.sqrt(folds)) if name != "individueel"
                else 0.0,
            }
        chosen = "individueel"
        for name, row in table.items():
            if name == "individueel":
                continue
            if row["gain_vs_individual"] > row["gain_se"] and (
                row["log_loss"] < table[chosen]["log_loss"]
            ):
                chosen = name
        result[outcome] = {"table": table, "chosen": chosen}
    return result


def fit_area_models(frame: pd.DataFrame, w: np.ndarray, post: np.ndarray, z: pd.DataFrame,
                    groups: np.ndarray, *, n_boot: int, seed: int, folds: int = 5,
                    progress=None) -> AreaModels:
    """Fit the three regressions on respondents with a known cell and postcode context.

    ``frame`` holds the cell variables plus ``low_trust`` and ``high_engagement`` (0/1);
    ``post`` the LCA posteriors; ``z`` the raw context of each respondent's postcode;
    ``groups`` the respondent's gemeente (CV folds).
    """
    cols_all = sorted({c for cols in SPECS.values() for c in cols})
    center = {c: float(np.nanmean(z[c])) for c in cols_all}
    scale = {c: float(np.nanstd(z[c]) or 1.0) for c in cols_all}
    selection = choose_context(frame, z, w, groups, center=center, scale=scale, folds=folds)
    context = {o: list(SPECS[selection[o]["chosen"]]) for o in OUTCOMES}

    designs = {o: _design(frame, z, o, tuple(context[o]), center, scale) for o in OUTCOMES}
    xk = _profile_design(frame)
    rng = np.random.default_rng(seed)
    n = len(frame)
    coefs: dict[str, list] = {o: [] for o in (*OUTCOMES, "profile")}
    icpts: dict[str, list] = {o: [] for o in (*OUTCOMES, "profile")}
    for b in range(n_boot + 1):
        idx = np.arange(n) if b == 0 else rng.integers(0, n, n)
        for o in OUTCOMES:
            c, i = _fit_binary(designs[o][idx], frame[o].to_numpy(float)[idx], w[idx])
            coefs[o].append(c)
            icpts[o].append(i)
        c, i = _fit_profile(xk[idx], post[idx], w[idx])
        coefs["profile"].append(c)
        icpts["profile"].append(i)
        if progress is not None:
            progress(b)
    models = AreaModels(
        context=context,
        center={c: center[c] for c in cols_all},
        scale={c: scale[c] for c in cols_all},
        coef={o: np.asarray(v) for o, v in coefs.items()},
        intercept={o: np.asarray(v) for o, v in icpts.items()},
        meta={"selection": selection, "n_respondents": int(n), "n_boot": int(n_boot),
              "seed": int(seed), "folds": int(folds),
              "low_trust_threshold": LOW_TRUST_THRESHOLD},
    )
    models.meta["route_comparison"] = compare_routes(frame, w, post, z, groups, models,
                                                     folds=folds)
    return models


def compare_routes(frame: pd.DataFrame, w: np.ndarray, post: np.ndarray, z: pd.DataFrame,
                   groups: np.ndarray, models: AreaModels, *, folds: int = 5) -> dict:
    """Grouped-CV log-loss of a respondent's profile under the two routes to an area mix.

    *demografie*: P(k | cell) (the membership model on demographics only);
    *via indices*: sum_{t,e} P(t | cell, context) P(e | cell, t, context) P(k | cell, t, e).
    Both are refitted in every fold on the training gemeenten; the respondent's own answers
    are never used for the prediction (only their cell and postcode context).
    """
    losses: dict[str, list[float]] = {"demografie": [], "via indices": [], "basis": []}
    xk = _profile_design(frame)
    trust_col = _onehot(frame[:1]).shape[1]  # position of low_trust in the engagement design
    for train, test in GroupKFold(n_splits=folds).split(frame, groups=groups):
        mem = MembershipModel(INDIVIDUAL).fit(frame.iloc[train], post[train], w[train])
        p_dem = mem.predict_proba(frame.iloc[test])
        xt = _design(frame, z, "low_trust", tuple(models.context["low_trust"]), models.center,
                     models.scale)
        ct, it = _fit_binary(xt[train], frame["low_trust"].to_numpy(float)[train], w[train])
        xe = _design(frame, z, "high_engagement", tuple(models.context["high_engagement"]),
                     models.center, models.scale)
        ce, ie = _fit_binary(xe[train], frame["high_engagement"].to_numpy(float)[train], w[train])
        ck, ik = _fit_profile(xk[train], post[train], w[train])
        test_frame = frame.iloc[test]
        p_t = _predict_binary(xt[test], ct, it)
        mix = np.zeros((len(test), post.shape[1]))
        for t in (0, 1):
            xe_t = xe[test].copy()
            xe_t[:, trust_col] = t
            p_e = _predict_binary(xe_t, ce, ie)
            for e in (0, 1):
                tf = test_frame.assign(low_trust=t, high_engagement=e)
                pk = softmax(_profile_design(tf) @ ck.T + ik)
                weight = (p_t if t else 1 - p_t) * (p_e if e else 1 - p_e)
                mix += weight[:, None] * pk
        shares = (post[train] * w[train, None]).sum(axis=0) / w[train].sum()
        losses["demografie"].append(weighted_log_loss(post[test], p_dem, w[test]))
        losses["via indices"].append(weighted_log_loss(post[test], mix, w[test]))
        losses["basis"].append(
            weighted_log_loss(post[test], np.tile(shares, (len(test), 1)), w[test])
        )
    diff = np.asarray(losses["demografie"]) - np.asarray(losses["via indices"])
    return {
        **{name: float(np.mean(v)) for name, v in losses.items()},
        "gain_via_indices": float(diff.mean()),
        "gain_se": float(diff.std(ddof=1) / np.sqrt(folds)),
        "folds": "grouped by gemeente",
    }


# --------------------------------------------------------------------------- storage


def save_area_models(models: AreaModels, out_dir: Path) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for o in models.coef:
        arrays[f"{o}_coef"] = models.coef[o].astype(np.float32 if o == "profile" else np.float64)
        arrays[f"{o}_intercept"] = models.intercept[o]
    # Row 0 (the full-sample fit) is kept in float64 for exact point estimates.
    arrays["profile_coef_point"] = models.coef["profile"][0]
    np.savez_compressed(out_dir / AREA_MODELS_FILE, **arrays)
    payload = {"context": models.context, "center": models.center, "scale": models.scale,
               **models.meta}

    (out_dir / AREA_MODELS_META).write_text(
        json.dumps(_jsonable(payload), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def load_area_models(directory: Path | None = None) -> AreaModels | None:
    """The area models stored beside the profile model, or None if there are none."""
    directory = ARTIFACT_DIR if directory is None else Path(directory)
    npz, meta = directory / AREA_MODELS_FILE, directory / AREA_MODELS_META
    if not npz.is_file() or not meta.is_file():
        return None
    try:
        payload = json.loads(meta.read_text(encoding="utf-8"))
        arrays = np.load(npz)
    except (ValueError, OSError) as exc:
        raise BetrokkenError(
            f"De gebiedsmodellen in '{directory}' zijn beschadigd: {exc}"
        ) from None
    coef = {o: arrays[f"{o}_coef"].astype(np.float64) for o in (*OUTCOMES, "profile")}
    coef["profile"][0] = arrays["profile_coef_point"]
    intercept = {o: arrays[f"{o}_intercept"] for o in (*OUTCOMES, "profile")}
    known = {"context", "center", "scale"}
    return AreaModels(
        context=payload["context"], center=payload["center"], scale=payload["scale"],
        coef=coef, intercept=intercept, meta={k: v for k, v in payload.items() if k not in known},
    )
