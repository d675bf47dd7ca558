"""The profile mix of every area, with bootstrap intervals, engagement and trust indices.

For each area the mix is ``sum over cells of P(profile | cell [, urbanity]) x share of
cell``, where the cell shares come from poststratification (``areas.poststratify``) and
P from the membership model. P is evaluated once for the 72 cells (x 5 urbanity classes
when the model uses the gemeente's urbanity); every area's mix is then one matrix
product, for all areas of all levels at once.

Uncertainty: ``model.bootstrap_proba`` gives P under B refits of the membership model on
bootstrap resamples of the survey; the same cell shares give B bootstrap mixes per area.
The 90 % interval is the bootstrap percentile interval *centred on the point estimate*:
``[point + (q05 - q50), point + (q95 - q50)]`` clipped to [0, 1]. It has the width and
skew of the percentile interval but always contains the point estimate; how often the
plain percentile interval would have missed the point is reported in ``diagnostics``.
The intervals cover the sampling uncertainty of the membership model only; the IPF
assumption (national interaction structure) adds uncertainty that is not in them.

Coherence: a parent area (gemeente; wijk when buurten are present) is published as the
adult-population-weighted mean of its children's mixes (and of their bootstrap draws),
so wijk -> gemeente aggregation holds exactly. The children carry more local
information (their own age/sex structure). The parent's mix from its own marginals is
kept as a diagnostic and the difference is reported.

Privacy: areas with fewer than ``MIN_RESIDENTS_PUBLISHED`` residents or with secret or
missing marginals are suppressed: NULL shares and a Dutch reason. Suppressed children are
left out of their parent's aggregate (otherwise a small area's mix could be recovered as the
parent's total minus its published siblings).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from betrokken.areas.local import local_engagement
from betrokken.areas.margin_error import add_margin_error
from betrokken.areas.population import adult_weight_or_zero as _adult_weight
from betrokken.areas.poststratify import (
    MARGIN_COLUMNS,
    area_margins,
    cell_frame,
    fill_absent_margins,
    ipf,
    seed_array,
)
from betrokken.errors import BetrokkenError
from betrokken.schema import INTERVAL_LEVEL, LEVELS, MIN_RESIDENTS_PUBLISHED, URBANITY_CLASSES

__all__ = [
    "MixTables",
    "REASON_FEW_RESIDENTS",
    "REASON_MISSING_MARGINS",
    "REASON_SECRET_MARGINS",
    "REASON_NO_URBANITY",
    "REASON_NOT_CONVERGED",
    "cell_probabilities",
    "compute_profile_mix",
    "interval_around_point",
]

REASON_FEW_RESIDENTS = f"minder dan {MIN_RESIDENTS_PUBLISHED} inwoners"
REASON_UNKNOWN_POPULATION = "aantal inwoners onbekend"
REASON_SECRET_MARGINS = "marginalen geheim (CBS)"
REASON_MISSING_MARGINS = "marginalen ontbreken"
REASON_NO_URBANITY = "stedelijkheid van de gemeente onbekend"
REASON_NOT_CONVERGED = "schatting niet geconvergeerd"

URBANITY_PREDICTOR = "gemeente_urbanity"
COMPOSABLE_LEVELS: tuple[str, ...] = ("pc4",)
"""Levels whose bootstrap draws are kept, so that sets of them can be combined later."""

PARENT_OF: dict[str, tuple[str, str]] = {
    "buurt": ("wijk", "wijk_code"),
    "wijk": ("gemeente", "gemeente_code"),
}
"""child level -> (parent level, column of the child holding the parent's code)."""


@dataclass
class MixTables:
    """Output of ``compute_profile_mix`` (see docs/architecture.md)."""

    profile_mix: pd.DataFrame
    area_indices: pd.DataFrame
    draws: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Bootstrap draws of composable levels: level, area_code, profile_id, draws (list)."""
    diagnostics: dict[str, Any] = field(default_factory=dict)
    national: pd.DataFrame = field(default_factory=pd.DataFrame)
    """measure (profile id or index), value, lo, hi for the Netherlands."""
    contrasts: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Differences with NL and the gemeente per area and measure (see ``_contrasts``)."""
    index_draws: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Draws of the indices for ``INDEX_DRAW_LEVELS``: level, area_code, measure, draws."""


def cell_probabilities(model, *, n_boot: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """P(profile | cell, urbanity) for every cell: point ``(U, 72, K)``, draws ``(B, U, 72, K)``.

    U is 5 when the model reads ``gemeente_urbanity``, else 1.
    """
    cells = cell_frame()
    uses_urbanity = URBANITY_PREDICTOR in list(model.predictors)
    classes = URBANITY_CLASSES if uses_urbanity else (None,)
    frames = []
    for u in classes:
        frame = cells.copy()
        if uses_urbanity:
            frame[URBANITY_PREDICTOR] = u
        frames.append(frame)
    X = pd.concat(frames, ignore_index=True)
    n_cells = len(cells)
    k = len(model.profile_ids)
    point = np.asarray(model.predict_proba(X), float).reshape(len(classes), n_cells, k)
    draws = np.asarray(model.bootstrap_proba(X), float)
    if draws.ndim != 3 or draws.shape[1:] != (len(X), k):
        raise BetrokkenError(
            f"bootstrap_proba gaf vorm {draws.shape}; verwacht (B, {len(X)}, {k})."
        )
    if n_boot is not None:
        if n_boot > draws.shape[0]:
            raise BetrokkenError(
                f"Er zijn {n_boot} bootstrap-replicaties gevraagd, maar het model heeft er "
                f"{draws.shape[0]}.",
                hint="Gebruik een kleiner --n-boot of schat het model opnieuw met 'betrokken fit'.",
            )
        draws = draws[:n_boot]
    draws = draws.reshape(draws.shape[0], len(classes), n_cells, k)
    return point, draws


def interval_around_point(point: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, ...]:
    """90 % percentile interval of ``draws`` (axis 0) re-centred on ``point``.

    Returns ``lo, hi, outside`` where ``outside`` marks where the plain percentile
    interval would not have contained the point.
    """
    alpha = (1 - INTERVAL_LEVEL) / 2
    q_lo, q_mid, q_hi = np.quantile(draws, [alpha, 0.5, 1 - alpha], axis=0)
    outside = (point < q_lo) | (point > q_hi)
    lo = np.clip(point + (q_lo - q_mid), 0.0, 1.0)
    hi = np.clip(point + (q_hi - q_mid), 0.0, 1.0)
    lo = np.minimum(lo, point)
    hi = np.maximum(hi, point)
    return lo, hi, outside


def _profile_vector(model, key: str) -> np.ndarray:
    by_id = {p["id"]: p for p in model.profiles}
    try:
        return np.array([float(by_id[pid][key]) for pid in model.profile_ids])
    except KeyError as exc:
        raise BetrokkenError(f"Profielkaart mist '{key}' of profiel {exc}.") from None


def _suppression_reasons(areas: pd.DataFrame, margins: dict[str, np.ndarray]) -> pd.Series:
    """Why an area gets no published estimate (None = published), in Dutch."""
    reason = pd.Series([None] * len(areas), index=areas.index, dtype=object)
    margin_cols = [c for cols in MARGIN_COLUMNS.values() for c in cols]
    missing = ~np.all([np.isfinite(m).all(axis=1) for m in margins.values()], axis=0)
    secret_text = (
        areas["secret_columns"].fillna("").astype(str)
        if "secret_columns" in areas
        else pd.Series("", index=areas.index)
    )
    secret = secret_text.map(lambda s: bool(set(s.split(",")) & set(margin_cols))).to_numpy()
    reason[missing & secret] = REASON_SECRET_MARGINS
    reason[missing & ~secret] = REASON_MISSING_MARGINS
    pop = pd.to_numeric(areas["population"], errors="coerce")
    reason[pop.isna().to_numpy() & reason.isna().to_numpy()] = REASON_UNKNOWN_POPULATION
    reason[(pop < MIN_RESIDENTS_PUBLISHED).to_numpy()] = REASON_FEW_RESIDENTS
    return reason


def _urbanity_index(areas: pd.DataFrame) -> np.ndarray:
    """Index into URBANITY_CLASSES of each area's gemeente urbanity (-1 when unknown)."""
    gem = areas[areas["level"] == "gemeente"]
    by_gemeente = pd.to_numeric(gem["urbanity"], errors="coerce").groupby(gem["area_code"]).first()
    gemeente_code = areas["gemeente_code"].where(areas["level"] != "gemeente", areas["area_code"])
    urbanity = gemeente_code.map(by_gemeente)
    own = pd.to_numeric(areas["urbanity"], errors="coerce")
    urbanity = urbanity.fillna(own).round()
    lookup = {u: i for i, u in enumerate(URBANITY_CLASSES)}
    return urbanity.map(lookup).fillna(-1).to_numpy(int)


def _aggregate_children(
    areas: pd.DataFrame,
    estimated: np.ndarray,
    point: np.ndarray,
    draws: np.ndarray,
    method: np.ndarray,
    reasons: pd.Series,
    diagnostics: dict[str, Any],
) -> None:
    """Replace parent mixes by the adult-weighted mean of their children's (in place).

    Children without an estimate (missing marginals) are left out, and so are children
    too small to publish: otherwise a suppressed child's mix could be recovered as the
    parent's total minus its published siblings. The share of the parent's adults that
    the used children cover is reported in ``diagnostics``.
    """
    weight = _adult_weight(areas)
    level = areas["level"].to_numpy()
    code = areas["area_code"].to_numpy()
    too_small = reasons.isin([REASON_FEW_RESIDENTS, REASON_UNKNOWN_POPULATION]).to_numpy()
    for child_level in ("buurt", "wijk"):  # fine to coarse, so gemeente sees refined wijken
        parent_level, parent_col = PARENT_OF[child_level]
        child = np.flatnonzero((level == child_level) & estimated & ~too_small & (weight > 0))
        parents = np.flatnonzero(level == parent_level)
        if child.size == 0 or parents.size == 0:
            continue
        parent_pos = pd.Series(parents, index=code[parents])
        target = pd.Series(areas[parent_col].to_numpy()[child]).map(parent_pos)
        keep = target.notna().to_numpy()
        child, target = child[keep], target[keep].to_numpy(int)
        order, local = np.unique(target, return_inverse=True)
        w = weight[child]
        total = np.bincount(local, weights=w, minlength=order.size)
        matrix = sparse.csr_matrix(
            (w / total[local], (local, np.arange(child.size))), shape=(order.size, child.size)
        )
        agg_point = matrix @ point[child]
        n_draws, _, k = draws.shape
        child_draws = draws[:, child].transpose(1, 0, 2).reshape(child.size, n_draws * k)
        agg_draws = (matrix @ child_draws).reshape(order.size, n_draws, k).transpose(1, 0, 2)
        own_ok = estimated[order]
        diff = np.abs(agg_point[own_ok] - point[order][own_ok])
        coverage = total / np.where(weight[order] > 0, weight[order], np.nan)
        diagnostics.setdefault("coherence", {})[f"{child_level}->{parent_level}"] = {
            "parents_aggregated": int(order.size),
            "parents_without_children": int(parents.size - order.size),
            "children_used": int(child.size),
            "own_vs_aggregate_max_abs_diff": float(diff.max()) if diff.size else None,
            "own_vs_aggregate_mean_abs_diff": float(diff.mean()) if diff.size else None,
            "children_adult_coverage_min": float(np.nanmin(coverage)),
            "children_adult_coverage_median": float(np.nanmedian(coverage)),
        }
        point[order] = agg_point
        draws[:, order] = agg_draws
        margin_reason = reasons.iloc[order].isin(
            [REASON_SECRET_MARGINS, REASON_MISSING_MARGINS, REASON_NOT_CONVERGED]
        ).to_numpy()
        cleared = order[margin_reason]
        reasons.iloc[cleared] = None
        unknown_pop = pd.to_numeric(areas["population"].iloc[cleared], errors="coerce").isna()
        reasons.iloc[cleared[unknown_pop.to_numpy()]] = REASON_UNKNOWN_POPULATION
        estimated[order] = True
        method[order] = f"aggregated_from_{child_level}"


def pc4_gemeente_coherence(
    areas: pd.DataFrame, estimated: np.ndarray, point: np.ndarray, crosswalk: pd.DataFrame
) -> dict[str, Any]:
    """How far the PC4 pipeline, aggregated to gemeenten, is from the gemeente mixes.

    PC4s cross municipal borders, so they are not used to build gemeente estimates; each
    PC4's adults are split over gemeenten by its address counts (``crosswalk``) and the
    resulting gemeente mixes are compared with the published (wijk-based) ones.
    """
    level = areas["level"].to_numpy()
    pc4 = np.flatnonzero((level == "pc4") & estimated)
    gem = np.flatnonzero((level == "gemeente") & estimated)
    if pc4.size == 0 or gem.size == 0:
        return {}
    cw = crosswalk.groupby(["pc4", "gemeente_code"], as_index=False)["n_addresses"].sum()
    cw["part"] = cw["n_addresses"] / cw.groupby("pc4")["n_addresses"].transform("sum")
    pc4_pos = pd.Series(pc4, index=areas["area_code"].to_numpy()[pc4])
    gem_pos = pd.Series(np.arange(gem.size), index=areas["area_code"].to_numpy()[gem])
    cw = cw[cw["pc4"].isin(pc4_pos.index) & cw["gemeente_code"].isin(gem_pos.index)]
    rows = pc4_pos.loc[cw["pc4"]].to_numpy()
    weight = _adult_weight(areas)[rows] * cw["part"].to_numpy()
    target = gem_pos.loc[cw["gemeente_code"]].to_numpy()
    matrix = sparse.csr_matrix(
        (weight, (target, np.arange(rows.size))), shape=(gem.size, rows.size)
    )
    total = np.asarray(matrix.sum(axis=1)).ravel()
    has = total > 0
    via_pc4 = (matrix @ point[rows])[has] / total[has, None]
    diff = np.abs(via_pc4 - point[gem][has])
    return {
        "gemeenten_compared": int(has.sum()),
        "max_abs_diff": float(diff.max()),
        "mean_abs_diff": float(diff.mean()),
        "p95_abs_diff": float(np.quantile(diff, 0.95)),
    }


INDEX_NAMES: tuple[str, ...] = ("low_trust_share", "political_engagement")
"""Indices estimated per area beside the mix (the last columns of the estimate arrays)."""
ENGAGEMENT_WEIGHTS: dict[str, float] = {"political_engagement": 0.5, "local_engagement": 0.5}
"""Fixed combination rule of the engagement index (argued in docs/method.md; never fitted)."""
def engagement_index(political, local):
    """The fixed rule (``ENGAGEMENT_WEIGHTS``): works on points and on draws alike."""
    return (ENGAGEMENT_WEIGHTS["political_engagement"] * political
            + ENGAGEMENT_WEIGHTS["local_engagement"] * local)


LOCAL_SEED = 20200101
"""Seed of the draws that carry the local indicators' sampling error."""


def _current_areas(tables) -> pd.DataFrame:
    areas = tables.areas
    if "is_current" in areas:
        areas = areas[areas["is_current"].fillna(False).astype(bool)]
    areas = areas.reset_index(drop=True)
    if areas.empty:
        raise BetrokkenError("Er zijn geen actuele gebieden om een profielmix voor te schatten.")
    return areas


def _estimates_via_membership(areas, cells, estimated, reasons, model, n_boot):
    """Route 1: P(profile | cell) of the membership model; indices from the profile cards."""
    p_point, p_draws = cell_probabilities(model, n_boot=n_boot)
    n_areas, k = len(areas), len(model.profile_ids)
    n_draws = p_draws.shape[0]
    if p_point.shape[0] > 1:
        urb = _urbanity_index(areas)
        no_urb = urb < 0
        reasons[no_urb & reasons.isna().to_numpy()] = REASON_NO_URBANITY
        estimated &= ~no_urb
    else:
        urb = np.zeros(n_areas, int)
    point = np.full((n_areas, k), np.nan)
    draws = np.full((n_draws, n_areas, k), np.nan)
    for u in range(p_point.shape[0]):
        idx = np.flatnonzero(estimated & (urb == u))
        if idx.size:
            point[idx] = cells[idx] @ p_point[u]
            stacked = p_draws[:, u].transpose(1, 0, 2).reshape(cells.shape[1], -1)  # (72, B*K)
            draws[:, idx] = (cells[idx] @ stacked).reshape(idx.size, n_draws, k).transpose(1, 0, 2)
    vectors = np.column_stack(
        [_profile_vector(model, "p_low_trust"), _profile_vector(model, "p_high_engagement")]
    )
    return np.concatenate([point, point @ vectors], axis=-1), np.concatenate(
        [draws, draws @ vectors], axis=-1
    )


def _per_area(s: np.ndarray, pred: dict[str, np.ndarray]) -> np.ndarray:
    """(n, K+2) for areas with their own context: cells weighted by the area's shares."""
    p_t, p_e = pred["p_t"], (pred["p_e_t0"], pred["p_e_t1"])
    grid = pred["p_k_grid"]  # (J, 72, 2, 2, K)
    n_grid, k = grid.shape[0], grid.shape[-1]
    by_point = np.zeros((len(s), n_grid * k))
    political = np.zeros(len(s))
    for t in (0, 1):
        st = s * (p_t if t else 1.0 - p_t)  # s(c) P(t | c)
        ste = st * p_e[t]  # ... P(e = 1 | c, t)
        political += ste.sum(axis=1)
        for e, block in ((0, st - ste), (1, ste)):
            by_point += block @ grid[:, :, t, e, :].transpose(1, 0, 2).reshape(-1, n_grid * k)
    mix = np.einsum("ajk,aj->ak", by_point.reshape(len(s), n_grid, k), pred["local_weights"])
    low_trust = (s * p_t).sum(axis=1)
    return np.column_stack([mix, low_trust, political])


def _estimates_via_indices(areas, cells, estimated, area_models, local, n_boot):
    """Route 2: sum over cells and (low trust, engagement) of the direct models (see
    ``model.area_models``): each area's context and its gemeente's intercept. Row 0 of the
    stored coefficients is the point estimate."""
    context = area_models.context_frame(areas, local)
    n_avail = area_models.n_boot
    if n_boot is not None and n_boot > n_avail:
        raise BetrokkenError(
            f"Er zijn {n_boot} bootstrap-replicaties gevraagd, maar de gebiedsmodellen hebben er "
            f"{n_avail}.",
            hint="Gebruik een kleiner --n-boot of schat de gebiedsmodellen opnieuw.",
        )
    n_draws = n_avail if n_boot is None else n_boot
    idx = np.flatnonzero(estimated)
    s = cells[idx]
    ctx = area_models.prepare_context(
        context.iloc[idx].assign(local_engagement=local_component(areas, local, 1)[0][idx]))
    gemeente = area_models.prepare_gemeenten(_gemeente_of(areas).iloc[idx].to_numpy())
    stacked = np.stack([_per_area(s, area_models.cell_predictions(ctx, r, gemeente))
                        for r in range(n_draws + 1)])
    n_cols = stacked.shape[-1]
    point = np.full((len(areas), n_cols), np.nan)
    draws = np.full((n_draws, len(areas), n_cols), np.nan)
    point[idx] = stacked[0]
    draws[:, idx] = stacked[1:]
    return point, draws


def _gemeente_of(areas: pd.DataFrame) -> pd.Series:
    """Each area's gemeente code (a gemeente is its own; None for NL)."""
    own = areas["area_code"].where(areas["level"] == "gemeente")
    parent = areas["gemeente_code"] if "gemeente_code" in areas else pd.Series(None,
                                                                               index=areas.index)
    return parent.where(parent.notna(), own).astype(object)


def local_component(areas: pd.DataFrame, local: pd.DataFrame | None, n_draws: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Local engagement per area (point, draws (B, n)); NaN where the monitor has no value."""
    n = len(areas)
    if local is None or local.empty:
        return np.full(n, np.nan), np.full((n_draws, n), np.nan)
    joined = areas[["level", "area_code"]].merge(local, on=["level", "area_code"], how="left")
    value, se = local_engagement(joined)
    rng = np.random.default_rng(LOCAL_SEED)
    draws = np.clip(value + rng.standard_normal((n_draws, n)) * np.nan_to_num(se), 0.0, 1.0)
    return value, draws


def national_local(local: pd.DataFrame | None, n_draws: int) -> tuple[float, np.ndarray]:
    if local is None or not (local["level"] == "nl").any():
        return np.nan, np.full(n_draws, np.nan)
    value, se = local_engagement(local[local["level"] == "nl"])
    rng = np.random.default_rng(LOCAL_SEED + 1)
    return float(value[0]), float(value[0]) + rng.standard_normal(n_draws) * float(se[0])


def _joint_distribution(areas: pd.DataFrame, model):
    """Step 1: every area's joint adult distribution by IPF, and why an area is not estimated.

    Returns the IPF result, the cells flattened per area (0 where not fitted), which areas
    are estimated, the suppression reasons and the margins raked to the national one."""
    seed = seed_array(model.national_cells)
    margins, national_margins = fill_absent_margins(area_margins(areas), seed)
    fit = ipf(seed, margins)
    reasons = _suppression_reasons(areas, margins)
    estimated = fit.converged.copy()
    reasons[~estimated & reasons.isna().to_numpy()] = REASON_NOT_CONVERGED
    cells = np.nan_to_num(fit.cells.reshape(len(areas), -1))
    return fit, cells, estimated, reasons, national_margins


def _named_estimates(areas: pd.DataFrame, point: np.ndarray, draws: np.ndarray, local,
                     k: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Step 4: (point, draws) per published measure; columns of ``point`` are the k
    profiles, then low trust, then political engagement. Local engagement comes from the
    Gezondheidsmonitor, and the engagement index combines it with the political part."""
    local_point, local_draws = local_component(areas, local, draws.shape[0])
    political, political_draws = point[:, k + 1], draws[:, :, k + 1]
    return {
        "mix": (point[:, :k], draws[:, :, :k]),
        "engagement_index": (engagement_index(political, local_point),
                             engagement_index(political_draws, local_draws)),
        "low_trust_share": (point[:, k], draws[:, :, k]),
        "political_engagement": (political, political_draws),
        "local_engagement": (local_point, local_draws),
    }


def _run_summary(areas, publish, reasons, suppressed, fit, n_draws: int,
                 timings: dict[str, float]) -> dict[str, Any]:
    """Counts, suppression reasons, IPF convergence and timings for ``diagnostics``."""
    finite = np.isfinite(fit.max_error)
    return {
        "n_areas": {lvl: int((areas["level"] == lvl).sum()) for lvl in LEVELS},
        "n_published": {lvl: int(((areas["level"] == lvl) & publish).sum()) for lvl in LEVELS},
        "suppression_reasons": reasons[suppressed].value_counts().to_dict(),
        "ipf": {
            "converged": fit.n_converged,
            "fitted": int(finite.sum()),
            "iterations": fit.iterations,
            "max_error": float(np.nanmax(fit.max_error)) if finite.any() else None,
        },
        "n_boot": int(n_draws),
        "engagement_weights": ENGAGEMENT_WEIGHTS,
        "timings_s": timings,
    }


def compute_profile_mix(tables, model, *, area_models=None, local=None, progress=None,
                        n_boot: int | None = None) -> MixTables:
    """Profile mix, low trust, political and local engagement and the engagement index, with
    90 % intervals, for every current area of every level, plus contrasts with NL and the
    gemeente. ``area_models`` (``model.area_models``) selects the route via the direct
    indices; without it the mix comes from the membership model alone (route 1).
    ``local``: the Gezondheidsmonitor indicators per area (``areas.local``)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    areas = _current_areas(tables)
    task = progress.add_task("Profielmix schatten", total=5) if progress is not None else None

    def step() -> None:
        if progress is not None:
            progress.advance(task)

    # 1. Joint distribution of every area by IPF (all areas at once).
    fit, cells, estimated, reasons, national_margins = _joint_distribution(areas, model)
    timings["ipf"] = time.perf_counter() - t0
    step()

    # 2. Per-area estimates (mix + indices) for the point fit and every bootstrap refit.
    t1 = time.perf_counter()
    if area_models is not None:
        route = "via_indices"
        point, draws = _estimates_via_indices(areas, cells, estimated, area_models, local, n_boot)
    else:
        route = "membership"
        point, draws = _estimates_via_membership(areas, cells, estimated, reasons, model, n_boot)
    method = np.where(estimated, "ipf", None).astype(object)
    timings["estimates"] = time.perf_counter() - t1
    step()

    # 3. Coherence: parents are the adult-weighted aggregate of their children.
    t1 = time.perf_counter()
    k = len(model.profile_ids)
    diagnostics: dict[str, Any] = {"route": route, "national_margins": national_margins}
    _aggregate_children(areas, estimated, point, draws, method, reasons, diagnostics)
    crosswalk = getattr(tables, "crosswalk", None)
    if crosswalk is not None and not crosswalk.empty:
        diagnostics.setdefault("coherence", {})["pc4->gemeente"] = pc4_gemeente_coherence(
            areas, estimated, point[:, :k], crosswalk
        )
    timings["aggregate"] = time.perf_counter() - t1
    step()

    # 3b. The error of estimated wijk/buurt margins (areas.margin_error, issue 18).
    t1 = time.perf_counter()
    diagnostics["margin_error_areas"] = add_margin_error(
        areas, estimated, point, draws,
        lambda frame: _margin_point(frame, model, area_models, local))
    timings["margin_error"] = time.perf_counter() - t1

    # 4. Local engagement and the engagement index (fixed weights).
    t1 = time.perf_counter()
    n_draws = draws.shape[0]
    estimates = _named_estimates(areas, point, draws, local, k)
    timings["local"] = time.perf_counter() - t1
    step()

    # 5. Intervals, publication, contrasts.
    t1 = time.perf_counter()
    suppressed = reasons.notna().to_numpy() | ~estimated
    publish = ~suppressed
    ids = np.asarray(model.profile_ids, dtype=object)
    tables_out = _publish(areas, estimates, suppressed, reasons, method, ids)
    national = _national(areas, estimates, publish, local, ids)
    contrasts = _contrasts(areas, estimates, publish, national, ids)
    draws_frame = _composable_draws(areas, publish, draws[:, :, :k], ids)
    index_draws = _index_draws(areas, publish, estimates)
    timings["intervals"] = time.perf_counter() - t1
    timings["total"] = time.perf_counter() - t0
    step()

    diagnostics.update(tables_out.pop("diagnostics"))
    diagnostics.update(_run_summary(areas, publish, reasons, suppressed, fit, n_draws, timings))
    return MixTables(
        profile_mix=tables_out["profile_mix"],
        area_indices=tables_out["area_indices"],
        draws=draws_frame,
        diagnostics=diagnostics,
        national=national["table"],
        contrasts=contrasts,
        index_draws=index_draws,
    )


def _margin_point(frame, model, area_models, local):
    """Point estimate (and which rows were estimated) for moved margins (step 3b)."""
    _, cells, estimated, _, _ = _joint_distribution(frame, model)
    if area_models is not None:
        point, _ = _estimates_via_indices(frame, cells, estimated, area_models, local, 0)
    else:
        point, _ = _estimates_via_membership(frame, cells, estimated,
                                             pd.Series([None] * len(frame), index=frame.index),
                                             model, 0)
    return point, estimated


def _publish(areas, estimates, suppressed, reasons, method, ids) -> dict:
    """Long profile mix and wide area indices with intervals; NULL where suppressed."""
    n_areas, k = len(areas), ids.size
    publish = ~suppressed
    base = areas[["year", "level", "area_code"]]

    def published(values: np.ndarray) -> np.ndarray:
        out = values.astype(float).copy()
        out[suppressed] = np.nan
        return out

    mix_point, mix_draws = estimates["mix"]
    lo, hi, outside = interval_around_point(mix_point, mix_draws)
    profile_mix = pd.DataFrame(
        {
            "year": np.repeat(base["year"].to_numpy(), k),
            "level": np.repeat(base["level"].to_numpy(), k),
            "area_code": np.repeat(base["area_code"].to_numpy(), k),
            "profile_id": np.tile(ids, n_areas),
            "share": published(mix_point).ravel(),
            "share_lo": published(lo).ravel(),
            "share_hi": published(hi).ravel(),
        }
    )
    columns: dict[str, np.ndarray] = {}
    missed = {"mix": float(outside[publish].mean()) if publish.any() else 0.0}
    for name in INDEX_COLUMNS_BASE:
        value, value_draws = estimates[name]
        i_lo, i_hi, i_out = interval_around_point(value, value_draws)
        columns[name] = published(value)
        columns[f"{name}_lo"] = published(i_lo)
        columns[f"{name}_hi"] = published(i_hi)
        ok = publish & np.isfinite(value)
        missed[name] = float(i_out[ok].mean()) if ok.any() else 0.0
    area_indices = base.assign(
        population=pd.to_numeric(areas["population"], errors="coerce").to_numpy(),
        suppressed=suppressed,
        suppression_reason=reasons.where(suppressed, None).to_numpy(),
        **columns,
        estimate_method=np.where(publish, method, None),
    )
    return {
        "profile_mix": profile_mix,
        "area_indices": area_indices,
        "diagnostics": {"percentile_interval_missed_point": missed},
    }


INDEX_COLUMNS_BASE: tuple[str, ...] = (
    "engagement_index",
    "low_trust_share",
    "political_engagement",
    "local_engagement",
)


def _national(areas, estimates, publish, local, ids) -> dict:
    """The Netherlands: adult-weighted aggregate of the published gemeenten (draws too)."""
    gem = np.flatnonzero((areas["level"] == "gemeente").to_numpy() & publish)
    weight = _adult_weight(areas)[gem]
    weight = weight / weight.sum() if weight.sum() > 0 else weight
    out: dict[str, tuple[float, np.ndarray]] = {}
    mix_point, mix_draws = estimates["mix"]
    for j, pid in enumerate(ids):
        out[pid] = (float(weight @ mix_point[gem, j]), mix_draws[:, gem, j] @ weight)
    for name in ("low_trust_share", "political_engagement"):
        value, value_draws = estimates[name]
        out[name] = (float(weight @ value[gem]), value_draws[:, gem] @ weight)
    n_draws = mix_draws.shape[0]
    out["local_engagement"] = national_local(local, n_draws)
    out["engagement_index"] = (
        engagement_index(out["political_engagement"][0], out["local_engagement"][0]),
        engagement_index(out["political_engagement"][1], out["local_engagement"][1]),
    )
    rows = []
    for measure, (value, value_draws) in out.items():
        lo, hi, _ = interval_around_point(np.array([value]), value_draws[:, None])
        rows.append({"measure": measure, "value": value, "lo": float(lo[0]), "hi": float(hi[0])})
    return {"table": pd.DataFrame(rows), "values": out}


CONTRAST_REFERENCES: tuple[str, ...] = ("nederland", "gemeente")


def _contrasts(areas, estimates, publish, national, ids) -> pd.DataFrame:
    """Differences with NL and with the area's gemeente, with 90 % intervals of the
    difference from paired draws; ``clear`` when that interval excludes 0."""
    level = areas["level"].to_numpy()
    code_pos = pd.Series(np.arange(len(areas)), index=areas["area_code"].to_numpy())
    gem_of = areas["gemeente_code"].map(code_pos).to_numpy(float, copy=True)
    gem_of[level == "gemeente"] = np.nan
    gem_ok = np.isfinite(gem_of)
    gem_idx = np.where(gem_ok, gem_of, 0).astype(int)
    gem_ok &= publish[gem_idx]
    frames = []
    measures = [(pid, estimates["mix"][0][:, j], estimates["mix"][1][:, :, j])
                for j, pid in enumerate(ids)]
    measures += [(name, *estimates[name]) for name in INDEX_COLUMNS_BASE]
    alpha = (1 - INTERVAL_LEVEL) / 2
    for measure, value, value_draws in measures:
        nl_value, nl_draws = national["values"][measure]
        for reference in CONTRAST_REFERENCES:
            if reference == "nederland":
                rows = np.flatnonzero(publish & np.isfinite(value))
                diff = value[rows] - nl_value
                diff_draws = value_draws[:, rows] - nl_draws[:, None]
            else:
                rows = np.flatnonzero(publish & gem_ok & np.isfinite(value))
                ref = gem_idx[rows]
                diff = value[rows] - value[ref]
                diff_draws = value_draws[:, rows] - value_draws[:, ref]
            if rows.size == 0:
                continue
            q_lo, q_mid, q_hi = np.quantile(diff_draws, [alpha, 0.5, 1 - alpha], axis=0)
            lo, hi = diff + (q_lo - q_mid), diff + (q_hi - q_mid)
            frames.append(pd.DataFrame({
                "year": areas["year"].to_numpy()[rows],
                "level": level[rows],
                "area_code": areas["area_code"].to_numpy()[rows],
                "reference": reference,
                "measure": measure,
                "diff": diff,
                "diff_lo": lo,
                "diff_hi": hi,
                "clear": (lo > 0) | (hi < 0),
            }))
    if not frames:
        return pd.DataFrame(columns=["year", "level", "area_code", "reference", "measure",
                                     "diff", "diff_lo", "diff_hi", "clear"])
    return pd.concat(frames, ignore_index=True)


INDEX_DRAW_LEVELS: tuple[str, ...] = ("gemeente", "pc4")
"""Levels whose index draws are stored: gemeenten (validation spread over refits) and PC4
(intervals of composed areas)."""


def _index_draws(areas: pd.DataFrame, publish: np.ndarray, estimates: dict) -> pd.DataFrame:
    """Bootstrap draws (float32) of the four indices for published areas of the levels."""
    idx = np.flatnonzero(areas["level"].isin(INDEX_DRAW_LEVELS).to_numpy() & publish)
    frames = []
    for name in INDEX_COLUMNS_BASE:
        values = estimates[name][1][:, idx].astype(np.float32).T  # (n, B)
        frames.append(pd.DataFrame({
            "level": areas["level"].to_numpy()[idx],
            "area_code": areas["area_code"].to_numpy()[idx],
            "measure": name,
            "draws": list(values),
        }))
    return pd.concat(frames, ignore_index=True)


def _composable_draws(
    areas: pd.DataFrame, publish: np.ndarray, draws: np.ndarray, ids: np.ndarray
) -> pd.DataFrame:
    """Bootstrap draws (float32) of published areas of ``COMPOSABLE_LEVELS``, long by profile."""
    idx = np.flatnonzero(areas["level"].isin(COMPOSABLE_LEVELS).to_numpy() & publish)
    k = ids.size
    per_area = draws[:, idx].astype(np.float32).transpose(1, 2, 0)  # (n, K, B)
    return pd.DataFrame(
        {
            "level": np.repeat(areas["level"].to_numpy()[idx], k),
            "area_code": np.repeat(areas["area_code"].to_numpy()[idx], k),
            "profile_id": np.tile(ids, idx.size),
            "draws": list(per_area.reshape(idx.size * k, draws.shape[0])),
        }
    )

