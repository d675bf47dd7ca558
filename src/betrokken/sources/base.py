"""The one small interface every source adapter has, and the checked readers behind it.

A ``Source`` names a published table (name, year, licence, where it came from) and knows
its local file name and the columns it must have. ``read_local(data_dir)`` reads that
file and validates it: a missing file, a renamed column, a truncated file or a wrong
year raise ``SourceError`` with a Dutch message naming the file and the column.
The download path (``sources.download``, ``sources.mirror``) fetches the same table
into a cache and hands the cached path to ``read_path``; this module knows nothing of
HTTP, so every source module can import it without a cycle.

CBS secrecy codes (``-99999999``, ``-99997``, ``-99995``, ``.``, empty) become NULL.
The reader reports which columns had them, so the harmonised table can flag them in
``secret_columns``; they never enter a computation as a number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from betrokken.errors import SourceError
from betrokken.textfiles import encoding_problem

SECRECY_NUMBERS: tuple[float, ...] = (-99999999.0, -99999998.0, -99997.0, -99995.0)
"""CBS shapefile/PDOK codes: geheim, nvt, (-99997: geheim/onbetrouwbaar), -99995 (geheim)."""
SECRECY_STRINGS: tuple[str, ...] = (".", "", "x")
"""StatLine CSV codes: '.' = onbekend/geheim, 'x' = geheim, empty = not published.
('-' means nihil in StatLine and is not treated as secret.)"""
SECRET_FIELDS = "secret_fields"
"""Column added by every reader: comma-separated source columns that were secret in that row."""


@dataclass(frozen=True)
class Source:
    """One published table with its provenance and the columns the build relies on."""

    name: str
    description: str
    year: int
    licence: str
    origin: str
    filename: str
    required_columns: tuple[str, ...]
    min_rows: int
    code_column: str | None = None
    code_prefix: str | None = None
    kind: str = "csv"  # csv | vector
    layer: str | None = None
    year_column: str | None = None
    download_url: str | None = None
    numeric_columns: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict, compare=False)

    def path(self, data_dir: Path) -> Path:
        """Where the file lives in a data directory (``<data_dir>/cbs/<filename>``)."""
        base = Path(data_dir)
        return base / "cbs" / self.filename if (base / "cbs").is_dir() else base / self.filename

    def read_local(self, data_dir: Path) -> pd.DataFrame:
        """Read and validate the local copy of this source."""
        return self.read_path(self.path(data_dir))

    def read_path(self, path: Path) -> pd.DataFrame:
        """Read and validate a file of this source (local or downloaded)."""
        path = Path(path)
        if not path.is_file():
            raise SourceError(
                f"Bronbestand '{path.name}' ({self.description}) ontbreekt in {path.parent}.",
                hint="Controleer de datamap (--data-dir of BETROKKEN_DATA), zie cbs/SOURCES.md.",
            )
        frame = _read_vector(path, self) if self.kind == "vector" else _read_csv(path, self)
        return validate(frame, self, path)

    def as_record(self, path_or_url: str) -> dict:
        """One row of the ``sources`` table."""
        return {
            "name": self.name,
            "description": self.description,
            "year": self.year,
            "licence": self.licence,
            "origin": self.origin,
            "path_or_url": path_or_url,
        }


def _read_csv(path: Path, source: Source) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[],
                            sep=source.meta.get("sep", ","), encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise SourceError(f"Bronbestand '{path.name}' is leeg.") from None
    except UnicodeDecodeError:
        raise SourceError(encoding_problem(path)) from None
    except pd.errors.ParserError as exc:
        raise SourceError(
            f"Bronbestand '{path.name}' is beschadigd of afgebroken: {str(exc)[:200]}"
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    for col in frame.columns:
        frame[col] = frame[col].str.strip()
    return frame


def _read_vector(path: Path, source: Source) -> pd.DataFrame:
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(
            path, layer=source.layer, columns=source.meta.get("columns")
        )
    except Exception as exc:  # pyogrio raises DataSourceError / DataLayerError / others
        raise SourceError(
            f"Geodata '{path.name}' kan niet gelezen worden (beschadigd of afgebroken): "
            f"{str(exc)[:200]}"
        ) from None
    if source.meta.get("geojson_year"):
        head = path.open("rb").read(4096).decode("utf-8", errors="replace")
        found = re.search(r'"year"\s*:\s*(\d{4})', head)
        if found and int(found.group(1)) != source.year:
            raise SourceError(
                f"Geodata '{path.name}' is van jaar {found.group(1)} (metadata 'year'), "
                f"verwacht {source.year}."
            )
    return frame


def validate(frame: pd.DataFrame, source: Source, path: Path) -> pd.DataFrame:
    """Check columns, row count, year and codes; turn secrecy codes into NULL."""
    if source.meta.get("keys_by_base"):
        frame = frame.rename(columns=base_names_of(frame.columns))
    missing = [c for c in source.required_columns if c not in frame.columns]
    if missing:
        raise SourceError(
            f"Bronbestand '{path.name}' mist kolom '{missing[0]}'"
            + (f" (en {len(missing) - 1} andere)" if len(missing) > 1 else "")
            + ".",
            hint="Is het bestand van een andere versie of is een kolom hernoemd?",
        )
    if len(frame) < source.min_rows:
        raise SourceError(
            f"Bronbestand '{path.name}' heeft {len(frame)} rijen, verwacht minstens "
            f"{source.min_rows}: het bestand is afgebroken of onvolledig.",
        )
    if source.year_column is not None:
        years = pd.to_numeric(frame[source.year_column], errors="coerce")
        wrong = frame.loc[years.ne(source.year) & years.notna(), source.year_column]
        if source.meta.get("allowed_years"):
            wrong = frame.loc[~years.isin(source.meta["allowed_years"]), source.year_column]
        if len(wrong):
            raise SourceError(
                f"Bronbestand '{path.name}' kolom '{source.year_column}' bevat jaar "
                f"{wrong.iloc[0]}, verwacht {source.meta.get('allowed_years', source.year)}.",
            )
    if source.code_column is not None and source.code_prefix is not None:
        codes = frame[source.code_column].astype(str).str.strip()
        bad = codes[~codes.str.match(source.code_prefix)]
        if len(bad):
            raise SourceError(
                f"Bronbestand '{path.name}' kolom '{source.code_column}' bevat onbekende "
                f"gebiedscode '{bad.iloc[0]}'.",
            )
        frame[source.code_column] = codes
        _check_one_row_per_code(frame, source, path)
    secret = pd.Series("", index=frame.index, dtype="object")
    optional = [c for c in source.meta.get("optional_numeric", ()) if c in frame.columns]
    for col in (*source.numeric_columns, *optional):
        values, is_secret = to_numeric_with_secrecy(frame[col], column=col, path=path)
        frame[col] = values
        secret = secret.where(~is_secret, secret + col + ",")
    frame[SECRET_FIELDS] = secret.str.rstrip(",")
    return frame


def base_names_of(columns) -> dict[str, str]:
    """StatLine keys -> base names (``OppervlakteLand_123`` -> ``OppervlakteLand``).

    CBS renumbers the suffix between releases of a table, so a source whose columns are
    StatLine keys is read by base name (``meta={"keys_by_base": True}``).
    """
    out = {}
    for column in columns:
        head, _, tail = str(column).rpartition("_")
        if head and tail.isdigit():
            out[column] = head
    return out
def _check_one_row_per_code(frame: pd.DataFrame, source: Source, path: Path) -> None:
    """An area table has one row per code (and year): a repeated row is a broken file."""
    if source.meta.get("many_rows_per_code"):
        return
    keys = [source.code_column] + ([source.year_column] if source.year_column else [])
    repeated = frame.duplicated(keys, keep="first")
    if repeated.any():
        first = int(np.flatnonzero(repeated.to_numpy())[0])
        raise SourceError(
            f"Bronbestand '{path.name}' kolom '{source.code_column}' bevat code "
            f"'{frame[source.code_column].iloc[first]}' meer dan eens (regel {first + 2}; "
            f"{int(repeated.sum())} dubbele rij(en) in totaal).",
            hint="Verwijder de dubbele rijen of zet het originele bestand terug.",
        )


def to_numeric_with_secrecy(
    values: pd.Series, *, column: str = "", path: Path | None = None
) -> tuple[pd.Series, pd.Series]:
    """Numbers, with CBS secrecy codes as NaN; plus a boolean mask of the secret cells.

    Anything that is neither a number nor a secrecy code is a corrupt file.
    """
    if pd.api.types.is_numeric_dtype(values):
        numeric = values.astype("float64")
        is_secret = numeric.isin(SECRECY_NUMBERS) | numeric.isna()
        return numeric.mask(is_secret), is_secret
    text = values.astype("string").str.strip().fillna("")
    is_code = text.isin(SECRECY_STRINGS)
    numeric = pd.to_numeric(text.where(~is_code), errors="coerce")
    bad = numeric.isna() & ~is_code
    if bad.any():
        where = f"'{path.name}' " if path is not None else ""
        raise SourceError(
            f"Bronbestand {where}kolom '{column}' bevat een waarde die geen getal is: "
            f"'{text[bad].iloc[0]}' (bestand beschadigd?)."
        )
    numeric = numeric.astype("float64")
    is_secret = is_code | numeric.isin(SECRECY_NUMBERS)
    return numeric.mask(is_secret), pd.Series(np.asarray(is_secret), index=values.index)


def secret_fields(frame: pd.DataFrame, column: str) -> pd.Series:
    """Boolean per row: was ``column`` secret (a CBS secrecy code) in this row?"""
    fields = frame.get(SECRET_FIELDS, pd.Series("", index=frame.index)).fillna("")
    return ("," + fields + ",").str.contains(f",{column},", regex=False)


Reader = Callable[[Path], pd.DataFrame]
