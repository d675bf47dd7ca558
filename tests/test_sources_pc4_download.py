"""The official PC4 download (CBS Kerncijfers per postcode) and the overlap relation.

A local HTTP server serves a ZIP built here, in tmp_path, from the shared PC4 files in
CBS's column layout (``postcode`` as a number, ``aantal_inwoners``, ``aantal_mannen``,
``aantal_vrouwen``, the five ``aantal_inwoners_*`` age bands, -99997 for secret cells,
one GeoPackage layer ``cbs_pc4_2021`` in EPSG:28992). OData and PDOK come from
``FakeServices``; there is no mirror, so no address crosswalk either.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from betrokken.areas import overlap
from betrokken.areas.quality import run_quality_checks
from betrokken.errors import SourceError
from betrokken.sources import download, mirror, odata, pc4_cbs, pdok, transfer
from fixtures_http import FakeServices, cbs_layout, write_zip
from helpers_data import local_area_tables


@pytest.fixture(scope="module")
def cbs_pc4(data_dir: Path) -> gpd.GeoDataFrame:
    return cbs_layout(data_dir)


@pytest.fixture(scope="module")
def pc4_server(pc4_zip_server):
    return pc4_zip_server  # one per run (conftest.py)


@pytest.fixture(scope="module")
def services(fake_services: FakeServices):
    return fake_services  # one per run (conftest.py)


def test_default_url_is_the_cbs_download_location():
    assert pc4_cbs.DEFAULT_PC4_URL == "https://download.cbs.nl/postcode"
    assert pc4_cbs.PC4_RELEASE == "2024-cbs_pc4_2021_vol.zip"


def test_download_build_has_pc4_from_the_cbs_file(download_build_2024, pc4_server, data_dir,
                                                   cbs_pc4, monkeypatch):
    remote = download_build_2024.tables
    zip_path = f"/{pc4_cbs.PC4_RELEASE}"
    assert pc4_server.requests[zip_path] >= 1
    task = next(t for t in download_build_2024.progress.tasks
                if pc4_cbs.PC4_RELEASE in t.description)
    assert task.completed == task.total > 0

    checks = run_quality_checks(remote)
    assert all(c["ok"] for c in checks if c.get("hard", True))
    cur = remote.areas[remote.areas["is_current"]]
    pc4 = cur[cur["level"] == "pc4"].set_index("area_code")
    assert len(pc4) == (~cbs_pc4.geometry.is_empty).sum()  # every CBS polygon is an area
    local = local_area_tables(data_dir)
    lpc4 = local.areas[(local.areas["level"] == "pc4")].set_index("area_code")
    common = pc4.index.intersection(lpc4.index)
    assert len(common) >= 4060
    # measured per PC4: the same numbers as the local build (same CBS counts)
    pd.testing.assert_series_equal(pc4.loc[common, "population"],
                                   lpc4.loc[common, "population"])
    for column in ("share_age_25_44", "share_age_65plus", "share_man"):
        diff = (pc4.loc[common, column] - lpc4.loc[common, column]).abs()
        assert diff.max() < 1e-9, column
    # secret in the file (-99997) -> NULL and flagged
    drawn = cbs_pc4[~cbs_pc4.geometry.is_empty]
    hidden = drawn.loc[drawn["aantal_inwoners"] == -99997, "postcode"]
    hidden = [f"{p:04d}" for p in hidden]
    assert hidden and pc4.loc[hidden, "population"].isna().all()
    assert pc4.loc[hidden, "secret_columns"].str.contains("population").all()
    # the overlap relation names mostly the same gemeente and wijk as the addresses
    same_gm = (pc4.loc[common, "gemeente_code"] == lpc4.loc[common, "gemeente_code"]).mean()
    same_wk = (pc4.loc[common, "wijk_code"] == lpc4.loc[common, "wijk_code"]).mean()
    assert same_gm > 0.995 and same_wk > 0.96  # measured: 0.998, 0.974 (docs/data.md)
    assert pc4["gemeente_code"].notna().all() and pc4["urbanity"].notna().all()
    assert pc4["derived_columns"].str.contains("share_edu_hoog").all()
    assert not pc4["derived_columns"].str.contains("share_age_0_14").any()
    # polygons: the CBS file's, joined on (level, area_code, year)
    geo = remote.geometries[remote.geometries["level"] == "pc4"]
    assert set(geo["area_code"]) == set(pc4.index) and (geo["year"] == 2021).all()
    # the relation is stored as the build's crosswalk
    assert set(remote.crosswalk["pc4"]) >= set(pc4.index[pc4["population"] > 0])
    src = remote.sources.set_index("name")
    assert src.loc["pc4_cbs_kerncijfers", "path_or_url"] == f"{pc4_server.url}{zip_path}"
    # cached: a second fetch does not ask the server again
    asked = pc4_server.requests[zip_path]
    monkeypatch.setenv(pc4_cbs.PC4_URL_ENV, pc4_server.url)
    pc4_cbs.fetch_pc4_zip(download_build_2024.cache / "data")
    assert pc4_server.requests[zip_path] == asked


def test_failed_pc4_download_leaves_the_level_out_with_a_note(services, monkeypatch,
                                                             tmp_path):
    monkeypatch.setenv(odata.ODATA_ENV, f"{services.url}/ODataFeed/odata")
    monkeypatch.setenv(pdok.PDOK_ENV, f"{services.url}/pdok/{{year}}")
    monkeypatch.setenv(transfer.BACKOFF_ENV, "0.01")
    monkeypatch.delenv(mirror.MIRROR_ENV, raising=False)
    monkeypatch.setenv(pc4_cbs.PC4_URL_ENV, f"{services.url}/bestaat-niet")
    extras = download.fetch_official_pc4(tmp_path, {})
    assert "pc4" not in extras and "fout 404" in extras["pc4_error"]


def test_secrecy_codes_and_herkomst_from_a_hand_made_file(tmp_path, data_dir):
    """Optional CBS columns (herkomst, households, WOZ) are measured; -99997 -> NULL."""
    from betrokken.areas.pc4_kerncijfers import pc4_cbs_rows

    boxes = [shapely.box(135000 + i * 500, 455000, 135400 + i * 500, 455400) for i in range(3)]
    frame = gpd.GeoDataFrame({
        "postcode": [3511, 3512, 3513],
        "aantal_inwoners": [1000, 400, -99997], "aantal_mannen": [500, 200, -99997],
        "aantal_vrouwen": [500, 200, -99997],
        "aantal_inwoners_0_tot_15_jaar": [100, 40, -99997],
        "aantal_inwoners_15_tot_25_jaar": [200, 40, -99997],
        "aantal_inwoners_25_tot_45_jaar": [300, 120, -99997],
        "aantal_inwoners_45_tot_65_jaar": [200, 100, -99997],
        "aantal_inwoners_65_jaar_en_ouder": [200, -99997, -99997],
        "percentage_geb_nederland_herkomst_nederland": [60, 70, -99997],
        "percentage_geb_nederland_herkomst_overig_europa": [5, 5, -99997],
        "percentage_geb_buiten_nederland_herkomst_europa": [5, 5, -99997],
        "percentage_geb_nederland_herkomst_buiten_europa": [15, 10, -99997],
        "percentage_geb_buiten_nederland_herkmst_buiten_europa": [15, 10, -99997],
        "gemiddelde_woz_waarde_woning": [350, -99995, -99997],
    }, geometry=boxes, crs="EPSG:28992")
    path = write_zip(frame, tmp_path)
    table = pc4_cbs.read_pc4_zip(path, source=replace(pc4_cbs.PC4_CBS, min_rows=3))
    assert list(table["postcode"]) == ["3511", "3512", "3513"]
    wijk = local_area_tables(data_dir).areas
    wijk = wijk[(wijk["level"] == "wijk") & wijk["is_current"]]
    cw = pd.DataFrame({"pc4": ["3511", "3512", "3513"], "gemeente_code": "GM0344",
                       "wijk_code": "WK034401", "n_addresses": [10.0, 5.0, 1.0]})
    gm = local_area_tables(data_dir).areas.query("level == 'gemeente' and is_current")
    rows = pc4_cbs_rows(table, wijk, gm, cw).set_index("area_code")
    assert rows.loc["3511", "share_migration_nietwest"] == pytest.approx(0.30)
    assert rows.loc["3511", "share_migration_west"] == pytest.approx(0.10)
    assert rows.loc["3511", "woz_avg"] == 350
    assert pd.isna(rows.loc["3512", "woz_avg"]) and "woz_avg" in rows.loc["3512",
                                                                           "secret_columns"]
    assert pd.isna(rows.loc["3512", "share_age_65plus"])
    assert "share_age_0_14" in rows.loc["3512", "secret_columns"]
    assert pd.isna(rows.loc["3513", "population"])
    assert "share_migration_nl" not in rows.loc["3511", "derived_columns"]
    assert "share_edu_hoog" in rows.loc["3511", "derived_columns"]
    assert rows.loc["3511", "gemeente_code"] == "GM0344"
    assert rows.loc["3511", "area_name"] == "Utrecht"


def test_broken_files_are_dutch_source_errors(tmp_path, cbs_pc4):
    bad = tmp_path / pc4_cbs.PC4_RELEASE
    bad.write_bytes(b"PK\x03\x04 afgebroken")
    with pytest.raises(SourceError, match="geen geldige ZIP"):
        pc4_cbs.read_pc4_zip(bad)
    write_zip(cbs_pc4.head(50).drop(columns=["aantal_mannen"]), tmp_path / "x")
    with pytest.raises(SourceError, match="aantal_mannen"):
        pc4_cbs.read_pc4_zip(tmp_path / "x" / pc4_cbs.PC4_RELEASE)


def test_overlap_relation_weights(data_dir: Path):
    """Residents-weighted overlap: weights per PC4 are positive and name one gemeente."""
    from betrokken.sources.kwb_wijk import WIJK_2024_POLYGONS
    from betrokken.sources.pc4 import PC4_BOUNDARIES_2020

    pc4 = PC4_BOUNDARIES_2020.read_local(data_dir)
    pc4 = pc4[pc4["postcode"].str.startswith("35")]  # Utrecht region: fast
    wk = WIJK_2024_POLYGONS.read_local(data_dir)
    pop = local_area_tables(data_dir).areas.query("level == 'wijk' and year == 2024")
    rel = overlap.overlap_relation(pc4, wk, pop.set_index("area_code")["population"])
    assert set(rel["pc4"]) == set(pc4["postcode"])
    share = rel.groupby("pc4")["area_share"].sum()
    assert ((share > 0.99) & (share < 1.0 + 1e-9)).all()
    main = overlap.main_area(rel, "residents", "gemeente_code")
    assert main["3511"] == "GM0344"  # Utrecht centre
