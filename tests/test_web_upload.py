"""Uploaded postcode files: parsed off the event loop, within row and unpacked-size caps.

A hostile .xlsx (a sheet without a <dimension>, a million rows in 50 kB of ZIP) once
froze the whole server for half a minute; now it is refused quickly and every other
request keeps being answered meanwhile.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile

import httpx

from betrokken.web import limits
from betrokken.web.app import create_app
from helpers_server import live_server


def xlsx_with_rows(n_rows: int, value: str = "3511") -> bytes:
    """An .xlsx whose first sheet has ``n_rows`` rows and no <dimension> entry."""
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    row = f'<row><c t="inlineStr"><is><t>{value}</t></is></c></row>'
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>" + row * n_rows + "</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                      compresslevel=9) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            dst.writestr(info.filename, data)
    return out.getvalue()


def test_server_answers_others_while_a_hostile_xlsx_is_uploaded(built_db):
    hostile = xlsx_with_rows(1_000_000)
    assert len(hostile) < limits.MAX_UPLOAD_BYTES
    latencies: list[float] = []
    outcome: dict = {}

    with live_server(create_app(built_db)) as url:
        httpx.get(f"{url}/api/profiles", timeout=10).raise_for_status()

        def upload():
            t0 = time.perf_counter()
            response = httpx.post(f"{url}/api/compose/upload", timeout=120,
                                  files={"bestand": ("lijst.xlsx", hostile)})
            outcome.update(response=response, seconds=time.perf_counter() - t0)

        thread = threading.Thread(target=upload)
        thread.start()
        with httpx.Client(timeout=60) as probe:
            while thread.is_alive() or len(latencies) < 20:
                t0 = time.perf_counter()
                probe.get(f"{url}/api/areas/GM0344").raise_for_status()
                latencies.append(time.perf_counter() - t0)
                if len(latencies) >= 2000:
                    break
        thread.join(timeout=120)

    assert max(latencies) < 1.0, f"langste wachttijd {max(latencies):.2f} s"
    response = outcome["response"]
    assert response.status_code == 413, response.text
    assert "uitgepakt" in response.json()["fout"]
    assert outcome["seconds"] < 5


def test_a_sheet_with_too_many_rows_is_refused_by_name(client):
    rows = xlsx_with_rows(limits.MAX_UPLOAD_ROWS + 10)
    response = client.post("/api/compose/upload", files={"bestand": ("veel.xlsx", rows)})
    assert response.status_code == 413, response.text
    assert "veel.xlsx" in response.json()["fout"]
    assert "regels" in response.json()["fout"]


def test_a_text_file_with_too_many_lines_is_refused(client):
    text = ("3511\n" * (limits.MAX_UPLOAD_ROWS + 1)).encode()
    assert len(text) < limits.MAX_UPLOAD_BYTES
    response = client.post("/api/compose/upload", files={"bestand": ("lijst.csv", text)})
    assert response.status_code == 413, response.text
    assert "regels" in response.json()["fout"]


def test_the_form_refuses_a_hostile_xlsx_with_a_dutch_page(client):
    hostile = xlsx_with_rows(1_000_000)
    response = client.post("/eigen-gebied", files={"bestand": ("lijst.xlsx", hostile)})
    assert response.status_code == 413
    assert "uitgepakt" in response.text


def test_a_normal_sheet_still_works(client):
    response = client.post("/api/compose/upload",
                           files={"bestand": ("p.xlsx", xlsx_with_rows(3, "3511AB"))})
    assert response.status_code == 200, response.text
    assert response.json()["postcodes"] == ["3511"]
