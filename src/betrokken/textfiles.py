"""Text files from people's tools: which encoding they are in, said in Dutch.

Source files and survey exports are expected in UTF-8. Excel and SPSS also write
UTF-16 ("Unicode-tekst", with a byte-order mark) and Windows-1252/Latin-1; such a file
is not broken, only differently encoded, and the message should say so.
"""

from __future__ import annotations

import codecs
from pathlib import Path

__all__ = ["detect_bom_encoding", "encoding_problem", "last_line_is_cut"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF8, "utf-8-sig"),
)


def detect_bom_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark announces, or None."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def encoding_problem(path: Path) -> str:
    """A Dutch sentence saying that (and how) ``path`` is not UTF-8."""
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    bom = detect_bom_encoding(head)
    if bom in ("utf-16", "utf-32"):
        found = f"{bom.upper()} (Excel 'Unicode-tekst')"
    elif b"\x00" in head:
        found = "UTF-16 zonder byte-order-mark, of geen tekstbestand"
    else:
        found = "waarschijnlijk Windows-1252/Latin-1"
    return (
        f"Bestand '{path.name}' is niet in UTF-8 opgeslagen ({found}); het is niet beschadigd, "
        "alleen anders gecodeerd. Sla het op als 'CSV UTF-8' en probeer opnieuw."
    )


def last_line_is_cut(path: Path, encoding: str = "utf-8") -> bool:
    """Whether the file ends in the middle of a row (fewer fields than its header).

    A file copied or downloaded only in part usually stops mid-line; the rows before
    it still parse, so the loss would otherwise go unnoticed.
    """
    import csv
    import io

    path = Path(path)
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(size - (1 << 16), 0))
        tail = fh.read()
        fh.seek(0)
        head = fh.read(1 << 16)
    if not tail or tail.endswith(b"\n") or tail.endswith(b"\r"):
        return False
    head_text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    header = next(csv.reader(io.StringIO(head_text.splitlines()[0] if head_text else "")), [])
    last = tail.decode(encoding, errors="replace").splitlines()[-1]
    fields = next(csv.reader(io.StringIO(last)), [])
    return len(fields) < len(header)
