"""``betrokken fit``: survey -> weights -> latent classes -> membership model -> cards -> artifact.

All randomness flows from one seed. The final K=8 fit uses its own seed and settings
(stored in the artifact under ``settings``), so it can be reproduced without rerunning the
K-selection and bootstrap loops (see tests/test_model_refit.py).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from betrokken import schema
from betrokken.model import cards as cards_mod
from betrokken.model import membership as mem
from betrokken.model import segmentation as seg
from betrokken.model.artifact import ARTIFACT_DIR, ProfileModel, save_model
from betrokken.survey.compare import comparison_markdown, trust_comparison
from betrokken.survey.mapping import codebook_table
from betrokken.survey.targets import national_targets
from betrokken.survey.vu import VU_ITEMS, load_vu, vu_path
from betrokken.survey.weights import rake, weight_report
from betrokken.version import code_version

EMPTY_CELL_PSEUDO_COUNT = 0.5
"""Respondent-equivalents given to an empty survey cell of the IPF seed."""
SHARE_BOOTSTRAP_DRAWS = 1000
"""Resamples of respondents for the national profile shares' intervals."""
SEED_OFFSET_SHARES = 3
SEED_OFFSET_MEMBERSHIP = 7
"""Offsets from the one fit seed, so each random step has its own stream."""


@dataclass(frozen=True)
class FitSettings:
    ks: tuple[int, ...]
    select_n_init: int
    final_n_init: int
    lca_boot: int
    lca_boot_n_init: int
    membership_boot: int
    cv_folds: int = 5

    @classmethod
    def for_mode(cls, quick: bool) -> FitSettings:
        if quick:
            return cls(
                ks=(6, 8, 10),
                select_n_init=1,
                final_n_init=3,
                lca_boot=4,
                lca_boot_n_init=1,
                membership_boot=100,
            )
        return cls(
            ks=tuple(range(2, 11)),
            select_n_init=5,
            final_n_init=6,
            lca_boot=20,
            lca_boot_n_init=2,
            membership_boot=200,
        )


MEMBERSHIP_SPECS: dict[str, dict] = {
    "demografie": {"predictors": list(mem.BASE_PREDICTORS), "interactions": []},
    "demografie + interacties": {
        "predictors": list(mem.BASE_PREDICTORS),
        "interactions": [("age", "sex"), ("age", "education")],
    },
    "demografie + stedelijkheid": {
        "predictors": [*mem.BASE_PREDICTORS, "gemeente_urbanity"],
        "interactions": [],
    },
}


def national_cells(
    frame: pd.DataFrame, weights: np.ndarray, *, pseudo: float = EMPTY_CELL_PSEUDO_COUNT
) -> pd.DataFrame:
    """Weighted joint age x sex x education x migration (sums to 1), the IPF seed.

    Empty cells get ``pseudo`` respondent-equivalents (mean weight 1) so that no combination is
    structurally zero in poststratification; respondents with a missing cell variable are left
    out.
    """
    cols = list(schema.CELL_VARIABLES)
    grid = pd.MultiIndex.from_product([schema.CELL_VARIABLES[c] for c in cols], names=cols)
    known = frame[cols].notna().all(axis=1).to_numpy()
    counts = (
        pd.Series(weights[known], index=pd.MultiIndex.from_frame(frame.loc[known, cols]))
        .groupby(level=cols)
        .sum()
        .reindex(grid, fill_value=0.0)
    )
    counts = counts + pseudo * (counts == 0)
    out = (counts / counts.sum()).rename("weight").reset_index()
    return out


def _log(console, msg: str) -> None:
    if console is not None:
        console.print(f"[dim]{datetime.now(UTC):%H:%M:%S}[/] {msg}")


def choose_membership(frame, Y, w, *, folds: int, seed: int, console=None) -> tuple[str, dict]:
    """CV every spec on the rows that have all its predictors; keep extras only if they help.

    The area predictor and interactions are compared with the plain model on the *same* rows;
    an extra is kept only if it lowers the CV log-loss by more than one standard error.
    """
    table = {}
    base = MEMBERSHIP_SPECS["demografie"]
    for name, spec in MEMBERSHIP_SPECS.items():
        rows = frame[spec["predictors"]].notna().all(axis=1).to_numpy()
        sub = frame.loc[rows].reset_index(drop=True)
        res = mem.cross_validate(sub, Y[rows], w[rows], folds=folds, seed=seed, **spec)
        if name != "demografie":
            ref = mem.cross_validate(sub, Y[rows], w[rows], folds=folds, seed=seed, **base)
            res["base_model_log_loss_same_rows"] = ref["log_loss"]
            res["helps"] = bool(ref["log_loss"] - res["log_loss"] > res["log_loss_se"])
        table[name] = res
        _log(console, f"membership CV {name}: log-loss {res['log_loss']:.4f}")
    chosen = "demografie"
    for name in ("demografie + stedelijkheid", "demografie + interacties"):
        if table[name].get("helps") and table[name]["log_loss"] < table[chosen]["log_loss"]:
            chosen = name
    return chosen, table


def fit_and_save(
    data_dir: Path,
    *,
    out: Path | None = None,
    seed: int = 20210317,
    quick: bool = False,
    console=None,
) -> Path:
    """Fit everything from the survey in ``data_dir`` and write the artifact; returns its dir.

    ``out=None`` replaces the committed artifact (the CLI asks for that explicitly with
    ``--vervang-artefact``); regenerate the docs afterwards with
    ``python -m betrokken.fit_areas docs``."""
    started = time.perf_counter()
    settings = FitSettings.for_mode(quick)
    data_dir = Path(data_dir)
    survey = _load_weighted_survey(data_dir, console)
    lca = _fit_segmentation(survey, settings, seed, console)
    membership = _fit_membership(survey, lca.post, data_dir, settings, seed, console)
    meta = _fit_meta(survey, lca, membership, settings, seed=seed, quick=quick)
    profile_model = ProfileModel(
        version=f"vu2021-k8-{survey.sha[:8]}-s{seed}{'-quick' if quick else ''}",
        profile_ids=lca.segm.ids,
        profiles=lca.cards,
        predictors=list(membership.spec["predictors"]),
        interactions=[tuple(i) for i in membership.spec["interactions"]],
        coef=membership.model.coef_,
        intercept=membership.model.intercept_,
        boot_coef=membership.boot_coef,
        boot_intercept=membership.boot_intercept,
        national_cells=national_cells(membership.frame, survey.w),
        meta=meta,
    )
    # Lock the stored probabilities: the artifact keeps the saved cells' predictions as a check.
    meta["check"] = {
        "cells_proba_sha256": _proba_digest(profile_model),
    }
    meta["fit_seconds_total"] = round(time.perf_counter() - started, 1)
    out_dir = _write_artifact(profile_model, out)
    _log(console, f"klaar in {meta['fit_seconds_total']} s")
    return out_dir


@dataclass(frozen=True)
class _Survey:
    """The survey with its raking weights (step 1 of the fit)."""

    frame: pd.DataFrame
    sha: str
    targets: dict
    w: np.ndarray
    report: dict


@dataclass(frozen=True)
class _Segmentation:
    """K selection, the product K=8 fit, its stability and the profile cards (step 2)."""

    X: pd.DataFrame
    ktable: pd.DataFrame
    best_bic_k: int
    segm: seg.Segmentation
    post: np.ndarray
    final_seconds: float
    boot: dict
    thresholds: dict
    cards: list[dict]


@dataclass(frozen=True)
class _Membership:
    """The chosen membership model, its CV table and bootstrap refits (step 3)."""

    frame: pd.DataFrame
    """The survey with ``gemeente_urbanity`` added (all respondents)."""
    chosen: str
    cv_table: dict
    spec: dict
    rows: np.ndarray
    model: mem.MembershipModel
    boot_coef: np.ndarray
    boot_intercept: np.ndarray


def _load_weighted_survey(data_dir: Path, console) -> _Survey:
    frame, sha = load_vu(data_dir)
    targets = national_targets(data_dir)
    weights_s = rake(frame, targets)
    report = weight_report(frame, weights_s, targets)
    _log(console, f"{len(frame)} respondenten, design effect {report['deff_kish']}")
    return _Survey(frame=frame, sha=sha, targets=targets, w=weights_s.to_numpy(), report=report)


def _fit_segmentation(survey: _Survey, settings: FitSettings, seed: int, console
                      ) -> _Segmentation:
    frame, w = survey.frame, survey.w
    X = seg.indicator_matrix(frame)
    scores = seg.axis_scores(frame)
    ktable = seg.select_k(
        X,
        settings.ks,
        n_init=settings.select_n_init,
        seed=seed,
        progress=lambda k: _log(console, f"LCA K={k} klaar"),
    )
    best_bic_k = int(ktable.loc[ktable["bic"].idxmin(), "k"])

    t0 = time.perf_counter()
    segm = seg.fit_segmentation(X, scores, w, n_init=settings.final_n_init, seed=seed)
    final_seconds = time.perf_counter() - t0
    post = segm.posterior(X)
    _log(console, f"K=8 gefit in {final_seconds:.1f} s: {segm.ids}")

    boot = seg.bootstrap_stability(
        X,
        w,
        segm,
        n_boot=settings.lca_boot,
        n_init=settings.lca_boot_n_init,
        seed=seed,
        progress=lambda b: _log(console, f"bootstrap LCA {b + 1}/{settings.lca_boot}"),
    )

    thresholds = {
        "low_trust": schema.LOW_TRUST_THRESHOLD,
        "high_engagement": float(_weighted_quantile(scores["engagement"].to_numpy(), w,
                                                    schema.HIGH_ENGAGEMENT_QUANTILE)),
    }
    share_boot = seg.share_bootstrap(post, w, n_boot=SHARE_BOOTSTRAP_DRAWS,
                                     seed=seed + SEED_OFFSET_SHARES)
    cards = cards_mod.build_cards(
        frame,
        w,
        post,
        scores,
        ids=segm.ids,
        names=segm.names,
        share_boot=share_boot,
        thresholds=thresholds,
    )
    return _Segmentation(X=X, ktable=ktable, best_bic_k=best_bic_k, segm=segm, post=post,
                         final_seconds=final_seconds, boot=boot, thresholds=thresholds,
                         cards=cards)


def _fit_membership(survey: _Survey, post: np.ndarray, data_dir: Path, settings: FitSettings,
                    seed: int, console) -> _Membership:
    """Choose the specification by CV, fit it on the rows with all its predictors, bootstrap."""
    w = survey.w
    frame = survey.frame.assign(
        gemeente_urbanity=survey.frame["pc4"].map(mem.pc4_urbanity(data_dir))
    )
    chosen, cv_table = choose_membership(
        frame, post, w, folds=settings.cv_folds, seed=seed, console=console
    )
    spec = MEMBERSHIP_SPECS[chosen]
    rows = frame[spec["predictors"]].notna().all(axis=1).to_numpy()
    mframe = frame.loc[rows].reset_index(drop=True)
    if "gemeente_urbanity" in spec["predictors"]:
        mframe["gemeente_urbanity"] = mframe["gemeente_urbanity"].astype(int)
    model = mem.MembershipModel(spec["predictors"], spec["interactions"]).fit(
        mframe, post[rows], w[rows]
    )
    boot_coef, boot_int = mem.bootstrap_coefficients(
        mframe, post[rows], w[rows], n_boot=settings.membership_boot,
        seed=seed + SEED_OFFSET_MEMBERSHIP, **spec
    )
    _log(console, f"lidmaatschapsmodel '{chosen}' + {settings.membership_boot} bootstraps")
    return _Membership(frame=frame, chosen=chosen, cv_table=cv_table, spec=spec, rows=rows,
                       model=model, boot_coef=boot_coef, boot_intercept=boot_int)


def _fit_meta(survey: _Survey, lca: _Segmentation, membership: _Membership,
              settings: FitSettings, *, seed: int, quick: bool) -> dict:
    """Everything the artifact records about the fit (``meta``), for the report and checks."""
    ktable, segm, X = lca.ktable, lca.segm, lca.X
    refit_spread = np.quantile(lca.boot["shares"], [0.05, 0.95], axis=0)
    k8 = (ktable[ktable["k"] == seg.N_PROFILES].iloc[0].to_dict()
          if seg.N_PROFILES in set(ktable["k"]) else segm.stats)
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": code_version(),
        "seed": seed,
        "quick": quick,
        "settings": {**settings.__dict__, "ks": list(settings.ks)},
        "data": {
            "survey": "VU Kiezerspanel 2021, wave 0",
            "file": str(vu_path(Path("<data>")).as_posix()),
            "sha256": survey.sha,
            "n_respondents": int(len(survey.frame)),
            "n_membership": int(membership.rows.sum()),
        },
        "weights": survey.report,
        "targets": {k: v.round(6).to_dict() for k, v in survey.targets.items()},
        "segmentation": {
            "k_table": ktable.round(4).to_dict(orient="records"),
            "best_bic_k": lca.best_bic_k,
            "k8_in_selection": {k: round(float(v), 4) for k, v in k8.items()},
            "final": {k: round(float(v), 4) for k, v in segm.stats.items()},
            "final_fit_seconds": round(lca.final_seconds, 2),
            "bootstrap": {k: v for k, v in lca.boot.items() if k != "shares"},
            "share_interval": f"{SHARE_BOOTSTRAP_DRAWS} resamples of respondents, classes held "
            "fixed",
            "refit_share_p05": refit_spread[0].round(4),
            "refit_share_p95": refit_spread[1].round(4),
            "assignment_hash": seg.assignment_hash(lca.post),
            "n_assigned": int(len(lca.post)),
            "axes": seg.AXES_DOC,
            "thresholds": lca.thresholds,
        },
        "membership": {
            "chosen": membership.chosen,
            "cv": membership.cv_table,
            "feature_names": membership.model.feature_names_,
            "C": membership.model.C,
            "soft_labels": "survey weight x LCA posterior (no modal assignment)",
        },
        "lca": {
            "indicators": list(X.columns),
            "bins": {c: seg.INDICATORS[c][1] for c in X.columns},
            "class_weights": segm.params.class_weights,
            "item_probs": segm.params.item_probs.round(8),
        },
    }


def _write_artifact(profile_model: ProfileModel, out: Path | None) -> Path:
    """Save the artifact and its fit report (the docs are regenerated separately:
    ``python -m betrokken.fit_areas docs``)."""
    out_dir = ARTIFACT_DIR if out is None else Path(out)
    if out_dir.suffix == ".json":
        out_dir = out_dir.parent
    save_model(profile_model, out_dir)
    report = fit_report_markdown(profile_model)
    (out_dir / "fit_report.md").write_text(report, encoding="utf-8")
    return out_dir


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    ok = ~np.isnan(values)
    v, w = values[ok], weights[ok]
    order = np.argsort(v)
    cum = np.cumsum(w[order]) / w.sum()
    return float(v[order][np.searchsorted(cum, q)])


def _proba_digest(model: ProfileModel) -> str:
    """Digest of predict_proba on the national cells, rounded to 12 decimals."""
    import hashlib

    X = model.national_cells.copy()
    if "gemeente_urbanity" in model.predictors:
        X = X.merge(pd.DataFrame({"gemeente_urbanity": schema.URBANITY_CLASSES}), how="cross")
    proba = np.round(model.predict_proba(X), 12)
    return hashlib.sha256(proba.tobytes()).hexdigest()


# --------------------------------------------------------------------------- reports


def fit_report_markdown(model: ProfileModel) -> str:
    """The numbers for docs/method.md, as tables (written by code, pasted by nobody)."""
    m = model.meta
    sg, mb, wt = m["segmentation"], m["membership"], m["weights"]
    lines = [
        f"Model `{model.version}`, code `{m['code_version']}`, fitted {m['created']} "
        f"(seed {m['seed']}, {'quick' if m['quick'] else 'full'} settings: "
        f"{json.dumps(m['settings'])}). Training file SHA-256 `{m['data']['sha256']}`; "
        f"n = {m['data']['n_respondents']} respondents (membership model: "
        f"{m['data']['n_membership']}).",
        "",
        "**Weights** (raking to CBS margins): Kish design effect "
        f"{wt['deff_kish']}, effective n {wt['n_effective']}, weights "
        f"{wt['weight_min']}–{wt['weight_max']} (mean 1).",
        "",
        "| margin | category | sample | weighted | CBS target |",
        "|---|---|---|---|---|",
    ]
    for margin, cats in wt["margins"].items():
        for cat, v in cats.items():
            lines.append(
                f"| {margin} | {cat.replace('|', ' × ')} | {v['sample']:.3f} | "
                f"{v['weighted']:.3f} | {v['target']:.3f} |"
            )
    lines += [
        "",
        f"**Choice of K** (StepMix, categorical_nan, best of {m['settings']['select_n_init']} "
        "random starts per K):",
        "",
        "| K | log-likelihood | parameters | BIC | AIC | relative entropy | smallest class |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in sg["k_table"]:
        lines.append(
            f"| {int(row['k'])} | {row['loglik']:.1f} | {int(row['n_parameters'])} | "
            f"{row['bic']:.1f} | {row['aic']:.1f} | {row['relative_entropy']:.3f} | "
            f"{row['smallest_class']:.3f} |"
        )
    fin = sg["final"]
    bic8 = next((r["bic"] for r in sg["k_table"] if int(r["k"]) == 8), fin["bic"])
    best = next(r for r in sg["k_table"] if int(r["k"]) == sg["best_bic_k"])
    lines += [
        "",
        f"Lowest BIC among K = 2…10: K = {sg['best_bic_k']} (BIC {best['bic']:.1f}). K = 8 in "
        f"this table: BIC {bic8:.1f} (Δ = {bic8 - best['bic']:+.1f}); the product K = 8 fit "
        f"with more starts: BIC {fin['bic']:.1f} (Δ = {fin['bic'] - best['bic']:+.1f}). "
        + (
            "K = 8 is therefore a product choice, not the BIC optimum."
            if sg["best_bic_k"] != 8 or fin["bic"] > best["bic"]
            else "K = 8 is also the BIC optimum."
        ),
        "",
        f"**Product model K = 8** (best of {m['settings']['final_n_init']} starts): "
        f"log-likelihood {fin['loglik']:.1f}, BIC {fin['bic']:.1f}, AIC {fin['aic']:.1f}, "
        f"relative entropy {fin['relative_entropy']:.3f}, smallest class (unweighted) "
        f"{fin['smallest_class']:.3f}; fit time {sg['final_fit_seconds']} s.",
        "",
        f"**Stability** ({sg['bootstrap']['n_boot']} bootstrap refits, "
        f"{sg['bootstrap']['n_init']} starts each, classes matched to the product model): "
        f"adjusted Rand index median {sg['bootstrap']['ari_median']:.3f} "
        f"(5–95 %: {sg['bootstrap']['ari_p05']:.3f}–{sg['bootstrap']['ari_p95']:.3f}).",
        "",
        "| profile | share | 90 % interval (sampling) | 5–95 % over refits | trust | "
        "engagement | low trust | high engagement |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, p in enumerate(model.profiles):
        lines.append(
            f"| {p['name']} (`{p['id']}`) | {p['share']:.3f} | {p['share_lo']:.3f}–"
            f"{p['share_hi']:.3f} | {sg['refit_share_p05'][i]:.3f}–{sg['refit_share_p95'][i]:.3f}"
            f" | {p['trust']:.3f} | {p['engagement']:.3f} | "
            f"{p['p_low_trust']:.3f} | {p['p_high_engagement']:.3f} |"
        )
    lines += [
        "",
        f"**Membership model** (5-fold CV, survey-weighted, soft targets). Chosen: "
        f"*{mb['chosen']}*; bootstrap refits B = {model.n_boot}.",
        "",
        "| specification | n | CV log-loss (± SE) | base-rate log-loss | CV accuracy | "
        "majority-class accuracy | plain model, same rows | keeps? |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in mb["cv"].items():
        same = r.get("base_model_log_loss_same_rows")
        lines.append(
            f"| {name} | {r['n']} | {r['log_loss']:.4f} ± {r['log_loss_se']:.4f} | "
            f"{r['base_log_loss']:.4f} | {r['accuracy']:.3f} | {r['base_accuracy']:.3f} | "
            f"{'' if same is None else f'{same:.4f}'} | "
            f"{'—' if 'helps' not in r else ('ja' if r['helps'] else 'nee')} |"
        )
    return "\n".join(lines) + "\n"


def items_markdown() -> str:
    """The VU item table (target, source, wording, scale, missing codes) from the mapping."""
    table = codebook_table(VU_ITEMS)
    lines = [
        "| column | source | group | wording (NL) | harmonised scale | missing codes |",
        "|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        lines.append(
            f"| `{row.target}` | `{row.source}` | {row.group} | {row.wording_nl} | "
            f"{row.scale} | {row.missing_codes or '—'} |"
        )
    return "\n".join(lines) + "\n"


def fill_block(text: str, block: str, content: str) -> str:
    """``text`` with the generated block ``<!-- BEGIN block -->…<!-- END block -->``
    replaced by ``content`` (unchanged when the markers are absent)."""
    begin, end = f"<!-- BEGIN {block} -->", f"<!-- END {block} -->"
    if begin not in text or end not in text:
        return text
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{content}{end}{tail}"


def write_docs(model: ProfileModel, report: str | None, docs_dir: Path) -> None:
    """Regenerate docs/profiles.md and the generated blocks inside docs/method.md."""
    report = fit_report_markdown(model) if report is None else report
    (docs_dir / "profiles.md").write_text(
        cards_mod.render_cards_markdown(model.profiles, version=model.version), encoding="utf-8"
    )
    method = docs_dir / "method.md"
    if method.is_file():
        text = method.read_text(encoding="utf-8")
        text = fill_block(text, "fit-report", report)
        text = fill_block(text, "items", items_markdown())
        method.write_text(text, encoding="utf-8")


def write_ess_comparison(data_dir: Path, docs_dir: Path) -> None:
    """Fill the ``ess-comparison`` block of docs/method.md (a check, nothing is fitted)."""
    frame, _ = load_vu(data_dir)
    weights = rake(frame, national_targets(data_dir)).to_numpy()
    table = comparison_markdown(trust_comparison(frame, weights, data_dir))
    method = docs_dir / "method.md"
    if method.is_file():
        text = fill_block(method.read_text(encoding="utf-8"), "ess-comparison", table)
        method.write_text(text, encoding="utf-8")
