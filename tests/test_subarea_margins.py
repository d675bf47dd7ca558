"""Sub-gemeente margins (issue 18, items 3-5) on the real data: the KWB 2024 herkomst join,
buurten in the offline build, the margin model, and local facts that stay local."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from betrokken import schema
from betrokken.areas.gwb import gwb_2024
from betrokken.areas.provenance import figure_origins
from betrokken.errors import SourceError
from betrokken.sources.kwb_gwb import GWB_2024_AGE_SEX, GWB_2024_HERKOMST
from betrokken.store.database import connect
from betrokken.store.export import export_frame
from betrokken.web.app import create_app
from helpers_data import broken_copy, local_area_tables, truncate

HERKOMST = GWB_2024_HERKOMST.filename
UTRECHT, OVERVECHT = "GM0344", "WK034403"


@pytest.fixture(scope="module")
def tables(data_dir):
    return local_area_tables(data_dir)


@pytest.fixture(scope="module")
def current(tables) -> pd.DataFrame:
    areas = tables.areas
    return areas[areas["is_current"]].set_index("area_code")


@pytest.fixture(scope="module")
def client(built_db) -> TestClient:
    return TestClient(create_app(built_db), raise_server_exceptions=False)


# --------------------------------------------------------------------------- the join


def _swap_two_rows(src: Path, dst: Path) -> None:
    lines = src.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    block = lines[5000:5010]  # ten rows out of order
    random.Random(1).shuffle(block)
    lines[5000:5010] = block
    dst.write_text("".join(lines), encoding="utf-8")


def _read_both(directory: Path):
    return GWB_2024_AGE_SEX.read_local(directory), GWB_2024_HERKOMST.read_local(directory)


def test_herkomst_rows_join_the_age_file_on_every_row(data_dir):
    gwb = gwb_2024(*_read_both(data_dir))
    assert gwb["level"].value_counts().to_dict() == {"buurt": 14574, "wijk": 3393,
                                                     "gemeente": 342, "land": 1}
    nl = gwb.loc["NL00"]
    herkomst = nl[["herkomst_nl", "herkomst_europa", "herkomst_buiten_europa"]].sum()
    assert herkomst == nl["population"]  # the country's herkomst adds up to its residents


def test_shuffled_herkomst_rows_fail_with_a_dutch_message(data_dir, tmp_path):
    broken = broken_copy(data_dir, tmp_path / "data", HERKOMST, _swap_two_rows)
    with pytest.raises(SourceError) as err:
        gwb_2024(*_read_both(broken))
    message = str(err.value)
    assert "sluit niet aan" in message and "regel 50" in message and HERKOMST in message


def test_truncated_herkomst_file_fails_with_a_dutch_message(data_dir, tmp_path):
    def cut_rows(src: Path, dst: Path) -> None:
        lines = src.read_text(encoding="utf-8-sig").splitlines(keepends=True)
        dst.write_text("".join(lines[:-300]), encoding="utf-8")

    broken = broken_copy(data_dir, tmp_path / "data", HERKOMST, cut_rows)
    with pytest.raises(SourceError, match="rijvolgorde") as err:
        gwb_2024(*_read_both(broken))
    assert "18010 rijen" in str(err.value) and "18310 rijen" in str(err.value)


def test_a_misaligned_herkomst_file_stops_the_build_and_keeps_the_old_database(
        data_dir, tmp_path, built_db):
    from betrokken.build import build_database

    db = tmp_path / "betrokken.duckdb"
    shutil.copy(built_db, db)
    before = db.read_bytes()
    broken = broken_copy(data_dir, tmp_path / "data", HERKOMST, _swap_two_rows)
    with pytest.raises(SourceError, match="sluit niet aan"):
        build_database(db, broken, quiet=True, n_boot=5)
    assert db.read_bytes() == before


def test_a_half_herkomst_file_is_refused_by_the_reader(data_dir, tmp_path):
    broken = broken_copy(data_dir, tmp_path / "data", HERKOMST, truncate(0.5))
    with pytest.raises(SourceError, match=HERKOMST):
        GWB_2024_HERKOMST.read_local(broken)


# --------------------------------------------------------------------------- buurten


def test_every_buurt_of_2024_is_an_area_with_its_own_age_and_herkomst(tables, current):
    buurt = current[current["level"] == "buurt"]
    assert len(buurt) == 14574
    assert buurt.index.str.match(r"^BU\d{4}[0-9A-Z]{4}$").all()
    assert (buurt["wijk_code"].isin(current.index)).all()
    # the buurten of a wijk add up to the wijk (CBS rounds small counts to 5)
    summed = buurt.groupby("wijk_code")["population"].sum()
    wijk = current.loc[summed.index, "population"]
    assert (abs(summed - wijk) / wijk.clip(lower=100)).quantile(0.99) <= 0.05
    # herkomst is the buurt's own: buurten of one wijk differ
    spread = buurt[buurt["population"] >= 500].groupby("wijk_code")[
        "share_migration_nietwest"].std()
    assert spread.median() > 0.02
    assert not any("share_migration" in c for c in buurt["derived_columns"])


def test_buurten_below_50_residents_are_suppressed_and_the_rest_published(built_db):
    con = connect(built_db, read_only=True)
    rows = con.execute(
        "SELECT a.population < ? AS small, i.suppressed, count(*) FROM area_indices i "
        "JOIN areas a USING (level, area_code, year) WHERE i.level = 'buurt' AND a.is_current "
        "GROUP BY ALL", [schema.MIN_RESIDENTS_PUBLISHED]).fetchall()
    nulls = con.execute(
        "SELECT count(*) FROM profile_mix m JOIN areas a USING (level, area_code, year) "
        "WHERE m.level = 'buurt' AND a.population < ? AND m.share IS NOT NULL",
        [schema.MIN_RESIDENTS_PUBLISHED]).fetchone()[0]
    con.close()
    counts = {(small, bool(suppressed)): n for small, suppressed, n in rows}
    assert counts.get((True, False), 0) == 0  # no small buurt is published
    assert counts[(True, True)] > 1000  # real data: about 1,500 buurten under 50
    assert counts[(False, False)] > 12000
    assert sum(counts.values()) == 14574
    assert nulls == 0


def test_a_buurt_is_in_the_api_the_page_and_the_exports(client, built_db):
    area = client.get("/api/areas/BU03440333").json()
    assert area["level"] == "buurt" and area["wijk"]["code"] == OVERVECHT
    assert area["mix"] and not area["suppressed"]
    kids = client.get(f"/api/areas/{OVERVECHT}/children", params={"level": "buurt"}).json()
    assert "BU03440333" in {a["code"] for a in kids["areas"]}
    page = client.get("/gebied/BU03440333")
    assert page.status_code == 200
    assert f"/api/areas/{OVERVECHT}/geojson" in page.text  # shown on its wijk's map
    csv = client.get(f"/download/areas/{OVERVECHT}/children.csv", params={"level": "buurt"})
    assert csv.status_code == 200 and "BU03440333" in csv.text
    con = connect(built_db, read_only=True)
    frame = export_frame(con, "buurt", UTRECHT)
    con.close()
    assert "BU03440333" in set(frame["area_code"])
    assert len(frame) == frame["area_code"].nunique() > 100


# --------------------------------------------------------------------------- the model


def test_estimates_add_up_to_the_gemeente_and_carry_an_error(current):
    # (a wijk without complete predictors keeps the gemeente's figure, so all wijken count)
    wijk = current[current["level"] == "wijk"]
    assert wijk["share_edu_hoog_se"].notna().mean() > 0.95
    weight = wijk["population"] * (1 - wijk["share_age_0_14"])
    for column in ("share_edu_hoog", "share_low_income_hh", "income_avg"):
        mean = (wijk[column] * weight).groupby(wijk["gemeente_code"]).sum() / weight.groupby(
            wijk["gemeente_code"]).sum()
        gemeente = current.loc[mean.index, column]
        known = gemeente.notna()
        assert known.mean() > 0.95
        assert np.allclose(mean[known], gemeente[known], rtol=5e-3), column
        assert (wijk[f"{column}_se"].dropna() > 0).all()
    wijk = wijk[wijk["share_edu_hoog_se"].notna()]
    edu = wijk[["share_edu_laag", "share_edu_midden", "share_edu_hoog"]].sum(axis=1)
    assert np.allclose(edu, 1.0)


def test_margin_model_is_checked_by_cross_validation(tables):
    summary = tables.margin_model
    assert summary["n_gemeenten"] == 342
    assert summary["cv_r"]["share_edu_hoog"] > 0.7
    assert summary["cv_r"]["income_avg"] > 0.8
    assert all(v > 0 for v in summary["cv_rmse_transformed"].values())


# --------------------------------------------------------------------------- local facts


def test_overvecht_no_longer_shows_utrechts_education_as_its_own(current, client):
    overvecht, utrecht = current.loc[OVERVECHT], current.loc[UTRECHT]
    assert overvecht["share_edu_hoog"] < utrecht["share_edu_hoog"] - 0.10
    assert overvecht["income_avg"] < utrecht["income_avg"]
    assert overvecht["share_owner_occupied"] < utrecht["share_owner_occupied"] - 0.15
    origins = figure_origins(overvecht.to_dict() | {"level": "wijk"})
    assert origins["share_edu_hoog"] == "model"
    assert origins["share_owner_occupied"] == "2022"
    area = client.get(f"/api/areas/{OVERVECHT}").json()
    assert area["figure_notes"]["share_edu_hoog"].startswith("geschat uit")
    assert area["figure_notes"]["share_hh_single"] == "gemeente Utrecht"
    page = client.get(f"/gebied/{OVERVECHT}").text
    assert "geschat uit huur/koop" in page and "gemeente Utrecht</span>" in page


def test_no_sub_gemeente_row_has_a_derived_figure_without_its_origin(current):
    below = current[current["level"].isin(["wijk", "buurt"])]
    for code, row in below.sample(500, random_state=0).iterrows():
        derived = {c for c in row["derived_columns"].split(",") if c}
        named = {p.split(":")[0] for p in row["figure_sources"].split(",") if p}
        assert derived == named, code
        origins = set(figure_origins(row.to_dict()).values())
        assert origins <= set(schema.FIGURE_ORIGINS), code


def test_leefomgeving_dossier_shows_overvechts_own_tenure_not_utrechts(client, current):
    data = client.get(f"/api/areas/{OVERVECHT}/themes")
    if data.status_code == 404:
        pytest.skip("no dossier API route in this version")
    themes = {t["theme"]: t for t in data.json()["themes"]}
    housing = {i["indicator"]: i for i in themes["leefomgeving"]["indicators"]}
    owner = housing["share_owner_occupied"]
    assert owner["value"] == pytest.approx(current.loc[OVERVECHT, "share_owner_occupied"])
    assert owner["value"] != pytest.approx(owner["gemeente"])
    assert "eigen cijfer van 2022" in owner["source"]
