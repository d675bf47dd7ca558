"""What an upload costs the server, per sheet shape (issue 21: < 1 s of CPU per upload of
at most 256 kB, whatever its content). Reporting only; ``tests/test_uploads.py`` holds
the pass/fail version on every upload route.

Each crafted file is read by the one reader (``betrokken.uploads.read_rows``, budget
``WEB_UPLOAD``) and timed in CPU seconds of this process; the outcome is the rows read or
the Dutch refusal. With ``--db`` the files also go to the three upload routes of the app
(``/api/compose/upload``, ``/eigen-gebied``, ``/bereikcheck``) in-process.

    python benchmarks/uploads.py [--db betrokken.duckdb] [--json out.json]
"""

from __future__ import annotations

import argparse
import io
import json
import time
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def xlsx(sheet_xml: str, shared: list[str] | None = None, *, prolog: str = "") -> bytes:
    """A minimal valid .xlsx whose first sheet is ``sheet_xml`` (the ``<sheetData>`` body)."""
    out = io.BytesIO()
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            'http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
            'name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            'http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">'
            '<dimension ref="A1"/>'  # lies, as the hostile files do
            f"<sheetData>{sheet_xml}</sheetData></worksheet>"),
    }
    if shared is not None:
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'
            + "".join(f"<si><t>{s}</t></si>" for s in shared) + "</sst>")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def crafted_sheets() -> dict[str, tuple[str, bytes]]:
    """Hostile and ordinary uploads, each at most 256 kB: name -> (file name, bytes)."""
    xfd = '<row r="{i}"><c r="XFD{i}" t="inlineStr"><is><t>3511</t></is></c></row>'
    wide = "".join(f'<c t="inlineStr"><is><t>{3511 + j}</t></is></c>' for j in range(200))
    ordinary = "".join(
        f'<row r="{i + 2}"><c r="A{i + 2}"><v>{3511 + i % 80}</v></c>'
        f'<c r="B{i + 2}" t="inlineStr"><is><t>65plus</t></is></c></row>' for i in range(2000))
    header = ('<row r="1"><c r="A1" t="inlineStr"><is><t>postcode</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>leeftijd</t></is></c></row>')
    sheets = {
        "600 rijen, 1 cel in kolom XFD": xlsx("".join(xfd.format(i=i) for i in range(1, 601))),
        "19.000 rijen, 1 cel in kolom XFD": xlsx(
            "".join(xfd.format(i=i) for i in range(1, 19_001))),
        "1.000.000 lege rijen": xlsx("<row/>" * 1_000_000),
        "laatste rij 1.048.576": xlsx('<row r="1048576"><c r="A1048576"><v>3511</v></c></row>'),
        "200 kolommen x 400 rijen": xlsx(("<row>" + wide + "</row>") * 400),
        "19.999 rijen net onder de grens": xlsx(
            '<row><c t="inlineStr"><is><t>3511 AB</t></is></c></row>' * 19_999),
        "gedeelde teksten 4 MB": xlsx('<row><c t="s"><v>0</v></c></row>',
                                      shared=["3511" * 50] * 20_000),
        "gedeelde teksten 3,5 MB": xlsx('<row><c t="s"><v>0</v></c></row>' * 100,
                                        shared=["3511" * 40] * 20_000),
        "DTD (entiteiten)": xlsx("<row><c t=\"inlineStr\"><is><t>&a;</t></is></c></row>",
                                 prolog='<!DOCTYPE x [<!ENTITY a "3511">]>'),
        "gewoon: 2.000 deelnemers": xlsx(header + ordinary),
        "csv: 20.000 regels": ("lijst.csv", ("3511\n" * 20_000).encode()),
        "csv: quizantwoorden 9.000 deelnemers": ("quiz.csv", _quiz_csv(9_000)),
        "csv: aantallen 10.000 regels": ("tel.csv", (
            "postcode;leeftijd;geslacht;aantal\n"
            + "3511;65plus;vrouw;3\n" * 10_000).encode()),
    }
    return {k: v if isinstance(v, tuple) else ("lijst.xlsx", v) for k, v in sheets.items()}


def _quiz_csv(n: int) -> bytes:
    from betrokken.model.quiz import QUIZ_ITEMS

    items = list(QUIZ_ITEMS)
    lines = ["postcode;" + ";".join(items)]
    lines += [f"{3511 + i % 40};" + ";".join(str((i + j) % 3) for j in range(len(items)))
              for i in range(n)]
    return "\n".join(lines).encode()


def read_cost(name: str, data: bytes) -> tuple[float, str]:
    """CPU seconds of ``uploads.read_rows`` on one file, and its outcome."""
    from betrokken.errors import BetrokkenError
    from betrokken.uploads import read_rows

    t0 = time.process_time()
    try:
        outcome = f"{len(read_rows(data, name))} rijen"
    except BetrokkenError as exc:
        outcome = f"geweigerd: {exc.message}"
    return time.process_time() - t0, outcome


def route_cost(client, route: str, name: str, data: bytes) -> tuple[float, int]:
    field = {"/api/compose/upload": "bestand", "/eigen-gebied": "bestand",
             "/bereikcheck": "bestand"}[route]
    extra = {"gebied": "GM0344"} if route == "/bereikcheck" else {}
    t0 = time.process_time()
    response = client.post(route, files={field: (name, data)}, data=extra)
    return time.process_time() - t0, response.status_code


UPLOAD_ROUTES = ("/api/compose/upload", "/eigen-gebied", "/bereikcheck")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="Also post every file to the app's upload routes.")
    parser.add_argument("--json", help="Write the results as JSON.")
    args = parser.parse_args()
    client = None
    if args.db:
        from fastapi.testclient import TestClient

        from betrokken.web.app import create_app

        client = TestClient(create_app(args.db), raise_server_exceptions=False)
        client.post("/api/compose", json=["3511"])  # one-time loading, as a running server
    results = []
    for shape, (name, data) in crafted_sheets().items():
        seconds, outcome = read_cost(name, data)
        row = {"vorm": shape, "kB": round(len(data) / 1024, 1), "lezer_s": round(seconds, 4),
               "uitkomst": outcome[:90]}
        if client is not None:
            for route in UPLOAD_ROUTES:
                cpu, status = route_cost(client, route, name, data)
                row[route] = {"cpu_s": round(cpu, 3), "status": status}
        results.append(row)
        print(f"{shape:34} {row['kB']:7.1f} kB  {seconds:7.4f} s  {outcome[:80]}")
        for route in UPLOAD_ROUTES if client is not None else ():
            print(f"{'':34} {route:22} {row[route]['cpu_s']:6.3f} s  {row[route]['status']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
