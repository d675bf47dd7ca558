"""What the survey says per profile about each theme (VU panel 2021).

Each respondent counts in profile k with weight ``survey weight × LCA posterior`` (the soft
assignment the profiles are defined by); the per-profile value is that weighted mean and
its 90 % interval comes from a bootstrap over respondents. Display only: nothing here
feeds a model.

Item C1 is asked per party ("what is the most important issue for party X?"), not as the
respondent's own concern; the value here is the share of the parties a respondent judged
for which he or she named the issue, and it is labelled that way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from betrokken.fit_areas import respondent_frame
from betrokken.model.artifact import load_model
from betrokken.schema import INTERVAL_TAILS
from betrokken.survey.vu import vu_path

N_BOOT = 200
SEED = 20240

C1_ISSUES = {8: "klimaat, natuur en milieu", 7: "woningen", 4: "criminaliteitsbestrijding",
             3: "bestuurlijke vernieuwing", 9: "normen en waarden"}
C1_NOTE = ("C1 vraagt per partij naar haar belangrijkste onderwerp; dit is het gemiddelde "
           "aandeel van de beoordeelde partijen waarbij de respondent dit onderwerp noemt, "
           "niet de eigen zorg.")

# theme -> (item id, label, source column, kind)
ITEMS: dict[str, list[tuple[str, str, str, str]]] = {
    "energie": [
        ("c1_climate", "noemt klimaat, natuur en milieu als belangrijkste onderwerp van een "
         "partij", "c1_8", "mean"),
        ("trust_science", "heeft voldoende vertrouwen (6+) in de wetenschap", "trust_science",
         "trust"),
        ("trust_companies", "heeft voldoende vertrouwen (6+) in grote bedrijven",
         "trust_companies", "trust"),
    ],
    "leefomgeving": [
        ("c1_housing", "noemt woningen als belangrijkste onderwerp van een partij", "c1_7",
         "mean"),
        ("h6_immigration", "is het eens dat de komst van asielzoekers en immigranten goed is "
         "voor Nederland", "H6_2", "agree"),
        ("h6_children", "is het eens dat kinderen die nu geboren worden het beter krijgen",
         "H6_1", "agree"),
    ],
    "veiligheid": [
        ("c1_crime", "noemt criminaliteitsbestrijding als belangrijkste onderwerp van een "
         "partij", "c1_4", "mean"),
        ("trust_justice", "heeft voldoende vertrouwen (6+) in de rechtspraak", "trust_justice",
         "trust"),
    ],
    "democratie": [
        ("trust_parliament", "heeft voldoende vertrouwen (6+) in de Tweede Kamer",
         "trust_parliament", "trust"),
        ("trust_democracy", "heeft voldoende vertrouwen (6+) in de Nederlandse democratie",
         "trust_democracy", "trust"),
        ("cyn_dont_care", "vindt dat politici zich niet druk maken om mensen zoals ik",
         "cyn_dont_care", "agree"),
        ("turnout_2017", "stemde bij de Tweede Kamerverkiezing 2017", "turnout_2017", "mean"),
        ("c1_renewal", "noemt bestuurlijke vernieuwing als belangrijkste onderwerp van een "
         "partij", "c1_3", "mean"),
    ],
}


def _raw_items(data_dir: Path) -> pd.DataFrame:
    """C1 (per-party issue) and H6 (issue attitudes) from wave0, by respondent id."""
    raw = pd.read_csv(vu_path(data_dir), low_memory=False,
                      usecols=lambda c: c == "iisID" or c.startswith("C1_1_")
                      and not c.endswith("_text") or c.startswith("H6_"))
    c1 = raw[[f"C1_1_{j}" for j in range(1, 14)]]
    answered = c1.notna().sum(axis=1).replace(0, np.nan)
    out = pd.DataFrame({"respondent_id": raw["iisID"].astype(str)})
    for code in C1_ISSUES:
        out[f"c1_{code}"] = (c1 == code).sum(axis=1) / answered
    for col in ("H6_1", "H6_2", "H6_3"):
        out[col] = pd.to_numeric(raw[col], errors="coerce")
    return out


def _indicator(series: pd.Series, kind: str) -> pd.Series:
    values = pd.to_numeric(series, errors="coerce")
    if kind == "trust":
        return (values >= 6).astype(float).where(values.notna())
    if kind == "agree":
        return (values >= 4).astype(float).where(values.notna())
    return values


def profile_attitudes(frame: pd.DataFrame, weights: np.ndarray, posterior: np.ndarray,
                      profile_ids: list[str], data_dir: Path, *, n_boot: int = N_BOOT,
                      seed: int = SEED) -> pd.DataFrame:
    """Per theme, item and profile: weighted share/mean with a 90 % bootstrap interval.

    Returns ``theme, item, label, kind, profile_id, value, lo, hi, n_eff`` plus rows with
    ``profile_id = 'nl'`` (the whole weighted sample).
    """
    merged = frame[["respondent_id"]].merge(_raw_items(data_dir), on="respondent_id",
                                            how="left")
    data = frame.reset_index(drop=True).copy()
    for col in merged.columns.drop("respondent_id"):
        data[col] = merged[col].to_numpy()
    rng = np.random.default_rng(seed)
    n = len(data)
    boot = rng.integers(0, n, size=(n_boot, n))
    counts = np.stack([np.bincount(b, minlength=n) for b in boot])  # (B, n)
    groups = np.column_stack([posterior, np.ones(n)])  # profiles + NL
    ids = [*profile_ids, "nl"]
    rows = []
    for theme, items in ITEMS.items():
        for item, label, column, kind in items:
            y = _indicator(data[column], kind).to_numpy(dtype=float)
            ok = ~np.isnan(y)
            w = np.where(ok, weights, 0.0)[:, None] * groups  # (n, K+1)
            yv = np.where(ok, y, 0.0)
            value = (w * yv[:, None]).sum(0) / w.sum(0)
            bw = counts @ (w * yv[:, None]), counts @ w  # (B, K+1)
            draws = bw[0] / bw[1]
            lo, hi = np.quantile(draws, INTERVAL_TAILS, axis=0)
            n_eff = w.sum(0) ** 2 / (w ** 2).sum(0)
            for k, pid in enumerate(ids):
                rows.append({"theme": theme, "item": item, "label": label, "kind": kind,
                             "profile_id": pid, "value": float(value[k]), "lo": float(lo[k]),
                             "hi": float(hi[k]), "n_eff": float(n_eff[k])})
    return pd.DataFrame(rows)


def compute_from_data(data_dir: Path) -> pd.DataFrame:
    """Respondents, weights and posteriors of the committed profile model, then
    :func:`profile_attitudes`."""
    model = load_model()
    frame, weights, post, _ = respondent_frame(Path(data_dir), model)
    return profile_attitudes(frame, weights, post, list(model.profile_ids), Path(data_dir))
