"""Build-time quality checks: pass on the real data, fail loudly on broken tables."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import shapely

from betrokken.areas.harmonise import AreaTables
from betrokken.areas.quality import run_quality_checks
from betrokken.errors import QualityError
from helpers_data import local_area_tables


@pytest.fixture(scope="module")
def tables(data_dir: Path) -> AreaTables:
    return local_area_tables(data_dir)


def broken(tables: AreaTables) -> AreaTables:
    other = copy.copy(tables)
    other.areas = tables.areas.copy()
    other.geometries = tables.geometries.copy()
    return other


def test_checks_pass_on_real_data(tables: AreaTables):
    checks = run_quality_checks(tables)
    assert len(checks) >= 10
    assert all({"name", "ok", "message"} <= set(c) for c in checks)
    assert all(c["ok"] for c in checks), [c["message"] for c in checks if not c["ok"]]
    pc4 = next(c for c in checks if c["name"] == "bevolking_pc4_gemeente")
    assert "2021" in pc4["message"] and "2024" in pc4["message"]  # the years are explained


def test_share_out_of_range_names_area_and_field(tables: AreaTables):
    t = broken(tables)
    row = t.areas.index[(t.areas["area_code"] == "WK034401") & t.areas["is_current"]][0]
    t.areas.loc[row, "share_owner_occupied"] = 1.7
    with pytest.raises(QualityError, match="WK034401.*'share_owner_occupied'"):
        run_quality_checks(t)


def test_wijk_population_off_by_more_than_two_percent(tables: AreaTables):
    t = broken(tables)
    row = t.areas.index[(t.areas["area_code"] == "WK034401") & t.areas["is_current"]][0]
    t.areas.loc[row, "population"] += 30_000
    with pytest.raises(QualityError, match="gemeente GM0344 veld 'population'"):
        run_quality_checks(t)


def test_missing_geometry(tables: AreaTables):
    t = broken(tables)
    t.geometries = t.geometries[t.geometries["area_code"] != "3511"]
    with pytest.raises(QualityError, match="3511.*geen geometrie"):
        run_quality_checks(t)


def test_invalid_geometry(tables: AreaTables):
    t = broken(tables)
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    idx = t.geometries.index[t.geometries["area_code"] == "GM0344"][0]
    t.geometries.loc[idx, "geometry"] = bowtie
    with pytest.raises(QualityError, match="GM0344.*ongeldig"):
        run_quality_checks(t)


def test_wrong_area_count(tables: AreaTables):
    t = broken(tables)
    t.areas = t.areas.drop(t.areas.index[(t.areas["level"] == "gemeente")
                                         & t.areas["is_current"]][:5])
    with pytest.raises(QualityError, match="337 gebieden op niveau gemeente"):
        run_quality_checks(t)


def test_a_level_not_built_is_skipped_with_its_reason_never_ok(tables: AreaTables):
    """Issue 20: the build report never says 'OK' for a check that could not run."""
    from betrokken.areas.quality import quality_summary
    from betrokken.cli import quality_mark

    full = run_quality_checks(tables)
    t = broken(tables)
    t.areas = t.areas[t.areas["level"] != "pc4"]
    checks = run_quality_checks(t)
    skipped = {c["name"]: c for c in checks if c["skipped"]}
    assert {"bevolking_pc4_gemeente", "pc4_volledig"} <= set(skipped)
    for name in ("bevolking_pc4_gemeente", "pc4_volledig"):
        assert "geen PC4-niveau" in skipped[name]["message"]  # the reason
    for check in skipped.values():
        assert "niet gecontroleerd" in check["message"]
        assert "OK" not in quality_mark(check) and "OVERGESLAGEN" in quality_mark(check)
    ran = [c for c in checks if not c["skipped"]]
    assert all("OK" in quality_mark(c) for c in ran if c["ok"])
    summary = quality_summary(checks)
    assert summary == f"{len(ran)}/{len(ran)} in orde, {len(skipped)} overgeslagen"
    assert len(skipped) > sum(c["skipped"] for c in full)
    # the real data has no wijk file for 2022: said, with the reason, and not as OK
    wijk_2022 = next(c for c in full if c["name"] == "aantal_wijk_2022")
    assert wijk_2022["skipped"] and "geen bronbestand" in wijk_2022["message"]
