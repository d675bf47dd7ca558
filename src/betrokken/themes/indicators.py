"""Official theme indicators per gemeente and for NL, long format, with year and source.

One row per ``theme, area_code, indicator, year``. NL rows (``area_code = 'NL'``) are the
sum (crime) or the resident-weighted mean (energy) over the gemeenten in the file that
year; national trust and participation come from CBS directly. Election turnout comes from
the validation files (shown as facts; never a model input).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from betrokken.sources import themes as src
from betrokken.sources.elections import WADDEN_ISLANDS, load_elections

NL = "NL"
COLUMNS = ["theme", "area_code", "indicator", "label", "unit", "year", "value", "comparable",
           "source"]
CRIME_SOURCE = "Politie/CBS 47018NED via geoinzicht-app (CC BY 4.0)"
ENERGY_SOURCE = "CBS Kerncijfers wijken en buurten via geoinzicht-app (CC BY 4.0)"
GINI_SOURCE = "Politie/CBS; Gini: Bernasco, misdaad_concentratie (CC BY 4.0)"
NATIONAL_SOURCE = "CBS StatLine 82378NED (CC BY 4.0)"
ELECTION_SOURCE = "Kiesraad, officiële uitslagen (validatiebestanden)"

CRIME_INDICATORS = {  # column -> (indicator id, label)
    "cr_totaal_misdrijven": ("crime_rate", "geregistreerde misdrijven per 1.000 inwoners"),
    "cr_inbraak_woning": ("burglary_rate", "woninginbraken per 1.000 inwoners"),
    "cr_mishandeling": ("assault_rate", "mishandelingen per 1.000 inwoners"),
    "cr_vernieling": ("vandalism_rate", "vernielingen per 1.000 inwoners"),
    "cr_cybercrime": ("cybercrime_rate", "cybercrime per 1.000 inwoners"),
}


def _crime(data_dir: Path) -> pd.DataFrame:
    crime = src.read_crime(data_dir)
    parts = []
    for column, (indicator, label) in CRIME_INDICATORS.items():
        gm = pd.DataFrame({"area_code": crime["gemeente_code"], "year": crime["year"],
                           "value": crime[column] / crime["population"] * 1000,
                           "comparable": crime["comparable"]})
        sums = crime.groupby("year")[[column, "population"]].sum()
        clean = crime.groupby("year")["comparable"].all()
        nl = pd.DataFrame({"area_code": NL, "year": sums.index,
                           "value": (sums[column] / sums["population"] * 1000).to_numpy(),
                           "comparable": clean.reindex(sums.index).to_numpy()})
        part = pd.concat([gm, nl], ignore_index=True)
        part["indicator"], part["label"] = indicator, label
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["theme"], out["unit"], out["source"] = "veiligheid", "per 1.000", CRIME_SOURCE
    gini = src.read_crime_concentration(data_dir)
    g = pd.DataFrame({"theme": "veiligheid", "area_code": gini["gemeente_code"],
                      "indicator": "crime_gini",
                      "label": "concentratie van misdaad over de buurten (Gini, 0–1)",
                      "unit": "index", "year": 2023, "value": gini["gini"], "comparable": True,
                      "source": GINI_SOURCE})
    return pd.concat([out, g], ignore_index=True)


def _energy(data_dir: Path) -> pd.DataFrame:
    energy = src.read_energy(data_dir)
    pop = src.read_crime(data_dir)[["gemeente_code", "year", "population"]]
    energy = energy.merge(pop, on=["gemeente_code", "year"], how="left")
    specs = {"gas_m3": ("gas_m3", "gemiddeld aardgasverbruik per woning", "m³"),
             "electricity_kwh": ("electricity_kwh", "gemiddeld elektriciteitsverbruik per "
                                 "woning", "kWh"),
             "district_heating_pct": ("district_heating", "woningen met stadsverwarming", "%")}
    parts = []
    for column, (indicator, label, unit) in specs.items():
        gm = energy.loc[energy[column].notna(), ["gemeente_code", "year", column, "population"]]
        nl = (gm.dropna(subset=["population"]).groupby("year")
              .apply(lambda f, c=column: (f[c] * f["population"]).sum() / f["population"].sum(),
                     include_groups=False).rename("value").reset_index())
        nl["area_code"] = NL
        part = pd.concat([gm.rename(columns={"gemeente_code": "area_code", column: "value"}),
                          nl], ignore_index=True)
        part["indicator"], part["label"], part["unit"] = indicator, label, unit
        parts.append(part.drop(columns="population", errors="ignore"))
    out = pd.concat(parts, ignore_index=True)
    out["theme"], out["comparable"], out["source"] = "energie", True, ENERGY_SOURCE
    return out


def _national(data_dir: Path) -> pd.DataFrame:
    parts = []
    for reader, unit in ((src.read_national_trust, "%"), (src.read_national_participation, "%"),
                         (src.read_national_interest, "%")):
        frame = reader(data_dir)
        frame = frame[frame["group"] == "Totaal"]
        parts.append(pd.DataFrame({"theme": "democratie", "area_code": NL,
                                   "indicator": "nl_" + frame["item"], "label": frame["label"],
                                   "unit": unit, "year": frame["year"],
                                   "value": frame["percent"], "comparable": True,
                                   "source": NATIONAL_SOURCE}))
    return pd.concat(parts, ignore_index=True)


def _turnout(data_dir: Path, known: set[str]) -> pd.DataFrame:
    validation = Path(data_dir) / "validation"
    if not validation.is_dir():
        return pd.DataFrame(columns=COLUMNS)
    elections = load_elections(validation, known)
    years = {"TK2021": 2021, "GR2022": 2022, "PS2019": 2019}
    names = {"TK2021": "opkomst Tweede Kamer 2021", "GR2022": "opkomst gemeenteraad 2022",
             "PS2019": "opkomst Provinciale Staten 2019"}
    parts = []
    for key, election in elections.items():
        f = election.frame
        nl = f["votes"].sum() / f["electorate"].sum()
        islands = _island_turnout(validation, key)
        parts.append(pd.DataFrame({
            "theme": "democratie",
            "area_code": [*f["gemeente_code"], NL, *islands.index],
            "indicator": "turnout_" + key.lower(), "label": names[key], "unit": "%",
            "year": years[key], "value": [*(f["turnout"] * 100), nl * 100, *islands * 100],
            "comparable": [True] * (len(f) + 1) + [False] * len(islands),
            "source": ELECTION_SOURCE}))
    return pd.concat(parts, ignore_index=True)


ISLAND_FILES = {"TK2021": ("tk2021_gemeente.csv", "uitgebrachte_stemmen"),
                "GR2022": ("gr2022_gemeente.csv", "uitgebrachte_stemmen"),
                "PS2019": ("ps2019_gemeente_opkomst.csv", "geldige_stemmen")}


def _island_turnout(validation: Path, key: str) -> pd.Series:
    """Turnout on the Wadden islands, straight from the file: the validation leaves them
    out (tourists vote there), the democracy theme shows them marked not comparable."""
    file, votes = ISLAND_FILES[key]
    raw = pd.read_csv(validation / file)
    raw = raw[raw["gemeente_code"].isin(WADDEN_ISLANDS) & (raw["kiesgerechtigden"] > 0)]
    return (raw[votes] / raw["kiesgerechtigden"]).set_axis(raw["gemeente_code"])


def theme_indicators(data_dir: Path, gemeente_codes: set[str]) -> pd.DataFrame:
    """All official theme indicators on the current gemeenten (and NL)."""
    frames = [_crime(data_dir), _energy(data_dir), _national(data_dir),
              _turnout(data_dir, gemeente_codes)]
    out = pd.concat(frames, ignore_index=True)[COLUMNS]
    keep = out["area_code"].isin(gemeente_codes | {NL})
    out = out[keep & out["value"].notna()]
    out["year"] = out["year"].astype(int)
    out["comparable"] = out["comparable"].astype(bool)
    return out.sort_values(["theme", "indicator", "area_code", "year"]).reset_index(drop=True)
