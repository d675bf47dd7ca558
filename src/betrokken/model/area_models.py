"""Direct small-area models (MRP) for low trust and political engagement, and the profile
model conditional on them: what lets an area's estimates follow the area.

Three regressions, fitted on the VU panel respondents with the survey weights:

1. ``low_trust`` (trust axis < 0.5, the profile cards' definition) ~ age, sex, education,
   migration background + *area context* of the respondent's postcode + a random intercept
   for the respondent's gemeente;
2. ``high_engagement`` (national top third of the political engagement axis: 2017 vote incl.
   "did not vote", political knowledge, news use; the cards' definition) ~ the same + low_trust;
3. P(profile | age, sex, education, migration, low_trust, high_engagement), soft targets
   (survey weight x LCA posterior), no area context.

Models 1 and 2 are multilevel logistic regressions (``model.glmm``): the individual
coefficients have informative priors centred on the official CBS gradients
(``model.anchors``: distrust of the Tweede Kamer; voting in 2012), every area predictor
(CBS context and Gezondheidsmonitor, standardised) enters with a weak N(0, 0.5^2) prior, and
gemeenten get partially pooled intercepts whose SD the survey estimates. There is no
keep-or-drop gate: the variance components and the cross-validated fit are reported.

An area's estimates are poststratified over its 72 demographic cells: low trust
``sum_c s(c) P(t | c, z, g)``, political engagement ``sum_c s(c) sum_t P(t | c, z, g)
P(e | c, t, z, g)``, and its profile mix ``sum_c s(c) sum_{t,e} P(t | c, z, g)
P(e | c, t, z, g) P(k | c, t, e)``, with ``s(c)`` from IPF on the area's margins, ``z`` the
area's context and ``g`` its gemeente (a wijk, buurt or PC4 takes its gemeente's intercept;
a gemeente without respondents gets draws from N(0, tau^2) and 0 as point).

Uncertainty: rows 1.. of the stored coefficients are posterior draws (Laplace) of models 1
and 2 and bootstrap refits of model 3 (the LCA classes held fixed), so area intervals carry
the survey's sampling noise. Row 0 is the posterior mode / full-sample fit.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from betrokken import schema
from betrokken.errors import BetrokkenError
from betrokken.model.anchors import ANCHOR_SD
from betrokken.model.artifact import ARTIFACT_DIR, _jsonable
from betrokken.model.membership import softmax

__all__ = [
    "AREA_MODELS_FILE",
    "CONTEXT_SETS",
    "AreaModels",
    "area_context",
    "cell_design",
    "design_matrix",
    "load_area_models",
    "onehot",
    "prior",
    "save_area_models",
    "standardise",
]

AREA_MODELS_FILE = "area_models.npz"
AREA_MODELS_META = "area_models.json"
INDIVIDUAL: tuple[str, ...] = ("age", "sex", "education", "migration")
LOW_TRUST_THRESHOLD = schema.LOW_TRUST_THRESHOLD
"""Trust axis (0-1) below the scale midpoint = low trust (as in the profile cards)."""
REGULARISATION_C = 1.0
"""Inverse L2 penalty of the profile model, as in the membership model."""
INTERCEPT_SD = 5.0
UNANCHORED_SD = 1.0
"""Prior SD of an individual coefficient without an official table (and of low_trust in the
engagement model)."""
CONTEXT_SD = 0.5
"""Prior SD of a standardised area predictor: 0.5 log-odds per SD of the predictor."""
CONTEXT_CLIP = 3.0
"""Standardised area predictors are clipped to +-3 SD at fit and prediction time."""
BOOT_TOL = 1e-6
"""Optimiser tolerance of the profile model's bootstrap refits."""
GROUP_SEED = 20240101
"""Seed of the draws of gemeente intercepts for gemeenten without respondents."""

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
CONTEXT: tuple[str, ...] = CONTEXT_SETS["cbs"] + CONTEXT_SETS["gezondheidsmonitor"]
LOCAL = "local_engagement"
"""Column of the area's local engagement (``areas.local.local_engagement``) in a context frame:
a predictor of the profile model, so the mix follows all three indices."""
LOCAL_GRID: np.ndarray = np.linspace(-CONTEXT_CLIP, CONTEXT_CLIP, 7)
"""Standardised local engagement at which P(k | cell, t, e, local) is evaluated; an area's
value is interpolated linearly between the two nearest points (exact in the point, since the
mix is linear in P)."""
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


def onehot(frame: pd.DataFrame, extra_binary: tuple[str, ...] = ()) -> np.ndarray:
    """One column per level of every cell variable, then ``extra_binary`` columns."""
    blocks = []
    for var in INDIVIDUAL:
        values = frame[var].to_numpy()
        blocks.append(np.stack([values == lvl for lvl in schema.CELL_VARIABLES[var]], axis=1))
    for var in extra_binary:
        blocks.append(frame[var].to_numpy(float)[:, None])
    return np.hstack(blocks).astype(float)


def cell_design() -> pd.DataFrame:
    """The 72 demographic cells in C order of ``schema.CELL_VARIABLES`` (the order of
    ``areas.poststratify.cell_frame``)."""
    grid = pd.MultiIndex.from_product(list(schema.CELL_VARIABLES.values()),
                                      names=list(schema.CELL_VARIABLES))
    return grid.to_frame(index=False)


_CELL_ONEHOT = onehot(cell_design())


def standardise(context: pd.DataFrame, cols, center: dict, scale: dict) -> np.ndarray:
    if not cols:
        return np.zeros((len(context), 0))
    z = np.column_stack([(context[c].to_numpy(float) - center[c]) / scale[c] for c in cols])
    return np.clip(np.nan_to_num(z, nan=0.0), -CONTEXT_CLIP, CONTEXT_CLIP)


def design_matrix(frame: pd.DataFrame, z: pd.DataFrame | None, outcome: str,
                  cols: tuple[str, ...], center: dict, scale: dict) -> np.ndarray:
    """Individual one-hot columns (+ ``low_trust`` for the engagement model) + standardised
    context columns ``cols`` of ``z``; no intercept column."""
    extra = ("low_trust",) if outcome == "high_engagement" else ()
    x = onehot(frame, extra)
    if cols:
        x = np.hstack([x, standardise(z, cols, center, scale)])
    return x


def prior(outcome: str, n_context: int, anchors: dict | None) -> tuple[np.ndarray, np.ndarray]:
    """Prior mean and SD of ``[intercept, design_matrix columns]`` for ``outcome``."""
    mean, sd = [0.0], [INTERCEPT_SD]
    anchor = None if anchors is None else anchors.get(outcome)
    for var in INDIVIDUAL:
        centred = None if anchor is None else anchor.centred_logit(var)
        for lvl in schema.CELL_VARIABLES[var]:
            mean.append(0.0 if centred is None else centred[lvl])
            sd.append(UNANCHORED_SD if centred is None else ANCHOR_SD)
    if outcome == "high_engagement":
        mean.append(0.0)
        sd.append(UNANCHORED_SD)
    mean += [0.0] * n_context
    sd += [CONTEXT_SD] * n_context
    return np.asarray(mean), np.asarray(sd)


@dataclass
class AreaModels:
    """Coefficients (mode + posterior draws / bootstrap refits), gemeente intercepts and the
    context standardisation."""

    context: dict[str, list[str]]
    """outcome -> context variables used."""
    center: dict[str, float]
    scale: dict[str, float]
    coef: dict[str, np.ndarray]
    """``low_trust``/``high_engagement``: (B+1, p); ``profile``: (B+1, K, p); row 0 is the
    posterior mode / full-sample fit."""
    intercept: dict[str, np.ndarray]
    group_codes: list[str] = field(default_factory=list)
    """Gemeente codes with respondents, the columns of ``group_effect``."""
    group_effect: dict[str, np.ndarray] = field(default_factory=dict)
    """``low_trust``/``high_engagement``: (B+1, G) gemeente intercepts (row 0 the mode)."""
    tau: dict[str, float] = field(default_factory=dict)
    """SD of the gemeente intercepts per outcome."""
    meta: dict = field(default_factory=dict)

    @property
    def n_boot(self) -> int:
        return int(self.coef["low_trust"].shape[0] - 1)

    def context_frame(self, areas: pd.DataFrame, local: pd.DataFrame | None) -> pd.DataFrame:
        """The area predictors of ``areas`` (see ``area_context``)."""
        return area_context(areas, local)

    def standardised(self, outcome: str, context: pd.DataFrame | None) -> np.ndarray:
        """Context columns of ``outcome``, standardised and clipped; unknown values at the
        mean (0). ``context=None`` stands for one area at the mean of every variable."""
        cols = self.context[outcome]
        if context is None or not cols:
            return np.zeros((1 if context is None else len(context), len(cols)))
        return standardise(context, cols, self.center, self.scale)

    def prepare_gemeenten(self, gemeente) -> dict:
        """Look-up of each area's gemeente intercept column, once for all replicates:
        ``known`` positions in ``group_codes`` (-1: none) and, for gemeenten without
        respondents, one N(0, tau^2) draw per replicate, the same for all their areas."""
        raw = pd.Series(gemeente, dtype=object)
        none = raw.isna().to_numpy()  # NL: the average gemeente, no draw
        codes = raw.where(~none, "").astype(str).to_numpy()
        lookup = {c: i for i, c in enumerate(self.group_codes)}
        pos = np.array([lookup.get(c, -1) for c in codes], dtype=int)
        pos[none] = -2
        unknown, inverse = np.unique(codes[pos == -1], return_inverse=True)
        upos = np.full(len(codes), -1)
        upos[pos == -1] = inverse
        extra = {}
        for outcome, tau in self.tau.items():
            draws = np.zeros((len(unknown), self.n_boot + 1))
            for i, code in enumerate(unknown):
                seed = zlib.crc32(f"{outcome}|{code}".encode()) ^ GROUP_SEED
                draws[i, 1:] = np.random.default_rng(seed).normal(0.0, tau, self.n_boot)
            extra[outcome] = draws
        return {"pos": pos, "unknown_pos": upos, "unknown_draws": extra, "n": len(codes)}

    def gemeente_effects(self, outcome: str, gemeente, replicate: int) -> np.ndarray:
        """The gemeente intercept of every area (0 where ``gemeente`` is None). Gemeenten
        without respondents: 0 at the point (row 0), draws from N(0, tau^2) otherwise, the
        same draw for every area of that gemeente. ``gemeente``: codes, or the result of
        ``prepare_gemeenten``."""
        if gemeente is None or outcome not in self.group_effect:
            return np.zeros(1 if gemeente is None else len(gemeente))
        prep = gemeente if isinstance(gemeente, dict) else self.prepare_gemeenten(gemeente)
        pos, upos = prep["pos"], prep["unknown_pos"]
        out = np.zeros(prep["n"])
        known, unknown = pos >= 0, pos == -1
        out[known] = self.group_effect[outcome][replicate][pos[known]]
        out[unknown] = prep["unknown_draws"][outcome][upos[unknown], replicate]
        return out

    def cell_predictions(self, context: pd.DataFrame | None, replicate: int,
                         gemeente=None) -> dict[str, np.ndarray]:
        """For every area x cell: P(t=1), P(e=1 | t=0), P(e=1 | t=1); and P(k | cell, t, e).
        ``context``: area predictors (a frame, None for the average area, or
        ``prepare_context`` of a frame).

        Shapes: (n_areas, 72) for the first three, (72, 2, 2, K) for the profile model
        (``p_k_grid``: (len(LOCAL_GRID), 72, 2, 2, K) with ``local_weights`` per area).
        ``gemeente``: each area's gemeente code or ``prepare_gemeenten`` of them (None: the
        average gemeente).
        """
        cells = cell_design()
        x = _CELL_ONEHOT
        n_ind = x.shape[1]
        out: dict[str, np.ndarray] = {}
        prepared = context if isinstance(context, dict) else self.prepare_context(context)
        ct, it = self.coef["low_trust"][replicate], self.intercept["low_trust"][replicate]
        zt = prepared["low_trust"]
        ut = self.gemeente_effects("low_trust", gemeente, replicate)
        eta_t = (x @ ct[:n_ind])[None, :] + (zt @ ct[n_ind:] + ut)[:, None] + it
        out["p_t"] = 1.0 / (1.0 + np.exp(-eta_t))
        ce = self.coef["high_engagement"][replicate]
        ie = self.intercept["high_engagement"][replicate]
        ze = prepared["high_engagement"]
        ue = self.gemeente_effects("high_engagement", gemeente, replicate)
        base_e = (x @ ce[:n_ind])[None, :] + (ze @ ce[n_ind + 1:] + ue)[:, None] + ie
        out["p_e_t0"] = 1.0 / (1.0 + np.exp(-base_e))
        out["p_e_t1"] = 1.0 / (1.0 + np.exp(-(base_e + ce[n_ind])))
        ck, ik = self.coef["profile"][replicate], self.intercept["profile"][replicate]
        grid = LOCAL_GRID if self.profile_uses_local else np.zeros(1)
        pk = np.empty((len(grid), len(cells), 2, 2, ck.shape[0]))
        for j, level in enumerate(grid):
            for t in (0, 1):
                for e in (0, 1):
                    cols = [x, np.full((len(cells), 1), t), np.full((len(cells), 1), e),
                            np.full((len(cells), 1), t * e)]
                    if self.profile_uses_local:
                        cols.append(np.full((len(cells), 1), level))
                    pk[j, :, t, e] = softmax(np.hstack(cols) @ ck.T + ik)
        out["p_k"] = pk[len(grid) // 2]  # at the average local engagement
        out["p_k_grid"] = pk
        out["local_weights"] = prepared["local_weights"]
        return out

    def prepare_context(self, context: pd.DataFrame | None) -> dict:
        """The standardised predictors of ``context`` and its local-engagement weights, once
        for all replicates (``cell_predictions`` accepts the result in place of a frame)."""
        return {"low_trust": self.standardised("low_trust", context),
                "high_engagement": self.standardised("high_engagement", context),
                "local_weights": self.local_weights(context)}

    @property
    def profile_uses_local(self) -> bool:
        return LOCAL in self.center

    def local_weights(self, context: pd.DataFrame | None) -> np.ndarray:
        """(n_areas, len(grid)) linear-interpolation weights of each area's standardised
        local engagement on ``LOCAL_GRID`` (unknown: the average)."""
        if not self.profile_uses_local:
            return np.ones((1 if context is None else len(context), 1))
        n = 1 if context is None else len(context)
        z = np.zeros(n) if context is None or LOCAL not in context else standardise(
            context, (LOCAL,), self.center, self.scale)[:, 0]
        pos = np.interp(z, LOCAL_GRID, np.arange(len(LOCAL_GRID)))
        lower = np.minimum(np.floor(pos).astype(int), len(LOCAL_GRID) - 2)
        frac = pos - lower
        weights = np.zeros((n, len(LOCAL_GRID)))
        weights[np.arange(n), lower] = 1.0 - frac
        weights[np.arange(n), lower + 1] += frac
        return weights


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
    for o, effect in models.group_effect.items():
        arrays[f"{o}_gemeente"] = effect
    np.savez_compressed(out_dir / AREA_MODELS_FILE, **arrays)
    payload = {"context": models.context, "center": models.center, "scale": models.scale,
               "group_codes": models.group_codes, "tau": models.tau, **models.meta}

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
    effects = {o: arrays[f"{o}_gemeente"] for o in OUTCOMES if f"{o}_gemeente" in arrays}
    known = {"context", "center", "scale", "group_codes", "tau"}
    return AreaModels(
        context=payload["context"], center=payload["center"], scale=payload["scale"],
        coef=coef, intercept=intercept, group_codes=payload.get("group_codes", []),
        group_effect=effects, tau=payload.get("tau", {}),
        meta={k: v for k, v in payload.items() if k not in known},
    )
