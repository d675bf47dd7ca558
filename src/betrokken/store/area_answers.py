"""The questions the dashboard, the reports and the CLI ask about areas, as plain dicts.

The functions return JSON-ready Python values, so the HTML pages and the JSON API are
the same views of the same answers. They read the in-memory ``store.catalogue``; maps
are in ``store.geojson``, rankings in ``store.rankings``, name search in ``store.search``.

Privacy rule of every answer about an area: an area that is suppressed (fewer than
``schema.MIN_RESIDENTS_PUBLISHED`` residents, or marked suppressed by the build) gets
no shares and no indices, whatever the tables hold (the build writes no shares for it
either, ``areas/mix.py``).
"""

from __future__ import annotations

import math
import re

from betrokken import schema
from betrokken.areas.provenance import figure_notes
from betrokken.areas.reliability import reliability
from betrokken.errors import BetrokkenError, UnknownAreaError
from betrokken.store.catalogue import NATIONAL_CODE, Catalogue
from betrokken.store.catalogue import area_name as _name
from betrokken.store.catalogue import clean as _clean
from betrokken.store.catalogue import int_or_none as _int_or_none
from betrokken.store.catalogue import split_list as _split
from betrokken.store.contrasts import contrast_summary

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
        "figure_notes": figure_notes(
            row, gemeente=parents["gemeente"]["name"] if parents["gemeente"] else None,
            wijk=parents["wijk"]["name"] if parents["wijk"] else None),
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
        "figure_notes": {},
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
