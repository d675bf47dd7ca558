"""The one reader of tables people hand over: CSV, text and XLSX, within a budget.

Every upload route of the web app (postcode lists, Bereikcheck participants, quiz
answers) and the commands that read a local participant or survey file read through
here, with one set of limits (``betrokken.limits``: ``WEB_UPLOAD`` or ``LOCAL_FILE``).

Text (.txt/.csv/anything not .xlsx) is decoded once (``areas.postcodes``: UTF-16 with
BOM, UTF-8, Windows-1252; binary refused) and its lines counted before anything else.

An .xlsx is a ZIP of XML. Before a single row is built: the declared unpacked size is
checked (a 256 kB ZIP can unpack to gigabytes), any DTD is refused (an XLSX never has one;
a DTD is how entity bombs and external entities (XXE) get in), and the first sheet is
parsed streaming (``xml.etree.ElementTree.iterparse``, elements cleared as they pass)
while rows, the right-most column with a value and the cells are counted: the
``<dimension>`` element may lie and is not used. The read stops at the first limit
passed, with a Dutch message naming the file and the limit. A sheet of 600 rows with one
value each in column XFD (6 kB, 14 s and 120 MB with openpyxl) is refused in
milliseconds; ``benchmarks/uploads.py`` measures the cost per sheet shape.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from xml.etree.ElementTree import ParseError, iterparse

from betrokken.areas.postcodes import decode_postcode_file
from betrokken.areas.reach import participants_from_rows
from betrokken.errors import BetrokkenError
from betrokken.limits import WEB_UPLOAD, TableBudget

__all__ = [
    "TableFileError",
    "UploadTooLarge",
    "participants_from_text",
    "read_rows",
    "read_text",
    "text_rows",
]

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF_RE = re.compile(r"^([A-Z]{1,3})(\d+)$")
_DELIMITERS = (";", "\t", ",", "|")
_XML_PREFIX_BYTES = 4096
"""A DTD has to come before the root element, so the first kilobytes tell."""


class TableFileError(BetrokkenError):
    """A file that cannot be read as a table (not a spreadsheet, broken, a DTD)."""

    status_code = 422


class UploadTooLarge(BetrokkenError):
    """A file above one of the reading limits (bytes, unpacked size, rows, columns, cells)."""

    status_code = 413


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _too_many_rows(name: str, max_rows: int) -> UploadTooLarge:
    return UploadTooLarge(
        f"Het bestand '{name}' heeft meer dan {_number(max_rows)} regels.",
        hint="Zet alleen de gegevens in het bestand, zonder lege regels of andere tabellen; "
        "tel deelnemers zo nodig per postcode op (kolom 'aantal').",
    )


def _check_size(data: bytes, name: str, budget: TableBudget) -> None:
    if budget.max_bytes is not None and len(data) > budget.max_bytes:
        raise UploadTooLarge(
            f"Het bestand '{name}' is groter dan {budget.max_bytes // 1024} kB.",
            hint="Upload alleen de kolommen die nodig zijn, of tel per postcode op.",
        )
    if not data.strip():
        raise TableFileError(f"Het bestand '{name}' is leeg.")


def is_xlsx(name: str) -> bool:
    return name.lower().endswith((".xlsx", ".xlsm"))


def read_rows(data: bytes, name: str, *, budget: TableBudget = WEB_UPLOAD,
              max_rows: int | None = None) -> list[list[str]]:
    """The rows of a CSV/text or XLSX file as lists of cell texts (stripped; '' for an
    empty cell), within ``budget``; ``max_rows`` lowers its row limit for this use.

    Text files: the delimiter is the one of ``; tab , |`` found most in the first line
    (none: one cell per line); quoted fields follow the CSV rules.
    """
    rows_limit = min(budget.max_rows, max_rows) if max_rows else budget.max_rows
    _check_size(data, name, budget)
    if is_xlsx(name):
        return _xlsx_rows(data, name, budget, rows_limit)
    return text_rows(_decoded(data, name, rows_limit), name=name, max_rows=rows_limit)


def read_text(data: bytes, name: str, *, budget: TableBudget = WEB_UPLOAD,
              max_rows: int | None = None) -> str:
    """The text of a file for a free-form reader (postcode lists): a text file decoded
    as it is; a spreadsheet as one line per row, its non-empty cells joined by ';'."""
    rows_limit = min(budget.max_rows, max_rows) if max_rows else budget.max_rows
    _check_size(data, name, budget)
    if is_xlsx(name):
        rows = _xlsx_rows(data, name, budget, rows_limit)
        return "\n".join(";".join(c for c in row if c) for row in rows if any(row))
    return _decoded(data, name, rows_limit)


def _decoded(data: bytes, name: str, max_rows: int) -> str:
    text = decode_postcode_file(data, name).replace("\ufeff", "")
    if sum(1 for line in text.splitlines() if line.strip()) > max_rows:
        raise _too_many_rows(name, max_rows)
    return text


def text_rows(text: str, *, name: str = "de tekst", max_rows: int | None = None
              ) -> list[list[str]]:
    """Rows of delimited text (pasted or decoded); blank lines are skipped."""
    lines = [ln for ln in text.replace("\ufeff", "").splitlines() if ln.strip()]
    if max_rows is not None and len(lines) > max_rows:
        raise _too_many_rows(name, max_rows)
    if not lines:
        return []
    delimiter = max(_DELIMITERS, key=lines[0].count)
    if lines[0].count(delimiter) == 0:
        return [[ln.strip()] for ln in lines]
    try:
        return [[cell.strip() for cell in row]
                for row in csv.reader(lines, delimiter=delimiter)]
    except csv.Error as exc:
        raise TableFileError(f"'{name}' is geen leesbare tabel (CSV).") from exc


# --------------------------------------------------------------------------- XLSX


def _unreadable(name: str) -> TableFileError:
    return TableFileError(f"'{name}' is geen leesbaar Excel-bestand.",
                          hint="Sla het opnieuw op als .xlsx of als CSV (UTF-8).")


def _read_part(archive: zipfile.ZipFile, part: str, name: str) -> bytes:
    try:
        data = archive.read(part)
    except KeyError:
        raise _unreadable(name) from None
    _refuse_dtd(data[:_XML_PREFIX_BYTES], name)
    return data


def _refuse_dtd(prefix: bytes, name: str) -> None:
    if b"<!DOCTYPE" in prefix.upper() or b"<!ENTITY" in prefix.upper():
        raise TableFileError(
            f"'{name}' bevat een DTD (<!DOCTYPE> of <!ENTITY>): dat hoort niet in een "
            "Excel-bestand en wordt niet gelezen.",
            hint="Sla het bestand opnieuw op vanuit Excel of LibreOffice, of gebruik CSV.")


def _first_sheet_part(archive: zipfile.ZipFile, name: str) -> str:
    from xml.etree.ElementTree import fromstring

    try:
        book = fromstring(_read_part(archive, "xl/workbook.xml", name))
        rels = fromstring(_read_part(archive, "xl/_rels/workbook.xml.rels", name))
    except ParseError:
        raise _unreadable(name) from None
    sheet = book.find(f"{_MAIN_NS}sheets/{_MAIN_NS}sheet")
    if sheet is None:
        raise _unreadable(name)
    rel_id = sheet.get(f"{_REL_NS}id")
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            return path
    raise _unreadable(name)


def _shared_strings(archive: zipfile.ZipFile, name: str) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    _refuse_dtd(archive.read("xl/sharedStrings.xml")[:_XML_PREFIX_BYTES], name)
    strings: list[str] = []
    try:
        with archive.open("xl/sharedStrings.xml") as fh:
            for _, elem in iterparse(fh, events=("end",)):
                if elem.tag == f"{_MAIN_NS}si":
                    strings.append("".join(t.text or "" for t in elem.iter(f"{_MAIN_NS}t")))
                    elem.clear()
    except ParseError:
        raise _unreadable(name) from None
    return strings


def _column_index(ref: str | None, previous: int) -> int:
    """0-based column of a cell reference ('B7' -> 1); without one, the next column."""
    if not ref:
        return previous + 1
    m = _CELL_REF_RE.match(ref.upper())
    if not m:
        return previous + 1
    index = 0
    for letter in m.group(1):
        index = index * 26 + (ord(letter) - 64)
    return index - 1


def _cell_text(cell, kind: str | None, shared: list[str]) -> str:
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{_MAIN_NS}t"))
    value = cell.find(f"{_MAIN_NS}v")
    raw = value.text if value is not None and value.text is not None else ""
    if kind == "s":
        try:
            return shared[int(raw)]
        except (ValueError, IndexError):
            return ""
    if kind in (None, "n") and raw:
        try:  # 3511 and 3511.0 are the same number; Excel writes whole numbers bare
            number = float(raw)
        except ValueError:
            return raw
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else raw
    if kind == "b":
        return "1" if raw == "1" else "0"
    return raw


def _xlsx_rows(data: bytes, name: str, budget: TableBudget, max_rows: int) -> list[list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _unreadable(name) from None
    with archive:
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > budget.max_unpacked_bytes:
            raise UploadTooLarge(
                f"Het Excel-bestand '{name}' is uitgepakt groter dan "
                f"{budget.max_unpacked_bytes // (1024 * 1024)} MB.",
                hint="Zet alleen de gegevens in het eerste werkblad, of gebruik een .csv-bestand.")
        try:
            part = _first_sheet_part(archive, name)
            shared = _shared_strings(archive, name)
            with archive.open(part) as fh:
                _refuse_dtd(fh.read(_XML_PREFIX_BYTES), name)
            with archive.open(part) as fh:
                return _sheet_rows(fh, name, shared, budget, max_rows)
        except (KeyError, ParseError, zipfile.BadZipFile, EOFError, OSError, ValueError):
            raise _unreadable(name) from None


def _sheet_rows(stream, name: str, shared: list[str], budget: TableBudget,
                max_rows: int) -> list[list[str]]:
    """Rows of a sheet's XML, streamed; stops at the first limit passed."""
    rows: list[list[str]] = []
    n_cells = 0
    row_tag, cell_tag = f"{_MAIN_NS}row", f"{_MAIN_NS}c"
    for _, elem in iterparse(stream, events=("end",)):
        if elem.tag != row_tag:
            continue
        number = elem.get("r")
        if number and number.isdigit() and len(rows) < int(number) - 1:  # rows left out
            if int(number) > max_rows:
                raise _too_many_rows(name, max_rows)
            rows.extend([] for _ in range(int(number) - 1 - len(rows)))
        cells: dict[int, str] = {}
        column = -1
        for cell in elem.iter(cell_tag):
            column = _column_index(cell.get("r"), column)
            text = _cell_text(cell, cell.get("t"), shared).strip()
            if not text:
                continue
            if column >= budget.max_columns:
                raise UploadTooLarge(
                    f"Het Excel-bestand '{name}' heeft een waarde in kolom "
                    f"{_column_name(column)} (regel {len(rows) + 1}); er worden hoogstens "
                    f"{budget.max_columns} kolommen gelezen.",
                    hint="Verwijder de waarden rechts van de tabel, of gebruik een .csv-bestand.")
            cells[column] = text
        elem.clear()
        n_cells += len(cells)
        if n_cells > budget.max_cells:
            raise UploadTooLarge(
                f"Het Excel-bestand '{name}' heeft meer dan {_number(budget.max_cells)} "
                "gevulde cellen.", hint="Zet alleen de nodige kolommen in het werkblad.")
        if len(rows) >= max_rows:
            raise _too_many_rows(name, max_rows)
        width = max(cells) + 1 if cells else 0
        rows.append([cells.get(i, "") for i in range(width)])
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _column_name(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def participants_from_text(text: str, *, source: str, max_rows: int):
    """Participants (``areas.reach.participants_from_rows``) from pasted text; the
    download form carries them as text."""
    return participants_from_rows(text_rows(text, name=source, max_rows=max_rows + 1),
                                  source=source, max_rows=max_rows)
