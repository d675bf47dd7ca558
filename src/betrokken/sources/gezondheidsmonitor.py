"""Gezondheidsmonitor Volwassenen en Ouderen (GGD'en, CBS, RIVM) per gemeente, wijk, buurt.

The local engagement the election survey lacks: volunteering, informal care, loneliness,
financial strain, control over one's own life, per area. Gemeente values are direct survey
estimates (about 540,000 respondents aged 18+ in 2020); wijk and buurt values are RIVM
small-area model estimates. Published by CBS on StatLine:

- 2020 edition: table 50090NED "Gezondheid per wijk en buurt; 2020 (indeling 2020)"
- 2022 edition: table 50120NED "Gezondheid per wijk en buurt; 2022 (indeling 2022)"

Column keys carry a numeric suffix that CBS renumbers between tables (``Vrijwilligerswerk_33``
in 50090NED); columns are therefore found by their base name. Values are percentages of the
18+ population, stored here as shares in [0, 1]; ``.`` (suppressed) and empty become NULL.
Licence CC BY 4.0, "Bron: GGD'en, CBS en RIVM, Gezondheidsmonitor Volwassenen en Ouderen".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from betrokken.config import cache_dir as default_cache_dir
from betrokken.errors import SourceError
from betrokken.schema import BUURT_CODE, GEMEENTE_CODE, WIJK_CODE
from betrokken.sources import mirror, odata, transfer, years
from betrokken.sources.odata import key_by_base

__all__ = [
    "EDITIONS",
    "INDICATORS",
    "LOCAL_FILE",
    "Edition",
    "parse_gezondheidsmonitor",
    "read_gezondheidsmonitor",
]

INDICATORS: dict[str, str] = {
    "volunteering": "Vrijwilligerswerk",
    "informal_care": "Mantelzorger",
    "lonely": "Eenzaam",
    "severely_lonely": "ErnstigZeerErnstigEenzaam",
    "emotionally_lonely": "EmotioneelEenzaam",
    "socially_lonely": "SociaalEenzaam",
    "financial_strain": "MoeiteMetRondkomen",
    "control_over_life": "MatigVeelRegieOverEigenLeven",
    "noise_neighbours": "ErnstigeGeluidhinderDoorBuren",
}
"""Our indicator name -> StatLine base key (percent of adults 18+)."""

REQUIRED_INDICATORS: tuple[str, ...] = (
    "volunteering",
    "informal_care",
    "socially_lonely",
    "financial_strain",
)
"""Indicators the local engagement component and the area pages cannot do without."""

INDICATOR_LABELS_NL: dict[str, str] = {
    "volunteering": "doet vrijwilligerswerk",
    "informal_care": "geeft mantelzorg",
    "lonely": "eenzaam",
    "severely_lonely": "ernstig eenzaam",
    "emotionally_lonely": "emotioneel eenzaam",
    "socially_lonely": "sociaal eenzaam",
    "financial_strain": "moeite met rondkomen",
    "control_over_life": "regie over eigen leven",
    "noise_neighbours": "ernstige geluidshinder door buren",
}

LEVEL_OF_KIND: dict[str, str] = {
    "Land": "nl",
    "Gemeente": "gemeente",
    "Wijk": "wijk",
    "Buurt": "buurt",
}
CODE_PATTERN = re.compile(rf"^(NL01|{GEMEENTE_CODE}|{WIJK_CODE}|{BUURT_CODE})$")
"""Wijk and buurt codes end in letters in some gemeenten (Amsterdam since 2022)."""


@dataclass(frozen=True)
class Edition:
    """One published edition: its year, StatLine table and the local file (if shipped)."""

    year: int
    table_id: str
    filename: str | None
    indeling: int
    """Year of the area codes (gemeentelijke indeling) the edition is published on."""


EDITIONS: dict[int, Edition] = {
    2020: Edition(2020, "50090NED", "gezondheidsmonitor_2020_18plus_50090NED_gwb.csv", 2020),
    2022: Edition(2022, "50120NED", None, 2022),
}
LOCAL_FILE = Path("gezondheidsmonitor") / EDITIONS[2020].filename
SOURCE_NAME = "Gezondheidsmonitor Volwassenen en Ouderen"
LICENCE = "CC BY 4.0 (GGD'en, CBS en RIVM)"
MIN_ROWS = 1000
"""A national file has ~17,000 rows (gemeenten, wijken, buurten); far fewer is a truncation."""


def _by_base(columns: list[str], base: str) -> str | None:
    """The column whose key is ``base`` or ``base_<n>`` (CBS renumbers the suffix)."""
    return key_by_base(columns, base)


def parse_gezondheidsmonitor(
    raw: pd.DataFrame, *, source_name: str, year: int | None = None
) -> pd.DataFrame:
    """Raw StatLine rows (CSV or OData TypedDataSet) -> tidy shares per area.

    Returns ``level, area_code, area_name, year`` plus one column per ``INDICATORS`` key
    (shares in [0, 1], NaN when suppressed). Raises ``SourceError`` naming ``source_name``
    and the column for a missing column, a wrong year, unknown codes or out-of-range values.
    """
    columns = [str(c) for c in raw.columns]
    code_col = _by_base(columns, "Codering")
    if code_col is None:
        raise SourceError(
            f"Het Gezondheidsmonitor-bestand '{source_name}' mist de kolom 'Codering' "
            "(gebiedscode GM…/WK…/BU…)."
        )
    missing = [
        f"{INDICATORS[k]} ({k})" for k in REQUIRED_INDICATORS if _by_base(columns, INDICATORS[k])
        is None
    ]
    if missing:
        raise SourceError(
            f"Het Gezondheidsmonitor-bestand '{source_name}' mist kolom(men): "
            f"{', '.join(missing)}.",
            hint="Verwacht de StatLine-tabel 'Gezondheid per wijk en buurt' (50090NED of later).",
        )
    codes = raw[code_col].astype("string").str.strip()
    period_col = _by_base(columns, "Perioden")
    if year is not None and period_col is not None:
        periods = raw[period_col].astype("string").str.strip().str[:4]
        wrong = periods.dropna()[periods.dropna() != str(year)]
        if len(wrong):
            raise SourceError(
                f"Het Gezondheidsmonitor-bestand '{source_name}' hoort bij {year}, maar kolom "
                f"'{period_col}' bevat {', '.join(sorted(set(wrong))[:3])}.",
                hint="Kies het bestand van de juiste editie (zie gezondheidsmonitor/SOURCES.md).",
            )
    bad = codes[~codes.fillna("").str.match(CODE_PATTERN)]
    if len(bad):
        examples = ", ".join(sorted(set(bad.fillna("<leeg>").astype(str)))[:5])
        raise SourceError(
            f"Het Gezondheidsmonitor-bestand '{source_name}' heeft onbekende gebiedscodes in "
            f"kolom '{code_col}': {examples}.",
            hint="Codes moeten de vorm NL01, GM0000, WK000000 of BU00000000 hebben.",
        )
    if codes.duplicated().any():
        dup = ", ".join(sorted(set(codes[codes.duplicated()]))[:5])
        raise SourceError(
            f"Het Gezondheidsmonitor-bestand '{source_name}' bevat gebiedscodes dubbel: {dup}."
        )
    name_col = _by_base(columns, "Gemeentenaam") or _by_base(columns, "WijkenEnBuurten")
    level = codes.str[:2].map({"NL": "nl", "GM": "gemeente", "WK": "wijk", "BU": "buurt"})
    out = pd.DataFrame(
        {
            "level": level.astype(object),
            "area_code": codes.astype(object),
            "area_name": raw[name_col].astype("string").str.strip().astype(object)
            if name_col
            else None,
            "year": year if year is not None else np.nan,
        }
    )
    for key, base in INDICATORS.items():
        col = _by_base(columns, base)
        if col is None:
            out[key] = np.nan
            continue
        text = raw[col].astype("string").str.strip().replace({".": pd.NA, "": pd.NA, "x": pd.NA})
        values = pd.to_numeric(text, errors="coerce")
        unparsable = text.notna() & values.isna()
        if unparsable.any():
            raise SourceError(
                f"Kolom '{col}' van '{source_name}' bevat geen getallen, bijvoorbeeld "
                f"'{text[unparsable].iloc[0]}'."
            )
        if ((values < 0) | (values > 100)).any():
            raise SourceError(
                f"Kolom '{col}' van '{source_name}' heeft percentages buiten 0–100."
            )
        out[key] = (values / 100.0).astype(float).to_numpy()
    if not (out["level"] == "gemeente").any():
        raise SourceError(
            f"Het Gezondheidsmonitor-bestand '{source_name}' bevat geen gemeenten."
        )
    return out


def read_gezondheidsmonitor(data_dir: Path, *, year: int = 2020) -> pd.DataFrame:
    """Read the shipped edition from a data directory (``gezondheidsmonitor/…csv``)."""
    edition = EDITIONS.get(year)
    if edition is None or edition.filename is None:
        raise SourceError(
            f"Er is geen lokaal Gezondheidsmonitor-bestand voor {year}.",
            hint="Lokaal beschikbaar: "
            f"{', '.join(str(y) for y, e in EDITIONS.items() if e.filename)}.",
        )
    path = Path(data_dir) / "gezondheidsmonitor" / edition.filename
    if not path.is_file():
        raise SourceError(
            f"Bronbestand '{path.name}' (Gezondheidsmonitor {year}) ontbreekt in {path.parent}.",
            hint="Controleer de datamap (--data-dir of BETROKKEN_DATA), zie "
            "gezondheidsmonitor/SOURCES.md.",
        )
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError:
        raise SourceError(
            f"Het bestand '{path.name}' is geen UTF-8-tekst (verkeerde codering?)."
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SourceError(
            f"Het bestand '{path.name}' is geen leesbaar CSV-bestand: {exc}"
        ) from None
    if len(raw) < MIN_ROWS:
        raise SourceError(
            f"Het bestand '{path.name}' heeft maar {len(raw)} rijen (verwacht ongeveer 17.000): "
            "afgebroken of het verkeerde bestand?"
        )
    return parse_gezondheidsmonitor(raw, source_name=path.name, year=year)


ADULTS_18PLUS = "20300"
"""StatLine code of the age group 18 jaar of ouder (dimension ``Leeftijd``)."""
POINT_ESTIMATE = "MW00000"
"""StatLine code of the point value in dimension ``Marges`` (the others are 95 % bounds)."""


def download_gezondheidsmonitor(cache_dir: Path | None = None, *, year: int | None = None,
                                progress=None) -> tuple[pd.DataFrame, int]:
    """The newest edition not after ``year`` from the mirror or CBS StatLine; (tidy, edition).

    With ``BETROKKEN_MIRROR_URL`` the shipped CSV comes from the mirror. Otherwise the
    edition's table (``sources.years.GEZONDHEIDSMONITOR_TABLES``) is read whole from the CBS
    bulk feed and filtered on adults 18+ and the point value; when the newest edition's table
    cannot be had, the one before it is used and the edition returned says which.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    base = mirror.mirror_url()
    if base is not None:
        edition = EDITIONS[2020]
        dest = cache / "data" / "gezondheidsmonitor" / edition.filename
        transfer.fetch_file(f"{base}/gezondheidsmonitor/{edition.filename}", dest,
                            progress=progress)
        return read_gezondheidsmonitor(cache / "data", year=edition.year), edition.year
    newest, _ = years.gezondheidsmonitor_edition(year or max(years.GEZONDHEIDSMONITOR_TABLES))
    candidates = sorted((y for y in years.GEZONDHEIDSMONITOR_TABLES if y <= newest),
                        reverse=True)
    errors = []
    for edition_year in candidates:
        table = years.GEZONDHEIDSMONITOR_TABLES[edition_year]
        try:
            raw = odata.fetch_cbs_table(table, cache, progress=progress)
        except SourceError as exc:
            errors.append(f"{table}: {exc.message}")
            continue
        return parse_statline(raw, table=table, year=edition_year), edition_year
    raise SourceError(
        "De Gezondheidsmonitor kon niet van CBS StatLine worden gehaald ("
        + "; ".join(errors) + ").",
        hint="Bouw met een lokale datamap (BETROKKEN_DATA) of probeer het later opnieuw.",
    )


def parse_statline(raw: pd.DataFrame, *, table: str, year: int) -> pd.DataFrame:
    """A StatLine TypedDataSet of the monitor -> tidy shares (adults 18+, point values)."""
    raw = raw.rename(columns=str)
    for dim, code in (("Leeftijd", ADULTS_18PLUS), ("Marges", POINT_ESTIMATE)):
        col = _by_base(list(raw.columns), dim)
        if col is not None:
            raw = raw[raw[col].astype(str).str.strip() == code]
    if _by_base(list(raw.columns), "Codering") is None:
        region = _by_base(list(raw.columns), "WijkenEnBuurten")
        if region is None:
            raise SourceError(f"CBS-tabel {table} heeft geen kolom 'Codering' of "
                              "'WijkenEnBuurten'.")
        raw = raw.assign(Codering=raw[region].astype(str).str.strip())
    if raw.empty:
        raise SourceError(f"CBS-tabel {table} bevat geen rijen voor volwassenen (18+).")
    return parse_gezondheidsmonitor(raw.reset_index(drop=True), source_name=f"CBS {table}",
                                    year=year)
