"""National population marginals for weighting, read straight from the CBS files.

Four margins, each as shares summing to 1 over the adult population:

- ``age_sex``: KWB age band x sex, from CBS population per PC4 by 5-year age and sex
  (1 Jan 2021, summed over all PC4). The survey is 18+, so the 15-19 band contributes 2/5
  of its size to ``15_24`` (uniform-within-band assumption).
- ``education``: CBS opleidingsniveau laag/midden/hoog (persons 15-75, KWB 2022, summed over
  all gemeenten). CBS: laag = basisonderwijs, vmbo, havo/vwo onderbouw, mbo 1; midden =
  havo/vwo bovenbouw, mbo 2-4; hoog = hbo, wo. The survey covers 18+ incl. 75+, so this
  margin is an approximation for the oldest ages.
- ``region``: the VU panel's Nielsen regions, from gemeente (2022) -> provincie (CBS Gebieden
  in Nederland 2022) and the panel codebook's list of three big cities and their suburbs;
  population 15+ per gemeente (KWB 2022, inhabitants x (1 - share 0-14)).
- ``migration``: nl / west / nietwest, from the KWB 2020 shares with a western and a
  non-western migration background (all gemeenten, population weighted). That is the
  definition the VU panel's ethnicity question follows (first and second generation);
  the shares are for all ages, an approximation for adults. Without this margin the
  online panel over-represents residents without a migration background (88 % vs 76 %).

A small reader of its own on purpose: the sources/ package belongs to the area pipeline.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from betrokken.errors import SourceError
from betrokken.survey.frame import REGIONS

AGE5_FILE = Path("cbs/pc4_2021_population_by_age5_sex_certegis.csv")
GEMEENTE_FILE = Path("cbs/gemeente_2022_kwb_geoinzicht_attributes.csv")
GEBIEDEN_FILE = Path("cbs/gebieden_in_nederland_2022_85067NED.csv")
GEMEENTE_2020_FILE = Path("cbs/gemeente_2020_kwb_buurtvergelijker.csv")
MIGRATION_2020_COLUMNS = {
    "west": "Westerse migratieachtergrond (% van aantal inwoners)",
    "nietwest": "Niet-westerse migratieachtergrond (% van aantal inwoners)",
}

BIG_CITIES_2022: dict[str, str] = {
    # VU codebook, region 1: "Een van de 3 grote steden of randgemeenten". Nederlek (now part
    # of Krimpenerwaard) and Wateringen (now part of Westland) were merged into larger
    # gemeenten and are left out: counting all of Krimpenerwaard/Westland would overstate.
    "GM0363": "Amsterdam",
    "GM0384": "Diemen",
    "GM0437": "Ouder-Amstel",
    "GM0415": "Landsmeer",
    "GM0362": "Amstelveen",
    "GM0599": "Rotterdam",
    "GM0606": "Schiedam",
    "GM0502": "Capelle aan den IJssel",
    "GM0542": "Krimpen aan den IJssel",
    "GM0597": "Ridderkerk",
    "GM0489": "Barendrecht",
    "GM0613": "Albrandswaard",
    "GM0518": "'s-Gravenhage",
    "GM1916": "Leidschendam-Voorburg",
    "GM0603": "Rijswijk",
    "GM0629": "Wassenaar",
}

PROVINCE_REGION: dict[str, str] = {
    "Groningen": "noord",
    "Fryslân": "noord",
    "Drenthe": "noord",
    "Overijssel": "oost",
    "Gelderland": "oost",
    "Flevoland": "oost",
    "Zeeland": "zuid",
    "Noord-Brabant": "zuid",
    "Limburg": "zuid",
    "Noord-Holland": "west",
    "Zuid-Holland": "west",
    "Utrecht": "west",
}

AGE5_TO_BAND: dict[str, tuple[str, float]] = {
    "15-19": ("15_24", 2 / 5),  # only 18 and 19 year olds are in the survey population
    "20-24": ("15_24", 1.0),
    **{a: ("25_44", 1.0) for a in ("25-29", "30-34", "35-39", "40-44")},
    **{a: ("45_64", 1.0) for a in ("45-49", "50-54", "55-59", "60-64")},
    **{a: ("65plus", 1.0) for a in ("65-69", "70-74", "75-79", "80-84", "85-89", "90-94", "95+")},
}


def _read(data_dir: Path, rel: Path, columns: list[str], **kwargs) -> pd.DataFrame:
    path = Path(data_dir) / rel
    if not path.is_file():
        raise SourceError(f"Bronbestand '{path}' ontbreekt (nodig voor de weging).")
    frame = pd.read_csv(path, **kwargs)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceError(f"Bronbestand '{path}' mist kolom(men): {', '.join(missing)}.")
    return frame


def age_sex_margin(data_dir: Path) -> pd.Series:
    """Share of adults (18+) per ``age|sex`` cell, e.g. ``'25_44|vrouw'``."""
    raw = _read(data_dir, AGE5_FILE, ["leeftijd", "inwoners_man", "inwoners_vrouw"])
    rows = []
    for age5, (band, frac) in AGE5_TO_BAND.items():
        sub = raw[raw["leeftijd"] == age5]
        if sub.empty:
            raise SourceError(f"Leeftijdsklasse '{age5}' ontbreekt in {AGE5_FILE}.")
        rows.append((f"{band}|man", frac * sub["inwoners_man"].sum()))
        rows.append((f"{band}|vrouw", frac * sub["inwoners_vrouw"].sum()))
    counts = pd.DataFrame(rows, columns=["cell", "n"]).groupby("cell", sort=False)["n"].sum()
    return (counts / counts.sum()).rename("share")


def education_margin(data_dir: Path) -> pd.Series:
    """Share laag/midden/hoog among persons 15-75 (KWB 2022, all gemeenten)."""
    raw = _read(data_dir, GEMEENTE_FILE, ["gemeentecode", "opl_laag", "opl_midden", "opl_hoog"])
    raw = raw[raw["gemeentecode"].astype(str).str.startswith("GM")]
    counts = pd.Series(
        {
            "laag": raw["opl_laag"].sum(),
            "midden": raw["opl_midden"].sum(),
            "hoog": raw["opl_hoog"].sum(),
        }
    )
    return (counts / counts.sum()).rename("share")


def gemeente_regions(data_dir: Path) -> pd.DataFrame:
    """gemeente_code -> provincie -> Nielsen region (2022 municipal borders)."""
    raw = _read(data_dir, GEBIEDEN_FILE, ["RegioS", "Code_26", "Naam_27"], dtype=str)
    out = pd.DataFrame(
        {
            "gemeente_code": raw["RegioS"].str.strip(),
            "provincie": raw["Naam_27"].str.strip(),
        }
    )
    unknown = sorted(set(out["provincie"]) - set(PROVINCE_REGION))
    if unknown:
        raise SourceError(f"Onbekende provincie(s) in {GEBIEDEN_FILE}: {', '.join(unknown)}.")
    out["region"] = out["provincie"].map(PROVINCE_REGION)
    out.loc[out["gemeente_code"].isin(BIG_CITIES_2022), "region"] = "grote_steden"
    missing = sorted(set(BIG_CITIES_2022) - set(out["gemeente_code"]))
    if missing:
        raise SourceError(f"Gemeente(n) {', '.join(missing)} ontbreken in {GEBIEDEN_FILE}.")
    return out


def region_margin(data_dir: Path) -> pd.Series:
    """Share of the population 15+ per Nielsen region."""
    regions = gemeente_regions(data_dir)
    pop = _read(data_dir, GEMEENTE_FILE, ["gemeentecode", "aantal_inwoners", "0_15"])
    pop = pop[pop["gemeentecode"].astype(str).str.startswith("GM")]
    adults = pd.Series(
        (pop["aantal_inwoners"] * (1 - pop["0_15"] / 100)).to_numpy(),
        index=pop["gemeentecode"].to_numpy(),
    )
    merged = regions.assign(adults=regions["gemeente_code"].map(adults))
    if merged["adults"].isna().any():
        bad = merged.loc[merged["adults"].isna(), "gemeente_code"].tolist()[:5]
        raise SourceError(f"Geen inwonertal voor gemeente(n) {', '.join(bad)} in {GEMEENTE_FILE}.")
    counts = merged.groupby("region")["adults"].sum().reindex(list(REGIONS))
    return (counts / counts.sum()).rename("share")


def migration_margin(data_dir: Path) -> pd.Series:
    """Share nl / west / nietwest (KWB 2020, population weighted over all gemeenten)."""
    columns = ["Aantal inwoners", *MIGRATION_2020_COLUMNS.values()]
    raw = _read(data_dir, GEMEENTE_2020_FILE, columns)
    pop = pd.to_numeric(raw["Aantal inwoners"], errors="coerce")
    counts = {
        code: float((pop * pd.to_numeric(raw[col], errors="coerce") / 100).sum())
        for code, col in MIGRATION_2020_COLUMNS.items()
    }
    total = float(pop.sum())
    shares = pd.Series(
        {"nl": 1 - sum(counts.values()) / total, **{code: n / total for code, n in counts.items()}}
    )
    return shares.rename("share")


def national_targets(data_dir: Path) -> dict[str, pd.Series]:
    """The raking margins: ``age_sex``, ``education``, ``region``, ``migration`` (shares)."""
    return {
        "age_sex": age_sex_margin(data_dir),
        "education": education_margin(data_dir),
        "region": region_margin(data_dir),
        "migration": migration_margin(data_dir),
    }
