"""What is in a database: levels, years, row counts, sources and build info.

``betrokken info`` prints this; ``--json`` prints it as JSON.
"""

from __future__ import annotations

from pathlib import Path

from betrokken import schema
from betrokken.store.database import connect, table_exists

TABLES = ("areas", "area_geometries", "crosswalk_pc4", "profile_mix", "area_indices",
          "profiles", "sources", "build_info")


def database_info(db_path: str | Path) -> dict:
    """Counts of current areas per level, years per level, sources, build info, rows."""
    con = connect(db_path, read_only=True)
    try:
        levels: dict[str, int] = {}
        years: dict[str, list[int]] = {}
        if table_exists(con, "areas"):
            counts = dict(con.execute(
                "SELECT level, count(*) FROM areas WHERE is_current GROUP BY level").fetchall())
            levels = {lvl: int(counts[lvl]) for lvl in schema.LEVELS if lvl in counts}
            for level, year in con.execute(
                "SELECT DISTINCT level, year FROM areas ORDER BY level, year"
            ).fetchall():
                years.setdefault(level, []).append(int(year))
        sources = []
        if table_exists(con, "sources"):
            cur = con.execute("SELECT * FROM sources ORDER BY name")
            names = [d[0] for d in cur.description]
            sources = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        build = {}
        if table_exists(con, "build_info"):
            build = dict(con.execute("SELECT key, value FROM build_info ORDER BY key").fetchall())
        rows = {
            name: int(con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
            for name in TABLES if table_exists(con, name)
        }
    finally:
        con.close()
    missing = [lvl for lvl in schema.LEVELS if lvl not in levels]
    return {
        "db_path": str(Path(db_path)),
        "levels": levels,
        "years": years,
        "missing_levels": {
            lvl: ("alleen via de download (CBS OData/PDOK), niet in de lokale datamap"
                  if lvl == "buurt" else
                  "niet gebouwd: vraagt de PC4-bestanden en de adressenkoppeling "
                  "(datamap of BETROKKEN_MIRROR_URL)" if lvl == "pc4" else "niet gebouwd")
            for lvl in missing
        },
        "sources": sources,
        "build": build,
        "tables": rows,
    }
