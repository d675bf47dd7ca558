"""Gemeente rows: KWB 2024 (current, education/income/housing carried from 2022), 2022, 2020."""

from __future__ import annotations

import pandas as pd

from betrokken.areas.columns import (
    AGE_SHARES,
    EDU_SHARES,
    HH_SHARES,
    HOUSING_COLUMNS,
    INCOME_COLUMNS,
    KWB_AGE,
    KWB_HH,
    join_flags,
    pct,
    secret_list,
    sex_shares,
)
from betrokken.sources.kwb_gemeente import (
    GEMEENTE_2020_COLUMNS,
    GEMEENTE_2024,
)
from betrokken.sources.kwb_population import KWB_2024_POPULATION


def _gemeente_frame(g: pd.DataFrame, *, year: int, code: str, name: str,
                    population: pd.Series, men: pd.Series, women: pd.Series) -> pd.DataFrame:
    """What every KWB gemeente table gives alike: ids, population, age, sex, households."""
    out = pd.DataFrame(index=g.index)
    out["year"] = year
    out["level"] = "gemeente"
    out["area_code"] = g[code]
    out["area_name"] = g[name]
    out["gemeente_code"] = g[code]
    out["wijk_code"] = None
    out["population"] = population
    for ours, theirs in zip(AGE_SHARES, KWB_AGE, strict=True):
        out[ours] = pct(g[theirs])
    out["share_man"], out["share_vrouw"] = sex_shares(men, women)
    for ours, theirs in zip(HH_SHARES, KWB_HH, strict=True):
        out[ours] = pct(g[theirs])
    return out


def _education_shares(out: pd.DataFrame, counts: pd.DataFrame) -> None:
    """Shares laag/midden/hoog from CBS counts (persons 15-75); missing if any is missing."""
    opl = counts[["opl_laag", "opl_midden", "opl_hoog"]]
    total = opl.sum(axis=1, min_count=3)
    for ours, theirs in zip(EDU_SHARES, opl.columns, strict=True):
        out[ours] = opl[theirs] / total


def gemeente_2024_rows(raw: dict[str, pd.DataFrame], gm22_on_24: pd.DataFrame) -> pd.DataFrame:
    """Current gemeente rows: KWB 2024, with education/income/housing carried from 2022."""
    g = raw[GEMEENTE_2024.name].set_index("gemeentecode", drop=False)
    pop = raw[KWB_2024_POPULATION.name]
    pop = pop[pop["level"] == "gemeente"].set_index("regio_code")
    out = _gemeente_frame(
        g, year=2024, code="gemeentecode", name="gemeentenaam",
        population=pop["AantalInwoners"].reindex(g.index).fillna(g["aantal_inwoners"]),
        men=pop["Mannen"].reindex(g.index), women=pop["Vrouwen"].reindex(g.index))
    out["share_migration_nl"] = pct(g["pct_herkomst_nl"])
    out["share_migration_west"] = pct(g["pct_herkomst_europa"])
    out["share_migration_nietwest"] = pct(g["pct_herkomst_buiten_europa"])
    _education_income_housing(out, gm22_on_24.reindex(g.index))
    out["address_density"] = g["omgevingsadressendichtheid"]
    out["urbanity"] = g["stedelijkheid"].astype("Int64")
    carried = [*EDU_SHARES, *INCOME_COLUMNS, *HOUSING_COLUMNS]
    secret = secret_list(g, {**dict(zip(AGE_SHARES, KWB_AGE, strict=True)),
                              **dict(zip(HH_SHARES, KWB_HH, strict=True))})
    missing_2022 = pd.Series(
        [",".join(c for c in carried if pd.isna(out.at[i, c])) for i in out.index],
        index=out.index)
    out["derived_columns"] = ",".join(carried)
    out["secret_columns"] = join_flags(secret, missing_2022)
    out["is_current"] = True
    return out.reset_index(drop=True)


def _education_income_housing(out: pd.DataFrame, kwb22: pd.DataFrame) -> None:
    """Education, income and housing columns from KWB 2022 gemeente figures (one rule for
    the 2022 rows and for the 2024 rows that carry them)."""
    _education_shares(out, kwb22)
    out["income_avg"] = kwb22["gem_inkomen_inwoner"]
    out["share_low_income_hh"] = pct(kwb22["pct_hh_laag_inkomen"])
    out["share_high_income_hh"] = pct(kwb22["pct_hh_hoog_inkomen"])
    out["share_owner_occupied"] = pct(kwb22["koopwoningen"])
    out["woz_avg"] = kwb22["gem_woz_waarde"]


def gemeente_2022_rows(g: pd.DataFrame) -> pd.DataFrame:
    """Gemeente rows of KWB 2022 on their own (2022) codes; no migration in this file."""
    out = _gemeente_frame(g, year=2022, code="gemeentecode", name="gemeentenaam",
                          population=g["aantal_inwoners"], men=g["mannen"], women=g["vrouwen"])
    _education_income_housing(out, g)
    out["address_density"] = g["omgevingsadressendichtheid"]
    out["urbanity"] = g["stedelijkheid"].astype("Int64")
    out["derived_columns"] = ""
    out["secret_columns"] = secret_list(g, {"income_avg": "gem_inkomen_inwoner",
                                             "woz_avg": "gem_woz_waarde",
                                             "share_low_income_hh": "pct_hh_laag_inkomen",
                                             "share_high_income_hh": "pct_hh_hoog_inkomen"})
    out["is_current"] = False
    return out


def gemeente_2020_rows(g: pd.DataFrame) -> pd.DataFrame:
    """Gemeente rows of the wijk- en buurtkaart 2020 on 2020 codes (westers/niet-westers)."""
    g = g.rename(columns=GEMEENTE_2020_COLUMNS)
    out = _gemeente_frame(g, year=2020, code="GM_CODE", name="GM_NAAM",
                          population=g["aantal_inwoners"], men=g["mannen"], women=g["vrouwen"])
    out["share_migration_west"] = pct(g["pct_westers"])
    out["share_migration_nietwest"] = pct(g["pct_niet_westers"])
    out["share_migration_nl"] = 1.0 - out["share_migration_west"] - out["share_migration_nietwest"]
    _education_shares(out, g)
    out["income_avg"] = g["gem_inkomen_inwoner"]
    out["share_low_income_hh"] = pct(g["pct_hh_laagste40"])
    out["share_high_income_hh"] = pct(g["pct_hh_hoogste20"])
    out["share_owner_occupied"] = pct(g["koopwoningen"])
    out["address_density"] = g["omgevingsadressendichtheid"]
    out["urbanity"] = g["stedelijkheid"].astype("Int64")
    out["derived_columns"] = ""
    out["secret_columns"] = ""
    out["is_current"] = False
    return out
