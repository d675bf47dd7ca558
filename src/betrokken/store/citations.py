"""How a source is cited to people: the official table first, the copy the build read second.

Each ``sources`` row has a ``description`` (title), ``year``, ``licence`` and an ``origin``
such as 'CBS StatLine 85067NED (via VNG-Realisatie/Burgerpeiling @758d8b4c)': the part
before '(via …)' is the official table (publisher and table id), the part inside is the
copy (a repository at a commit) the build read. The Methode page, the Excel Toelichting
and the PDF reports cite with :func:`citation`, so the official CBS/RIVM table always
comes first and a copy is named only where the build read one.
"""

from __future__ import annotations

import re

__all__ = ["citation", "table_id"]

_TABLE_ID = re.compile(r"(?<![0-9A-Za-z])\d{5}(?:NED|ENG)(?![0-9A-Za-z])")


def table_id(text: str | None) -> str | None:
    """'CBS StatLine 85067NED …' -> '85067NED' (the StatLine table id), else None."""
    found = _TABLE_ID.search(text or "")
    return found.group(0) if found else None


def citation(source: dict) -> dict[str, str | None]:
    """``{"official": …, "read_from": … or None}`` for one ``sources`` row.

    official: title, publisher's table (with its id), year and licence, in that order;
    read_from: 'kopie via <repository @commit>' when the build read a copy, else None.
    """
    origin = str(source.get("origin") or "")
    official, via, rest = origin.partition(" (via ")
    copy = f"kopie via {rest.removesuffix(')')}" if via else None
    title = str(source.get("description") or source.get("name") or "")
    ident = table_id(official) or table_id(title) or table_id(origin)
    table = official.strip() if via and official.strip() else None
    if table is None and ident and ident not in title:
        table = f"tabel {ident}"
    parts = [title]
    if table and table not in title:
        parts.append(table)
    elif ident and ident not in title:
        parts.append(f"tabel {ident}")
    if source.get("year"):
        parts.append(str(source["year"]))
    if source.get("licence"):
        parts.append(f"licentie {source['licence']}")
    return {"official": "; ".join(parts), "read_from": copy}
