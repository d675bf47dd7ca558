"""Files for people (issue 12, item 7): CSV for Dutch Excel, XLSX with a Toelichting,
one Dutch column naming across CSV-for-Excel, XLSX and GeoPackage, own areas per postcode."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from betrokken.cli import app as cli_app
from betrokken.store.database import connect

UTRECHT = "GM0344"


@pytest.fixture(scope="module")
def exports(built_db, tmp_path_factory):
    """`betrokken export` of Utrecht's wijken in csv, csv-excel, xlsx and gpkg."""
    out = tmp_path_factory.mktemp("exports")
    paths = {}
    runner = CliRunner()
    for fmt, name in (("csv", "w.csv"), ("csv-excel", "w_excel.csv"), ("xlsx", "w.xlsx"),
                      ("gpkg", "w.gpkg")):
        result = runner.invoke(cli_app, ["export", "--level", "wijk", "--gemeente", UTRECHT,
                                         "--format", fmt, "--out", str(out / name),
                                         "--db", str(built_db)])
        assert result.exit_code == 0, result.output
        paths[fmt] = out / name
    return paths


def test_csv_for_excel_has_bom_semicolons_and_decimal_commas(exports):
    raw = exports["csv-excel"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, first = raw.decode("utf-8-sig").splitlines()[:2]
    assert ";" in header and "," not in header
    frame = pd.read_csv(exports["csv-excel"], sep=";", decimal=",", encoding="utf-8-sig")
    assert len(frame.columns) > 20 and frame["gebiedscode"].str.startswith("WK0344").all()
    assert set(frame["onderdrukt"]) <= {"ja", "nee"}
    shares = [c for c in frame.columns if c.startswith("aandeel") and c[-3:] not in ("_lo", "_hi")]
    assert len(shares) == 8
    # issue 20: the profile columns carry the Dutch names people read on the site
    assert "aandeel Teleurgestelde toeschouwers" in shares
    assert not any(c.startswith("aandeel_") for c in frame.columns)
    assert pd.api.types.is_float_dtype(frame[shares[0]])  # decimal comma parsed as numbers
    published = frame[frame["onderdrukt"] == "nee"]
    assert published[shares].sum(axis=1).between(0.999, 1.001).all()
    # at most four decimals: no 0.2345678901234 in a cell a person reads
    assert "," in first and all(len(cell.split(",")[1]) <= 4 for cell in first.split(";")
                                if cell.count(",") == 1 and cell.replace(",", "").isdigit())
    # counts are whole numbers: 29710, not 29710,0
    inwoners = first.split(";")[header.split(";").index("inwoners")]
    assert inwoners.isdigit(), inwoners


def test_machine_csv_is_unchanged(exports):
    text = exports["csv"].read_text(encoding="utf-8")
    assert not text.startswith("\ufeff")
    frame = pd.read_csv(exports["csv"])
    assert "area_code" in frame.columns and "gebiedscode" not in frame.columns
    assert {"political_engagement", "local_engagement", "engagement_index_lo"} <= set(
        frame.columns)


def test_excel_csv_xlsx_and_geopackage_share_the_dutch_columns(exports):
    import geopandas as gpd

    excel_csv = pd.read_csv(exports["csv-excel"], sep=";", decimal=",", encoding="utf-8-sig")
    xlsx = pd.read_excel(exports["xlsx"], sheet_name="profielmix")
    gpkg = gpd.read_file(exports["gpkg"]).drop(columns="geometry")
    assert list(excel_csv.columns) == list(xlsx.columns) == list(gpkg.columns)
    for col in ("politieke_betrokkenheid", "lokale_betrokkenheid_lo", "laag_vertrouwen"):
        assert col in xlsx.columns
    assert set(gpkg["onderdrukt"]) <= {"ja", "nee"}


def test_xlsx_formats_percentages_and_explains_itself(exports, built_db):
    book = openpyxl.load_workbook(exports["xlsx"])
    assert book.sheetnames == ["profielmix", "Toelichting"]
    sheet = book["profielmix"]
    header = [c.value for c in sheet[1]]
    col = header.index("politieke_betrokkenheid") + 1
    assert sheet.cell(2, col).number_format == "0.0%"
    notes = "\n".join(" ".join(str(v) for v in row if v is not None)
                      for row in book["Toelichting"].iter_rows(values_only=True))
    con = connect(built_db, read_only=True)
    model = con.execute("SELECT value FROM build_info WHERE key = 'model_version'").fetchone()[0]
    licences = {r[0] for r in con.execute("SELECT licence FROM sources").fetchall()}
    con.close()
    assert model in notes and all(lic in notes for lic in licences)
    # issue 20: the official table before the copy the build read
    line = next(ln for ln in notes.splitlines() if ln.startswith("Bron: kwb_2024_gwb_herkomst"))
    assert line.index("85984NED") < line.index("Gelezen uit: kopie via")
    assert "_lo / …_hi" in notes and "90%-interval" in notes
    assert "politieke_betrokkenheid" in notes and "lokale_betrokkenheid" in notes
    # issue 20: the ids live in the Toelichting, beside each profile's column and name
    con = connect(built_db, read_only=True)
    profiles = con.execute("SELECT id, name FROM profiles").fetchall()
    con.close()
    rows = {r[0]: r for r in book["Toelichting"].iter_rows(values_only=True) if r[0]}
    for pid, name in profiles:
        assert rows[f"aandeel {name}"][1:] == (name, f"profiel-id: {pid}")
        assert f"aandeel {name}" in header


def test_cli_refuses_an_unknown_format_in_dutch(built_db, tmp_path):
    result = CliRunner().invoke(cli_app, ["export", "--level", "wijk", "--format", "ods",
                                          "--db", str(built_db)])
    assert result.exit_code == 2 and "csv-excel" in result.output


def test_dashboard_downloads_csv_for_excel_and_ja_nee(client):
    plain = client.get(f"/download/areas/{UTRECHT}/children.csv?level=wijk")
    frame = pd.read_csv(io.BytesIO(plain.content))
    assert set(frame["onderdrukt"]) <= {"ja", "nee"}
    assert "politieke_betrokkenheid" in frame.columns and "engagement_index" not in frame.columns
    excel = client.get(f"/download/areas/{UTRECHT}/children.csv-excel?level=wijk")
    assert excel.status_code == 200 and excel.content.startswith(b"\xef\xbb\xbf")
    assert excel.headers["content-disposition"].endswith('_excel.csv"')
    sheet = pd.read_csv(io.BytesIO(excel.content), sep=";", decimal=",", encoding="utf-8-sig")
    assert list(sheet.columns) == list(frame.columns) and len(sheet) == len(frame)


def test_own_area_as_xlsx_and_geopackage_per_postcode(client, tmp_path):
    import geopandas as gpd

    codes = ["3511", "3512", "3513", "3514"]
    data = {"postcodes": ",".join(codes)}
    xlsx = client.post("/download/compose.xlsx", data=data)
    assert xlsx.status_code == 200, xlsx.text[:300]
    book = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None)
    assert list(book) == ["betrokken", "postcodes", "Toelichting"]
    assert book["betrokken"]["aandeel"].sum() == pytest.approx(1.0, abs=1e-3)
    assert sorted(book["postcodes"]["gebiedscode"].astype(str)) == codes
    gpkg = client.post("/download/compose.gpkg", data=data)
    assert gpkg.status_code == 200, gpkg.text[:300]
    (tmp_path / "e.gpkg").write_bytes(gpkg.content)
    frame = gpd.read_file(tmp_path / "e.gpkg")
    assert sorted(frame["gebiedscode"]) == codes and frame.geometry.notna().all()
    page = client.post("/eigen-gebied", data=data).text
    assert 'formaction="/download/compose.xlsx"' in page
    assert 'formaction="/download/compose.gpkg"' in page


def test_area_page_links_csv_for_excel_and_xlsx_beside_the_downloads(client):
    """Both download rows of the area page (its composition, the table of its wijken)
    offer the machine CSV, the CSV for Dutch Excel and XLSX, and each link answers."""
    import re

    page = client.get(f"/gebied/{UTRECHT}").text
    rows = re.findall(r'<p class="downloads">Download[^<]*(.*?)</p>', page, re.S)
    links = [dict((name, href) for href, name in re.findall(r'<a href="([^"]+)">([^<]+)</a>',
                                                              row)) for row in rows]
    tables = [row for row in links if "CSV voor Excel" in row]
    assert len(tables) == 2, links
    for row in tables:
        assert {"CSV", "CSV voor Excel", "Excel (XLSX)"} <= set(row)
        excel = client.get(row["CSV voor Excel"].replace("&amp;", "&"))
        assert excel.status_code == 200 and excel.content.startswith(b"\xef\xbb\xbf")
        sheet = pd.read_csv(io.BytesIO(excel.content), sep=";", decimal=",",
                            encoding="utf-8-sig")
        assert "gebiedscode" in sheet.columns or len(sheet.columns) > 2
        xlsx = client.get(row["Excel (XLSX)"].replace("&amp;", "&"))
        assert xlsx.status_code == 200
        assert "Toelichting" in openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
