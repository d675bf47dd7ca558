"""The one upload reader (``betrokken.uploads``, issue 21 items 2 and 3): every crafted
file of at most 256 kB is answered in under a second of CPU on every upload route, the
sheet's real extent is checked from its XML, and counts are whole numbers named by row."""

from __future__ import annotations

import importlib.util
import io
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from betrokken.areas.reach import ReachError, participant_count
from betrokken.limits import MAX_PARTICIPANT_COUNT, MAX_UPLOAD_BYTES, MAX_UPLOAD_COLUMNS
from betrokken.uploads import (
    TableFileError,
    UploadTooLarge,
    participants_from_text,
    read_rows,
    read_text,
)
from betrokken.web.app import create_app

_spec = importlib.util.spec_from_file_location(
    "bench_uploads", Path(__file__).parents[1] / "benchmarks" / "uploads.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)
SHEETS = bench.crafted_sheets()


@pytest.fixture(scope="module")
def client(built_db) -> TestClient:
    client = TestClient(create_app(built_db), raise_server_exceptions=False)
    # load once what every composition needs (the PC4 arrays), as a running server has
    assert client.post("/api/compose", json=["3511"]).status_code == 200
    return client


def test_the_crafted_files_are_upload_sized():
    assert all(len(data) <= MAX_UPLOAD_BYTES for _, data in SHEETS.values())
    assert len(SHEETS["600 rijen, 1 cel in kolom XFD"][1]) < 8 * 1024
    assert len(SHEETS["19.000 rijen, 1 cel in kolom XFD"][1]) > 90 * 1024


@pytest.mark.parametrize("route", bench.UPLOAD_ROUTES)
def test_every_crafted_file_costs_under_a_second_on_every_route(client, route):
    for shape, (name, data) in SHEETS.items():
        seconds, status = bench.route_cost(client, route, name, data)
        assert status < 500, (shape, route, status)
        assert seconds < 1.0, f"{shape} op {route}: {seconds:.2f} s CPU"


def test_a_value_in_column_xfd_is_refused_before_any_row_is_built():
    name, data = SHEETS["19.000 rijen, 1 cel in kolom XFD"]
    t0 = time.process_time()
    with pytest.raises(UploadTooLarge, match="kolom XFD") as err:
        read_rows(data, name)
    assert time.process_time() - t0 < 0.1
    assert str(MAX_UPLOAD_COLUMNS) in err.value.message


def test_a_dtd_is_refused():
    name, data = SHEETS["DTD (entiteiten)"]
    with pytest.raises(TableFileError, match="DTD"):
        read_rows(data, name)


def test_rows_follow_the_cell_references_and_value_types():
    sheet = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>postcode</t></is></c>'
        '<c r="C1" t="s"><v>0</v></c></row>'
        '<row r="3"><c r="A3"><v>3511</v></c><c r="B3"><v>2.5</v></c>'
        '<c r="C3" t="s"><v>1</v></c></row>')
    rows = read_rows(bench.xlsx(sheet, shared=["aantal", "drie"]), "a.xlsx")
    assert rows == [["postcode", "", "aantal"], [], ["3511", "2.5", "drie"]]


def test_an_ordinary_sheet_reads_as_openpyxl_reads_it():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["postcode", "leeftijd", "geslacht", "aantal"])
    sheet.append(["3511 AB", "65plus", "vrouw", 3])
    sheet.append([3584, None, "man", 1.0])
    buf = io.BytesIO()
    book.save(buf)
    assert read_rows(buf.getvalue(), "d.xlsx") == [
        ["postcode", "leeftijd", "geslacht", "aantal"], ["3511 AB", "65plus", "vrouw", "3"],
        ["3584", "", "man", "1"]]
    assert read_text(buf.getvalue(), "d.xlsx").splitlines()[2] == "3584;man;1"


def test_text_tables_detect_the_delimiter():
    assert read_rows(b"postcode,aantal\n3511,2\n", "a.csv") == [["postcode", "aantal"],
                                                                 ["3511", "2"]]
    assert read_rows("postcode\taantal\r\n3511\t2".encode("utf-16"), "a.txt")[1] == ["3511", "2"]
    assert read_rows(b'"postcode";"aantal"\n"3511";"2"', "a.csv")[1] == ["3511", "2"]


@pytest.mark.parametrize("raw", ["1e308", "nan", "-3", "2.5", "0", "inf", "veel",
                                 str(MAX_PARTICIPANT_COUNT + 1)])
def test_an_absurd_count_is_refused_and_its_row_named(raw):
    assert participant_count(raw) is None
    text = f"postcode;aantal\n3511;2\n3512;{raw}\n"
    with pytest.raises(ReachError, match=f"regel 2: aantal '{raw}'"):
        participants_from_text(text, source="het tekstvak", max_rows=100)


def test_sensible_counts_pass():
    assert [participant_count(v) for v in ("", None, "3", "2,0", 7, 7.0)] == [1, 1, 3, 2, 7, 7]
    frame = participants_from_text("postcode;aantal\n3511;2\n3512;\n", source="x", max_rows=9)
    assert frame["count"].tolist() == [2.0, 1.0]


@pytest.mark.parametrize("raw", ["1e308", "nan", "-3", "2.5"])
def test_the_routes_refuse_absurd_counts_in_dutch(client, raw):
    body = {"area": "GM0344", "participants": [{"postcode": "3511"},
                                              {"postcode": "3512", "count": raw}]}
    response = client.post("/api/bereikcheck", json=body)
    assert response.status_code == 422, response.text
    assert "regel 2" in response.json()["fout"] and "aantal" in response.json()["fout"]
    page = client.post("/bereikcheck", data={"gebied": "GM0344",
                                             "deelnemers": f"postcode;aantal\n3511;{raw}"})
    assert page.status_code == 422
    assert "regel 1: aantal" in page.text
