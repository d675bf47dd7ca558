"""``betrokken fit --gebiedsmodellen``: fit the direct area models beside the profile model.

Orchestration only (like ``build.py``): the respondents and their weights come from
``survey``, their LCA posteriors from the committed profile model, their postcode's context
from the same area tables and Gezondheidsmonitor mapping the build uses; the regressions
live in ``model.area_models``. The result is written next to the profile model artifact.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from betrokken import schema
from betrokken.areas.harmonise import build_area_tables
from betrokken.areas.local import map_local_indicators
from betrokken.errors import BetrokkenError
from betrokken.model.area_models import area_context, fit_area_models, save_area_models
from betrokken.model.artifact import ARTIFACT_DIR, load_model
from betrokken.model.fit import _fill
from betrokken.model.segmentation import axis_scores, indicator_matrix
from betrokken.sources.gezondheidsmonitor import read_gezondheidsmonitor
from betrokken.survey.targets import national_targets
from betrokken.survey.vu import load_vu
from betrokken.survey.weights import rake

DEFAULT_N_BOOT = 200
SEED = 20210317


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


def fit_area_models_from_data(data_dir: Path, out_dir: Path | None = None, *,
                              n_boot: int = DEFAULT_N_BOOT, model_dir: Path | None = None,
                              console=None) -> Path:
    """Fit and save the area models beside the profile model in ``model_dir`` (default: the
    committed artifact); returns the directory written."""
    started = time.perf_counter()
    data_dir = Path(data_dir)
    model = load_model(model_dir)
    frame, w, post, sha = respondent_frame(data_dir, model)
    tables = build_area_tables(data_dir)
    local = map_local_indicators(read_gezondheidsmonitor(data_dir), tables.areas,
                                 tables.crosswalk, edition_year=2020)
    areas = tables.areas
    pc4 = areas[(areas["level"] == "pc4") & areas["is_current"].fillna(False).astype(bool)]
    pc4 = pc4.reset_index(drop=True)
    context = area_context(pc4, local.frame)
    context.index = pd.to_numeric(pc4["area_code"], errors="coerce").to_numpy()
    cells = list(schema.CELL_VARIABLES)
    known = (
        frame[cells].notna().all(axis=1)
        & frame[["low_trust", "high_engagement"]].notna().all(axis=1)
        & frame["pc4"].isin(context.index)
    ).to_numpy()
    sub = frame.loc[known].reset_index(drop=True)
    z = context.loc[sub["pc4"].astype(int).to_numpy()].reset_index(drop=True)
    groups = pc4.set_index(pd.to_numeric(pc4["area_code"]))["gemeente_code"].loc[
        sub["pc4"].astype(int).to_numpy()
    ].to_numpy()
    if console is not None:
        console.print(f"{known.sum()} van {len(frame)} respondenten met cel en postcode; "
                      f"{n_boot} bootstrap-hertrekkingen")
    models = fit_area_models(sub, w[known], post[known], z, groups, n_boot=n_boot, seed=SEED)
    models.meta.update({
        "survey_sha256": sha,
        "profile_model_version": model.version,
        "n_survey": int(len(frame)),
        "n_dropped_no_cell_or_postcode": int((~known).sum()),
        "gezondheidsmonitor_edition": 2020,
        "fit_seconds": round(time.perf_counter() - started, 1),
    })
    out_dir = (Path(model_dir) if model_dir is not None else ARTIFACT_DIR) if out_dir is None \
        else Path(out_dir)
    save_area_models(models, out_dir)
    return out_dir


def area_models_markdown(models) -> str:
    """The context selection and route comparison tables for docs/method.md (generated)."""
    meta = models.meta
    lines = [
        f"Fitted on {meta['n_respondents']} respondents "
        f"({meta.get('n_dropped_no_cell_or_postcode', '?')} without a cell or a postcode in "
        f"the database left out), {meta['n_boot']} bootstrap "
        f"refits, seed {meta['seed']}, {meta['folds']} folds grouped by gemeente.",
        "",
        "| outcome | specification | CV log-loss | gain vs individual (± SE) | kept |",
        "|---|---|---:|---|---|",
    ]
    for outcome, sel in meta["selection"].items():
        for name, row in sel["table"].items():
            gain = ("—" if name == "individueel"
                    else f"{row['gain_vs_individual']:+.4f} ± {row['gain_se']:.4f}")
            lines.append(f"| {outcome} | {name} | {row['log_loss']:.4f} | {gain} | "
                         f"{'ja' if name == sel['chosen'] else ''} |")
    return "\n".join(lines) + "\n"


def write_area_models_docs(models, docs_dir: Path) -> None:
    method = Path(docs_dir) / "method.md"
    if method.is_file():
        method.write_text(_fill(method.read_text(encoding="utf-8"), "area-models",
                                area_models_markdown(models)), encoding="utf-8")
