"""Build-time data quality checks on the harmonised area tables.

``run_quality_checks(tables)`` returns one ``{"name", "ok", "message", "hard",
"skipped"}`` dict per check (Dutch messages, printed by ``betrokken build``; a skipped
check, whose level or column is not in the build, says why and is never shown as OK).
Hard checks guard against real errors (a broken file, a wrong join); when one fails the
build stops with a ``QualityError`` that names the area and the field. Soft checks report
differences that follow from the sources themselves, e.g. PC4 population of 2021 against gemeente
population of 2024, and say which areas and why.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from betrokken import schema
from betrokken.errors import QualityError

EXPECTED_AREAS: dict[tuple[str, int], tuple[int, int]] = {
    ("gemeente", 2024): (342, 342),
    ("gemeente", 2022): (345, 345),
    ("gemeente", 2020): (355, 355),
    ("wijk", 2024): (3393, 3393),
    ("wijk", 2022): (3000, 3400),
    ("wijk", 2019): (3000, 3300),
    ("pc4", 2021): (4000, 4100),
}
"""(min, max) number of areas per level and year: CBS indeling of that year."""

POPULATION_TOLERANCE = 0.02
"""Children must sum to their gemeente within this fraction (same year)."""
PC4_REAL_ERROR = 0.15
"""PC4 2021 vs gemeente 2024: beyond this a difference is not explained by 3 years."""
SHARE_GROUP_TOLERANCE = 0.035
"""CBS publishes rounded percentages: a group of shares may sum to 0.97-1.03."""
SHARE_GROUPS = {
    "leeftijd": ("share_age_0_14", "share_age_15_24", "share_age_25_44", "share_age_45_64",
                 "share_age_65plus"),
    "geslacht": ("share_man", "share_vrouw"),
    "huishoudens": ("share_hh_single", "share_hh_couple_no_children", "share_hh_with_children"),
    "herkomst": ("share_migration_nl", "share_migration_west", "share_migration_nietwest"),
    "opleiding": ("share_edu_laag", "share_edu_midden", "share_edu_hoog"),
}


def run_quality_checks(tables) -> list[dict]:
    """Run every check; raise ``QualityError`` for the first failed hard check."""
    areas = tables.areas
    checks = [
        *check_area_counts(areas),
        check_shares_in_range(areas),
        *check_share_groups(areas),
        check_wijk_population(areas),
        check_pc4_population(areas, tables.crosswalk),
        check_current_fields(areas),
        *check_sex_ratio(areas),
        *check_margins_present(areas),
        check_pc4_complete(areas, tables.crosswalk),
        check_geometries_present(areas, tables.geometries,
                                 without=getattr(tables, "levels_without_polygons", ())),
        check_geometries_valid(tables.geometries),
    ]
    failed = [c for c in checks if c["hard"] and not c["ok"]]
    if failed:
        first = failed[0]
        more = f" (en nog {len(failed) - 1} controle(s))" if len(failed) > 1 else ""
        raise QualityError(f"Datakwaliteit: {first['message']}{more}",
                           hint="De vorige database is ongewijzigd gebleven.")
    return checks


def quality_summary(checks: list[dict]) -> str:
    """'12/12 in orde, 3 overgeslagen': a skipped check is neither passed nor failed."""
    ran = [c for c in checks if not c.get("skipped")]
    text = f"{sum(bool(c.get('ok')) for c in ran)}/{len(ran)} in orde"
    skipped = len(checks) - len(ran)
    return text + (f", {skipped} overgeslagen" if skipped else "")


def _check(name: str, ok: bool, message: str, *, hard: bool = True) -> dict:
    return {"name": name, "ok": bool(ok), "message": message, "hard": hard, "skipped": False}


def _skipped(name: str, message: str) -> dict:
    """A check that could not run (its level or column is not in this build): not failed,
    and not passed either; ``message`` says why."""
    return {"name": name, "ok": True, "message": message, "hard": False, "skipped": True}


def check_area_counts(areas: pd.DataFrame) -> list[dict]:
    """Number of areas per level and year against the CBS indeling of that year."""
    counts = areas.groupby(["level", "year"]).size()
    cur = areas[areas["is_current"] & areas["level"].isin(["gemeente", "wijk"])]
    required = set(zip(cur["level"], cur["year"], strict=True)) or {("gemeente", 2024),
                                                                     ("wijk", 2024)}
    if ("gemeente", 2024) in required:  # a 2024 build always reads the 2022 gemeenten
        required |= {("gemeente", 2022), ("wijk", 2024)}
    out = []
    for (level, year), (lo, hi) in EXPECTED_AREAS.items():
        n = int(counts.get((level, year), 0))
        if n == 0 and (level, year) not in required:
            out.append(_skipped(f"aantal_{level}_{year}",
                                f"Niveau {level} ({year}) niet gebouwd, dus niet gecontroleerd: "
                                "er is geen bronbestand voor dat niveau en jaar (niet in de "
                                "datamap of de download)."))
            continue
        expected = f"{lo}" if lo == hi else f"{lo}-{hi}"
        out.append(_check(
            f"aantal_{level}_{year}", lo <= n <= hi,
            f"{n} gebieden op niveau {level} ({year}), verwacht {expected}.",
        ))
    return out


def check_shares_in_range(areas: pd.DataFrame) -> dict:
    """Every share is a fraction in [0, 1] (or NULL)."""
    shares = areas[list(schema.AREA_SHARE_COLUMNS)]
    bad = (shares < 0) | (shares > 1)
    if bad.any().any():
        row, col = np.argwhere(bad.to_numpy())[0]
        area = areas.iloc[row]
        return _check("aandelen_0_1", False,
                      f"gebied {area['area_code']} ({area['level']} {area['year']}) veld "
                      f"'{shares.columns[col]}' = {shares.iat[row, col]:.3f} ligt niet in [0, 1].")
    return _check("aandelen_0_1", True, "Alle aandelen liggen tussen 0 en 1.")


def check_share_groups(areas: pd.DataFrame) -> list[dict]:
    """Each group of shares (age, sex, ...) sums to 1 up to CBS's rounding."""
    out = []
    for label, columns in SHARE_GROUPS.items():
        group = areas[list(columns)]
        total = group.sum(axis=1, min_count=len(columns))
        dev = (total - 1).abs()
        populated = areas["population"] >= schema.MIN_RESIDENTS_PUBLISHED
        big = populated & (dev > SHARE_GROUP_TOLERANCE)
        if big.any():
            area = areas[big].iloc[0]
            out.append(_check(
                f"som_{label}", False,
                f"gebied {area['area_code']} ({area['level']} {area['year']}): aandelen "
                f"{label} ({', '.join(columns)}) tellen op tot {total[big].iloc[0]:.3f} in "
                f"plaats van 1 ({int(big.sum())} gebieden).",
            ))
        elif dev.notna().any():
            out.append(_check(f"som_{label}", True,
                              f"Aandelen {label} tellen overal op tot 1 "
                              f"(max. afwijking {dev.max():.3f}, afronding CBS)."))
        else:  # e.g. migration background in an older KWB layout: say so, not 'nan'
            out.append(_skipped(f"som_{label}",
                                f"Aandelen {label} niet gecontroleerd: ze ontbreken in deze "
                                "bron; het model rekent daar met de landelijke verdeling."))
    return out


def check_wijk_population(areas: pd.DataFrame) -> dict:
    """Wijk 2024 population sums to the gemeente 2024 population within 2 %."""
    gm = _current(areas, "gemeente").set_index("area_code")["population"]
    wk = _current(areas, "wijk").groupby("gemeente_code")["population"].sum()
    rel = ((wk.reindex(gm.index) - gm) / gm).abs()
    bad = rel[rel > POPULATION_TOLERANCE]
    if len(bad) or rel.isna().any():
        code = bad.index[0] if len(bad) else rel[rel.isna()].index[0]
        return _check("bevolking_wijk_gemeente", False,
                      f"gemeente {code} veld 'population': de wijken tellen op tot "
                      f"{wk.get(code, 0):.0f}, de gemeente heeft {gm[code]:.0f} inwoners.")
    return _check("bevolking_wijk_gemeente", True,
                  f"Wijken tellen per gemeente op tot de gemeente (max. afwijking "
                  f"{rel.max():.2%}).")


def check_pc4_population(areas: pd.DataFrame, crosswalk: pd.DataFrame) -> dict:
    """PC4 2021 population, split over gemeenten by address share, against gemeente 2024.

    The sources are three years apart: national growth (about 2.6 %) is taken out
    first; what remains is growth that differs per gemeente (new neighbourhoods) and
    CBS rounding PC4 counts to fives. Those gemeenten are listed, not failed. Beyond
    ``PC4_REAL_ERROR`` a difference would point at a wrong join and fails the build.
    """
    gm = _current(areas, "gemeente").set_index("area_code")["population"]
    pc4 = _current(areas, "pc4").set_index("area_code")["population"].fillna(0)
    if pc4.empty:
        return _skipped("bevolking_pc4_gemeente",
                        "PC4-bevolking niet gecontroleerd: geen PC4-niveau in deze bouw.")
    share = crosswalk.groupby(["pc4", "gemeente_code"])["n_addresses"].sum()
    share = share / share.groupby(level="pc4").transform("sum")
    share = share.reset_index(name="share")
    share["population"] = share["share"] * pc4.reindex(share["pc4"]).fillna(0).to_numpy()
    by_gm = share.groupby("gemeente_code")["population"].sum().reindex(gm.index).fillna(0)
    growth = gm.sum() / by_gm.sum()
    rel = (by_gm * growth - gm) / gm
    over = rel[rel.abs() > POPULATION_TOLERANCE].sort_values(key=np.abs, ascending=False)
    worst = rel.abs().idxmax()
    if abs(rel[worst]) > PC4_REAL_ERROR:
        return _check("bevolking_pc4_gemeente", False,
                      f"gemeente {worst} veld 'population': PC4-inwoners (2021) wijken "
                      f"{rel[worst]:+.1%} af van de gemeente (2024), meer dan de jaren "
                      "verklaren.")
    listed = ", ".join(f"{c} ({v:+.1%})" for c, v in over.head(10).items())
    message = (
        f"PC4 (2021) tegen gemeente (2024): landelijke groei {growth - 1:+.1%} tussen de "
        f"jaren; daarna wijken {len(over)} van {len(gm)} gemeenten meer dan "
        f"{POPULATION_TOLERANCE:.0%} af (max. {abs(rel[worst]):.1%})"
        + (f", grootste: {listed}" if len(over) else "")
        + ". Verklaring: ongelijke groei en nieuwbouw tussen 2021 en 2024 en afronding "
        "van PC4-aantallen op vijftallen; geen fout."
    )
    return _check("bevolking_pc4_gemeente", True, message)


def check_current_fields(areas: pd.DataFrame) -> dict:
    """Every current area has a gemeente code, a population and an urbanity class."""
    cur = areas[areas["is_current"]]
    for field in ("gemeente_code", "urbanity", "area_code"):
        missing = cur[cur[field].isna()]
        if len(missing):
            area = missing.iloc[0]
            return _check("verplichte_velden", False,
                          f"gebied {area['area_code']} ({area['level']}) mist veld '{field}' "
                          f"({len(missing)} gebieden).")
    return _check("verplichte_velden", True,
                  "Elk actueel gebied heeft een gemeentecode en een stedelijkheidsklasse.")


def check_geometries_present(areas: pd.DataFrame, geometries: gpd.GeoDataFrame,
                             without: tuple[str, ...] = ()) -> dict:
    """Every current area has a polygon (except levels the build has none for, e.g.
    buurten offline: ``AreaTables.levels_without_polygons``)."""
    cur = areas[areas["is_current"] & ~areas["level"].isin(without)]
    have = set(zip(geometries["level"], geometries["area_code"], geometries["year"],
                   strict=True))
    missing = [r for r in zip(cur["level"], cur["area_code"], cur["year"], strict=True)
               if r not in have]
    if missing:
        level, code, year = missing[0]
        return _check("geometrie_aanwezig", False,
                      f"gebied {code} ({level} {year}) heeft geen geometrie (veld 'geometry'; "
                      f"{len(missing)} gebieden).")
    return _check("geometrie_aanwezig", True,
                  f"Alle {len(cur)} actuele gebieden hebben een geometrie.")


def check_geometries_valid(geometries: gpd.GeoDataFrame) -> dict:
    """All polygons are valid and non-empty (after make_valid in harmonise)."""
    geom = geometries.geometry.to_numpy()
    bad = ~shapely.is_valid(geom) | shapely.is_empty(geom) | shapely.is_missing(geom)
    if bad.any():
        row = geometries[bad].iloc[0]
        reason = shapely.is_valid_reason(row.geometry) if row.geometry is not None else "leeg"
        return _check("geometrie_geldig", False,
                      f"gebied {row['area_code']} ({row['level']} {row['year']}) veld "
                      f"'geometry' is ongeldig: {reason}.")
    return _check("geometrie_geldig", True,
                  f"Alle {len(geometries)} geometrieën zijn geldig.")


SEX_RATIO_RANGE = (0.25, 0.80)
"""Plausible share of men in an area of at least ``SEX_RATIO_MIN_POPULATION`` residents
(real data: 0.44-0.65; a prison or barracks can push a small wijk up). Outside it in more
than ``SEX_RATIO_MAX_OUTLIERS`` of the areas of a level, the source counts are wrong
(e.g. men counted a hundredfold: more men than inhabitants)."""
SEX_RATIO_MIN_POPULATION = 1000
SEX_RATIO_MAX_OUTLIERS = 0.01
MAX_MISSING_MARGIN = 0.10
"""Largest share of the populated current areas of a level that may lack a margin (all
of its shares empty). A margin missing everywhere is the documented national fallback."""
MARGIN_MIN_POPULATION = 50
MAX_POPULATED_WITHOUT_MARGIN = 10
"""Areas of at least 50 residents without a margin, per level (real data: at most 3)."""
PC4_MISSING_ADDRESSES = 100
"""A PC4 with at least this many addresses in the address crosswalk must have its own
population row; ``PC4_MAX_MISSING`` such postcodes without one mean a file cut short."""
PC4_MAX_MISSING = 5


def check_sex_ratio(areas: pd.DataFrame) -> list[dict]:
    """Shares of men within ``SEX_RATIO_RANGE`` in (nearly) every sizeable area."""
    out = []
    lo, hi = SEX_RATIO_RANGE
    for (level, year), group in areas[areas["is_current"]].groupby(["level", "year"]):
        big = group[group["population"].fillna(0) >= SEX_RATIO_MIN_POPULATION]
        share = pd.to_numeric(big["share_man"], errors="coerce")
        odd = big[(share < lo) | (share > hi)]
        if len(big) == 0:
            continue
        ok = len(odd) <= SEX_RATIO_MAX_OUTLIERS * len(big)
        example = "" if odd.empty else (
            f" (bv. {odd['area_code'].iloc[0]}: {float(odd['share_man'].iloc[0]):.0%} mannen)")
        out.append(_check(
            f"geslacht_{level}_{year}", ok,
            f"Aandeel mannen op niveau {level} ({year}): {len(odd)} van {len(big)} gebieden "
            f"met minstens {SEX_RATIO_MIN_POPULATION} inwoners buiten "
            f"{lo:.0%}–{hi:.0%}{example}"
            + ("." if ok else "; de bron telt meer mannen (of vrouwen) dan kan, bv. meer "
               "mannen dan inwoners.")))
    return out


def check_margins_present(areas: pd.DataFrame) -> list[dict]:
    """Each margin (age, sex, households, background, education) present in the current
    areas of a level with ``MARGIN_MIN_POPULATION`` residents or more: missing in at most
    ``MAX_MISSING_MARGIN`` of them and in at most ``MAX_POPULATED_WITHOUT_MARGIN`` (a source
    file cut short drops the margin of its last areas). Smaller areas are often secret
    (CBS); a margin missing everywhere is the national fallback. One check per level."""
    out = []
    for (level, year), group in areas[areas["is_current"]].groupby(["level", "year"]):
        populated = group["population"].fillna(0).to_numpy() >= MARGIN_MIN_POPULATION
        if not populated.any():
            continue
        found = {}
        for margin, columns in SHARE_GROUPS.items():
            present = [c for c in columns if c in group]
            if present:
                missing = group[present].isna().all(axis=1).to_numpy()
                if missing.mean() < 1.0:  # nowhere: the national distribution stands in
                    found[margin] = missing & populated
        if not found:
            continue
        worst = max(found, key=lambda m: found[m].sum())
        lost = found[worst]
        share = lost.sum() / populated.sum()
        ok = share <= MAX_MISSING_MARGIN and lost.sum() <= MAX_POPULATED_WITHOUT_MARGIN
        examples = ", ".join(group["area_code"].to_numpy()[lost][:6])
        out.append(_check(
            f"marges_{level}_{year}", ok,
            f"Marges op niveau {level} ({year}): {worst} ontbreekt in {int(lost.sum())} van "
            f"{int(populated.sum())} gebieden met minstens {MARGIN_MIN_POPULATION} inwoners "
            f"({share:.1%}; toegestaan {MAX_POPULATED_WITHOUT_MARGIN} en "
            f"{MAX_MISSING_MARGIN:.0%})" + (f": {examples}" if examples else "") + "."
            + ("" if ok else " Is een bronbestand afgebroken of een kolom leeg?")))
    return out


def check_pc4_complete(areas: pd.DataFrame, crosswalk: pd.DataFrame) -> dict:
    """Every PC4 with addresses (crosswalk) has a population row: a PC4 file cut short
    drops postcodes that would otherwise look like CBS gaps."""
    pc4 = set(_current(areas, "pc4")["area_code"].astype(str))
    if not pc4 or crosswalk is None or crosswalk.empty:
        return _skipped("pc4_volledig", "Volledigheid PC4 niet gecontroleerd: geen PC4-niveau "
                        "of adressentabel in deze bouw.")
    addresses = crosswalk.groupby("pc4")["n_addresses"].sum()
    lost = addresses[(addresses >= PC4_MISSING_ADDRESSES)
                     & ~addresses.index.astype(str).isin(pc4)]
    ok = len(lost) <= PC4_MAX_MISSING
    names = ", ".join(str(c) for c in lost.sort_values(ascending=False).index[:8])
    return _check(
        "pc4_volledig", ok,
        f"{len(lost)} postcodes (PC4) met minstens {PC4_MISSING_ADDRESSES} adressen hebben "
        f"geen bevolkingscijfers"
        + (f" ({names})" if names else "")
        + ("." if ok else f"; meer dan {PC4_MAX_MISSING}: is het PC4-bestand afgebroken?"))


def _current(areas: pd.DataFrame, level: str) -> pd.DataFrame:
    return areas[(areas["level"] == level) & areas["is_current"]]
