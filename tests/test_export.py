"""Exports in every format: the agreed columns, suppressed areas empty, clear errors.

A small database is built from the hand-made areas and model of test_mix (square
polygons in RD New); the real-data build is checked in test_validation / test_mix.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from betrokken.areas.mix import compute_profile_mix
from betrokken.errors import BetrokkenError, UnknownAreaError
from betrokken.store.database import connect
from betrokken.store.export import export_areas
from betrokken.store.mix_tables import write_mix_tables
from test_mix import HandModel, hand_tables  # noqa: F401 - fixture re-used

PROFILE_IDS = [f"p{i}" for i in range(8)]
SUPPRESSED = {"WK000102", "1012", "1013"}


@pytest.fixture(scope="module")
def export_db(tmp_path_factory, hand_tables):  # noqa: F811
    path = tmp_path_factory.mktemp("export") / "hand.duckdb"
    con = connect(path)
    areas = hand_tables.areas
    con.register("_areas", areas)
    con.execute("CREATE TABLE areas AS SELECT * FROM _areas")
    geoms = pd.DataFrame(
        {
            "level": areas["level"],
            "area_code": areas["area_code"],
            "year": areas["year"],
            "wkt": [
                f"POLYGON(({x} 400000, {x + 900} 400000, {x + 900} 400900, {x} 400900, {x} 400000))"
                for x in range(100000, 100000 + 1000 * len(areas), 1000)
            ],
        }
    )
    con.register("_geoms", geoms)
    con.execute(
        "CREATE TABLE area_geometries AS SELECT level, area_code, year, "
        "ST_GeomFromText(wkt) AS geom_rd FROM _geoms"
    )
    model = HandModel()
    for card in model.profiles:
        card.update(name=card["id"].upper(), share=0.125, trust=0.5, engagement=0.5)
    write_mix_tables(con, compute_profile_mix(hand_tables, model), model)
    con.execute("CHECKPOINT")
    con.close()
    return path


def _english(frame: pd.DataFrame, db: Path) -> pd.DataFrame:
    """People-facing formats have Dutch columns (profile columns by the profile's Dutch
    name, issue 20) and ja/nee; back to the machine names."""
    from betrokken.store.database import connect
    from betrokken.store.spreadsheet import DUTCH_NAMES, profile_column, profile_names_of

    back = {v: k for k, v in DUTCH_NAMES.items()}
    con = connect(db, read_only=True)
    try:
        names = profile_names_of(con)
    finally:
        con.close()
    back.update({profile_column(name): f"share_{pid}" for pid, name in names.items()})
    assert not any(str(c).startswith("aandeel_") for c in frame.columns)  # no ids in headers

    def name(col: str) -> str:
        for suffix in ("_lo", "_hi", ""):
            base = col[: len(col) - len(suffix)] if suffix else col
            if suffix and not col.endswith(suffix):
                continue
            if base in back:
                return back[base] + suffix
        return col

    out = frame.rename(columns={c: name(c) for c in frame.columns})
    assert set(out["suppressed"]) <= {"ja", "nee"}
    out["suppressed"] = out["suppressed"] == "ja"
    return out


def _read(path: Path, fmt: str, db: Path) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path, dtype={"area_code": str})
    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        assert book.sheetnames == ["profielmix", "Toelichting"]
        return _english(pd.read_excel(path, sheet_name="profielmix", dtype={"gebiedscode": str}),
                        db)
    if fmt == "parquet":
        return duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')").df()
    import geopandas as gpd

    frame = gpd.read_file(path)
    assert frame.crs.to_epsg() == 28992
    assert frame.geometry.notna().all() and frame.geometry.area.gt(0).all()
    return _english(frame, db)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "gpkg"])
def test_every_format_has_columns_and_nulls_for_suppressed(export_db, tmp_path, fmt):
    path = export_areas(export_db, level="wijk", fmt=fmt, out=tmp_path / f"wijk.{fmt}")
    frame = _read(path, fmt, export_db).set_index("area_code")
    required = [
        "area_name", "level", "population", "suppressed", "suppression_reason",
        "engagement_index", "engagement_index_lo", "engagement_index_hi",
        "low_trust_share", "low_trust_share_lo", "low_trust_share_hi",
    ]
    share_cols = [f"share_{p}{s}" for p in PROFILE_IDS for s in ("", "_lo", "_hi")]
    assert set(required + share_cols) <= set(frame.columns)
    assert sorted(frame.index) == ["WK000100", "WK000101", "WK000102", "WK000200"]
    small = frame.loc["WK000102"]
    assert bool(small["suppressed"]) and small["suppression_reason"] == "minder dan 50 inwoners"
    assert pd.isna(small[["engagement_index", "low_trust_share", *share_cols]].astype(float)).all()
    published = frame.drop(index="WK000102")
    rounded = fmt in ("xlsx", "gpkg")  # people's formats round to 0,01 percentage point
    np.testing.assert_allclose(published[[f"share_{p}" for p in PROFILE_IDS]].sum(axis=1), 1.0,
                               atol=5e-4 if rounded else 1e-7)
    assert (published["share_p0_lo"] <= published["share_p0"]).all()


def test_gemeente_export_without_filter_covers_all_gemeenten(export_db, tmp_path):
    path = export_areas(export_db, level="gemeente", fmt="csv", out=tmp_path / "g.csv")
    frame = pd.read_csv(path)
    assert sorted(frame["area_code"]) == ["GM0001", "GM0002"]


def test_gemeente_filter_restricts_lower_levels(export_db, tmp_path):
    path = export_areas(
        export_db, level="pc4", gemeente="GM0002", fmt="csv", out=tmp_path / "p.csv"
    )
    frame = pd.read_csv(path, dtype={"area_code": str})
    assert frame["area_code"].tolist() == ["1013"]
    assert frame["suppression_reason"].tolist() == ["marginalen geheim (CBS)"]
    short = export_areas(export_db, level="wijk", gemeente="1", fmt="csv", out=tmp_path / "w.csv")
    assert set(pd.read_csv(short)["area_code"]) == {"WK000100", "WK000101", "WK000102"}


def test_default_output_name(export_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = export_areas(export_db, level="wijk", gemeente="GM0001", fmt="parquet")
    assert path == tmp_path / "betrokken_wijk_GM0001.parquet" and path.exists()


def test_bad_requests_give_dutch_errors(export_db, tmp_path):
    with pytest.raises(BetrokkenError, match="Onbekend niveau 'provincie'"):
        export_areas(export_db, level="provincie", fmt="csv", out=tmp_path / "x.csv")
    with pytest.raises(BetrokkenError, match="Onbekend exportformaat 'shp'"):
        export_areas(export_db, level="wijk", fmt="shp", out=tmp_path / "x.shp")
    with pytest.raises(UnknownAreaError, match="GM9999"):
        export_areas(export_db, level="wijk", gemeente="GM9999", fmt="csv", out=tmp_path / "x.csv")
    with pytest.raises(BetrokkenError, match="Ongeldige gemeentecode"):
        export_areas(export_db, level="wijk", gemeente="Utrecht", fmt="csv", out=tmp_path / "x.csv")
    with pytest.raises(BetrokkenError, match="Buurt"):
        export_areas(export_db, level="buurt", fmt="csv", out=tmp_path / "x.csv")


# --- the real database ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "gpkg"])
def test_real_export_every_format_keeps_suppression(built_db, tmp_path, fmt):
    from betrokken.store.database import connect

    con = connect(built_db, read_only=True)
    ids = [r[0] for r in con.execute("SELECT id FROM profiles ORDER BY position").fetchall()]
    gemeente = con.execute(
        "SELECT a.gemeente_code FROM area_indices i JOIN areas a USING (year, level, area_code) "
        "WHERE i.level = 'wijk' AND i.suppressed GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    con.close()
    path = export_areas(built_db, level="wijk", gemeente=gemeente, fmt=fmt,
                        out=tmp_path / f"wijk.{fmt}")
    frame = _read(path, fmt, built_db)
    assert (frame["area_code"].str[:6] == "WK" + gemeente[2:]).all()
    share_cols = [f"share_{p}{s}" for p in ids for s in ("", "_lo", "_hi")]
    suppressed = frame["suppressed"].astype(bool)
    assert suppressed.any() and frame.loc[suppressed, "suppression_reason"].notna().all()
    assert frame.loc[suppressed, [*share_cols, "engagement_index"]].isna().all().all()
    np.testing.assert_allclose(
        frame.loc[~suppressed, [f"share_{p}" for p in ids]].sum(axis=1), 1.0,
        atol=5e-4 if fmt in ("xlsx", "gpkg") else 1e-6)


def test_real_gemeente_export_covers_all_gemeenten(built_db, tmp_path):
    from betrokken.store.database import connect

    con = connect(built_db, read_only=True)
    n = con.execute("SELECT count(*) FROM area_indices WHERE level = 'gemeente'").fetchone()[0]
    con.close()
    frame = pd.read_csv(export_areas(built_db, level="gemeente", fmt="csv", out=tmp_path / "g.csv"))
    assert len(frame) == n > 300 and frame["engagement_index"].notna().all()
