"""Validation against election results: does the profile mix track what people did?

The profile mix never sees an election variable. Here it is compared with Kiesraad
results it was not fitted on:

- predicted engagement index vs turnout per gemeente (TK2021, GR2022, PS2019);
- predicted low-trust share vs the combined vote share of anti-establishment parties
  (``ANTI_ESTABLISHMENT_PARTIES``) per gemeente (TK2021);
- within gemeenten: GR2022 polling stations, by the PC4 of their address, vs the PC4 mix
  (both sides centred on their gemeente mean);
- beside each, naive baselines from the same CBS marginals (share 65+ among adults;
  share low/high educated), to show what the model adds beyond a single demographic.

Election results are on the municipal borders of their year; they are re-aggregated to
the 2024 borders of the database with ``MERGERS`` (counts summed, then turnout
recomputed); what cannot be reconciled is dropped and listed in the report.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from betrokken.errors import BetrokkenError, SourceError
from betrokken.mergers import MERGERS
from betrokken.reports.headline import headline_lines, headline_results, model_target_lines
from betrokken.schema import ADULT_FRACTION_15_24
from betrokken.sources.elections import (
    ANTI_ESTABLISHMENT_PARTIES,
    WADDEN_ISLANDS,
    load_elections,
    read_validation_csv,
    to_2024_borders,
)
from betrokken.store.database import connect, table_exists

__all__ = [
    "ANTI_ESTABLISHMENT_PARTIES",
    "MERGERS",
    "WADDEN_ISLANDS",
    "correlation",
    "run_validation",
    "to_2024_borders",
]

CI_LEVEL = 0.95
MIN_PC4_PER_GEMEENTE = 3


def correlation(x: np.ndarray, y: np.ndarray, *, n_groups: int = 0) -> dict:
    """Pearson and Spearman r with n and 95 % Fisher-z intervals.

    ``n_groups`` reduces the effective n for within-group (centred) data. The Spearman
    interval uses the Fieller-Hartley-Pearson variance 1.06 / (n - 3).
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = int(ok.sum())
    out = {"n": n}
    if n < 5:
        return {**out, "pearson": np.nan, "pearson_ci": (np.nan, np.nan), "spearman": np.nan,
                "spearman_ci": (np.nan, np.nan)}
    n_eff = max(n - n_groups, 4)
    z = stats.norm.ppf(0.5 + CI_LEVEL / 2)
    pearson = float(stats.pearsonr(x, y)[0])
    spearman = float(stats.spearmanr(x, y)[0])
    for name, r, var in (("pearson", pearson, 1.0), ("spearman", spearman, 1.06)):
        se = np.sqrt(var / (n_eff - 3))
        fz = np.arctanh(np.clip(r, -0.999999, 0.999999))
        out[name] = r
        out[f"{name}_ci"] = (float(np.tanh(fz - z * se)), float(np.tanh(fz + z * se)))
    return out


def load_predictions(con, level: str) -> pd.DataFrame:
    """Published indices and naive baselines of one level from the database."""
    for table in ("area_indices", "areas"):
        if not table_exists(con, table):
            raise BetrokkenError(f"De database mist de tabel '{table}'.",
                                 hint="Bouw hem opnieuw: betrokken build")
    frame = con.execute(
        """
        SELECT i.area_code, a.area_name, a.gemeente_code, i.population, i.engagement_index,
               i.low_trust_share, i.political_engagement, i.local_engagement,
               a.share_age_65plus / nullif(1 - a.share_age_0_14, 0) AS share_65plus_adults,
               a.share_edu_hoog, a.share_edu_laag, a.share_migration_nietwest
        FROM area_indices i JOIN areas a USING (year, level, area_code)
        WHERE i.level = ? AND NOT i.suppressed
        """,
        [level],
    ).df()
    return frame


def within_gemeente_pc4(stembureau: pd.DataFrame, pc4: pd.DataFrame) -> pd.DataFrame:
    """GR2022 polling stations summed per (gemeente, PC4) and joined to the PC4 mix.

    Only gemeenten where at least one anti-establishment party stood and with at least
    ``MIN_PC4_PER_GEMEENTE`` matched PC4s; all columns centred on the gemeente mean.
    """
    parties = [f"votes_{p}" for p in ANTI_ESTABLISHMENT_PARTIES]
    s = stembureau.dropna(subset=["postcode"]).copy()
    s["pc4"] = s["postcode"].astype(str).str.replace(" ", "").str[:4]
    s = s[s["pc4"].str.fullmatch(r"[1-9]\d{3}")]
    s["anti_votes"] = s[parties].sum(axis=1)
    grouped = s.groupby(["gemeente_code", "pc4"], as_index=False)[
        ["opgeroepenen", "toegelaten_kiezers", "geldige_stembiljetten", "anti_votes"]
    ].sum()
    grouped["turnout"] = grouped["toegelaten_kiezers"] / grouped["opgeroepenen"].where(
        grouped["opgeroepenen"] > 0)
    grouped["anti_share"] = grouped["anti_votes"] / grouped["geldige_stembiljetten"].where(
        grouped["geldige_stembiljetten"] > 0)
    contested = grouped.groupby("gemeente_code")["anti_votes"].transform("sum") > 0
    grouped = grouped[contested & ~grouped["gemeente_code"].isin(WADDEN_ISLANDS)]
    merged = grouped.merge(pc4.drop(columns=["gemeente_code"]), left_on="pc4",
                           right_on="area_code", how="inner")
    merged = merged[merged["turnout"].le(1.5)]  # voters may vote anywhere in their gemeente
    size = merged.groupby("gemeente_code")["pc4"].transform("count")
    merged = merged[size >= MIN_PC4_PER_GEMEENTE].copy()
    cols = ["turnout", "anti_share", "engagement_index", "low_trust_share",
            "political_engagement", "local_engagement",
            "share_65plus_adults", "share_edu_hoog", "share_edu_laag", "share_migration_nietwest"]
    for col in cols:
        merged[f"{col}_within"] = merged[col] - merged.groupby("gemeente_code")[col].transform(
            "mean")
    return merged


def _fmt_r(result: dict, key: str) -> str:
    r = result[key]
    if not np.isfinite(r):
        return "–"
    lo, hi = result[f"{key}_ci"]
    return f"{r:+.2f} [{lo:+.2f}, {hi:+.2f}]"


def _scatter(path: Path, panels: list[tuple[str, np.ndarray, np.ndarray, str, str]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4), squeeze=False)
    for ax, (title, x, y, xlabel, ylabel) in zip(axes[0], panels, strict=True):
        ok = np.isfinite(x) & np.isfinite(y)
        ax.scatter(x[ok], y[ok], s=8, alpha=0.5, color="#1f4e79", edgecolor="none")
        if ok.sum() > 2:
            slope, intercept = np.polyfit(x[ok], y[ok], 1)
            xs = np.linspace(x[ok].min(), x[ok].max(), 20)
            ax.plot(xs, slope * xs + intercept, color="#c55a11", linewidth=1.5)
        r = correlation(x, y)
        ax.set_title(f"{title}\nr = {r['pearson']:+.2f}, ρ = {r['spearman']:+.2f}, n = {r['n']}",
                     fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_validation(db_path: Path, data_dir: Path, out_dir: Path, *, console=None) -> Path:
    """Compute every comparison, draw the plots and write ``<out_dir>/validation.md``."""
    validation_dir = Path(data_dir) / "validation"
    if not validation_dir.is_dir():
        raise SourceError(f"De map '{validation_dir}' met verkiezingsuitslagen ontbreekt.")
    out_dir = Path(out_dir)
    img_dir = out_dir / "img"
    img_dir.mkdir(parents=True, exist_ok=True)
    gemeente, pc4, diagnostics, build, draws, profile_sd = _read_database(db_path)
    if gemeente.empty:
        raise BetrokkenError("De database bevat geen gepubliceerde gemeenteschattingen.")
    elections = load_elections(validation_dir, set(gemeente["area_code"]))
    joined = {key: elections[key].frame.merge(gemeente, left_on="gemeente_code",
                                              right_on="area_code")
              for key in ("TK2021", "GR2022", "PS2019")}
    within = within_gemeente_pc4(read_validation_csv(validation_dir / "gr2022_stembureau.csv"), pc4)
    rows = _gemeente_comparisons(joined) + _within_comparisons(within)
    per_gemeente = _per_gemeente_spearman(within)
    _draw_plots(img_dir, joined, within)

    headline = headline_results(joined, within, gemeente, draws, profile_sd)
    path = out_dir / "validation.md"
    path.write_text(_report(rows, elections, within, per_gemeente, diagnostics, build, db_path,
                            out_dir, headline, data_dir), encoding="utf-8")
    if console is not None:
        console.print(f"Validatie: {len(rows)} vergelijkingen, figuren in {img_dir}")
    return path


PREDICTORS: dict[str, list[tuple[str, str]]] = {
    "engagement": [("model: engagement index", "engagement_index"),
                   ("component: political engagement", "political_engagement"),
                   ("component: local engagement", "local_engagement"),
                   ("baseline: share 65+ of adults", "share_65plus_adults"),
                   ("baseline: share highly educated", "share_edu_hoog"),
                   ("baseline: share non-western migration", "share_migration_nietwest")],
    "trust": [("model: low-trust share", "low_trust_share"),
              ("baseline: share 65+ of adults", "share_65plus_adults"),
              ("baseline: share low educated", "share_edu_laag"),
              ("baseline: share non-western migration", "share_migration_nietwest")],
}
"""(label, column) compared with turnout (engagement) and the anti-establishment vote (trust)."""


def _read_database(db_path: Path):
    """Published gemeente and PC4 estimates, build diagnostics and info, index draws."""
    con = connect(db_path, read_only=True)
    try:
        gemeente = load_predictions(con, "gemeente")
        pc4 = load_predictions(con, "pc4")
        diagnostics = (
            dict(con.execute("SELECT key, value FROM mix_diagnostics").fetchall())
            if table_exists(con, "mix_diagnostics") else {}
        )
        build = (dict(con.execute("SELECT key, value FROM build_info").fetchall())
                 if table_exists(con, "build_info") else {})
        draws = load_index_draws(con)
        profile_sd = profile_share_spread(con)
    finally:
        con.close()
    return gemeente, pc4, diagnostics, build, draws, profile_sd


def _gemeente_comparisons(joined: dict[str, pd.DataFrame]) -> list[dict]:
    """Turnout of three elections and the TK2021 anti-establishment share, per gemeente."""
    rows: list[dict] = []
    for key, data in joined.items():
        for label, col in PREDICTORS["engagement"]:
            rows.append({"comparison": f"{key} turnout (gemeente)", "predictor": label,
                         **correlation(data[col], data["turnout"])})
    tk = joined["TK2021"]
    for label, col in PREDICTORS["trust"]:
        rows.append({"comparison": "TK2021 anti-establishment vote share (gemeente)",
                     "predictor": label, **correlation(tk[col], tk["anti_share"])})
    return rows


def _within_comparisons(within: pd.DataFrame) -> list[dict]:
    """GR2022 polling stations by PC4, centred on the gemeente mean."""
    rows: list[dict] = []
    n_groups = within["gemeente_code"].nunique()
    for label, col in PREDICTORS["trust"]:
        rows.append({"comparison": "GR2022 anti-establishment share, PC4 within gemeente",
                     "predictor": label,
                     **correlation(within[f"{col}_within"], within["anti_share_within"],
                                   n_groups=n_groups)})
    for label, col in PREDICTORS["engagement"]:
        rows.append({"comparison": "GR2022 turnout, PC4 within gemeente (noisy)",
                     "predictor": label,
                     **correlation(within[f"{col}_within"], within["turnout_within"],
                                   n_groups=n_groups)})
    return rows


PER_GEMEENTE_MIN_PC4 = 5
"""Matched PC4s a gemeente needs for its own within-gemeente Spearman rho."""


def _per_gemeente_spearman(within: pd.DataFrame) -> np.ndarray:
    """Spearman rho of low trust vs anti-establishment share inside each gemeente."""
    per_gemeente = []
    for _, g in within.groupby("gemeente_code"):
        if len(g) >= PER_GEMEENTE_MIN_PC4:
            per_gemeente.append(correlation(g["low_trust_share"], g["anti_share"])["spearman"])
    return np.array([r for r in per_gemeente if np.isfinite(r)])


def _draw_plots(img_dir: Path, joined: dict[str, pd.DataFrame], within: pd.DataFrame) -> None:
    tk = joined["TK2021"]
    _scatter(img_dir / "validation_turnout.png", [
        (f"{key}: engagement vs turnout", joined[key]["engagement_index"].to_numpy(float),
         joined[key]["turnout"].to_numpy(float), "engagement index (model)", "turnout")
        for key in ("TK2021", "GR2022", "PS2019")
    ] + [("TK2021 baseline: 65+ vs turnout", tk["share_65plus_adults"].to_numpy(float),
          tk["turnout"].to_numpy(float), "share 65+ of adults", "turnout")])
    _scatter(img_dir / "validation_trust.png", [
        ("TK2021: low trust vs anti-establishment", tk["low_trust_share"].to_numpy(float),
         tk["anti_share"].to_numpy(float), "low-trust share (model)", "PVV+FvD+JA21+BBB+SP share"),
        ("baseline: low educated", tk["share_edu_laag"].to_numpy(float),
         tk["anti_share"].to_numpy(float), "share low educated", "PVV+FvD+JA21+BBB+SP share"),
    ])
    _scatter(img_dir / "validation_within.png", [
        ("GR2022 PC4, within gemeente", within["low_trust_share_within"].to_numpy(float),
         within["anti_share_within"].to_numpy(float), "low-trust share − gemeente mean",
         "anti-establishment share − gemeente mean"),
        ("baseline: 65+, within gemeente", within["share_65plus_adults_within"].to_numpy(float),
         within["anti_share_within"].to_numpy(float), "share 65+ − gemeente mean",
         "anti-establishment share − gemeente mean"),
    ])


def _command(db_path: Path, out_dir: Path) -> str:
    argv = sys.argv
    if argv and Path(argv[0]).name == "betrokken" and len(argv) > 1 and argv[1] == "validate":
        return "betrokken " + " ".join(shlex.quote(a) for a in argv[1:])
    return (f"BETROKKEN_DATA=<data dir> betrokken validate --db {shlex.quote(str(db_path))} "
            f"--out {shlex.quote(str(out_dir))}")


def _short(value: str) -> str:
    """A diagnostics value with floats to four significant digits."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else f"{number:.4g}"


def profile_share_spread(con) -> float:
    """Mean over profiles of the SD of the published share across gemeenten."""
    if not table_exists(con, "profile_mix"):
        return float("nan")
    mix = con.execute("SELECT profile_id, share FROM profile_mix WHERE level = 'gemeente' "
                      "AND share IS NOT NULL").df()
    return float(mix.groupby("profile_id")["share"].std().mean())


def load_index_draws(con) -> dict[tuple[str, str], pd.DataFrame]:
    """(level, measure) -> frame indexed by area_code with one column per bootstrap refit."""
    if not table_exists(con, "area_index_draws"):
        return {}
    raw = con.execute("SELECT level, area_code, measure, draws FROM area_index_draws").df()
    out = {}
    for (level, measure), group in raw.groupby(["level", "measure"]):
        out[(level, measure)] = pd.DataFrame(np.vstack(group["draws"].to_numpy()),
                                             index=group["area_code"].to_numpy())
    return out


def _report(rows, elections, within, per_gemeente, diagnostics, build, db_path, out_dir,
            headline=None, data_dir=None) -> str:
    lines = [
        "# Validation against election results",
        "",
        "*Generated by `betrokken validate` (src/betrokken/reports/validation.py); do not edit "
        "by hand. Numbers are reported as they came out.*",
        "",
        "Command:",
        "",
        "```",
        _command(db_path, out_dir),
        "```",
        "",
        "To reproduce from scratch (data directory in `BETROKKEN_DATA`): "
        "`betrokken build && betrokken validate --out docs`.",
        "",
    ]
    if build:
        keep = {k: build[k] for k in ("model_version", "code_version", "built_at") if k in build}
        if keep:
            lines += ["Database build: " + ", ".join(f"{k} = {v}" for k, v in keep.items()), ""]
    lines += [
        "No election variable enters any model, weight or choice: the estimates come from the",
        "survey, the CBS marginals and the Gezondheidsmonitor only, and the combination rule",
        "of the engagement index was fixed in docs/method.md before these numbers existed.",
        "Elections are used here, and only here, as an outside check.",
        "",
        "## What is compared",
        "",
        "- **Engagement index** (0.5 × political engagement: modelled share of adults in the",
        "  national top third of the survey's engagement axis; + 0.5 × local engagement: mean of",
        "  the Gezondheidsmonitor shares volunteering, informal care and not socially lonely)",
        "  vs **turnout** per gemeente: TK2021 (votes cast / electorate), GR2022 (votes cast /",
        "  electorate) and PS2019 (valid votes / electorate). Both components are shown too.",
        "- **Low-trust share** (direct model: modelled share of adults whose trust axis is below",
        "  the midpoint; institutional trust, cynicism and efficacy items) vs",
        "  the combined vote share of **" + ", ".join(ANTI_ESTABLISHMENT_PARTIES) + "** in TK2021",
        "  (votes for these lists / valid votes).",
        "- **Within gemeenten**: GR2022 polling stations, grouped by the PC4 of the polling",
        "  station's address and joined to that PC4's mix; both sides centred on the",
        "  gemeente mean, so only differences *inside* a gemeente count. Only gemeenten where",
        "  at least one of the parties above stood in the municipal election and with at least",
        f"  {MIN_PC4_PER_GEMEENTE} matched PC4s. Voters may vote at any polling station of their",
        "  gemeente, so turnout per station is noisy; party shares are the better test.",
        "- **Baselines** from the same CBS marginals, one demographic at a time: share 65+",
        "  among adults (age structure), share highly educated (for turnout) or low educated",
        "  (for anti-establishment voting), and share with a non-western migration background.",
        "",
        f"Pearson r and Spearman ρ with {int(CI_LEVEL * 100)} % Fisher-z intervals (Spearman with",
        "variance 1.06/(n−3); within-gemeente: effective n reduced by the number of",
        "gemeenten).",
        "",
        *(headline_lines(headline) if headline else []),
        *(model_target_lines(data_dir) if data_dir is not None else []),
        "## All comparisons",
        "",
        "| comparison | predictor | n | Pearson r [95 % CI] | Spearman ρ [95 % CI] |",
        "|---|---|---:|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['comparison']} | {r['predictor']} | {r['n']} | "
                     f"{_fmt_r(r, 'pearson')} | {_fmt_r(r, 'spearman')} |")
    lines += ["", "Summary (generated; model vs best single-variable baseline, by |Pearson r|):",
              ""]
    lines += _summary_lines(rows, per_gemeente)
    lines += [
        "![Engagement index vs turnout](img/validation_turnout.png)",
        "",
        "![Low-trust share vs anti-establishment vote](img/validation_trust.png)",
        "",
        "![Within gemeenten (PC4)](img/validation_within.png)",
        "",
        "## Reading the numbers",
        "",
        "- A gemeente's low-trust share and political engagement depend on its demographic",
        "  marginals (age, sex, education, migration background; gradients anchored to CBS",
        "  tables), its CBS and Gezondheidsmonitor predictors and a partially pooled gemeente",
        "  intercept (multilevel models, see docs/method.md); its local engagement is",
        "  measured (Gezondheidsmonitor). A correlation with turnout or",
        "  vote shares therefore measures how much of the geographic variation those carry;",
        "  the baselines show how much a single demographic already carries.",
        "- Low trust and the anti-establishment vote are different things: the vote also",
        "  reflects issue positions (immigration, agriculture, the EU), regional tradition and",
        "  the supply of parties; many voters with low trust vote for other parties or not at",
        "  all. A perfect correlation is neither expected nor a goal.",
        "- Below gemeente level education and migration are not published per PC4 by CBS",
        "  in the data used here; they are derived from wijk/gemeente figures through the",
        "  address crosswalk (see `derived_columns` and docs/data.md), so their variation",
        "  between PC4s of one gemeente is smoothed. Within-gemeente standard deviation",
        "  across the matched PC4s: " + ", ".join(
            f"{label} {within[f'{col}_within'].std():.3f}" for label, col in (
                ("share 65+", "share_65plus_adults"), ("share low educated", "share_edu_laag"),
                ("share non-western migration", "share_migration_nietwest"),
                ("model low-trust share", "low_trust_share"))
        ) + ".",
        "- TK turnout is counted where votes are cast, not where voters live (voting with a",
        "  stempas anywhere in the country), which adds noise in small and commuter gemeenten.",
        "",
        "## Data handling",
        "",
        "Election results are on the borders of their year and were re-aggregated to the",
        "2024 borders of the database (counts summed over merged gemeenten, then turnout",
        "recomputed). Mergers used: "
        + "; ".join(f"{m.name} ({m.new}, {m.effective.isoformat()}: {', '.join(m.old)})"
                    for m in MERGERS) + ".",
        "",
    ]
    for key, election in elections.items():
        lines.append(f"- **{key}**: {len(election.frame)} gemeenten used; dropped: "
                     + ("; ".join(election.dropped) if election.dropped else "none") + ".")
    lines += [
        f"- **GR2022 polling stations**: {len(within)} gemeente × PC4 pairs in "
        f"{within['gemeente_code'].nunique()} gemeenten (stations without a postcode, PC4s "
        "without a published mix and gemeenten without any of the parties above left out).",
        "",
        "## Method notes (profile mix)",
        "",
        "- Poststratification: the survey's national joint distribution of age × sex ×",
        "  education × migration is raked (IPF) to each area's published marginals; the",
        "  area is assumed to have the national interaction structure (odds ratios). Adults",
        f"  only: CBS's 15–24 band is scaled by {ADULT_FRACTION_15_24} (18–24 is 7 of its 10 "
        "years, uniform",
        "  within the band) to stand for the survey's 18–24; the sex margin is for all ages,",
        "  education for ages 15–75.",
        "- Gemeente estimates are the adult-population-weighted aggregate of their published",
        "  wijken (coherent by construction); intervals are bootstrap percentile intervals",
        "  re-centred on the point estimate (see `areas/mix.py`). They cover the survey's",
        "  sampling noise through posterior draws of the area models (and bootstrap",
        "  refits of the profile model), and the",
        "  local indicators' approximate sampling error; not the instability of the latent",
        "  classes themselves (see docs/method.md, stability).",
    ]
    lines += _diagnostics_lines(diagnostics)
    lines.append("")
    return "\n".join(lines)


def _summary_lines(rows: list[dict], per_gemeente: np.ndarray) -> list[str]:
    """Model vs best single-variable baseline per comparison; the per-gemeente spread."""
    lines: list[str] = []
    for comparison in dict.fromkeys(r["comparison"] for r in rows):
        group = [r for r in rows if r["comparison"] == comparison]
        model = next(r for r in group if r["predictor"].startswith("model"))
        group = [r for r in group if not r["predictor"].startswith("component")]
        baselines = [r for r in group if r["predictor"].startswith("baseline")
                     and np.isfinite(r["pearson"])]
        if not baselines or not np.isfinite(model["pearson"]):
            continue
        best = max(baselines, key=lambda r: abs(r["pearson"]))
        verdict = ("the model correlates more strongly"
                   if abs(model["pearson"]) > abs(best["pearson"])
                   else "the baseline correlates at least as strongly")
        m_lo, m_hi = sorted(abs(v) for v in model["pearson_ci"])
        b_lo, b_hi = sorted(abs(v) for v in best["pearson_ci"])
        if m_lo <= b_hi and b_lo <= m_hi:
            verdict += " (the 95 % intervals overlap)"
        lines.append(f"- {comparison}: model r = {model['pearson']:+.2f}, best baseline "
                     f"({best['predictor'].removeprefix('baseline: ')}) r = "
                     f"{best['pearson']:+.2f}: {verdict}.")
    lines += [""]
    if per_gemeente.size:
        lines += [
            f"Per gemeente (GR2022, gemeenten with ≥ {PER_GEMEENTE_MIN_PC4} matched PC4s, "
            f"n = {per_gemeente.size}):",
            f"median Spearman ρ between PC4 low-trust share and anti-establishment share "
            f"{np.median(per_gemeente):+.2f} (interquartile range "
            f"{np.quantile(per_gemeente, 0.25):+.2f} to {np.quantile(per_gemeente, 0.75):+.2f}); "
            f"positive in {(per_gemeente > 0).mean():.0%} of them.",
            "",
        ]
    return lines


def _diagnostics_lines(diagnostics: dict) -> list[str]:
    """The interesting keys of ``mix_diagnostics`` (coherence, IPF, bootstrap, intervals)."""
    lines: list[str] = []
    if diagnostics:
        interesting = [k for k in diagnostics if k.startswith(("coherence", "ipf", "n_boot",
                                                               "percentile"))]
        if interesting:
            lines += [
                "", "Build diagnostics (from `mix_diagnostics`). Coherence differences are",
                "absolute differences in profile shares (0–1) between the published gemeente",
                "mix and (a) the mix from the gemeente's own marginals (`own_vs_aggregate`),",
                "(b) the PC4 mixes split over gemeenten by address counts (`pc4->gemeente`).",
                "`percentile_interval_missed_point` is the fraction of published shares whose",
                "plain bootstrap percentile interval would not contain the point estimate.", "",
            ]
            lines += [f"- `{k}`: {_short(diagnostics[k])}" for k in sorted(interesting)]
    return lines
