"""Files for people: Dutch column names, a CSV Dutch Excel opens, XLSX with a Toelichting.

Machine formats (``csv``, ``parquet``, the API) keep the English column names and plain
numbers. Everything a person opens in Excel or QGIS (``csv-excel``, ``xlsx``, ``gpkg``,
from the CLI and from the dashboard) uses one Dutch naming: ``gebiedscode``, ``naam``,
``aandeel <profielnaam>`` ('aandeel Teleurgestelde toeschouwers') with ``_lo``/``_hi`` for
the 90 % interval, ``ja``/``nee`` for flags; the profile ids are in the Toelichting.
"""

from __future__ import annotations

import io
import re

import duckdb
import pandas as pd

from betrokken.store.citations import citation
from betrokken.store.database import table_exists

__all__ = [
    "DUTCH_NAMES",
    "EXCEL_CSV_OPTIONS",
    "about_rows",
    "column_notes",
    "dutch_frame",
    "excel_csv_bytes",
    "fraction_columns",
    "profile_column",
    "profile_names_of",
    "profile_rows",
    "xlsx_bytes",
]

DUTCH_NAMES: dict[str, str] = {
    "area_code": "gebiedscode",
    "area_name": "naam",
    "level": "niveau",
    "year": "jaar",
    "gemeente_code": "gemeentecode",
    "population": "inwoners",
    "suppressed": "onderdrukt",
    "suppression_reason": "reden_onderdrukt",
    "estimate_method": "schattingsmethode",
    "engagement_index": "betrokkenheidsindex",
    "political_engagement": "politieke_betrokkenheid",
    "local_engagement": "lokale_betrokkenheid",
    "low_trust_share": "laag_vertrouwen",
}
"""English export column -> Dutch column (``_lo``/``_hi`` and ``share_<id>`` follow)."""

EXCEL_CSV_OPTIONS = {"sep": ";", "decimal": ",", "encoding": "utf-8-sig"}
"""What Dutch Excel expects from a double-clicked .csv: semicolons, decimal comma, a BOM."""

FRACTION_DIGITS = 4
"""Fractions (0-1) are rounded to 0,01 percentage point: more digits are noise."""

_COLUMN_NOTES: dict[str, str] = {
    "gebiedscode": "CBS-code van het gebied (GM/WK/BU) of de postcode (4 cijfers)",
    "naam": "Naam van het gebied",
    "niveau": "Niveau: gemeente, wijk, buurt of pc4",
    "jaar": "Jaar van de CBS-cijfers waarop de schatting rust",
    "gemeentecode": "Gemeente waartoe het gebied (grotendeels) behoort",
    "inwoners": "Aantal inwoners (CBS)",
    "onderdrukt": "ja = geen schatting gepubliceerd (te weinig inwoners of geheime cijfers)",
    "reden_onderdrukt": "Reden waarom er geen schatting is",
    "schattingsmethode": (
        "ipf = uit de eigen cijfers; aggregated_from_wijk/_buurt = naar volwassenen gewogen "
        "gemiddelde van de gepubliceerde wijken/buurten"
    ),
    "meest_voorkomend_profiel": "Profiel met het grootste aandeel in het gebied",
    "meest_kenmerkend_profiel": (
        "Profiel dat hier het duidelijkst vaker voorkomt dan landelijk (leeg: geen duidelijk "
        "verschil)"
    ),
    "betrokkenheidsindex": "Betrokkenheid (0-1): de helft politieke, de helft lokale betrokkenheid",
    "politieke_betrokkenheid": (
        "Geschat aandeel volwassenen in het landelijk meest politiek betrokken derde (stemmen, "
        "politieke kennis, nieuws volgen)"
    ),
    "lokale_betrokkenheid": (
        "Gemiddelde van vrijwilligerswerk, mantelzorg en niet sociaal eenzaam "
        "(Gezondheidsmonitor)"
    ),
    "laag_vertrouwen": (
        "Geschat aandeel volwassenen met laag vertrouwen in politiek en overheid"
    ),
    "aandeel_<profiel>": (
        "Geschat aandeel volwassenen in dit profiel (kolom 'aandeel <naam van het profiel>'; "
        "de profiel-id's staan hieronder)"
    ),
    "profiel_id / profiel": "Code en naam van het profiel",
    "aandeel": "Geschat aandeel volwassenen in dit profiel",
    "postcode": "Postcode (4 cijfers) van het eigen gebied",
    "volwassenen": "Geschat aantal inwoners van 18 jaar en ouder",
    "…_lo / …_hi": (
        "Onder- en bovengrens van het 90%-interval: met 90% zekerheid ligt de echte waarde "
        "hiertussen, gegeven het model. De indeling in profielen zelf is ook onzeker (zie de "
        "pagina Methode)."
    ),
}


_PROFILE_VALUE_COLUMNS = ("meest_voorkomend_profiel", "meest_kenmerkend_profiel")


def _dutch_name(col: str, names: dict[str, str]) -> str:
    for suffix in ("_lo", "_hi", ""):
        base = col[: len(col) - len(suffix)] if suffix else col
        if suffix and not col.endswith(suffix):
            continue
        if base in DUTCH_NAMES:
            return DUTCH_NAMES[base] + suffix
        for prefix in ("share_", "aandeel_"):
            if base.startswith(prefix):
                pid = base.removeprefix(prefix)
                return (f"aandeel {names[pid]}" if pid in names else f"aandeel_{pid}") + suffix
    return col


def profile_column(name: str) -> str:
    """The Dutch column of one profile's share: 'aandeel Teleurgestelde toeschouwers'."""
    return f"aandeel {name}"


def dutch_frame(frame: pd.DataFrame, round_fractions: bool = True,
                profile_names: dict[str, str] | None = None) -> pd.DataFrame:
    """Export columns renamed to Dutch, flags as ja/nee, fractions rounded (for people).
    With ``profile_names`` (id -> Dutch name) the profile columns and the 'meest …
    profiel' values carry the names people read on the site; the ids go in the
    Toelichting (``profile_rows``)."""
    names = profile_names or {}
    out = frame.rename(columns={c: _dutch_name(c, names) for c in frame.columns}).copy()
    for col in _PROFILE_VALUE_COLUMNS:
        if col in out and names:
            out[col] = out[col].map(lambda v: names.get(v, v))
    for col in out.columns:
        if out[col].dtype == bool or col == "onderdrukt":
            out[col] = out[col].map({True: "ja", False: "nee"}).fillna(out[col])
    fractions = fraction_columns(out)
    for col in fractions if round_fractions else []:
        out[col] = pd.to_numeric(out[col], errors="coerce").round(FRACTION_DIGITS)
    for col in out.columns:  # counts such as inwoners: 29710, not 29710,0
        values = out[col]
        if col not in fractions and pd.api.types.is_float_dtype(values):
            known = values.dropna()
            if len(known) and (known == known.round()).all():
                out[col] = values.astype("Int64")
    return out


_FRACTION = re.compile(
    r"^(aandeel([_ ].*)?|betrokkenheidsindex|politieke_betrokkenheid|lokale_betrokkenheid|"
    r"laag_vertrouwen)"
    r"(_lo|_hi)?$"
)


def fraction_columns(frame: pd.DataFrame) -> list[str]:
    """Dutch columns holding a 0-1 fraction (shown as a percentage in Excel)."""
    return [c for c in frame.columns if _FRACTION.match(str(c)) and c != "aandeel_id"]


def excel_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The CSV Dutch Excel opens in columns: ``;``, decimal comma, UTF-8 with BOM."""
    opts = dict(EXCEL_CSV_OPTIONS)
    encoding = opts.pop("encoding")
    return frame.to_csv(index=False, **opts).encode(encoding)


def column_notes(columns: list[str]) -> list[tuple[str, str]]:
    """(column, meaning) for the columns present, interval columns explained once."""
    rows = []
    seen = set()
    for col in columns:
        base = re.sub(r"_(lo|hi)$", "", str(col))
        key = base if base in _COLUMN_NOTES else (
            "aandeel_<profiel>" if base.startswith(("aandeel_", "aandeel ")) else None)
        if key and key not in seen:
            seen.add(key)
            rows.append((key, _COLUMN_NOTES[key]))
    if any(str(c).endswith(("_lo", "_hi")) for c in columns):
        rows.append(("…_lo / …_hi", _COLUMN_NOTES["…_lo / …_hi"]))
    return rows


def profile_names_of(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Profile id -> Dutch name, in card order (empty when the build has no profiles)."""
    if not table_exists(con, "profiles"):
        return {}
    return dict(con.execute("SELECT id, name FROM profiles ORDER BY position").fetchall())


def about_rows(con: duckdb.DuckDBPyConnection | None = None, *, build_info: dict | None = None,
               sources: list[dict] | None = None) -> list[tuple[str, str, str]]:
    """(onderdeel, waarde, toelichting) rows: versions, sources with licences.

    Reads ``build_info`` and ``sources`` from the database, or takes them as given (the
    dashboard holds them in its catalogue).
    """
    if con is not None:
        if table_exists(con, "build_info"):
            build_info = dict(con.execute("SELECT key, value FROM build_info").fetchall())
        if table_exists(con, "sources"):
            rel = con.execute("SELECT * FROM sources ORDER BY name")
            cols = [d[0] for d in rel.description]
            sources = [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]
    info = build_info or {}
    rows = [
        ("Wat", "Betrokkenheidsprofielen per gebied (betrokken)",
         "Schattingen met onzekerheid: een model, geen kenmerken van personen."),
        ("Versie van het model", info.get("model_version", "onbekend"), ""),
        ("Versie van de software", info.get("code_version", "onbekend"), ""),
        ("Database gebouwd op", info.get("built_at", "onbekend"), ""),
        ("Licentie van deze cijfers", "CC BY 4.0",
         "Vermeld: betrokken, op basis van CBS en de genoemde bronnen."),
    ]
    for s in sources or []:  # the official table first, the copy read second
        cited = citation(s)
        rows.append((f"Bron: {s.get('name')}", cited["official"],
                     f"Gelezen uit: {cited['read_from']}" if cited["read_from"] else ""))
    return rows


def profile_rows(profile_names: dict[str, str]) -> list[tuple[str, str, str]]:
    """Toelichting rows: each profile's column, name and id (the id the machine CSV, the
    parquet export and the API use)."""
    return [(profile_column(name), name, f"profiel-id: {pid}")
            for pid, name in profile_names.items()]


def xlsx_bytes(frame: pd.DataFrame, sheet: str, about: list[tuple[str, str, str]],
               extra: dict[str, pd.DataFrame] | None = None,
               profile_names: dict[str, str] | None = None) -> bytes:
    """A workbook: the data sheet(s) with percentages formatted, then 'Toelichting' (with
    each profile's column, name and id when ``profile_names`` is given)."""
    buf = io.BytesIO()
    sheets = {sheet: frame, **(extra or {})}
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, data in sheets.items():
            data.to_excel(writer, sheet_name=name, index=False)
            ws = writer.sheets[name]
            for col in fraction_columns(data):
                idx = list(data.columns).index(col) + 1
                for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                    cell.number_format = "0.0%"
            ws.freeze_panes = "B2"
            for i, col in enumerate(data.columns, start=1):
                ws.column_dimensions[ws.cell(1, i).column_letter].width = max(
                    10, min(40, len(str(col)) + 2))
        notes = [("Onderdeel", "Waarde", "Toelichting"), *about, ("", "", ""),
                 ("Kolom", "Betekenis", "")]
        columns = [c for data in sheets.values() for c in data.columns]
        notes += [(k, v, "") for k, v in column_notes(list(dict.fromkeys(columns)))]
        if profile_names:
            notes += [("", "", ""), ("Profielkolom", "Profiel", "Id"),
                      *profile_rows(profile_names)]
        pd.DataFrame(notes[1:], columns=list(notes[0])).to_excel(
            writer, sheet_name="Toelichting", index=False)
        ws = writer.sheets["Toelichting"]
        for letter, width in (("A", 32), ("B", 60), ("C", 70)):
            ws.column_dimensions[letter].width = width
    return buf.getvalue()
