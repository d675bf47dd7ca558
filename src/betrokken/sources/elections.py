"""Kiesraad election results per gemeente (``validation/``), on the 2024 borders.

Area-level election data never enters a model, weight or choice: the validation
(``reports/validation.py``) compares the profile mix with it, and the democracy theme
shows turnout (``themes/indicators.py``). Results are on the municipal borders of their
year; they are re-aggregated to the 2024 borders with ``mergers.MERGERS`` (counts summed,
then turnout recomputed); what cannot be reconciled is dropped and listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from betrokken.errors import SourceError
from betrokken.mergers import SPLITS, successor_map

ANTI_ESTABLISHMENT_PARTIES: tuple[str, ...] = ("PVV", "FvD", "JA21", "BBB", "SP")
"""Parties counted as anti-establishment (populist left and right, farmers' protest)."""

WADDEN_ISLANDS: dict[str, str] = {
    "GM0448": "Texel",
    "GM0096": "Vlieland",
    "GM0093": "Terschelling",
    "GM0060": "Ameland",
    "GM0088": "Schiermonnikoog",
}
"""Excluded everywhere: tourists vote there, turnout goes above 100 %."""


ELECTION_DATES = {
    "PS2019": dt.date(2019, 3, 20),
    "TK2021": dt.date(2021, 3, 17),
    "GR2022": dt.date(2022, 3, 16),
}


@dataclass
class Election:
    """Results of one election per gemeente on 2024 borders, with what was dropped."""

    key: str
    frame: pd.DataFrame  # gemeente_code, electorate, votes, valid, turnout, anti_share
    dropped: list[str] = field(default_factory=list)


def to_2024_borders(frame: pd.DataFrame, election: str, known: set[str],
                    count_columns: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Sum counts of merged gemeenten onto their 2024 code; drop what cannot be mapped.

    A merged gemeente is kept only when every gemeente that formed it is in the file.
    """
    date = ELECTION_DATES[election]
    mapping, members = successor_map(date)
    dropped: list[str] = []
    present = set(frame["gemeente_code"])
    split = frame["gemeente_code"].isin(SPLITS)
    for code in frame.loc[split, "gemeente_code"]:
        dropped.append(f"{code} {SPLITS[code]}")
    frame = frame[~split].assign(
        gemeente_code=lambda f: f["gemeente_code"].map(lambda c: mapping.get(c, c))
    )
    for new, olds in members.items():
        if new in set(frame["gemeente_code"]) and not olds <= present:
            missing = ", ".join(sorted(olds - present))
            dropped.append(f"{new}: merged gemeente incomplete in the file (missing: {missing})")
            frame = frame[frame["gemeente_code"] != new]
    summed = frame.groupby("gemeente_code", as_index=False)[count_columns].sum(min_count=1)
    unknown = sorted(set(summed["gemeente_code"]) - known)
    if unknown:
        dropped.append(f"not in the database (2024 borders): {', '.join(unknown)}")
    return summed[summed["gemeente_code"].isin(known)], dropped


def read_validation_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise SourceError(f"Validatiebestand '{path}' ontbreekt.")
    return pd.read_csv(path)


def load_elections(validation_dir: Path, known: set[str]) -> dict[str, Election]:
    """TK2021, GR2022 and PS2019 per gemeente, on 2024 borders, Wadden islands excluded."""
    parties = [f"votes_{p}" for p in ANTI_ESTABLISHMENT_PARTIES]
    out: dict[str, Election] = {}

    tk = read_validation_csv(validation_dir / "tk2021_gemeente.csv")
    tk = tk.rename(columns={"kiesgerechtigden": "electorate", "uitgebrachte_stemmen": "votes",
                            "geldige_stemmen": "valid"})
    tk["anti_votes"] = tk[parties].sum(axis=1)
    frame, dropped = to_2024_borders(tk, "TK2021", known,
                                     ["electorate", "votes", "valid", "anti_votes"])
    out["TK2021"] = Election("TK2021", frame, dropped)

    gr = read_validation_csv(validation_dir / "gr2022_gemeente.csv")
    bad = gr["opkomst_flag"].notna() | gr["opkomst_pct"].isna()
    flagged = gr.loc[bad, ["gemeente_code", "gemeente_naam"]].itertuples(index=False)
    gr_dropped = [f"{c} {n}: electorate missing in the source file" for c, n in flagged]
    gr = gr[~bad].rename(columns={"kiesgerechtigden": "electorate",
                                  "uitgebrachte_stemmen": "votes", "geldige_stemmen": "valid"})
    gr["anti_votes"] = gr[parties].sum(axis=1)
    frame, dropped = to_2024_borders(gr, "GR2022", known,
                                     ["electorate", "votes", "valid", "anti_votes"])
    out["GR2022"] = Election("GR2022", frame, gr_dropped + dropped)

    ps = read_validation_csv(validation_dir / "ps2019_gemeente_opkomst.csv")
    ps = ps.rename(columns={"kiesgerechtigden": "electorate", "geldige_stemmen": "votes"})
    frame, dropped = to_2024_borders(ps, "PS2019", known, ["electorate", "votes"])
    out["PS2019"] = Election("PS2019", frame, dropped)

    for election in out.values():
        f = election.frame
        absent = len(known - set(f["gemeente_code"]) - set(WADDEN_ISLANDS))
        if absent:
            election.dropped.append(f"{absent} gemeenten of the database have no result in this "
                                    "file (no election that year, or no file)")
        f["turnout"] = f["votes"] / f["electorate"].where(f["electorate"] > 0)
        if "anti_votes" in f:
            f["anti_share"] = f["anti_votes"] / f["valid"].where(f["valid"] > 0)
        wadden = f["gemeente_code"].isin(WADDEN_ISLANDS)
        over = f["turnout"] > 1
        election.dropped += [f"{c} {WADDEN_ISLANDS[c]} (Wadden island)"
                             for c in f.loc[wadden, "gemeente_code"]]
        election.dropped += [f"{c}: turnout above 100 %" for c in f.loc[over & ~wadden,
                                                                         "gemeente_code"]]
        election.frame = f[~wadden & ~over].reset_index(drop=True)
    return out
