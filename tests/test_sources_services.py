"""The download path against fake services that fail the way the real ones do.

Regression tests for issue 13 (each failed on the code before it, measured by running
it against these fakes): the standard CBS API refuses whole KWB tables (1), a later
release renumbers the column keys (2), PDOK serves water parts beside the land parts
(3), pages come slowly, fail once, or a transfer is cut off (4).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import httpx
import pandas as pd
import pytest

from betrokken.areas.harmonise import build_area_tables
from betrokken.errors import SourceError
from betrokken.sources import download, mirror, odata, pdok, transfer, years
from betrokken.sources.kwb_wijk import WIJK_2024
from fixtures_http import API_MAX_RECORDS, FakeServices
from helpers_data import local_area_tables

FEED = "/ODataFeed/odata/85984NED"


@pytest.fixture(scope="module")
def services(fake_services: FakeServices):
    return fake_services  # one fake per run (conftest.py)


@pytest.fixture(scope="module")
def renumbered(data_dir: Path):
    server = FakeServices(data_dir, renumber=4)
    yield server
    server.close()


def point_at(services: FakeServices, monkeypatch, cache: Path) -> Path:
    """Official paths, fake host; no mirror, no PC4 file; fast back-off."""
    monkeypatch.setenv(odata.ODATA_ENV, services.url + urlparse(odata.DEFAULT_ODATA_URL).path)
    monkeypatch.setenv(pdok.PDOK_ENV, f"{services.url}/pdok/{{year}}")
    monkeypatch.setenv("BETROKKEN_PC4_URL", f"{services.url}/geen-pc4")
    monkeypatch.delenv(mirror.MIRROR_ENV, raising=False)
    monkeypatch.setenv(transfer.BACKOFF_ENV, "0.01")
    monkeypatch.setenv("BETROKKEN_CACHE", str(cache))
    return cache


def test_fake_odata_api_refuses_large_queries_and_never_pages(services: FakeServices):
    whole = httpx.get(f"{services.url}/ODataApi/odata/85984NED/TypedDataSet",
                      params={"$format": "json"})
    assert whole.status_code == 500
    small = httpx.get(f"{services.url}/ODataApi/odata/85984NED/TypedDataSet",
                      params={"$format": "json", "$top": 100}).json()
    assert len(small["value"]) == 100 and "odata.nextLink" not in small
    assert len(services.rows) > API_MAX_RECORDS  # the table has its real size
    page = httpx.get(f"{services.url}{FEED}/TypedDataSet", params={"$format": "json"}).json()
    assert len(page["value"]) == 10_000 and "odata.nextLink" in page


def test_default_path_reads_the_whole_table_from_the_bulk_feed(services, monkeypatch,
                                                                tmp_path):
    """(1) The default URL, against a CBS that refuses >10,000 records on ODataApi."""
    point_at(services, monkeypatch, tmp_path)
    api = sum(n for path, n in services.requests.items() if path.startswith("/ODataApi"))
    table = download.fetch_kwb_2024(tmp_path)
    assert len(table) == len(services.rows)
    assert services.pages[(f"{FEED}/TypedDataSet", 10_000)] >= 1  # nextLink followed
    assert sum(n for path, n in services.requests.items()
               if path.startswith("/ODataApi")) == api


@pytest.fixture(scope="module")
def renumbered_build(renumbered: FakeServices, tmp_path_factory):
    patch = pytest.MonkeyPatch()
    point_at(renumbered, patch, tmp_path_factory.mktemp("cache"))
    try:
        yield build_area_tables(None), Path(tmp_path_factory.getbasetemp())
    finally:
        patch.undo()


def test_renumbered_release_is_read_by_base_name(renumbered_build, renumbered, data_dir):
    """(2) OppervlakteLand_127 etc.: same areas as the local build where both have data."""
    remote, _ = renumbered_build
    assert "OppervlakteLand_127" in renumbered.keys_2024
    local = local_area_tables(data_dir).areas
    cur = remote.areas[remote.areas["is_current"]]
    both = cur.merge(local[local["is_current"]], on=["level", "area_code"],
                     suffixes=("", "_local"))
    assert set(both["level"]) == {"gemeente", "wijk"} and len(both) == 342 + 3393
    pd.testing.assert_series_equal(both["population"], both["population_local"],
                                   check_names=False)
    lombok = cur.set_index("area_code").loc["BU03440101"]
    # MateVanStedelijkheid_124 / Omgevingsadressendichtheid_125 in this release
    assert lombok["urbanity"] == 1 and lombok["address_density"] == 6500
    assert "urbanity" not in lombok["derived_columns"]


def test_water_parts_are_left_out(renumbered_build, data_dir):
    """(3) One polygon per (level, area_code, year): the land part, not the water ring."""
    remote, _ = renumbered_build
    geoms = remote.geometries
    assert not geoms.duplicated(["level", "area_code", "year"]).any()
    local = local_area_tables(data_dir).geometries.set_index(["level", "area_code", "year"])
    mine = geoms.set_index(["level", "area_code", "year"])
    for key in (("gemeente", "GM0344", 2024), ("wijk", "WK034401", 2024),
                ("gemeente", "GM0344", 2022)):
        assert mine.loc[key, "geometry"].area == pytest.approx(
            local.loc[key, "geometry"].area, rel=1e-9), key
    lombok = mine.loc[("buurt", "BU03440101", 2024), "geometry"].area
    assert lombok == pytest.approx(mine.loc[("buurt", "BU03440102", 2024), "geometry"].area,
                                   rel=0.01)  # hand-made boxes of one size


def test_flaky_and_slow_pages_are_retried(services, monkeypatch, tmp_path):
    """(4) A 503 and a page slower than the timeout cost a retry, not the build."""
    point_at(services, monkeypatch, tmp_path)
    monkeypatch.setenv(transfer.TIMEOUT_ENV, "1")
    services.faults[(f"{FEED}/TypedDataSet", 10_000)] = ["503"]
    services.faults[(f"{FEED}/WijkenEnBuurten", 0)] = ["slow"]
    before = services.pages[(f"{FEED}/TypedDataSet", 10_000)]
    table = download.fetch_kwb_2024(tmp_path)
    assert len(table) == len(services.rows)
    assert services.pages[(f"{FEED}/TypedDataSet", 10_000)] - before == 2


def test_interrupted_pdok_download_resumes(services, monkeypatch, tmp_path):
    """(4) Pages go to disk as they come; a broken-off download goes on where it stopped."""
    point_at(services, monkeypatch, tmp_path)
    path = "/pdok/2024/collections/wijken/items"
    services.faults[(path, 2000)] = ["503"] * (transfer.RETRIES + 1)
    first, second = services.pages[(path, 0)], services.pages[(path, 1000)]
    with pytest.raises(SourceError, match=r"(?s)fout 503.*hervat"):
        pdok.fetch_pdok_geojson(2024, "wijken", tmp_path)
    assert services.pages[(path, 0)] == first + 1 and services.pages[(path, 1000)] == second + 1
    assert len(list((tmp_path / "pdok").glob("*.pages/page-*.json"))) == 2
    out = pdok.fetch_pdok_geojson(2024, "wijken", tmp_path)
    assert services.pages[(path, 0)] == first + 1 and services.pages[(path, 1000)] == second + 1
    frame = pdok.fetch_pdok_features(2024, "wijken", tmp_path)
    land = [f for f in services.features[("2024", "wijken")]
            if f["properties"]["water"] == "NEE"]
    assert out.is_file() and len(frame) == frame["wijkcode"].nunique() == len(land)
    assert not list((tmp_path / "pdok").glob("*.pages"))


def test_cut_transfer_resumes_and_a_changed_cache_file_is_fetched_again(
        services, monkeypatch, tmp_path, data_dir):
    point_at(services, monkeypatch, tmp_path)
    monkeypatch.setenv(mirror.MIRROR_ENV, f"{services.url}/mirror")
    name = f"/mirror/cbs/{WIJK_2024.filename}"
    services.faults[(name, 0)] = ["cut"]
    before = services.requests[name]
    path = mirror.fetch_source(WIJK_2024, tmp_path)
    original = (data_dir / "cbs" / WIJK_2024.filename).read_bytes()
    assert path.read_bytes() == original and services.requests[name] - before == 2
    manifest = transfer.Manifest(tmp_path)
    entry = manifest.entries[f"cbs/{WIJK_2024.filename}"]
    assert entry["bytes"] == len(original) and len(entry["sha256"]) == 64
    path.write_bytes(original[: len(original) // 3])  # truncated on disk
    mirror.fetch_source(WIJK_2024, tmp_path)
    assert path.read_bytes() == original and services.requests[name] - before == 3
    mirror.fetch_source(WIJK_2024, tmp_path)  # verified cache: no request
    assert services.requests[name] - before == 3


def test_offline_build_says_so_in_dutch(monkeypatch, tmp_path):
    monkeypatch.setenv(odata.ODATA_ENV, "http://127.0.0.1:9/ODataFeed/odata")  # nothing there
    monkeypatch.setenv(transfer.BACKOFF_ENV, "0.01")
    monkeypatch.setenv("BETROKKEN_CACHE", str(tmp_path))
    with pytest.raises(SourceError) as caught:
        build_area_tables(None)
    text = str(caught.value)
    assert "offline" in text and "BETROKKEN_DATA" in text and "Traceback" not in text


def test_year_mapping_is_checked_against_the_catalogue(services, monkeypatch, tmp_path):
    point_at(services, monkeypatch, tmp_path)
    assert years.check_kwb_table(2024)["Title"] == "Kerncijfers wijken en buurten 2024"
    monkeypatch.setitem(years.KWB_TABLES, 2024, "85618NED")  # the 2023 table
    with pytest.raises(SourceError, match="heet 'Kerncijfers wijken en buurten 2023'"):
        years.check_kwb_table(2024)
    with pytest.raises(SourceError, match="geen KWB-tabel vastgelegd.*noemt: geen"):
        years.check_kwb_table(2031)
    assert years.gezondheidsmonitor_edition(2024) == (2022, "50120NED")
    assert years.gezondheidsmonitor_edition(2021) == (2020, "50090NED")


def test_fetch_cbs_table_returns_raw_statline_columns(services, monkeypatch, tmp_path):
    point_at(services, monkeypatch, tmp_path)
    table = odata.fetch_cbs_table("85984NED", tmp_path)
    assert len(table) == len(services.rows)
    assert {"WijkenEnBuurten", "AantalInwoners_5", "OppervlakteLand_123"} <= set(table.columns)
    assert odata.key_by_base(table.columns, "OppervlakteLand") == "OppervlakteLand_123"
    utrecht = table[table["WijkenEnBuurten"] == "GM0344    "]
    assert odata.column_by_base(utrecht, "AantalInwoners").iloc[0] > 300_000
