"""``betrokken fit --gebiedsmodellen``: fit the direct area models beside the profile model.

Orchestration only (like ``build.py``): the respondents and their weights come from
``survey``, their LCA posteriors from the committed profile model, their postcode's context
from the same area tables and Gezondheidsmonitor mapping the build uses; the regressions
live in ``model.area_models``. The result is written next to the profile model artifact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from betrokken import schema
from betrokken.areas.harmonise import build_area_tables
from betrokken.areas.local import local_engagement, map_local_indicators
from betrokken.config import data_dir_from
from betrokken.errors import BetrokkenError
from betrokken.model.anchors import load_anchors
from betrokken.model.area_fit import fit_area_models
from betrokken.model.area_models import LOCAL, area_context, load_area_models, save_area_models
from betrokken.model.artifact import ARTIFACT_DIR, load_model
from betrokken.model.fit import (
    fill_block,
    fit_report_markdown,
    write_docs,
    write_ess_comparison,
)
from betrokken.model.gradients import gradient_markdown, gradient_table
from betrokken.model.segmentation import axis_scores, indicator_matrix
from betrokken.sources.gezondheidsmonitor import read_gezondheidsmonitor
from betrokken.survey.targets import national_targets
from betrokken.survey.vu import load_vu
from betrokken.survey.weights import rake

DEFAULT_N_BOOT = 200
SEED = 20210317
GEZONDHEIDSMONITOR_EDITION = 2020


def respondent_frame(data_dir: Path, model) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, str]:
    """Respondents with a known cell, both axis scores and LCA posteriors; weights; sha."""
    frame, sha = load_vu(data_dir)
    expected = model.meta.get("data", {}).get("sha256", "?")
    if sha != expected:
        raise BetrokkenError(
            "Het enquêtebestand verschilt van het bestand waarop het profielmodel is geschat "
            f"(SHA-256 {sha[:12]}… in plaats van {expected[:12]}…).",
            hint="Schat eerst het profielmodel opnieuw met 'betrokken fit'.",
        )
    weights = rake(frame, national_targets(data_dir)).to_numpy()
    post = model.lca_posterior(indicator_matrix(frame))
    scores = axis_scores(frame)
    thresholds = model.meta["segmentation"]["thresholds"]
    frame = frame.assign(
        low_trust=(scores["trust"] < thresholds["low_trust"]).astype(float),
        high_engagement=(scores["engagement"] >= thresholds["high_engagement"]).astype(float),
    )
    frame.loc[scores["trust"].isna(), "low_trust"] = np.nan
    frame.loc[scores["engagement"].isna(), "high_engagement"] = np.nan
    return frame, weights, post, sha


@dataclass
class Respondents:
    """The respondents the area models are fitted on, with their postcode's context."""

    frame: pd.DataFrame
    """Cell variables, ``low_trust``, ``high_engagement``, ``pc4``."""
    weights: np.ndarray
    posterior: np.ndarray
    context: pd.DataFrame
    """Raw area predictors of the respondent's PC4 (``model.area_models.area_context``)."""
    gemeente: np.ndarray
    """The respondent's gemeente code (of the PC4)."""
    n_survey: int
    n_dropped: int
    sha: str


def respondents_with_context(data_dir: Path, model) -> Respondents:
    """Respondents with a known cell, both outcomes and a postcode in the area tables."""
    frame, w, post, sha = respondent_frame(data_dir, model)
    tables = build_area_tables(data_dir)
    local = map_local_indicators(read_gezondheidsmonitor(data_dir), tables.areas,
                                 tables.crosswalk, edition_year=GEZONDHEIDSMONITOR_EDITION)
    areas = tables.areas
    pc4 = areas[(areas["level"] == "pc4") & areas["is_current"].fillna(False).astype(bool)]
    pc4 = pc4.reset_index(drop=True)
    context = area_context(pc4, local.frame)
    joined = pc4[["level", "area_code"]].merge(local.frame, on=["level", "area_code"],
                                               how="left")
    context[LOCAL] = local_engagement(joined)[0]
    context.index = pd.to_numeric(pc4["area_code"], errors="coerce").to_numpy()
    cells = list(schema.CELL_VARIABLES)
    known = (
        frame[cells].notna().all(axis=1)
        & frame[["low_trust", "high_engagement"]].notna().all(axis=1)
        & frame["pc4"].isin(context.index)
    ).to_numpy()
    sub = frame.loc[known].reset_index(drop=True)
    codes = sub["pc4"].astype(int).to_numpy()
    z = context.loc[codes].reset_index(drop=True)
    groups = pc4.set_index(pd.to_numeric(pc4["area_code"]))["gemeente_code"].loc[codes]
    return Respondents(sub, w[known], post[known], z, groups.astype(str).to_numpy(),
                       int(len(frame)), int((~known).sum()), sha)


def fit_area_models_from_data(data_dir: Path, out_dir: Path | None = None, *,
                              n_boot: int = DEFAULT_N_BOOT, model_dir: Path | None = None,
                              console=None) -> Path:
    """Fit and save the area models beside the profile model in ``model_dir`` (default: the
    committed artifact); returns the directory written."""
    started = time.perf_counter()
    data_dir = Path(data_dir)
    anchors = load_anchors(data_dir)  # fails early on a malformed national table
    model = load_model(model_dir)
    resp = respondents_with_context(data_dir, model)
    if console is not None:
        console.print(f"{len(resp.frame)} van {resp.n_survey} respondenten met cel en postcode; "
                      f"{n_boot} posterior-trekkingen")
    models = fit_area_models(resp.frame, resp.weights, resp.posterior, resp.context,
                             resp.gemeente, n_boot=n_boot, seed=SEED, anchors=anchors)
    models.meta.update({
        "survey_sha256": resp.sha,
        "profile_model_version": model.version,
        "n_survey": resp.n_survey,
        "n_dropped_no_cell_or_postcode": resp.n_dropped,
        "gezondheidsmonitor_edition": GEZONDHEIDSMONITOR_EDITION,
        "fit_seconds": round(time.perf_counter() - started, 1),
    })
    out_dir = (Path(model_dir) if model_dir is not None else ARTIFACT_DIR) if out_dir is None \
        else Path(out_dir)
    save_area_models(models, out_dir)
    return out_dir


def area_models_markdown(models) -> str:
    """Variance components and cross-validated fit for docs/method.md (generated)."""
    meta = models.meta
    lines = [
        f"Fitted on {meta['n_respondents']} respondents in {meta.get('n_gemeenten', '?')} "
        f"gemeenten ({meta.get('n_dropped_no_cell_or_postcode', '?')} without a cell or a "
        f"postcode in the database left out); {meta['n_boot']} posterior draws, seed "
        f"{meta['seed']}; fit time {meta.get('fit_seconds', '?')} s.",
        "",
        "Variance components (log-odds): the SD of the gemeente intercepts (empirical Bayes, "
        "Laplace marginal likelihood over a grid) and the SD over respondents of the part "
        "the area predictors explain.",
        "",
        "| outcome | SD gemeente intercept | SD area-predictor part |",
        "|---|---:|---:|",
    ]
    for outcome, comp in meta["variance_components"].items():
        lines.append(f"| {outcome} | {comp['tau_gemeente']:.3f} | "
                     f"{comp['sd_context_part']:.3f} |")
    lines += [
        "",
        f"Cross-validated weighted log-loss ({meta['folds']} folds; *gemeente*: folds are "
        "gemeenten, so a held-out respondent's gemeente is unseen and gets the average "
        "intercept; *willekeurig*: random folds). Reported, not used to select anything:",
        "",
        "| outcome | specification | CV log-loss, folds by gemeente | CV log-loss, random "
        "folds |",
        "|---|---|---:|---:|",
    ]
    for outcome, table in meta["cross_validation"].items():
        for name, row in table.items():
            lines.append(f"| {outcome} | {name} | {row['gemeente']:.4f} | "
                         f"{row['willekeurig']:.4f} |")
    return "\n".join(lines) + "\n"


def write_area_models_docs(models, docs_dir: Path, *, data_dir: Path | None = None,
                           national_cells=None) -> None:
    """Fill the ``area-models`` block (and, with the national tables in ``data_dir``, the
    ``gradients`` block) of docs/method.md."""
    method = Path(docs_dir) / "method.md"
    if not method.is_file():
        return
    text = fill_block(method.read_text(encoding="utf-8"), "area-models",
                      area_models_markdown(models))
    if data_dir is not None and national_cells is not None:
        anchors = load_anchors(data_dir)
        text = fill_block(text, "gradients", gradient_markdown(
            gradient_table(models, anchors, national_cells), anchors))
    method.write_text(text, encoding="utf-8")


def regenerate_docs(docs_dir: Path, data_dir: Path | None = None) -> None:
    """Regenerate every generated block of ``docs_dir`` from the committed artifact (and,
    with ``data_dir``, the blocks that need the survey or the national tables)."""
    model = load_model()
    report = fit_report_markdown(model)
    (ARTIFACT_DIR / "fit_report.md").write_text(report, encoding="utf-8")
    write_docs(model, report, docs_dir)
    area_models = load_area_models()
    if area_models is not None:
        write_area_models_docs(area_models, docs_dir, data_dir=data_dir,
                               national_cells=model.national_cells)
    if data_dir is not None:  # the ESS check needs the survey files
        write_ess_comparison(data_dir, docs_dir)


if __name__ == "__main__":
    # python -m betrokken.fit_areas [docs-dir]: regenerate the docs from the artifact
    import sys

    regenerate_docs(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs"),
                    data_dir_from(None))
