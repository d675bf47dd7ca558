"""Full build on the real data; a failing build leaves the existing database intact."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from betrokken import schema
from betrokken.build import build_database
from betrokken.errors import BetrokkenError, QualityError, SourceError, UnknownAreaError
from betrokken.store.database import connect
from betrokken.store.inspect import database_info
from helpers_data import (
    append_line,
    broken_copy,
    copy_of,
    rename_column,
    replace_text,
    truncate,
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def existing_db(built_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "live.duckdb"
    shutil.copy(built_db, db)
    return db


def test_built_database_has_areas_geometries_and_sources(built_db: Path):
    info = database_info(built_db)
    assert info["levels"]["gemeente"] >= 340
    assert info["levels"]["wijk"] >= 3000
    assert info["levels"]["pc4"] >= 4000
    assert info["levels"]["buurt"] == 14574 and "buurt" not in info["missing_levels"]
    assert info["tables"]["area_geometries"] >= 7800
    assert any("NC" in s["licence"] for s in info["sources"])  # the crosswalk licence shows
    assert info["build"]["code_version"].startswith("0.")
    if info["tables"].get("profile_mix"):  # the mix stage ran: its model is recorded
        assert info["build"]["model_version"]
    con = connect(built_db, read_only=True)
    try:
        cols = [r[0] for r in con.execute("DESCRIBE areas").fetchall()]
        assert cols[: len(schema.AREA_ID_COLUMNS)] == list(schema.AREA_ID_COLUMNS)
        missing = dict(con.execute(
            """SELECT a.level, count(*) FROM areas a LEFT JOIN area_geometries g
               USING (level, area_code, year) WHERE a.is_current AND g.geom_rd IS NULL
               GROUP BY a.level"""
        ).fetchall())
        assert missing == {"buurt": 14574}  # offline: no buurt polygons (issue 18)
        # WGS84 in lon/lat order: Utrecht lies near lon 5.1, lat 52.1
        lon, lat = con.execute(
            """SELECT ST_X(ST_Centroid(geom_wgs84)), ST_Y(ST_Centroid(geom_wgs84))
               FROM area_geometries WHERE area_code = 'GM0344' AND year = 2024"""
        ).fetchone()
        assert 5.0 < lon < 5.2 and 52.0 < lat < 52.2
        lon_d, lat_d = con.execute(
            """SELECT ST_X(ST_Centroid(geom_display)), ST_Y(ST_Centroid(geom_display))
               FROM area_geometries WHERE area_code = 'GM0344' AND year = 2024"""
        ).fetchone()
        assert abs(lon_d - lon) < 0.01 and abs(lat_d - lat) < 0.01
        sizes = con.execute(
            """SELECT sum(length(ST_AsGeoJSON(geom_display))),
                      sum(length(ST_AsGeoJSON(geom_wgs84))),
                      count(*) FILTER (WHERE NOT ST_IsValid(geom_display)
                                       OR ST_IsEmpty(geom_display))
               FROM area_geometries"""
        ).fetchone()
        assert sizes[0] < 0.6 * sizes[1] and sizes[2] == 0
        cw = con.execute("SELECT count(DISTINCT pc4), sum(n_addresses) FROM crosswalk_pc4"
                         ).fetchone()
        assert cw[0] >= 4000 and cw[1] > 7_000_000
    finally:
        con.close()


BREAKAGES = {
    "missing_file": ("gemeente_2024_kwb_geoinzicht_attributes.csv", None, SourceError,
                     "ontbreekt"),
    "renamed_column": ("wijk_2024_kwb_basic_geoinzicht_attributes.csv",
                       rename_column("65plus", "65_plus"), SourceError, "kolom '65plus'"),
    "truncated_file": ("pc4_2020_boundaries_certegis.gpkg", truncate(0.4), SourceError,
                       "pc4_2020_boundaries_certegis.gpkg"),
    "wrong_year": ("gemeente_2024_kwb_geoinzicht.geojson",
                   copy_of("gemeente_2022_kwb_geoinzicht.geojson"), SourceError, "jaar 2022"),
    "unknown_area_code": ("pc4_wijk_address_crosswalk_2023_2024_grenswijzigen.csv",
                          append_line("2024,WK777777,1011,5"), UnknownAreaError, "WK777777"),
    "population_mismatch": ("kwb_2024_85984NED_gemeente_wijk_population.csv",
                            replace_text("\nWK168000,wijk,3590,", "\nWK168000,wijk,35900,"),
                            QualityError, "GM1680"),
}


@pytest.mark.parametrize("case", list(BREAKAGES))
def test_bad_input_fails_clearly_and_keeps_database(case: str, existing_db: Path,
                                                    data_dir: Path, tmp_path: Path):
    filename, change, error, text = BREAKAGES[case]
    before = digest(existing_db)
    bad_dir = broken_copy(data_dir, tmp_path / "data", filename, change)
    with pytest.raises(error) as err:
        build_database(existing_db, bad_dir, quiet=True, n_boot=2)
    assert isinstance(err.value, BetrokkenError)
    assert text in str(err.value)
    assert digest(existing_db) == before
    assert database_info(existing_db)["levels"]["gemeente"] >= 340
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "live.duckdb"]


def test_interrupted_store_keeps_database(existing_db: Path, data_dir: Path, monkeypatch,
                                          tmp_path: Path):
    import betrokken.build as build

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "write_build_info", boom)  # the last write of a real build
    before = digest(existing_db)
    with pytest.raises(KeyboardInterrupt):
        build_database(existing_db, data_dir, quiet=True, n_boot=2)
    assert digest(existing_db) == before
    assert [p.name for p in tmp_path.iterdir()] == ["live.duckdb"]
