"""Downloads from the pages: tables as CSV/Excel, a gemeente's areas as GeoPackage.

Files carry the same numbers as the pages (suppressed areas without shares), with the
Dutch column headers of ``store.spreadsheet`` (the same as ``betrokken export``'s
people-facing formats) and the profile ids kept in the share columns so a GIS user can
join them back to the API. Formats: ``csv`` (comma, decimal point, full precision),
``csv-excel`` (semicolon, decimal comma: opens in columns in Dutch Excel), ``xlsx``
(percentages formatted, a 'Toelichting' sheet) and ``gpkg``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

import duckdb
import pandas as pd
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParameter
from fastapi.responses import Response

from betrokken.areas.postcodes import parse_postcode_text
from betrokken.errors import BetrokkenError
from betrokken.store import area_answers
from betrokken.store.catalogue import Catalogue
from betrokken.store.geojson import rd_outlines_wkb
from betrokken.store.spreadsheet import about_rows, dutch_frame, excel_csv_bytes, xlsx_bytes
from betrokken.web import limits
from betrokken.web.deps import cursor_dependency
from betrokken.web.errors import ERROR_RESPONSES, UPLOAD_RESPONSES
from betrokken.web.openapi_schema import AREA_CODE_PATTERN, POSTCODE_LIST_PATTERN

router = APIRouter(prefix="/download", tags=["downloads"], responses=ERROR_RESPONSES)
Cursor = Annotated[duckdb.DuckDBPyConnection, Depends(cursor_dependency)]
Level = Literal["gemeente", "wijk", "buurt", "pc4"]
TableFormat = Literal["csv", "csv-excel", "xlsx"]
ComposeFormat = Literal["csv", "csv-excel", "xlsx", "gpkg"]
AreaCode = Annotated[str, PathParameter(
    max_length=limits.MAX_AREA_CODE_CHARS, pattern=AREA_CODE_PATTERN,
    description="Gebiedscode: GM0344, WK034401, 3511 (PC4) of NL")]

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "csv-excel": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
}


def composition_frame(detail: dict) -> pd.DataFrame:
    """One row per profile: share and 90 % interval of one area."""
    rows = [
        {
            "gebiedscode": detail["code"],
            "gebied": detail["name"],
            "profiel_id": m["profile_id"],
            "profiel": m["name"],
            "aandeel": m["share"],
            "aandeel_ondergrens_90": m["share_lo"],
            "aandeel_bovengrens_90": m["share_hi"],
        }
        for m in detail["mix"]
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "gebiedscode",
            "gebied",
            "profiel_id",
            "profiel",
            "aandeel",
            "aandeel_ondergrens_90",
            "aandeel_bovengrens_90",
        ],
    )


def children_frame(kids: dict, profile_ids: list[str]) -> pd.DataFrame:
    """One row per child area with every profile share and interval, plus indices."""
    rows = []
    for a in kids["areas"]:
        row = {
            "gebiedscode": a["code"],
            "naam": a["name"],
            "jaar": a["year"],
            "inwoners": a["population"],
            "onderdrukt": a["suppressed"],
            "reden_onderdrukt": a["suppression_reason"],
            "meest_voorkomend_profiel": a.get("dominant_profile"),
            "meest_kenmerkend_profiel": a.get("typical_profile"),
        }
        for pid in profile_ids:
            row[f"aandeel_{pid}"] = a.get("shares", {}).get(pid)
            row[f"aandeel_{pid}_lo"] = a.get("shares_lo", {}).get(pid)
            row[f"aandeel_{pid}_hi"] = a.get("shares_hi", {}).get(pid)
        ind = a.get("indices") or {}
        for key in area_answers.INDEX_COLUMNS:
            row[key] = ind.get(key)
        rows.append(row)
    return pd.DataFrame(rows)


def table_response(
    frame: pd.DataFrame,
    fmt: str,
    stem: str,
    cat: Catalogue,
    extra: dict[str, pd.DataFrame] | None = None,
) -> Response:
    """CSV (UTF-8 with BOM, so Excel shows accents), Excel-CSV or XLSX as an attachment.

    ``extra`` sheets go into the XLSX only (the CSV holds the main table).
    """
    names = {p["id"]: p["name"] for p in cat.profiles}
    if fmt == "csv":
        body = dutch_frame(frame, round_fractions=False, profile_names=names).to_csv(
            index=False).encode("utf-8-sig")
    elif fmt == "csv-excel":
        body = excel_csv_bytes(dutch_frame(frame, profile_names=names))
    else:
        about = about_rows(build_info=cat.build_info, sources=cat.sources)
        body = xlsx_bytes(
            dutch_frame(frame, profile_names=names), "betrokken", about,
            {name: dutch_frame(f, profile_names=names) for name, f in (extra or {}).items()},
            profile_names=names,
        )
    filename = f"{stem}_excel.csv" if fmt == "csv-excel" else f"{stem}.{fmt}"
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _content(*formats: str) -> dict:
    """OpenAPI: the media types a download answers with (status 200)."""
    return {200: {"description": "Het bestand", "content": {
        MEDIA_TYPES[f].split(";")[0]: {} for f in formats}}}


@router.get("/areas/{code}.{fmt}", summary="Samenstelling van één gebied als CSV of Excel",
            response_class=Response, responses=_content("csv", "csv-excel", "xlsx"))
def download_area(code: AreaCode, fmt: TableFormat, request: Request) -> Response:
    cat = request.app.state.dashboard.catalogue
    detail = area_answers.area_detail(cat, area_answers.canonical_code(code))
    if detail["suppressed"]:
        raise BetrokkenError(
            f"Voor {detail['name']} is geen schatting gepubliceerd.",
            hint=detail["suppression_reason"],
        )
    return table_response(
        composition_frame(detail), fmt, f"betrokken_{detail['code']}", cat
    )


@router.get("/areas/{code}/children.gpkg", summary="GeoPackage van de gebieden (voor QGIS)",
            response_class=Response, responses=_content("gpkg"))
def download_geopackage(
    code: AreaCode, level: Annotated[Level, Query()], request: Request, cur: Cursor
) -> Response:
    cat = request.app.state.dashboard.catalogue
    code = area_answers.canonical_code(code)
    kids = area_answers.children(cat, code, level)  # validates code and level
    body = _geopackage_bytes(cur, cat, code, level, kids)
    return Response(
        body,
        media_type=MEDIA_TYPES["gpkg"],
        headers={"Content-Disposition": f'attachment; filename="betrokken_{code}_{level}.gpkg"'},
    )


@router.get("/areas/{code}/children.{fmt}", summary="Tabel van de gebieden binnen een gebied",
            response_class=Response, responses=_content("csv", "csv-excel", "xlsx"))
def download_children(
    code: AreaCode, fmt: TableFormat, level: Annotated[Level, Query()], request: Request
) -> Response:
    cat = request.app.state.dashboard.catalogue
    kids = area_answers.children(cat, area_answers.canonical_code(code), level)
    return table_response(
        children_frame(kids, cat.profile_ids), fmt, f"betrokken_{kids['parent']}_{level}", cat
    )


def _geopackage_bytes(cur, cat, code: str, level: str, kids: dict) -> bytes:
    """The children table (Dutch columns, as the CSV/Excel download) with RD New polygons.

    One writer and one column layout for every kind of parent (gemeente, wijk, the
    country, an own area); ``betrokken export --format gpkg`` uses the same columns.
    """
    import geopandas as gpd
    import shapely

    frame = dutch_frame(children_frame(kids, cat.profile_ids),
                        profile_names={p["id"]: p["name"] for p in cat.profiles})
    outlines = rd_outlines_wkb(cur, level, frame["gebiedscode"].tolist())
    geoms = {c: shapely.from_wkb(w) for c, w in outlines.items()}
    frame["geometry"] = frame["gebiedscode"].map(geoms)
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:28992")
    with tempfile.TemporaryDirectory(prefix="betrokken-gpkg-") as tmp:
        out = Path(tmp) / f"{code}_{level}.gpkg"
        gdf.to_file(out, layer=f"betrokken_{level}", driver="GPKG")
        return out.read_bytes()


@router.post(
    "/compose.{fmt}",
    summary="Eigen gebied: samenstelling en tabel per postcode",
    response_class=Response,
    responses={**UPLOAD_RESPONSES, **_content("csv", "csv-excel", "xlsx", "gpkg")},
)
def download_compose(
    fmt: ComposeFormat,
    request: Request,
    cur: Cursor,
    postcodes: Annotated[str, Form(max_length=limits.MAX_PASTE_CHARS,
                                   json_schema_extra={"pattern": POSTCODE_LIST_PATTERN})],
) -> Response:
    """CSV: the composition. XLSX: the composition and a sheet per postcode. GPKG: the
    postcodes with their polygons and figures (what the page's map shows)."""
    cat = request.app.state.dashboard.catalogue
    codes = parse_postcode_text(postcodes, max_codes=limits.MAX_COMPOSE_POSTCODES)
    result = request.app.state.dashboard.compose(codes)
    if result["suppressed"]:
        raise BetrokkenError(
            "Voor dit gebied is geen schatting gepubliceerd.", hint=result.get("suppression_reason")
        )
    kids = {"areas": [area_answers.area_item(cat, c) for c in codes]}
    if fmt == "gpkg":
        return Response(
            _geopackage_bytes(cur, cat, "eigen_gebied", "pc4", kids),
            media_type=MEDIA_TYPES["gpkg"],
            headers={"Content-Disposition": 'attachment; filename="betrokken_eigen_gebied.gpkg"'},
        )
    detail = {**result, "code": "eigen_gebied", "name": f"Eigen gebied ({len(codes)} postcodes)"}
    return table_response(
        composition_frame(detail), fmt, "betrokken_eigen_gebied", cat,
        extra={"postcodes": children_frame(kids, cat.profile_ids)},
    )
