"""Which published table holds which year: KWB, PDOK boundaries, Gezondheidsmonitor.

CBS publishes the Kerncijfers wijken en buurten (KWB) as a new StatLine table each
year, with a new identifier. ``KWB_TABLES`` is the documented mapping; a download build
checks the chosen entry against the CBS catalogue (``ODataCatalog/Tables``) at run
time (``check_kwb_table``): the identifier must be listed and its title must name
the year. For a year not in the mapping the catalogue is searched by title, and the
Dutch error names what it found, so the mapping is extended in one place.

Sources of the identifiers: the catalogue titles "Kerncijfers wijken en buurten <year>"
(see docs/data.md for what was checked and how). The PDOK boundaries of a KWB year are
the OGC API ``wijken-en-buurten-<year>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from betrokken.errors import SourceError
from betrokken.sources.odata import catalogue_tables

KWB_TABLES: dict[int, str] = {
    2019: "84583NED",
    2020: "84799NED",
    2021: "85039NED",
    2022: "85318NED",
    2023: "85618NED",
    2024: "85984NED",
    2025: "86165NED",
}
"""KWB year -> StatLine table (regional classification of that year's 1 January)."""

KWB_TITLE = "Kerncijfers wijken en buurten"
DEFAULT_YEAR = 2024
"""The year of the offline data directory, and of a download build without --year."""
SUPPORTED_BUILD_YEARS = (2022, 2024)
"""Years whose table layout a download build was tested with (faithful fake services):
2024 (the offline data directory's year) and 2022 (``areas.kwb_year``)."""

GEZONDHEIDSMONITOR_TABLES: dict[int, str] = {
    2020: "50090NED",
    2022: "50120NED",
}
"""Gezondheidsmonitor Volwassenen en Ouderen (GGD'en, CBS, RIVM) edition -> StatLine
table "Gezondheid per wijk en buurt; <year>" (gemeente, wijk and buurt of that year's
indeling; 18+ and 65+). 50090NED as in ``gezondheidsmonitor/SOURCES.md``; 50120NED from
the project brief, not yet checked against the catalogue (see docs/data.md). Read a
whole edition with ``sources.odata.fetch_cbs_table(table, cache_dir)``."""


@dataclass(frozen=True)
class BuildYear:
    """What a download build of one KWB year fetches."""

    year: int
    kwb_table: str
    pdok_year: int
    gezondheidsmonitor_year: int
    gezondheidsmonitor_table: str


def kwb_table(year: int) -> str:
    try:
        return KWB_TABLES[year]
    except KeyError:
        known = ", ".join(str(y) for y in KWB_TABLES)
        raise SourceError(
            f"Voor jaar {year} is geen KWB-tabel bekend (wel: {known}).",
            hint="Voeg de tabel toe in sources/years.py (zie docs/data.md).") from None


def gezondheidsmonitor_edition(year: int) -> tuple[int, str]:
    """The newest Gezondheidsmonitor edition not after ``year``: (edition, table)."""
    editions = [y for y in GEZONDHEIDSMONITOR_TABLES if y <= year]
    if not editions:
        raise SourceError(f"Geen Gezondheidsmonitor-editie van {year} of eerder bekend.")
    edition = max(editions)
    return edition, GEZONDHEIDSMONITOR_TABLES[edition]


def build_year(year: int) -> BuildYear:
    """The tables of a download build for KWB ``year`` (boundaries of the same year)."""
    table = kwb_table(year)
    edition, gm_table = gezondheidsmonitor_edition(year)
    return BuildYear(year=year, kwb_table=table, pdok_year=year,
                     gezondheidsmonitor_year=edition, gezondheidsmonitor_table=gm_table)


def check_kwb_table(year: int) -> dict:
    """Check the mapped KWB table of ``year`` against the CBS catalogue; returns its entry.

    Raises ``SourceError`` (Dutch) when the catalogue does not list the identifier or
    its title does not name the year; for an unmapped year, the error names the tables
    whose title matches.
    """
    if year not in KWB_TABLES:
        found = catalogue_tables(f"substringof('{KWB_TITLE} {year}',Title)")
        names = ", ".join(f"{t['Identifier']} ({t['Title']})" for t in found) or "geen"
        raise SourceError(f"Voor jaar {year} is geen KWB-tabel vastgelegd; de CBS-catalogus "
                          f"noemt: {names}.",
                          hint="Voeg de tabel toe in sources/years.py (zie docs/data.md).")
    table = KWB_TABLES[year]
    entries = catalogue_tables(f"Identifier eq '{table}'")
    if not entries:
        raise SourceError(f"CBS-tabel {table} (KWB {year}) staat niet in de CBS-catalogus.",
                          hint="Is de tabel vervangen? Zie docs/data.md.")
    entry = entries[0]
    if str(year) not in (entry.get("Title") or "") + (entry.get("Period") or ""):
        raise SourceError(f"CBS-tabel {table} heet '{entry.get('Title')}', niet "
                          f"'{KWB_TITLE} {year}'.",
                          hint="De jaartabel in sources/years.py klopt niet meer.")
    return entry
