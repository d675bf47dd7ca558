"""Readers of the theme files: crime, energy, living environment and national trust and
participation (``themes/`` in the data directory, see its SOURCES.md).

These figures are shown in the theme dossiers and reports only; they never enter a model.

Live path (documented, not reachable from the development machine; the StatLine parsers
below are tested on fixtures made from the local files):

- registered crime per gemeente/wijk/buurt: CBS StatLine 47018NED (bulk feed
  ``https://opendata.cbs.nl/ODataFeed/odata/47018NED``), read with
  :func:`betrokken.sources.odata.fetch_cbs_table` and :func:`parse_47018`;
- Veiligheidsmonitor per gemeente: 85146NED (:func:`parse_85146`), by personal
  characteristics 85844NED;
- energy per wijk/buurt: the KWB columns ``GemiddeldAardgasverbruik`` /
  ``GemiddeldElektriciteitsverbruikTotaal`` or 86159NED;
- trust 85533NED, participation and volunteering 85541NED;
- Leefbaarometer 3.0 scores per wijk (Min. BZK, https://www.leefbaarometer.nl/page/Open%20data)
  in the column layout of the Amstelveen fixture (:func:`read_leefbaarometer`);
- CBS "Bereidheid energietransitiemaatregelen 2021" (maatwerk 2023/14, per gemeente and wijk,
  https://www.cbs.nl/nl-nl/maatwerk/2023/14).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from betrokken.errors import SourceError
from betrokken.sources.odata import column_by_base, fetch_cbs_table

THEMES_DIR = "themes"
LICENCE = "CC BY 4.0"

CRIME_FILE = "gemeente_crime_2012_2024_geoinzicht.csv"
ENERGY_FILE = "gemeente_energy_kwb_2012_2022_geoinzicht.csv"
GINI_FILE = "gemeente_brengdelicten_2023_gini_bernasco.csv"
LEEFBAAROMETER_FIXTURE = "leefbaarometer3_wijk_amstelveen_2014_2022_fixture.csv"
TRUST_FILE = "national_vertrouwen_by_migratieachtergrond_2012_2017_cbs.csv"
PARTICIPATION_FILE = "national_politieke_participatie_by_migratieachtergrond_2012_2017_cbs.csv"
INTEREST_FILE = "national_politieke_interesse_by_migratieachtergrond_2012_2017_cbs.csv"

STATLINE_URL = "https://opendata.cbs.nl/ODataFeed/odata/{table}"
LIVE_TABLES = {
    "47018NED": "Geregistreerde misdrijven per wijk en buurt (Politie/CBS)",
    "85146NED": "Veiligheidsmonitor per gemeente (CBS)",
    "85844NED": "Veiligheidsmonitor naar persoonskenmerken (CBS)",
    "86159NED": "Energieverbruik per wijk en buurt (CBS)",
    "85533NED": "Vertrouwen in instituties (CBS)",
    "85541NED": "Politieke en maatschappelijke participatie (CBS)",
}

CRIME_TYPES = {
    "cr_totaal_misdrijven": "alle geregistreerde misdrijven",
    "cr_inbraak_woning": "woninginbraak",
    "cr_diefstal_fietsen": "fietsendiefstal",
    "cr_mishandeling": "mishandeling",
    "cr_bedreiging": "bedreiging",
    "cr_vernieling": "vernieling",
    "cr_cybercrime": "cybercrime",
    "cr_fraude": "fraude",
}
CRIME_COLUMNS = ("crime_year", "gemeentecode", "gemeentenaam", "aantal_inwoners",
                 *CRIME_TYPES, "flag_area_grew_by_2024")
ENERGY_COLUMNS = ("kwb_year", "gemeentecode", "gemeentenaam", "gem_aardgas_m3",
                  "gem_elektriciteit_kwh", "pct_stadsverwarming")
GINI_COLUMNS = ("naam", "nummer", "bevolking", "misdaad", "gini_misdaad")
LEEFBAAROMETER_COLUMNS = ("wk_code", "wk_naam", "jaar", "lbm", "afw", "fys", "onv", "soc",
                          "vrz", "won")
TRUST_ITEMS = {
    "VertrouwenInAndereMensen": "vertrouwt andere mensen",
    "Rechters": "vertrouwt rechters",
    "Politie": "vertrouwt de politie",
    "TweedeKamer": "vertrouwt de Tweede Kamer",
    "Ambtenaren": "vertrouwt ambtenaren",
    "Pers": "vertrouwt de pers",
    "EuropeseUnie": "vertrouwt de EU",
}
PARTICIPATION_ITEMS = {
    "MeegedaanAanBijeenkomstOverheid": "bijeenkomst van de overheid bijgewoond",
    "ContactOpgenomenMetPoliticus": "contact opgenomen met een politicus",
    "MeegedaanAanHandtekeningenactie": "handtekeningenactie",
    "MeegedaanPolitiekeActieViaInternet": "politieke actie via internet",
    "MeegedaanAanProtestactie": "protestactie",
}
INTEREST_ITEMS = {
    "ZeerGeinteresseerd": "zeer geïnteresseerd in politiek",
    "TamelijkGeinteresseerd": "tamelijk geïnteresseerd in politiek",
}


def themes_dir(data_dir: Path) -> Path:
    return Path(data_dir) / THEMES_DIR


def _read(path: Path, columns, *, sep: str = ",", label: str) -> pd.DataFrame:
    """A CSV with the named columns, or a Dutch ``SourceError`` naming file and column."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"Themabestand '{path}' ({label}) ontbreekt.",
                          hint=f"Verwacht in de datamap: {THEMES_DIR}/{path.name}.")
    try:
        frame = pd.read_csv(path, sep=sep, dtype={"gemeentecode": str, "nummer": str})
    except pd.errors.EmptyDataError:
        raise SourceError(f"Themabestand '{path}' ({label}) is leeg.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SourceError(f"Themabestand '{path}' is geen leesbaar CSV-bestand: {exc}") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceError(f"Themabestand '{path}' ({label}) mist kolom(men): "
                          f"{', '.join(missing)}.")
    if frame.empty:
        raise SourceError(f"Themabestand '{path}' ({label}) bevat geen rijen.")
    return frame


def _numeric(frame: pd.DataFrame, columns, path: Path) -> pd.DataFrame:
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna() & (frame[column].astype(str).str.strip() != "")
        if bad.any():
            row = int(bad.idxmax()) + 2
            raise SourceError(f"Themabestand '{path}': kolom '{column}' heeft een ongeldige "
                              f"waarde '{frame.loc[bad.idxmax(), column]}' (regel {row}).")
        frame[column] = values
    return frame


def read_crime(data_dir: Path) -> pd.DataFrame:
    """Registered crime per gemeente (2024 borders) and year: ``gemeente_code, year,
    population, <crime types>, rate_per_1000, comparable`` (``comparable`` is False where the
    2024 area grew by more than 10 % since that year; those rates are too high)."""
    path = themes_dir(data_dir) / CRIME_FILE
    raw = _numeric(_read(path, CRIME_COLUMNS, label="criminaliteit"),
                   ["crime_year", "aantal_inwoners", *CRIME_TYPES, "flag_area_grew_by_2024"], path)
    out = raw.rename(columns={"crime_year": "year", "gemeentecode": "gemeente_code",
                              "gemeentenaam": "name", "aantal_inwoners": "population"})
    out["year"] = out["year"].astype(int)
    out["rate_per_1000"] = out["cr_totaal_misdrijven"] / out["population"] * 1000
    out["comparable"] = out["flag_area_grew_by_2024"].fillna(0).astype(int) == 0
    return out[["gemeente_code", "name", "year", "population", *CRIME_TYPES,
                "rate_per_1000", "comparable"]]


def read_energy(data_dir: Path) -> pd.DataFrame:
    """Average gas (m³) and electricity (kWh) use per dwelling per gemeente and KWB year, and
    the share of dwellings on district heating (2022 only)."""
    path = themes_dir(data_dir) / ENERGY_FILE
    raw = _numeric(_read(path, ENERGY_COLUMNS, label="energie"),
                   ["kwb_year", "gem_aardgas_m3", "gem_elektriciteit_kwh", "pct_stadsverwarming"],
                   path)
    out = raw.rename(columns={"kwb_year": "year", "gemeentecode": "gemeente_code",
                              "gemeentenaam": "name", "gem_aardgas_m3": "gas_m3",
                              "gem_elektriciteit_kwh": "electricity_kwh",
                              "pct_stadsverwarming": "district_heating_pct"})
    out["year"] = out["year"].astype(int)
    return out[["gemeente_code", "name", "year", "gas_m3", "electricity_kwh",
                "district_heating_pct"]]


def read_crime_concentration(data_dir: Path) -> pd.DataFrame:
    """Crimes reported by victims 2023 and the Gini of their spread over the buurten."""
    path = themes_dir(data_dir) / GINI_FILE
    raw = _numeric(_read(path, GINI_COLUMNS, label="misdaadconcentratie"),
                   ["bevolking", "misdaad", "gini_misdaad"], path)
    code = "GM" + raw["nummer"].astype(str).str.strip().str.zfill(4)
    return pd.DataFrame({"gemeente_code": code, "name": raw["naam"], "year": 2023,
                         "population": raw["bevolking"], "victim_crimes": raw["misdaad"],
                         "gini": raw["gini_misdaad"]})


def read_leefbaarometer(path: Path) -> pd.DataFrame:
    """Leefbaarometer 3.0 per wijk and year (national file or the Amstelveen fixture):
    ``wijk_code, name, year, score, deviation, <dimensions>``."""
    raw = _numeric(_read(Path(path), LEEFBAAROMETER_COLUMNS, label="Leefbaarometer"),
                   ["jaar", "lbm", "afw", "fys", "onv", "soc", "vrz", "won"], Path(path))
    return raw.rename(columns={"wk_code": "wijk_code", "wk_naam": "name", "jaar": "year",
                               "lbm": "score", "afw": "deviation", "fys": "physical",
                               "onv": "nuisance_unsafety", "soc": "social_cohesion",
                               "vrz": "amenities", "won": "housing"})[
        ["wijk_code", "name", "year", "score", "deviation", "physical", "nuisance_unsafety",
         "social_cohesion", "amenities", "housing"]].astype({"year": int})


def _read_national(data_dir: Path, file: str, items: dict[str, str], label: str) -> pd.DataFrame:
    path = themes_dir(data_dir) / file
    raw = _read(path, ("Migratieachtergrond", "Periode", *items), sep=";", label=label)
    raw = _numeric(raw, ["Periode", *items], path)
    long = raw.melt(id_vars=["Migratieachtergrond", "Periode"], value_vars=list(items),
                    var_name="item", value_name="percent")
    long["label"] = long["item"].map(items)
    return long.rename(columns={"Migratieachtergrond": "group", "Periode": "year"}).astype(
        {"year": int})[["group", "year", "item", "label", "percent"]]


def read_national_trust(data_dir: Path) -> pd.DataFrame:
    """CBS (82378NED) % trusting people and institutions, NL × migration background, 2012–17."""
    return _read_national(data_dir, TRUST_FILE, TRUST_ITEMS, "vertrouwen")


def read_national_participation(data_dir: Path) -> pd.DataFrame:
    """CBS % who took part in political activities, NL × migration background, 2012–2017."""
    return _read_national(data_dir, PARTICIPATION_FILE, PARTICIPATION_ITEMS, "participatie")


def read_national_interest(data_dir: Path) -> pd.DataFrame:
    """CBS % (very / fairly) interested in politics, NL × migration background, 2012–2017."""
    return _read_national(data_dir, INTEREST_FILE, INTEREST_ITEMS, "politieke interesse")


# --------------------------------------------------------------------------- live path


def _regio(frame: pd.DataFrame, table: str) -> pd.Series:
    if "WijkenEnBuurten" in frame:
        return frame["WijkenEnBuurten"].astype(str).str.strip()
    if "RegioS" in frame:
        return frame["RegioS"].astype(str).str.strip()
    raise SourceError(f"CBS-tabel {table} heeft geen kolom 'WijkenEnBuurten' of 'RegioS'.")


def parse_47018(frame: pd.DataFrame) -> pd.DataFrame:
    """47018NED ``TypedDataSet`` (crime per gemeente/wijk/buurt, year, crime type) to
    ``area_code, year, crime_type, count``. Crime types are CBS codes (``0.0.0`` = total)."""
    needed = ("SoortMisdrijf", "Perioden")
    missing = [c for c in needed if c not in frame]
    if missing:
        raise SourceError(f"CBS-tabel 47018NED mist kolom(men): {', '.join(missing)}.")
    count = column_by_base(frame, "GeregistreerdeMisdrijven")
    if count.isna().all():
        raise SourceError("CBS-tabel 47018NED heeft geen kolom 'GeregistreerdeMisdrijven'.")
    return pd.DataFrame({
        "area_code": _regio(frame, "47018NED"),
        "year": frame["Perioden"].astype(str).str[:4].astype(int),
        "crime_type": frame["SoortMisdrijf"].astype(str).str.strip(),
        "count": count,
    })


def parse_85146(frame: pd.DataFrame) -> pd.DataFrame:
    """85146NED (Veiligheidsmonitor per gemeente) to ``area_code, year, item, percent`` for
    the topics whose base name is listed in :data:`VEILIGHEIDSMONITOR_ITEMS`."""
    if "Perioden" not in frame:
        raise SourceError("CBS-tabel 85146NED mist kolom(men): Perioden.")
    region = _regio(frame, "85146NED")
    parts = []
    for base in VEILIGHEIDSMONITOR_ITEMS:
        values = column_by_base(frame, base)
        if values.notna().any():
            parts.append(pd.DataFrame({"area_code": region,
                                       "year": frame["Perioden"].astype(str).str[:4].astype(int),
                                       "item": base, "percent": values}))
    if not parts:
        raise SourceError("CBS-tabel 85146NED heeft geen van de verwachte kolommen: "
                          + ", ".join(VEILIGHEIDSMONITOR_ITEMS) + ".")
    return pd.concat(parts, ignore_index=True)


VEILIGHEIDSMONITOR_ITEMS = {
    "VoeltZichWeleensOnveiligInBuurt": "voelt zich weleens onveilig in de buurt",
    "Slachtofferschap": "slachtoffer van criminaliteit",
}


def fetch_live(table_id: str, cache_dir: Path, *, progress=None) -> pd.DataFrame:
    """Download and parse a live theme table (47018NED or 85146NED) from CBS StatLine."""
    parsers = {"47018NED": parse_47018, "85146NED": parse_85146}
    if table_id not in parsers:
        raise SourceError(f"Onbekende themabron {table_id}; bekend: {', '.join(parsers)}.")
    return parsers[table_id](fetch_cbs_table(table_id, cache_dir, progress=progress))
