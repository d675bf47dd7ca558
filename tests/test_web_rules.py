"""Web rules defined once: the postcode limit, uploads in Excel's Unicode text, one
GeoPackage layout for every parent. Numbers are pinned here, not imported."""

from __future__ import annotations

import codecs

import geopandas as gpd
import pytest

from betrokken.store.database import connect

UTRECHT = "GM0344"


@pytest.fixture(scope="module")
def pc4_codes(built_db) -> list[str]:
    con = connect(built_db, read_only=True)
    try:
        return [r[0] for r in con.execute(
            "SELECT area_code FROM area_indices WHERE level = 'pc4' ORDER BY area_code"
        ).fetchall()]
    finally:
        con.close()


def test_500_postcodes_are_allowed_501_are_not(client, pc4_codes):
    assert len(pc4_codes) > 501
    ok = client.post("/api/compose", json=pc4_codes[:500])
    assert ok.status_code == 200, ok.text
    assert len(ok.json()["postcodes"]) == 500
    too_many = client.post("/api/compose", json=pc4_codes[:501])
    assert too_many.status_code == 413 and "501" in too_many.json()["fout"]
    text = "\n".join(pc4_codes[:501])
    upload = client.post("/api/compose/upload", files={"bestand": ("lijst.txt", text.encode())})
    assert upload.status_code == 413
    upload = client.post(
        "/api/compose/upload", files={"bestand": ("lijst.txt", "\n".join(pc4_codes[:500]))})
    assert upload.status_code == 200


def test_excel_unicode_text_upload_with_a_pc4_header(client, pc4_codes):
    rows = ["Postcode (PC4)\tAantal"] + [f"{c}\t1" for c in pc4_codes[:3]]
    data = codecs.BOM_UTF16_LE + "\r\n".join(rows).encode("utf-16-le")
    body = client.post("/api/compose/upload", files={"bestand": ("adressen.txt", data)})
    assert body.status_code == 422 and "'1'" in body.json()["fout"]  # the count column
    rows = ["PC4"] + pc4_codes[:3]
    data = codecs.BOM_UTF16_LE + "\r\n".join(rows).encode("utf-16-le")
    body = client.post("/api/compose/upload", files={"bestand": ("adressen.txt", data)})
    assert body.status_code == 200, body.text
    assert body.json()["postcodes"] == pc4_codes[:3]


def test_a_lone_wrong_line_is_named_on_the_page(client):
    page = client.post("/eigen-gebied", data={"postcodes": "Utrecht centrum"})
    assert page.status_code == 422 and "Utrecht" in page.text and "leeg" not in page.text


@pytest.mark.parametrize(("parent", "level"), [(UTRECHT, "wijk"), (UTRECHT, "pc4"),
                                               ("WK034401", "pc4")])
def test_geopackage_has_the_dutch_layout_for_every_parent(client, parent, level, tmp_path):
    response = client.get(f"/download/areas/{parent}/children.gpkg", params={"level": level})
    assert response.status_code == 200, response.text
    path = tmp_path / "kinderen.gpkg"
    path.write_bytes(response.content)
    frame = gpd.read_file(path)
    table = client.get(f"/download/areas/{parent}/children.csv", params={"level": level})
    header = table.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert list(frame.columns) == [*header, "geometry"]
    assert header[:4] == ["gebiedscode", "naam", "jaar", "inwoners"]
    assert frame.crs.to_epsg() == 28992 and frame.geometry.notna().all()
