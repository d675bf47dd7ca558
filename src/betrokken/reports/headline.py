"""The headline numbers of docs/validation.md against the targets of issue #18.

Each number is computed from the published estimates and, where the database holds the
index draws, its 5–95 % spread over the model's draws. Nothing in the models was tuned to
these targets; they are checks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from betrokken.model.anchors import load_anchors
from betrokken.model.area_models import load_area_models
from betrokken.model.artifact import load_model
from betrokken.model.gradients import gradient_table

__all__ = ["HEADLINE_TARGETS", "headline_lines", "headline_results", "partial_r"]

HEADLINE_TARGETS: dict[str, float] = {
    "TK2021": 0.78, "GR2022": 0.75, "PS2019": 0.70, "political": 0.60, "anti": 0.70,
    "anti_partial": 0.35, "within": 0.40, "sd_low_trust": 0.03, "sd_profiles": 0.015,
}
"""The targets of issue #18 (set before this design existed; nothing is tuned to them)."""


def partial_r(x, y, control) -> float:
    """Pearson r of x and y after removing the linear effect of ``control`` from both."""
    x, y, c = (np.asarray(v, float) for v in (x, y, control))
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(c)
    if ok.sum() < 5:
        return float("nan")
    design = np.column_stack([np.ones(ok.sum()), c[ok]])
    rx = x[ok] - design @ np.linalg.lstsq(design, x[ok], rcond=None)[0]
    ry = y[ok] - design @ np.linalg.lstsq(design, y[ok], rcond=None)[0]
    return float(np.corrcoef(rx, ry)[0, 1])


def _spread(values: list[float]) -> tuple[float, float]:
    arr = np.asarray([v for v in values if np.isfinite(v)])
    if arr.size == 0:
        return (float("nan"), float("nan"))
    return float(np.quantile(arr, 0.05)), float(np.quantile(arr, 0.95))


def _pearson(x, y) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    return float(np.corrcoef(x[ok], y[ok])[0, 1])


def headline_results(joined: dict[str, pd.DataFrame], within: pd.DataFrame,
                     gemeente: pd.DataFrame, draws: dict,
                     profile_sd: float = float("nan")) -> list[dict]:
    """Each headline number with its 5–95 % spread over the model's draws and, at gemeente
    level, the partial r beyond the share of low-educated residents."""
    out: list[dict] = []

    def per_draw(level: str, measure: str, codes) -> np.ndarray | None:
        frame = draws.get((level, measure))
        if frame is None:
            return None
        return frame.reindex(list(codes)).to_numpy(float)

    def refit_r(d, y) -> list[float]:
        return [] if d is None else [_pearson(d[:, b], y) for b in range(d.shape[1])]

    for key in ("TK2021", "GR2022", "PS2019"):
        data = joined[key]
        d = per_draw("gemeente", "engagement_index", data["area_code"])
        out.append({
            "name": f"{key}: engagement index vs turnout (gemeente)",
            "r": _pearson(data["engagement_index"], data["turnout"]),
            "spread": _spread(refit_r(d, data["turnout"])),
            "partial": partial_r(data["engagement_index"], data["turnout"],
                                 data["share_edu_laag"]),
            "target": HEADLINE_TARGETS[key],
        })
    tk = joined["TK2021"]
    d = per_draw("gemeente", "political_engagement", tk["area_code"])
    out.append({
        "name": "TK2021: political engagement alone vs turnout (gemeente)",
        "r": _pearson(tk["political_engagement"], tk["turnout"]),
        "spread": _spread(refit_r(d, tk["turnout"])),
        "partial": partial_r(tk["political_engagement"], tk["turnout"], tk["share_edu_laag"]),
        "target": HEADLINE_TARGETS["political"],
    })
    d = per_draw("gemeente", "low_trust_share", tk["area_code"])
    partial_refits = [] if d is None else [
        partial_r(d[:, b], tk["anti_share"], tk["share_edu_laag"]) for b in range(d.shape[1])]
    out.append({
        "name": "TK2021: low-trust share vs anti-establishment share (gemeente)",
        "r": _pearson(tk["low_trust_share"], tk["anti_share"]),
        "spread": _spread(refit_r(d, tk["anti_share"])),
        "partial": partial_r(tk["low_trust_share"], tk["anti_share"], tk["share_edu_laag"]),
        "partial_spread": _spread(partial_refits),
        "target": HEADLINE_TARGETS["anti"],
        "partial_target": HEADLINE_TARGETS["anti_partial"],
    })
    d = per_draw("pc4", "low_trust_share", within["area_code"])
    refits = []
    if d is not None:
        groups = within["gemeente_code"].to_numpy()
        for b in range(d.shape[1]):
            col = pd.Series(d[:, b])
            centred = col - col.groupby(groups).transform("mean").to_numpy()
            refits.append(_pearson(centred, within["anti_share_within"]))
    out.append({
        "name": "GR2022: low-trust share vs anti-establishment share, PC4 within gemeente",
        "r": _pearson(within["low_trust_share_within"], within["anti_share_within"]),
        "spread": _spread(refits),
        "partial": float("nan"),
        "target": HEADLINE_TARGETS["within"],
    })
    d = per_draw("gemeente", "low_trust_share", gemeente["area_code"])
    out.append({
        "name": "spread: SD of the low-trust share across gemeenten (0–1 scale)",
        "r": float(gemeente["low_trust_share"].std()),
        "spread": _spread([] if d is None else list(np.nanstd(d, axis=0, ddof=1))),
        "partial": float("nan"),
        "target": HEADLINE_TARGETS["sd_low_trust"],
    })
    out.append({
        "name": "spread: mean over profiles of the SD of the profile share across gemeenten",
        "r": float(profile_sd),
        "spread": (float("nan"), float("nan")),
        "partial": float("nan"),
        "target": HEADLINE_TARGETS["sd_profiles"],
    })
    return out


def headline_lines(headline: list[dict]) -> list[str]:
    lines = [
        "## Headline results and targets",
        "",
        "Spread: 5–95 % of the same number computed from each of the model's posterior draws",
        "(and the profile model's bootstrap refits). Partial r: after removing the linear",
        "effect of the share of low-educated residents from both sides.",
        "",
        "| number | value | spread over draws | partial r beyond low-educated share | "
        "target | met? |",
        "|---|---:|---|---:|---:|---|",
    ]
    for h in headline:
        lo, hi = h["spread"]
        spread = "–" if not np.isfinite(lo) else f"{lo:.3f} to {hi:.3f}"
        partial = "–" if not np.isfinite(h["partial"]) else f"{h['partial']:+.2f}"
        if "partial_spread" in h and np.isfinite(h["partial_spread"][0]):
            partial += f" ({h['partial_spread'][0]:+.2f} to {h['partial_spread'][1]:+.2f})"
        met = h["r"] >= h["target"]
        status = "yes" if met else f"no (short by {h['target'] - h['r']:.3f})"
        if "partial_target" in h:
            p_met = np.isfinite(h["partial"]) and h["partial"] >= h["partial_target"]
            status += (f"; partial ≥ {h['partial_target']:.2f}: "
                       + ("yes" if p_met else
                          f"no (short by {h['partial_target'] - h['partial']:.3f})"))
        lines.append(f"| {h['name']} | {h['r']:.3f} | {spread} | {partial} | "
                     f"{h['target']:.3f} | {status} |")
    return lines + [""] + MISSES_NOTE


MISSES_NOTE: list[str] = [
    "Why targets are missed, as far as we can tell (written after the numbers existed;",
    "nothing was tuned to close a gap, and no election result entered any model):",
    "",
    "- The survey sees no gemeente variation beyond the area predictors: the gemeente",
    "  intercepts' SD is estimated at the bottom of its grid (docs/method.md, variance",
    "  components), and the area predictors slightly worsen the cross-validated log-loss.",
    "  Area differences therefore come from demographics (with the CBS-anchored gradients)",
    "  and the weakly-priored area predictors; 1,814 respondents in about 300 gemeenten",
    "  cannot learn more local structure.",
    "- Political engagement is modelled from voting, knowledge and news use in the survey;",
    "  high turnout in orthodox-Protestant gemeenten (Urk, Staphorst) follows church",
    "  membership, which is neither a cell variable nor an area predictor here (82095NED has",
    "  it, but there is no area margin to poststratify on).",
    "- The education anchor of political engagement is only partly reached (model",
    "  log-odds ratio hoog vs laag about 1.1 against 2.0 in 82095NED): the prior is on",
    "  conditional coefficients, the CBS figure is marginal, and the survey pulls back.",
    "- Below gemeente level, education and income are estimated (docs/data.md: a",
    "  regression on age, tenure, density and WOZ fitted across gemeenten, its error",
    "  carried into the intervals); herkomst, age and sex are the wijk's and buurt's own.",
    "  The estimate cannot see what makes two wijken with the same housing differ, which",
    "  limits the within-gemeente correlation.",
    "- The area predictors are weakly identified: refitting the same models on the area",
    "  tables with sub-gemeente margins (which change the context of each respondent's",
    "  postcode) moved the gemeente-level low-trust correlation from 0.63 to 0.53 and the",
    "  within-gemeente one from 0.28 to 0.25. The refit is the published model (its",
    "  inputs are the build's); the swing shows how little the survey pins them down.",
    "- Low trust and the anti-establishment vote are different things (see below).",
    "",
]


def model_target_lines(data_dir) -> list[str]:
    """The targets that are properties of the committed area models, not of the elections:
    agreement with the CBS gradients and the fit time (from the artifact)."""
    from pathlib import Path


    models = load_area_models()
    if models is None:
        return []
    anchors = load_anchors(Path(data_dir))
    table = gradient_table(models, anchors, load_model().national_cells)
    body = table[table["level"] != table["reference"]]
    fit_s = models.meta.get("fit_seconds")
    lines = [
        "## Model targets (from the committed area models)",
        "",
        f"- National gradients vs the CBS tables (rule and table in docs/method.md): direction "
        f"agrees in {int(body['direction_ok'].sum())} of {len(body)} comparisons, size in "
        f"{int(body['size_ok'].sum())} of {len(body)}"
        + ("." if body["size_ok"].all() else "; misses: " + ", ".join(
            f"{r.outcome} {r.variable}={r.level} (model {r.lor_model:+.2f} vs CBS "
            f"{r.lor_cbs:+.2f})" for r in body[~body["size_ok"]].itertuples()) + "."),
        f"- Fit time of the area models: {fit_s} s (target ≤ 600 s).",
        "- Interval coverage (simulation) and build time: docs/method.md, \"Results\" and",
        "  \"Performance\" (they come from benchmarks, not from this database).",
        "",
    ]
    return lines
