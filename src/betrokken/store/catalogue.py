"""The read model's catalogue: what the published database holds, read once.

The database is never written to while it is served (a rebuilt one is swapped in as a
new file and picked up when the app restarts), so the current area rows, their mixes and
indices are read once into memory (a few MB): an area answer is then a dictionary lookup
instead of four queries, which keeps the API fast under concurrent load
(benchmarks/api.py). ``store.area_answers`` answers questions from it; searches, maps
and exports query DuckDB through a cursor per request (``store.geojson``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import duckdb

from betrokken import schema
from betrokken.errors import BetrokkenError
from betrokken.store.database import table_exists

NATIONAL_CODE = "NL"
"""Pseudo area code for the whole country (the root of the area tree)."""


@dataclass
class Catalogue:
    """Facts about the database read once at start-up (small, never change while serving)."""

    profiles: list[dict]
    profile_ids: list[str]
    level_counts: dict[str, int]
    level_years: dict[str, int]
    has_mix: bool
    has_indices: bool
    has_geometries: bool
    drawn_levels: frozenset[str] = frozenset()
    """Levels with polygons (offline there are none for buurten)."""
    sources: list[dict] = field(default_factory=list)
    build_info: dict[str, str] = field(default_factory=dict)
    areas: dict[str, dict] = field(default_factory=dict)
    """Current row of every area, by code (codes are unique across levels)."""
    mixes: dict[str, dict[str, tuple]] = field(default_factory=dict)
    """Complete mixes: code -> {profile_id: (share, share_lo, share_hi)}."""
    indices: dict[str, dict] = field(default_factory=dict)
    """area_indices row of every current area, by code."""
    members: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(parent code, level) -> codes of that level inside the parent, by name."""
    national: dict[str, tuple] = field(default_factory=dict)
    """measure (profile id or index) -> (value, lo, hi) for NL, from the build."""
    contrasts: dict[str, dict[tuple[str, str], tuple]] = field(default_factory=dict)
    """code -> {(reference, measure): (diff, lo, hi, clear)}."""
    local: dict[str, dict] = field(default_factory=dict)
    """code ('NL01' for the country) -> Gezondheidsmonitor indicators of the area."""
    colours: dict[str, str] = field(default_factory=dict)
    """profile id -> colour; set by the web app (``web.palette.colour_profiles``)."""
    caches: dict[str, Any] = field(default_factory=dict)
    """Things derived from the catalogue once and kept with it (the search index,
    the profile texts), by name."""

    @property
    def levels(self) -> list[str]:
        """Levels that have areas in this database, coarse to fine."""
        return [lvl for lvl in schema.LEVELS if self.level_counts.get(lvl)]

    def profile(self, profile_id: str) -> dict:
        for p in self.profiles:
            if p["id"] == profile_id:
                return p
        raise BetrokkenError(
            f"Onbekend profiel '{profile_id}'.",
            hint="Kies een van: " + ", ".join(self.profile_ids) + ".",
        )


def load_catalogue(con: duckdb.DuckDBPyConnection) -> Catalogue:
    """Profiles, levels, sources and build facts; tolerant of a partial (areas-only) build."""
    if not table_exists(con, "areas"):
        raise BetrokkenError(
            "De database bevat geen tabel 'areas'.",
            hint="Bouw de database opnieuw met: betrokken build",
        )
    profiles: list[dict] = []
    if table_exists(con, "profiles"):
        rows = records(
            con.execute(
                "SELECT id, position, name, share, share_lo, share_hi, trust, engagement, "
                "card_json FROM profiles ORDER BY position"
            )
        )
        for row in rows:
            card = json.loads(row.pop("card_json") or "{}")
            profiles.append({**card, **{k: v for k, v in row.items() if v is not None}})
    ids = [p["id"] for p in profiles]
    counts = dict(
        con.execute("SELECT level, count(*) FROM areas WHERE is_current GROUP BY level").fetchall()
    )
    years = dict(
        con.execute("SELECT level, max(year) FROM areas WHERE is_current GROUP BY level").fetchall()
    )
    has_mix = table_exists(con, "profile_mix") and bool(
        con.execute("SELECT count(*) FROM profile_mix").fetchone()[0]
    )
    sources = (
        records(con.execute("SELECT * FROM sources ORDER BY name"))
        if table_exists(con, "sources")
        else []
    )
    info = (
        {str(k): str(v) for k, v in con.execute("SELECT key, value FROM build_info").fetchall()}
        if table_exists(con, "build_info")
        else {}
    )
    has_geometries = table_exists(con, "area_geometries")
    cat = Catalogue(
        profiles=profiles,
        profile_ids=ids,
        level_counts={k: int(v) for k, v in counts.items()},
        level_years={k: int(v) for k, v in years.items()},
        has_mix=has_mix and bool(profiles),
        has_indices=table_exists(con, "area_indices"),
        has_geometries=has_geometries,
        drawn_levels=frozenset(
            r[0] for r in con.execute("SELECT DISTINCT level FROM area_geometries").fetchall()
        ) if has_geometries else frozenset(),
        sources=sources,
        build_info=info,
    )
    _load_area_index(con, cat)
    _load_estimates_extras(con, cat)
    return cat


def _load_estimates_extras(con: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    """NL estimates, contrasts and local indicators (absent in older databases)."""
    if table_exists(con, "national_estimates"):
        cat.national = {
            m: (clean(v), clean(lo), clean(hi))
            for m, v, lo, hi in con.execute(
                "SELECT measure, value, lo, hi FROM national_estimates").fetchall()
        }
    for p in cat.profiles:  # the NL figure areas are compared with (gemeente aggregate)
        if p["id"] in cat.national:
            p["share_nl_areas"] = cat.national[p["id"]][0]
    if table_exists(con, "area_contrasts"):
        for code, ref, measure, diff, lo, hi, clear in con.execute(
            "SELECT area_code, reference, measure, diff, diff_lo, diff_hi, clear "
            "FROM area_contrasts"
        ).fetchall():
            cat.contrasts.setdefault(code, {})[(ref, measure)] = (
                clean(diff), clean(lo), clean(hi), bool(clear))
    if table_exists(con, "local_indicators"):
        for row in records(con.execute("SELECT * FROM local_indicators")):
            cat.local[row["area_code"]] = row


def _load_area_index(con: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    """Current areas, their complete mixes and indices, and who lies inside whom."""
    rows = records(con.execute("SELECT * FROM areas WHERE is_current ORDER BY year"))
    cat.areas = {r["area_code"]: r for r in rows}  # latest year wins
    current = (
        "JOIN areas a ON a.level = t.level AND a.area_code = t.area_code "
        "AND a.year = t.year AND a.is_current"
    )
    if cat.has_indices:
        found = records(con.execute(f"SELECT t.* FROM area_indices t {current}"))
        cat.indices = {r["area_code"]: r for r in found}
    if cat.has_mix:
        raw: dict[str, dict[str, tuple]] = {}
        for code, pid, share, lo, hi in con.execute(
            "SELECT t.area_code, t.profile_id, t.share, t.share_lo, t.share_hi "
            f"FROM profile_mix t {current} WHERE t.share IS NOT NULL"
        ).fetchall():
            raw.setdefault(code, {})[pid] = (clean(share), clean(lo), clean(hi))
        wanted = set(cat.profile_ids)
        cat.mixes = {
            c: {p: m[p] for p in cat.profile_ids} for c, m in raw.items() if set(m) >= wanted
        }
    members: dict[tuple[str, str], set[str]] = {}
    for code, r in cat.areas.items():
        level = r["level"]
        members.setdefault((NATIONAL_CODE, level), set()).add(code)
        if level != "gemeente" and r.get("gemeente_code"):
            members.setdefault((r["gemeente_code"], level), set()).add(code)
        if level in ("buurt", "pc4") and r.get("wijk_code"):
            members.setdefault((r["wijk_code"], level), set()).add(code)
    if table_exists(con, "crosswalk_pc4"):
        # a postcode belongs to every wijk where it has addresses
        for pc4, wijk in con.execute(
            "SELECT DISTINCT lpad(CAST(pc4 AS VARCHAR), 4, '0'), wijk_code FROM crosswalk_pc4 "
            "WHERE wijk_code IS NOT NULL"
        ).fetchall():
            if pc4 in cat.areas and wijk in cat.areas:
                members.setdefault((wijk, "pc4"), set()).add(pc4)
    cat.members = {
        key: sorted(codes, key=lambda c: ((cat.areas[c]["area_name"] or ""), c))
        for key, codes in members.items()
    }


def area_name(cat: Catalogue, code: str) -> str:
    """The name an area is shown by (``display_name`` of its current row)."""
    row = cat.areas[code]
    return display_name(row["level"], code, row["area_name"])


def display_name(level: str, code: str, name: str | None) -> str:
    """Postcode areas are named after their place: show '3511 Utrecht', not 'Utrecht'."""
    if level == "pc4":
        return f"{code} {name}" if name and name != code else code
    return name or code


def records(rel) -> list[dict]:
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, row, strict=True)) for row in rel.fetchall()]


def clean(value):
    """JSON-safe scalar: NaN/inf become None, numpy/Decimal become float/int."""
    if value is None:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(f) or math.isinf(f) else f


def int_or_none(value) -> int | None:
    value = clean(value)
    return None if value is None else int(value)


def split_list(value) -> list[str]:
    if not value:
        return []
    return [v.strip() for v in str(value).split(",") if v.strip()]
