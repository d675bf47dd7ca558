"""Download builds by year (issue 13) against the faithful fake services, 2022 and 2024.

Each year is built once per run (``download_build_2022`` / ``download_build_2024`` in
``conftest.py``): official services only (OData bulk feed, CBS catalogue, PDOK OGC API,
CBS PC4 ZIP), no mirror. The 2024 layout is 85984NED with the gemeente/wijk extract;
the 2022 layout is 85318NED with its real keys and region list (``fixtures_http``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from betrokken import mergers
from betrokken.areas.changes import area_changes, previous_areas
from betrokken.areas.harmonise import build_area_tables
from betrokken.areas.quality import run_quality_checks
from betrokken.build import area_change_report
from betrokken.errors import SourceError
from betrokken.sources import download, odata, pc4_cbs, transfer, years
from betrokken.store.database import atomic_build
from betrokken.store.inspect import database_info
from betrokken.store.write import write_area_tables
from fixtures_http import BUURT_2022_WIJK, HAND_MADE_BUURTEN
from helpers_data import local_area_tables

LEVELS = ("gemeente", "wijk", "buurt", "pc4")


@pytest.fixture(params=[2022, 2024], ids=["2022", "2024"])
def build(request):
    return request.getfixturevalue(f"download_build_{request.param}")


def current(tables) -> pd.DataFrame:
    return tables.areas[tables.areas["is_current"]]


def test_download_build_passes_at_every_level(build, tmp_path: Path):
    tables, year = build.tables, build.year
    run_quality_checks(tables)  # raises QualityError on a failed hard check
    cur = current(tables)
    assert set(cur["level"]) == set(LEVELS)
    for level in LEVELS:
        rows = cur[cur["level"] == level]
        assert len(rows) and (rows["year"] == (2021 if level == "pc4" else year)).all(), level
    geoms = tables.geometries
    assert not geoms.duplicated(["level", "area_code", "year"]).any()
    drawn = set(zip(geoms["level"], geoms["area_code"], geoms["year"], strict=True))
    assert set(zip(cur["level"], cur["area_code"], cur["year"], strict=True)) <= drawn
    # the KWB table of the year, the PDOK boundaries of the same year, the PC4 file
    urls = set(tables.sources["path_or_url"])
    plan = years.build_year(year)
    assert any(u.endswith(f"/ODataFeed/odata/{plan.kwb_table}") for u in urls)
    for collection in ("gemeenten", "wijken", "buurten"):
        assert any(u.endswith(f"/pdok/{year}/collections/{collection}") for u in urls)
    assert any(u.endswith(f"/{pc4_cbs.PC4_RELEASE}") for u in urls)
    assert all(u.startswith("http://127.0.0.1") for u in urls)

    buurt = cur[cur["level"] == "buurt"].set_index("area_code")
    if year == 2024:
        codes = [b[0] for b in HAND_MADE_BUURTEN]
    else:  # the real 2022 buurt codes of that wijk
        codes = [c for c in buurt.index if c.startswith("BU" + BUURT_2022_WIJK[2:])]
        assert len(codes) == 11 and buurt.loc["BU03440112", "area_name"] == "Oog in Al"
    assert sorted(buurt.index) == sorted(codes)
    assert (buurt["wijk_code"] == "WK" + buurt.index.str[2:8]).all()
    assert buurt["wijk_code"].isin(cur.loc[cur["level"] == "wijk", "area_code"]).all()
    small = buurt[buurt["population"] < 50]
    assert len(small) == 1 and small["share_age_0_14"].isna().all()
    assert small["secret_columns"].str.contains("share_age_0_14").all()
    big = buurt[buurt["population"] >= 50]
    assert big["share_age_25_44"].notna().all()
    assert not big["derived_columns"].str.contains("share_age").any()
    assert big["derived_columns"].str.contains("share_edu_hoog").all()  # from the wijk

    db = tmp_path / "download.duckdb"
    with atomic_build(db) as con:
        write_area_tables(con, tables)
    info = database_info(db)
    assert set(LEVELS) <= set(info["levels"]) and not set(LEVELS) & set(info["missing_levels"])


def compare(remote: pd.DataFrame, local: pd.DataFrame, columns, *, exact=(), tol=0.025):
    """Per area of both tables: population equal; listed shares equal up to rounding."""
    both = remote.merge(local, on=["level", "area_code", "year"], suffixes=("", "_local"))
    pop = both.dropna(subset=["population", "population_local"])
    assert len(pop) and (pop["population"] == pop["population_local"]).all()
    for column in columns:
        rows = both.dropna(subset=[column, f"{column}_local"])
        assert len(rows) > 0.9 * len(both), column
        diff = (rows[column] - rows[f"{column}_local"]).abs()
        limit = 1e-9 if column in exact else tol
        assert diff.max() <= limit and diff.median() < max(limit, 0.005), column
    return both


def test_download_build_gives_the_local_area_table_where_both_have_data(build, data_dir):
    """Gemeente, wijk and PC4 against the local build (real files) of the same year.

    2024: every current gemeente, wijk and PC4 of the local build. 2022: the local
    build has the 2022 gemeenten (history rows) and the same PC4; it has no 2022 wijken.
    """
    local = local_area_tables(data_dir).areas
    remote = current(build.tables)
    ages = ["share_age_0_14", "share_age_25_44", "share_age_65plus", "share_man"]
    if build.year == 2024:
        gm = compare(remote[remote["level"] == "gemeente"], local, [*ages, "share_hh_single",
                     "share_migration_nietwest", "urbanity"], exact=("urbanity",))
        assert len(gm) == 342
        gm_edu = gm["share_edu_hoog"] - gm["share_edu_hoog_local"]
        assert gm_edu.abs().max() < 1e-3  # 2022 education on 2024 gemeenten, both builds
        wk = compare(remote[remote["level"] == "wijk"], local, ages)
        assert len(wk) == 3393
    else:
        gm = compare(remote[remote["level"] == "gemeente"], local,
                     [*ages, "share_hh_single", "share_edu_hoog", "income_avg", "woz_avg",
                      "share_owner_occupied", "urbanity"],
                     exact=("share_edu_hoog", "income_avg", "woz_avg", "share_owner_occupied",
                            "urbanity"))
        assert len(gm) == 345 and (gm["year"] == 2022).all()
    pc4 = compare(remote[remote["level"] == "pc4"], local,
                  ["share_age_0_14", "share_age_25_44", "share_age_65plus", "share_man"],
                  exact=("share_age_0_14", "share_age_25_44", "share_age_65plus",
                         "share_man"))
    assert len(pc4) >= 4060
    # the PC4 -> gemeente relation (overlap with the year's wijken) mostly agrees with the
    # addresses where the gemeente kept its code
    kept = pc4["gemeente_code_local"].isin(remote.loc[remote["level"] == "gemeente",
                                                      "area_code"])
    same = (pc4.loc[kept, "gemeente_code"] == pc4.loc[kept, "gemeente_code_local"]).mean()
    assert kept.mean() > 0.95 and same > 0.99


def test_herindeling_2022_to_2024_is_reconciled_and_in_the_build_report(
        download_build_2022, download_build_2024, tmp_path: Path):
    """A 2024 build over a 2022 database: the merged gemeenten by the polygon rule equal
    CBS's list of mergers (``mergers.MERGERS``), and the report names each of them."""
    db = tmp_path / "previous.duckdb"
    with atomic_build(db) as con:
        write_area_tables(con, download_build_2022.tables)
    new = download_build_2024.tables
    changes = area_changes(previous_areas(db), current(new), new.code_changes)
    gm = changes[changes["level"] == "gemeente"]
    merged = gm[gm["change"] == "samengevoegd"]
    successors, _ = mergers.successor_map(dt.date(2022, 1, 1))
    expected = {old: code for old, code in successors.items() if old != code}
    assert dict(zip(merged["area_code"], merged["merged_into"], strict=True)) == expected
    assert set(gm.loc[gm["change"] == "toegevoegd", "area_code"]) == {
        code for code in expected.values()
        if code not in set(current(download_build_2022.tables)["area_code"])}
    assert set(gm["change"]) <= {"samengevoegd", "toegevoegd", "hernoemd"}
    lines = area_change_report(db, new)
    for old, code in expected.items():
        assert any(line.strip().startswith(f"{old} (") and line.endswith(f"opgegaan in {code}")
                   for line in lines), old
    assert any(line.startswith("wijk: ") for line in lines)


def test_offline_build_of_a_year_says_so_in_dutch(monkeypatch, tmp_path: Path):
    monkeypatch.setenv(odata.ODATA_ENV, "http://127.0.0.1:9/ODataFeed/odata")  # nothing there
    monkeypatch.setenv(transfer.BACKOFF_ENV, "0.01")
    monkeypatch.setenv("BETROKKEN_CACHE", str(tmp_path))
    with pytest.raises(SourceError) as caught:
        build_area_tables(None, year=2022)
    text = str(caught.value)
    assert "offline" in text and "BETROKKEN_DATA" in text


def test_year_table_is_checked_against_the_catalogue_before_downloading(
        fake_services, monkeypatch, tmp_path: Path):
    monkeypatch.setenv(odata.ODATA_ENV, f"{fake_services.url}/ODataFeed/odata")
    monkeypatch.setenv(transfer.BACKOFF_ENV, "0.01")
    monkeypatch.setitem(years.KWB_TABLES, 2022, "85618NED")  # the 2023 table
    before = fake_services.requests["/ODataFeed/odata/85618NED/TypedDataSet"]
    with pytest.raises(SourceError, match="heet 'Kerncijfers wijken en buurten 2023'"):
        download.download_sources(cache=tmp_path, year=2022)
    assert fake_services.requests["/ODataFeed/odata/85618NED/TypedDataSet"] == before
    plan = years.build_year(2022)
    assert (plan.kwb_table, plan.pdok_year) == ("85618NED", 2022)
    assert (plan.gezondheidsmonitor_year, plan.gezondheidsmonitor_table) == (2022, "50120NED")
    with pytest.raises(SourceError, match="nog niet ondersteund"):
        download.download_sources(cache=tmp_path, year=2023)


def test_download_build_2022_publishes_estimates_without_migration_figures(download_build_2022):
    """KWB 2022 (85318NED as served) has no migration background: the mix used to leave
    every area unestimated (a build with 0 published shares and exit 0). Now the missing
    margin is the national one, the build says so, and areas get estimates."""
    from betrokken.areas.mix import compute_profile_mix
    from betrokken.model.area_models import load_area_models
    from betrokken.model.artifact import load_model

    cur = current(download_build_2022.tables)
    assert cur["share_migration_nl"].isna().all()  # the premise: no migration figures
    mix = compute_profile_mix(download_build_2022.tables, load_model(),
                              area_models=load_area_models(), n_boot=5)
    assert mix.diagnostics["national_margins"] == ["migration"]
    published = mix.profile_mix.dropna(subset=["share"])
    for level in ("gemeente", "wijk", "pc4"):
        assert published.loc[published["level"] == level, "area_code"].nunique() > 0.9 * (
            cur["level"] == level).sum(), level
