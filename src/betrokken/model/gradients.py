"""The area models' national gradients against the official CBS tables (docs/method.md).

For each outcome and cell variable the model's national share per level is the
poststratified share over the national cell distribution (the profile model's
``national_cells``), at the average area context and gemeente, for the posterior mode and
every draw. The CBS tables (``model.anchors``) measure a related but different quantity
(distrust of the Tweede Kamer vs the survey's low-trust axis; voting in 2012 vs the top third
of the engagement axis), so shares are not comparable: *log-odds ratios* between levels are.

Rule for "agree", per level against the variable's first level (the reference):

- **direction**: where the CBS log-odds ratio is clearly non-zero (|LOR| > 2 SE), the model's
  has the same sign;
- **size**: |LOR_model - LOR_CBS| <= 2 * sqrt(SE_model^2 + SE_CBS^2), with SE_model the SD over
  the posterior draws and SE_CBS the binomial SE of the table's two shares with
  ``CBS_RESPONDENTS`` respondents spread over the levels as in the national cell
  distribution (the files carry no sample sizes: an assumption, stated in the table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from betrokken import schema
from betrokken.model.area_models import cell_design

__all__ = ["CBS_RESPONDENTS", "gradient_markdown", "gradient_table"]

CBS_RESPONDENTS: dict[str, int] = {"low_trust": 7000 * 6, "high_engagement": 1700}
"""Assumed respondents behind each table: 82378NED about 7,000 a year over six pooled years
(national/SOURCES.md); 82095NED the 2012 CBS election survey, about 1,700 (assumption)."""
OUTCOME_WORDS = {"low_trust": "laag vertrouwen", "high_engagement": "politieke betrokkenheid"}


def _logit(p):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _model_shares(models, national_cells: pd.DataFrame) -> tuple[dict, np.ndarray]:
    """(R, 72) national P(outcome | cell) at average context for every replicate."""
    cells = cell_design()
    out = {"low_trust": [], "high_engagement": []}
    for r in range(models.n_boot + 1):
        pred = models.cell_predictions(None, r)
        p_t = pred["p_t"][0]
        out["low_trust"].append(p_t)
        out["high_engagement"].append((1 - p_t) * pred["p_e_t0"][0] + p_t * pred["p_e_t1"][0])
    weight = cells.merge(national_cells, on=list(schema.CELL_VARIABLES), how="left")["weight"]
    return {o: np.asarray(v) for o, v in out.items()}, np.nan_to_num(weight.to_numpy(float))


def gradient_table(models, anchors: dict, national_cells: pd.DataFrame) -> pd.DataFrame:
    """One row per outcome x variable x level: CBS share, model share (90 % interval), the
    log-odds ratio vs the reference level on both sides, and the two checks."""
    cells = cell_design()
    shares, weight = _model_shares(models, national_cells)
    rows = []
    for outcome, anchor in anchors.items():
        p = shares[outcome]
        n_total = CBS_RESPONDENTS[outcome]
        for var, cbs in anchor.share.items():
            levels = list(schema.CELL_VARIABLES[var])
            by_level = {}
            frac = {}
            for lvl in levels:
                mask = (cells[var] == lvl).to_numpy()
                by_level[lvl] = (p[:, mask] * weight[mask]).sum(axis=1) / weight[mask].sum()
                frac[lvl] = weight[mask].sum() / weight.sum()
            ref = levels[0]
            for lvl in levels:
                lor_draws = _logit(by_level[lvl]) - _logit(by_level[ref])
                lor_model = float(lor_draws[0])
                se_model = float(np.std(lor_draws[1:], ddof=1)) if lvl != ref else 0.0
                lor_cbs = float(_logit(cbs[lvl]) - _logit(cbs[ref]))
                se_cbs = 0.0
                if lvl != ref:
                    se_cbs = float(np.sqrt(sum(
                        1.0 / (n_total * frac[x] * cbs[x] * (1 - cbs[x])) for x in (lvl, ref))))
                clear = lvl != ref and abs(lor_cbs) > 2 * se_cbs
                direction = (not clear) or np.sign(lor_model) == np.sign(lor_cbs)
                size = abs(lor_model - lor_cbs) <= 2 * np.hypot(se_model, se_cbs)
                lo, hi = np.quantile(by_level[lvl][1:], [0.05, 0.95])
                rows.append({
                    "outcome": outcome, "variable": var, "level": lvl, "reference": ref,
                    "cbs_share": float(cbs[lvl]), "model_share": float(by_level[lvl][0]),
                    "model_lo": float(lo), "model_hi": float(hi),
                    "lor_cbs": lor_cbs, "se_cbs": se_cbs, "lor_model": lor_model,
                    "se_model": se_model, "direction_ok": bool(direction),
                    "size_ok": bool(size) if lvl != ref else True,
                })
    return pd.DataFrame(rows)


def gradient_markdown(table: pd.DataFrame, anchors: dict) -> str:
    lines = [
        "Log-odds ratio (LOR) of each level against the first level of its variable; model at "
        "the average area context and gemeente, CBS as in `model.anchors`. Assumed CBS "
        f"respondents: {CBS_RESPONDENTS['low_trust']:,} (82378NED, six years pooled) and "
        f"{CBS_RESPONDENTS['high_engagement']:,} (82095NED).",
        "",
    ]
    for outcome, anchor in anchors.items():
        lines += [f"*{OUTCOME_WORDS[outcome]}* vs {anchor.source}:", "",
                  "| variable | level | CBS share | model share (90 %) | LOR CBS (± SE) | "
                  "LOR model (± SE) | direction | size |",
                  "|---|---|---:|---|---|---|---|---|"]
        for r in table[table["outcome"] == outcome].itertuples():
            if r.level == r.reference:
                lines.append(f"| {r.variable} | {r.level} (ref.) | {r.cbs_share:.3f} | "
                             f"{r.model_share:.3f} ({r.model_lo:.3f}–{r.model_hi:.3f}) | — | — "
                             "| | |")
                continue
            lines.append(
                f"| {r.variable} | {r.level} | {r.cbs_share:.3f} | {r.model_share:.3f} "
                f"({r.model_lo:.3f}–{r.model_hi:.3f}) | {r.lor_cbs:+.2f} ± {r.se_cbs:.2f} | "
                f"{r.lor_model:+.2f} ± {r.se_model:.2f} | {'ja' if r.direction_ok else 'NEE'} | "
                f"{'ja' if r.size_ok else 'NEE'} |")
        lines.append("")
    body = table[table["level"] != table["reference"]]
    lines.append(f"Agree by the rule: direction {int(body['direction_ok'].sum())} of {len(body)}, "
                 f"size {int(body['size_ok'].sum())} of {len(body)} comparisons.")
    return "\n".join(lines) + "\n"
