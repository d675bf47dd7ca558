"""Limits on what people hand the product: uploaded and local tables (CSV, XLSX, text).

One set, used by the one reader (``betrokken.uploads``) and by every route and command
that reads a participant list, a postcode file or an own survey; ``web.limits`` re-exports
the upload limits next to the web app's other limits. The messages that enforce a limit
quote it, so changing a number here changes it everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "LOCAL_FILE",
    "MAX_PARTICIPANT_COUNT",
    "MAX_PARTICIPANT_ROWS",
    "MAX_RESPONDENT_ROWS",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_CELLS",
    "MAX_UPLOAD_COLUMNS",
    "MAX_UPLOAD_ROWS",
    "MAX_UPLOAD_UNPACKED_BYTES",
    "TableBudget",
    "WEB_UPLOAD",
]

MAX_UPLOAD_BYTES = 256 * 1024
"""Largest uploaded file (a PC6 address list of a few thousand lines fits)."""

MAX_UPLOAD_ROWS = 20_000
"""Most lines (text) or rows (spreadsheet) read from an uploaded file: an address list
of a few thousand lines fits; a sheet of a million empty rows is refused, not read."""

MAX_UPLOAD_COLUMNS = 256
"""Right-most spreadsheet column with a value (column IV): a participant or quiz file has
a dozen. A value in column XFD is refused before any row is built."""

MAX_UPLOAD_CELLS = 50_000
"""Most spreadsheet cells with a value in one upload (10,000 participants × 4 columns fit)."""

MAX_UPLOAD_UNPACKED_BYTES = 4 * 1024 * 1024
"""Largest total unpacked size of an uploaded .xlsx (a ZIP): 256 kB of ZIP can unpack to
hundreds of megabytes of sheet XML, so the declared sizes are checked before reading."""

MAX_PARTICIPANT_ROWS = 10_000
"""Most rows (participants, or postcodes with a count) in one Bereikcheck upload or request."""

MAX_PARTICIPANT_COUNT = 1_000_000
"""Largest count ('aantal') on one participant row: more people than live in any gemeente
is a typing error, not a participation process."""

MAX_RESPONDENT_ROWS = 50_000
"""Most respondents read from one own-survey file."""


@dataclass(frozen=True)
class TableBudget:
    """What one table file may cost to read: bytes, unpacked bytes, rows, columns, cells."""

    max_bytes: int | None
    max_unpacked_bytes: int
    max_rows: int
    max_columns: int
    max_cells: int


WEB_UPLOAD = TableBudget(
    max_bytes=MAX_UPLOAD_BYTES, max_unpacked_bytes=MAX_UPLOAD_UNPACKED_BYTES,
    max_rows=MAX_UPLOAD_ROWS, max_columns=MAX_UPLOAD_COLUMNS, max_cells=MAX_UPLOAD_CELLS,
)
"""Every upload to the web app: any file within it is read in well under a second."""

LOCAL_FILE = TableBudget(
    max_bytes=None, max_unpacked_bytes=64 * 1024 * 1024, max_rows=MAX_RESPONDENT_ROWS + 1,
    max_columns=4096, max_cells=10_000_000,
)
"""A file on the user's own disk (the CLI): an own survey of 50,000 respondents with a few
hundred columns fits; a ZIP bomb still does not."""
