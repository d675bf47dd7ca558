"""The read-only questions the dashboard asks the database, answered as plain dicts.

The functions return JSON-ready Python values, so the HTML pages and the JSON API are
the same views of the same answers. The database is never written to (a rebuilt one
is swapped in as a new file and picked up when the app restarts), so the current area
rows, their mixes and indices are read once into memory (a few MB): an area answer is
then a dictionary lookup instead of four queries, which keeps the API fast under
concurrent load (benchmarks/api.py). Searches, maps and exports query DuckDB through a
cursor per request.

Privacy rule applied here, in one place: an area that is suppressed (fewer than
``schema.MIN_RESIDENTS_PUBLISHED`` residents, or marked suppressed by the build) gets
no shares and no indices in any answer, whatever the tables hold.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from betrokken import schema
from betrokken.areas.population import ADULT_AGE_WEIGHTS, adult_weight
from betrokken.areas.reliability import reliability
from betrokken.errors import BetrokkenError, UnknownAreaError
from betrokken.store.database import table_exists
from betrokken.web.palette import profile_colours

NATIONAL_CODE = "NL"
"""Pseudo area code for the whole country (the root of the area tree)."""

DEMOGRAPHIC_COLUMNS: tuple[str, ...] = schema.AREA_SHARE_COLUMNS + schema.AREA_VALUE_COLUMNS
INDEX_COLUMNS = schema.INDEX_COLUMNS
CHILD_LEVELS: dict[str, tuple[str, ...]] = {
    NATIONAL_CODE: ("gemeente", "wijk", "buurt", "pc4"),
    "gemeente": ("wijk", "buurt", "pc4"),
    "wijk": ("buurt", "pc4"),
    "buurt": (),
    "pc4": (),
}
_CODE_RE = re.compile(r"^[A-Za-z0-9]{1,20}$")


@dataclass
class Catalogue:
    """Facts about the database read once at start-up (small, never change while serving)."""

    profiles: list[dict]
    profile_ids: list[str]
    colours: dict[str, str]
    level_counts: dict[str, int]
    level_years: dict[str, int]
    has_mix: bool
    has_indices: bool
    has_geometries: bool
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
        rows = _records(
            con.execute(
                "SELECT id, position, name, share, share_lo, share_hi, trust, engagement, "
                "card_json FROM profiles ORDER BY position"
            )
        )
        for row in rows:
            card = json.loads(row.pop("card_json") or "{}")
            profiles.append({**card, **{k: v for k, v in row.items() if v is not None}})
    ids = [p["id"] for p in profiles]
    colours = profile_colours(ids)
    for p in profiles:
        p["colour"] = colours[p["id"]]
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
        _records(con.execute("SELECT * FROM sources ORDER BY name"))
        if table_exists(con, "sources")
        else []
    )
    info = (
        {str(k): str(v) for k, v in con.execute("SELECT key, value FROM build_info").fetchall()}
        if table_exists(con, "build_info")
        else {}
    )
    cat = Catalogue(
        profiles=profiles,
        profile_ids=ids,
        colours=colours,
        level_counts={k: int(v) for k, v in counts.items()},
        level_years={k: int(v) for k, v in years.items()},
        has_mix=has_mix and bool(profiles),
        has_indices=table_exists(con, "area_indices"),
        has_geometries=table_exists(con, "area_geometries"),
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
            m: (_clean(v), _clean(lo), _clean(hi))
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
                _clean(diff), _clean(lo), _clean(hi), bool(clear))
    if table_exists(con, "local_indicators"):
        for row in _records(con.execute("SELECT * FROM local_indicators")):
            cat.local[row["area_code"]] = row


def _load_area_index(con: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    """Current areas, their complete mixes and indices, and who lies inside whom."""
    rows = _records(con.execute("SELECT * FROM areas WHERE is_current ORDER BY year"))
    cat.areas = {r["area_code"]: r for r in rows}  # latest year wins
    current = (
        "JOIN areas a ON a.level = t.level AND a.area_code = t.area_code "
        "AND a.year = t.year AND a.is_current"
    )
    if cat.has_indices:
        found = _records(con.execute(f"SELECT t.* FROM area_indices t {current}"))
        cat.indices = {r["area_code"]: r for r in found}
    if cat.has_mix:
        raw: dict[str, dict[str, tuple]] = {}
        for code, pid, share, lo, hi in con.execute(
            "SELECT t.area_code, t.profile_id, t.share, t.share_lo, t.share_hi "
            f"FROM profile_mix t {current} WHERE t.share IS NOT NULL"
        ).fetchall():
            raw.setdefault(code, {})[pid] = (_clean(share), _clean(lo), _clean(hi))
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


# --- single areas -------------------------------------------------------------------


def canonical_code(raw: str) -> str:
    """Area code as stored: trimmed, upper case; 'nl' means the country."""
    code = raw.strip().replace(" ", "").upper()
    if not _CODE_RE.match(code):
        raise BetrokkenError(
            f"'{raw[:40]}' is geen geldige gebiedscode.",
            hint="Gebruik een code als GM0344 (gemeente), WK034401 (wijk), "
            "BU03440101 (buurt) of 3511 (postcode).",
        )
    return code


def area_row(cat: Catalogue, code: str) -> dict:
    """The current row of one area; UnknownAreaError when the code does not exist."""
    row = cat.areas.get(code)
    if row is None:
        raise UnknownAreaError(
            f"Gebied '{code}' bestaat niet in deze database.",
            hint="Zoek het gebied op naam via /api/search?q=…",
        )
    return row


def area_detail(cat: Catalogue, code: str) -> dict:
    """Everything about one area: mix with intervals, indices, demographics, parents."""
    if code == NATIONAL_CODE:
        return national_detail(cat)
    row = area_row(cat, code)
    level = row["level"]
    indices = cat.indices.get(code)
    suppressed, reason = _suppression(row.get("population"), indices, cat)
    mix = cat.mixes.get(code)
    if not suppressed and mix is None:
        suppressed, reason = True, "Voor dit gebied is geen profielmix berekend."
    parents = {}
    for key, parent_col in (("gemeente", "gemeente_code"), ("wijk", "wijk_code")):
        parent = row.get(parent_col)
        if parent and parent != code and parent in cat.areas:
            parents[key] = {"code": parent, "name": _name(cat, parent)}
        else:
            parents[key] = None
    return {
        "code": code,
        "name": _name(cat, code),
        "level": level,
        "level_label": schema.LEVEL_LABELS_NL.get(level, level),
        "year": int(row["year"]),
        "population": _int_or_none(row.get("population")),
        "gemeente": parents["gemeente"],
        "wijk": parents["wijk"],
        "suppressed": suppressed,
        "suppression_reason": reason,
        "interval_level": schema.INTERVAL_LEVEL,
        "mix": [] if suppressed else _mix_list(cat, mix),
        "indices": None if suppressed else _public_indices(indices),
        "estimate_method": None if suppressed else indices.get("estimate_method"),
        "demographics": {c: _clean(row.get(c)) for c in DEMOGRAPHIC_COLUMNS if c in row},
        "derived_columns": _split(row.get("derived_columns")),
        "secret_columns": _split(row.get("secret_columns")),
        "child_levels": [
            lvl for lvl in CHILD_LEVELS.get(level, ()) if cat.members.get((code, lvl))
        ],
        "contrasts": {} if suppressed else contrast_summary(cat, code),
        "local": local_rows(cat, code),
        "derived_inputs": derived_inputs(row),
        "reliability": None if suppressed else reliability(
            level, _int_or_none(row.get("population")), derived_inputs(row)),
    }


def national_detail(cat: Catalogue) -> dict:
    """The country: the survey's weighted profile shares (with their 90 % intervals).

    Indices are the share-weighted means of the profiles' low-trust and high-engagement
    rates, the same definition the build applies to each area; they come without an
    interval here.
    """
    population = sum(r["population"] or 0 for r in cat.areas.values() if r["level"] == "gemeente")
    mix = [
        {
            "profile_id": p["id"],
            "name": p["name"],
            "share": _clean(p.get("share")),
            "share_lo": _clean(p.get("share_lo")),
            "share_hi": _clean(p.get("share_hi")),
        }
        for p in cat.profiles
    ]
    indices = None
    mix_source = "Gewogen landelijke enquête (het model zelf), niet opgeteld uit gebieden."
    if cat.national and all(p["id"] in cat.national for p in cat.profiles):
        mix = [
            {"profile_id": p["id"], "name": p["name"], "share": cat.national[p["id"]][0],
             "share_lo": cat.national[p["id"]][1], "share_hi": cat.national[p["id"]][2]}
            for p in cat.profiles
        ]
        mix_source = ("Opgeteld uit alle gemeenten (gewogen naar volwassen inwoners), zodat "
                      "elk gebied met dezelfde cijfers wordt vergeleken.")
        indices = {}
        for name in INDEX_NAMES:
            value, lo, hi = cat.national.get(name, (None, None, None))
            indices.update({name: value, f"{name}_lo": lo, f"{name}_hi": hi})
    elif cat.profiles and all("p_high_engagement" in p and "p_low_trust" in p
                              for p in cat.profiles):
        indices = {
            "engagement_index": sum(p["share"] * p["p_high_engagement"] for p in cat.profiles),
            "low_trust_share": sum(p["share"] * p["p_low_trust"] for p in cat.profiles),
        }
    return {
        "code": NATIONAL_CODE,
        "name": "Nederland",
        "level": "land",
        "level_label": "Land",
        "year": max(cat.level_years.values()) if cat.level_years else None,
        "population": _int_or_none(population),
        "gemeente": None,
        "wijk": None,
        "suppressed": False,
        "suppression_reason": None,
        "interval_level": schema.INTERVAL_LEVEL,
        "mix": mix,
        "mix_source": mix_source,
        "indices": indices,
        "estimate_method": "survey",
        "demographics": {},
        "derived_columns": [],
        "secret_columns": [],
        "child_levels": [lvl for lvl in CHILD_LEVELS[NATIONAL_CODE] if lvl in cat.levels],
        "contrasts": {},
        "local": local_rows(cat, NATIONAL_LOCAL_CODE),
        "derived_inputs": [],
        "reliability": reliability("land", _int_or_none(population), []),
    }


def _mix_list(cat: Catalogue, mix: dict[str, tuple] | None) -> list[dict]:
    if not mix:
        return []
    return [
        {
            "profile_id": p["id"],
            "name": p["name"],
            "share": mix[p["id"]][0],
            "share_lo": mix[p["id"]][1],
            "share_hi": mix[p["id"]][2],
        }
        for p in cat.profiles
    ]


def _suppression(population, indices: dict | None, cat: Catalogue) -> tuple[bool, str | None]:
    if population is not None and population < schema.MIN_RESIDENTS_PUBLISHED:
        return True, (
            f"Minder dan {schema.MIN_RESIDENTS_PUBLISHED} inwoners: "
            "geen schatting gepubliceerd (privacy)."
        )
    if not cat.has_mix:
        return True, "Deze database bevat nog geen profielmix."
    if indices is None:
        return True, "Voor dit gebied is geen profielmix berekend."
    if indices.get("suppressed"):
        return True, _reason_nl(indices.get("suppression_reason"))
    return False, None


def _reason_nl(reason: str | None) -> str:
    """The build's short reason as a sentence for the page."""
    if not reason:
        return "Geen schatting gepubliceerd."
    text = reason[0].upper() + reason[1:]
    return text if text.endswith(".") else text + ": geen schatting gepubliceerd."


def _public_indices(indices: dict | None) -> dict | None:
    if indices is None:
        return None
    return {c: _clean(indices.get(c)) for c in INDEX_COLUMNS}


def _name(cat: Catalogue, code: str) -> str:
    row = cat.areas[code]
    return display_name(row["level"], code, row["area_name"])


def display_name(level: str, code: str, name: str | None) -> str:
    """Postcode areas are named after their place: show '3511 Utrecht', not 'Utrecht'."""
    if level == "pc4":
        return f"{code} {name}" if name and name != code else code
    return name or code


# --- children (tables and maps) -----------------------------------------------------


def check_child_level(cat: Catalogue, parent_level: str, level: str) -> None:
    """Raise a Dutch error when ``level`` is not below ``parent_level`` or not built."""
    allowed = CHILD_LEVELS.get(parent_level, ())
    if level not in allowed:
        nice = ", ".join(allowed) or "geen (dit is het fijnste niveau)"
        raise BetrokkenError(
            f"Niveau '{level}' ligt niet onder een {parent_level}.",
            hint=f"Kies uit: {nice}.",
        )
    if level not in cat.levels:
        raise BetrokkenError(
            f"Niveau '{level}' is niet beschikbaar in deze database.",
            hint="Beschikbaar: " + ", ".join(cat.levels) + ".",
        )


def children(cat: Catalogue, code: str, level: str) -> dict:
    """The areas of one level inside an area, each with its mix (or suppressed)."""
    parent_level = NATIONAL_CODE if code == NATIONAL_CODE else area_row(cat, code)["level"]
    check_child_level(cat, parent_level, level)
    items = [area_item(cat, child) for child in cat.members.get((code, level), [])]
    return {"parent": code, "level": level, "count": len(items), "areas": items}


def area_item(cat: Catalogue, code: str) -> dict:
    """One area as a row of a table or a map: shares by profile id, or suppressed."""
    row = area_row(cat, code)
    ind = cat.indices.get(code)
    suppressed, reason = _suppression(row.get("population"), ind, cat)
    mix = cat.mixes.get(code)
    if not suppressed and mix is None:
        suppressed, reason = True, "Voor dit gebied is geen profielmix berekend."
    item = {
        "code": code,
        "name": _name(cat, code),
        "level": row["level"],
        "year": int(row["year"]),
        "population": _int_or_none(row.get("population")),
        "suppressed": suppressed,
        "suppression_reason": reason,
    }
    if not suppressed:
        item["dominant_profile"] = max(mix, key=lambda pid: mix[pid][0])
        item["typical_profile"] = _typical(cat, mix, code)
        item["shares"] = {pid: v[0] for pid, v in mix.items()}
        item["shares_lo"] = {pid: v[1] for pid, v in mix.items()}
        item["shares_hi"] = {pid: v[2] for pid, v in mix.items()}
        item["indices"] = _public_indices(ind)
    return item


def _typical(cat: Catalogue, mix: dict[str, tuple], code: str | None = None) -> str | None:
    """The profile most over-represented against the country (largest share ratio), among
    the profiles whose difference with NL is *clear* (interval excludes zero); None when no
    profile is clearly over-represented, so the map colours only real differences.

    The largest group is often the same everywhere; what sets an area apart is the
    group that is relatively most common there.
    """
    national = {p["id"]: (cat.national.get(p["id"], (p.get("share"),))[0]) for p in cat.profiles}
    contrasts = cat.contrasts.get(code, {}) if code is not None else {}
    candidates = {
        pid: v for pid, v in mix.items()
        if not contrasts or (contrasts.get(("nederland", pid), (0, 0, 0, False))[3]
                             and contrasts[("nederland", pid)][0] > 0)
    }
    ratios = {pid: v[0] / national[pid] for pid, v in candidates.items() if national.get(pid)}
    return max(ratios, key=ratios.get) if ratios else None


INDEX_NAMES: tuple[str, ...] = (
    "engagement_index", "low_trust_share", "political_engagement", "local_engagement",
)
INDEX_LABELS_NL: dict[str, str] = {
    "engagement_index": "betrokkenheid",
    "low_trust_share": "laag vertrouwen",
    "political_engagement": "politieke betrokkenheid",
    "local_engagement": "lokale betrokkenheid",
}
REFERENCE_LABELS_NL: dict[str, str] = {"nederland": "Nederland", "gemeente": "de gemeente"}
NATIONAL_LOCAL_CODE = "NL01"
LOCAL_ROWS: tuple[tuple[str, str], ...] = (
    ("volunteering", "Doet vrijwilligerswerk"),
    ("informal_care", "Geeft mantelzorg"),
    ("socially_lonely", "Sociaal eenzaam"),
    ("lonely", "Eenzaam (totaal)"),
    ("financial_strain", "Moeite met rondkomen"),
    ("control_over_life", "Regie over eigen leven"),
)
LOCAL_METHOD_NL: dict[str, str] = {
    "direct": "eigen cijfer",
    "merged": "samengevoegde gemeenten",
    "parent_adjusted": "afgeleid van de gemeente, gecorrigeerd voor de eigen bevolking",
    "via_wijk": "via de wijken van de postcode",
    "via_gemeente": "cijfer van de gemeente",
    "missing": "geen cijfer",
}
MIX_INPUTS: dict[str, str] = {
    "share_edu_laag": "opleiding", "share_edu_midden": "opleiding", "share_edu_hoog": "opleiding",
    "share_migration_nl": "migratieachtergrond", "share_migration_west": "migratieachtergrond",
    "share_migration_nietwest": "migratieachtergrond",
}


def _pp(diff: float) -> str:
    points = round(diff * 100)
    sign = "+" if points > 0 else ("−" if points < 0 else "±")
    return f"{sign}{abs(points)} procentpunt"


def contrast_summary(cat: Catalogue, code: str) -> dict:
    """Per reference (Nederland, gemeente): the clear differences and one Dutch sentence.

    A difference is clear when the 90 % interval of the difference (paired bootstrap draws)
    excludes zero; the sentence names at most three profiles and the indices that differ.
    """
    rows = cat.contrasts.get(code, {})
    if not rows:
        return {}
    names = {p["id"]: p["name"] for p in cat.profiles}
    area_name = _name(cat, code)
    out = {}
    for ref in ("nederland", "gemeente"):
        entries = [(m, v) for (r, m), v in rows.items() if r == ref]
        if not entries:
            continue
        clear = [(m, v) for m, v in entries if v[3]]
        profiles = sorted([(m, v) for m, v in clear if m in names], key=lambda x: -abs(x[1][0]))
        indices = [(m, v) for m, v in clear if m in INDEX_LABELS_NL]
        ref_name = REFERENCE_LABELS_NL[ref]
        if ref == "gemeente":
            gem = cat.areas.get(code, {}).get("gemeente_code")
            ref_name = _name(cat, gem) if gem in cat.areas else ref_name
        if not profiles and not indices:
            sentence = (f"{area_name} lijkt op " + ("het landelijk beeld" if ref == "nederland"
                        else f"{ref_name} als geheel")
                        + ": geen verschil is duidelijk (bij elk verschil ligt nul binnen het "
                        "90%-interval).")
        else:
            parts = []
            more = [f"{names[m]} ({_pp(v[0])})" for m, v in profiles[:3] if v[0] > 0]
            less = [f"{names[m]} ({_pp(v[0])})" for m, v in profiles[:3] if v[0] < 0]
            if more:
                parts.append("naar verhouding meer " + _join_nl(more))
            if less:
                parts.append("minder " + _join_nl(less))
            text = f"Vergeleken met {ref_name} wonen in {area_name} " + " en ".join(parts) \
                if parts else f"Vergeleken met {ref_name} verschilt de profielmix van " \
                f"{area_name} niet duidelijk"
            idx_parts = [
                f"{INDEX_LABELS_NL[m]} is {'hoger' if v[0] > 0 else 'lager'} ({_pp(v[0])})"
                for m, v in indices
            ]
            sentence = text + (". " + _capital(_join_nl(idx_parts)) if idx_parts else "") + "."
        out[ref] = {
            "reference": ref,
            "reference_name": ref_name,
            "sentence": sentence,
            "clear": [
                {"measure": m, "label": names.get(m) or INDEX_LABELS_NL.get(m, m),
                 "diff": v[0], "diff_lo": v[1], "diff_hi": v[2]}
                for m, v in [*profiles, *indices]
            ],
            "n_compared": len(entries),
        }
    return out


def _join_nl(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def local_rows(cat: Catalogue, code: str) -> dict | None:
    """Gezondheidsmonitor indicators of the area beside its gemeente and NL."""
    own = cat.local.get(code)
    if own is None:
        return None
    gem_code = cat.areas.get(code, {}).get("gemeente_code") if code in cat.areas else None
    gem = cat.local.get(gem_code) if gem_code and gem_code != code else None
    nl = cat.local.get(NATIONAL_LOCAL_CODE) if code != NATIONAL_LOCAL_CODE else None
    rows = []
    for key, label in LOCAL_ROWS:
        if key not in own:
            continue
        rows.append({
            "indicator": key,
            "label": label,
            "value": _clean(own.get(key)),
            "gemeente": _clean(gem.get(key)) if gem else None,
            "nederland": _clean(nl.get(key)) if nl else None,
        })
    return {
        "rows": rows,
        "method": own.get("method"),
        "method_label": LOCAL_METHOD_NL.get(own.get("method"), own.get("method")),
        "year": _int_or_none(own.get("source_year")),
        "gemeente_name": _name(cat, gem_code) if gem else None,
        "source": "Gezondheidsmonitor Volwassenen en Ouderen (GGD'en, CBS en RIVM), "
                  "CC BY 4.0; onder gemeenteniveau modelschattingen van het RIVM",
    }


def peer_gemeenten(cat: Catalogue, code: str, n: int = 5) -> list[dict]:
    """The ``n`` gemeenten most like this one in size and urbanity: the same CBS urbanity
    class (``areas.urbanity``, 1 = very strongly urban .. 5 = not urban), nearest in log
    population (so 20,000 is as near to 10,000 as 400,000 to 200,000). Empty for other
    levels and for a gemeente without urbanity or population."""
    row = area_row(cat, code)
    if row["level"] != "gemeente" or row.get("urbanity") is None or not row.get("population"):
        return []
    own = math.log(row["population"])
    candidates = [
        (abs(math.log(r["population"]) - own), r["area_name"] or "", c)
        for c, r in cat.areas.items()
        if r["level"] == "gemeente" and c != code and r.get("population")
        and r.get("urbanity") is not None and int(r["urbanity"]) == int(row["urbanity"])
    ]
    return [
        {"code": c, "name": _name(cat, c), "population": _int_or_none(cat.areas[c]["population"]),
         "compare_url": f"/vergelijken?codes={code},{c}"}
        for _, _, c in sorted(candidates)[:n]
    ]


def derived_inputs(row: dict) -> list[str]:
    """The mix inputs (education, migration) CBS does not publish for this area."""
    derived = set(_split(row.get("derived_columns")))
    return sorted({label for col, label in MIX_INPUTS.items() if col in derived})


def children_geojson(
    cur: duckdb.DuckDBPyConnection, cat: Catalogue, code: str, level: str | None
) -> str:
    """A GeoJSON FeatureCollection (WGS84) of the children, or of the area itself.

    Properties per feature: code, name, population, suppressed, ``dominant`` and
    ``typical`` (profile ids: largest share; largest share relative to the country) and
    ``s_<profile_id>`` shares, so the map can colour by any of them without another call.
    Built as a string from ``ST_AsGeoJSON`` output: no parsing of big geometries.
    """
    if not cat.has_geometries:
        raise BetrokkenError("Deze database bevat geen gebiedsgrenzen (tabel area_geometries).")
    if level is None:
        if code == NATIONAL_CODE:
            raise BetrokkenError(
                "Geef een niveau op voor de kaart van Nederland.",
                hint="Bijvoorbeeld ?level=gemeente",
            )
        items = [area_item(cat, code)]
        geom_level = items[0]["level"]
    else:
        items, geom_level = children(cat, code, level)["areas"], level
    return geojson_of(cur, cat, items, geom_level)


def geojson_of(
    cur: duckdb.DuckDBPyConnection, cat: Catalogue, items: list[dict], geom_level: str
) -> str:
    """FeatureCollection of area items (see ``area_item``) of one level."""
    if not cat.has_geometries:
        raise BetrokkenError("Deze database bevat geen gebiedsgrenzen (tabel area_geometries).")
    codes = [it["code"] for it in items]
    year = cat.level_years.get(geom_level, 0)
    found = cur.execute(
        # Simplification can leave GeometryCollections; keep only their polygons.
        # A point inside each polygon places its label on the map.
        "SELECT area_code, ST_AsGeoJSON(CASE WHEN ST_GeometryType(geom_display) = "
        "'GEOMETRYCOLLECTION' THEN ST_CollectionExtract(geom_display, 3) "
        "ELSE geom_display END), ST_X(ST_PointOnSurface(geom_display)), "
        "ST_Y(ST_PointOnSurface(geom_display)) FROM area_geometries "
        "WHERE level = ? AND list_contains(?, area_code) AND geom_display IS NOT NULL "
        "QUALIFY row_number() OVER "
        "(PARTITION BY area_code ORDER BY abs(year - ?), year DESC) = 1",
        [geom_level, codes, year],
    ).fetchall()
    geoms = {code: geom for code, geom, _, _ in found}
    label_points = {code: (x, y) for code, _, x, y in found if x is not None}
    features = []
    for it in items:
        geom = geoms.get(it["code"])
        if geom is None:
            continue
        props: dict[str, Any] = {
            "code": it["code"],
            "name": it["name"],
            "population": it["population"],
            "suppressed": it["suppressed"],
        }
        if it["code"] in label_points:
            props["lx"], props["ly"] = (round(v, 5) for v in label_points[it["code"]])
        if not it["suppressed"]:
            props["dominant"] = it.get("dominant_profile")
            props["typical"] = it.get("typical_profile")
            for pid, share in it.get("shares", {}).items():
                props[f"s_{pid}"] = share
            for name, value in (it.get("indices") or {}).items():
                if name in INDEX_NAMES and value is not None:
                    props[f"i_{name}"] = value
        features.append(
            '{"type":"Feature","geometry":'
            + geom
            + ',"properties":'
            + json.dumps(props, ensure_ascii=False)
            + "}"
        )
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


# --- search and rankings ------------------------------------------------------------


def top_areas(
    cat: Catalogue,
    profile_id: str,
    scope: str,
    level: str,
    limit: int,
) -> list[dict]:
    """Areas with the largest share of one profile (suppressed areas left out).

    ``adults_in_profile`` is the share times the area's adults (18+, estimated by
    ``areas.population.adult_weight`` like every adult weight), rounded to tens: a size
    for planning outreach, as uncertain as the share it comes from.
    """
    cat.profile(profile_id)
    items = [a for a in children(cat, scope, level)["areas"] if not a["suppressed"]]
    items.sort(key=lambda a: a["shares"][profile_id], reverse=True)
    out = []
    for a in items[:limit]:
        adults = _adults(cat.areas[a["code"]])
        share, lo, hi = (a[k][profile_id] for k in ("shares", "shares_lo", "shares_hi"))
        out.append(
            {
                "code": a["code"],
                "name": a["name"],
                "population": a["population"],
                "share": share,
                "share_lo": lo,
                "share_hi": hi,
                "adults_in_profile": _tens(adults, share),
                "adults_in_profile_lo": _tens(adults, lo),
                "adults_in_profile_hi": _tens(adults, hi),
            }
        )
    return out


def _adults(row: dict) -> float | None:
    """Adults (18+) of one area row; None when its population or age shares are unknown."""
    frame = pd.DataFrame([{c: row.get(c) for c in ("population", *ADULT_AGE_WEIGHTS)}])
    return _clean(adult_weight(frame)[0])


def _tens(adults: float | None, share: float | None) -> int | None:
    if adults is None or share is None:
        return None
    return int(round(adults * share, -1))


# --- helpers ------------------------------------------------------------------------


def _records(rel) -> list[dict]:
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, row, strict=True)) for row in rel.fetchall()]


def _clean(value):
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


def _int_or_none(value) -> int | None:
    value = _clean(value)
    return None if value is None else int(value)


def _split(value) -> list[str]:
    if not value:
        return []
    return [v.strip() for v in str(value).split(",") if v.strip()]
