"""Check, not fit: national trust levels in the weighted VU panel vs the ESS round 9 NL extract.

The ESS9 NL extract (2018/19, 1,673 rows) carries only seven trust items, a few
demographics and a weight of unknown construction, and its don't-know answers appear recoded
to 5. It is never used to fit anything; comparing its trust means with the weighted VU panel
shows whether the panel's trust level is in the national range (keeping in mind the two
years between them, the different question wording and the corona winter of 2021).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from betrokken.errors import SourceError

ESS_NL_FILE = Path("survey/ess9_nl_trust_extract/ess9_trust_extract_NL_only.csv")
PAIRS: dict[str, tuple[str, str]] = {
    # VU column: (ESS extract column, Dutch label)
    "trust_parliament": ("trust_country_parliament", "Tweede Kamer / parlement"),
    "trust_justice": ("trust_legal_system", "rechtspraak / rechtssysteem"),
    "trust_politicians": ("trust_politicians", "politici"),
    "trust_parties": ("trust_parties", "politieke partijen"),
    "trust_eu": ("trust_european_parliament", "Europese Unie / Europees Parlement"),
}


def read_ess_nl_trust_extract(data_dir: Path) -> pd.DataFrame:
    path = Path(data_dir) / ESS_NL_FILE
    if not path.is_file():
        raise SourceError(f"Het ESS9-NL-bestand '{path}' ontbreekt.")
    raw = pd.read_csv(path)
    needed = [ess for ess, _ in PAIRS.values()] + ["weight"]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise SourceError(f"Het ESS9-NL-bestand '{path}' mist kolom(men): {', '.join(missing)}.")
    for column, _ in PAIRS.values():
        values = pd.to_numeric(raw[column], errors="coerce")
        raw[column] = values.where(values.between(0, 10))
    return raw


def _wmean(values: pd.Series, weights: np.ndarray) -> float:
    ok = values.notna().to_numpy()
    return float(np.average(values.to_numpy(float)[ok], weights=weights[ok]))


def trust_comparison(vu: pd.DataFrame, vu_weights: np.ndarray, data_dir: Path) -> pd.DataFrame:
    """Weighted mean trust (0-10) per institution: VU 2021 vs ESS9 NL 2018/19."""
    ess = read_ess_nl_trust_extract(data_dir)
    ess_w = pd.to_numeric(ess["weight"], errors="coerce").fillna(1.0).to_numpy()
    rows = []
    for vu_col, (ess_col, label) in PAIRS.items():
        rows.append(
            {
                "item": label,
                "vu_2021_mean": round(_wmean(vu[vu_col], vu_weights), 2),
                "ess9_nl_mean": round(_wmean(ess[ess_col], ess_w), 2),
                "ess9_share_exact_5": round(float((ess[ess_col] == 5).mean()), 3),
                "vu_n": int(vu[vu_col].notna().sum()),
                "ess_n": int(ess[ess_col].notna().sum()),
            }
        )
    return pd.DataFrame(rows)


def comparison_markdown(table: pd.DataFrame) -> str:
    lines = [
        "| institution | VU 2021 (weighted mean, 0–10) | ESS9 NL 2018/19 (weighted mean) | "
        "ESS share of exact 5s | n VU | n ESS |",
        "|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.item} | {r.vu_2021_mean:.2f} | {r.ess9_nl_mean:.2f} | "
            f"{r.ess9_share_exact_5:.3f} | {r.vu_n} | {r.ess_n} |"
        )
    return "\n".join(lines) + "\n"
