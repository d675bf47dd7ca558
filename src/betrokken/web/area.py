"""One area: its page (``/gebied/{code}``, with map and children) and its JSON
(``/api/areas/{code}``, children, GeoJSON)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from betrokken.errors import BetrokkenError
from betrokken.store import area_answers
from betrokken.store.catalogue import NATIONAL_CODE
from betrokken.web import limits
from betrokken.web.deps import AreaCode, Cursor, Level, catalogue_of
from betrokken.web.errors import ERROR_RESPONSES
from betrokken.web.formatting import DEMOGRAPHIC_GROUPS
from betrokken.web.palette import quantile_breaks
from betrokken.web.rendering import INDEX_MODES, map_profiles, render

api_router = APIRouter(prefix="/api", tags=["api"], responses=ERROR_RESPONSES)
page_router = APIRouter(include_in_schema=False)


GZIP_MIN_BYTES = 2048  # as GZipMiddleware: smaller answers are not worth compressing


@api_router.get(
    "/areas/{code}",
    summary="Eén gebied: profielmix met intervallen, indices, demografie",
    response_model=dict[str, Any],
)
def get_area(code: AreaCode, request: Request) -> Response:
    plain, packed = request.app.state.dashboard.area_json(area_answers.canonical_code(code))
    return prepared_response(request, plain, packed, "application/json")


def prepared_response(request: Request, plain: bytes, packed: bytes, media_type: str) -> Response:
    """An answer serialised and gzipped once, sent as it is (gzipped when accepted)."""
    headers = {"Vary": "Accept-Encoding"}
    if len(plain) >= GZIP_MIN_BYTES and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(packed, media_type=media_type, headers=headers)
    return Response(plain, media_type=media_type, headers=headers)


@api_router.get("/areas/{code}/children", summary="De gebieden van een niveau binnen een gebied")
def get_children(
    code: AreaCode,
    request: Request,
    level: Annotated[Level, Query(description="wijk, buurt of pc4 (gemeente onder NL)")],
) -> dict[str, Any]:
    return area_answers.children(catalogue_of(request), area_answers.canonical_code(code), level)


@api_router.get(
    "/areas/{code}/geojson",
    summary="Grenzen (WGS84) met profielaandelen, voor de kaart",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}},
)
def get_geojson(
    code: AreaCode,
    request: Request,
    level: Annotated[Level | None, Query(description="Leeg: het gebied zelf")] = None,
) -> Response:
    plain, packed = request.app.state.dashboard.geojson(area_answers.canonical_code(code), level)
    headers = {
        "Cache-Control": f"public, max-age={limits.GEOJSON_MAX_AGE_S}",
        "Vary": "Accept-Encoding",
    }
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(packed, media_type="application/geo+json", headers=headers)
    return Response(plain, media_type="application/geo+json", headers=headers)


TOP_CARDS = 3


@page_router.get("/gebied", response_class=HTMLResponse)
def area_by_query(code: Annotated[str, Query(max_length=limits.MAX_AREA_CODE_CHARS)]):
    return RedirectResponse(f"/gebied/{area_answers.canonical_code(code)}", status_code=303)


@page_router.get("/gemeente/{code}", response_class=HTMLResponse)
def gemeente_page(code: str):
    return RedirectResponse(f"/gebied/{area_answers.canonical_code(code)}", status_code=307)


@page_router.get("/gebied/{code}", response_class=HTMLResponse)
def area_page(
    request: Request,
    cur: Cursor,
    code: str,
    niveau: str | None = None,
    kleur: str = "dominant",
):
    cat = catalogue_of(request)
    code = area_answers.canonical_code(code)
    if code == NATIONAL_CODE:
        return RedirectResponse("/doelgroep", status_code=303)
    area = area_answers.area_detail(cat, code)
    national = area_answers.national_detail(cat)
    gemeente_detail = (
        area_answers.area_detail(cat, area["gemeente"]["code"]) if area["gemeente"] else None
    )
    comparisons = [d for d in (gemeente_detail, national) if d and not d["suppressed"]]
    column_names = [area["name"], *[d["name"] for d in comparisons]]
    column_mixes = [area["mix"], *[d["mix"] for d in comparisons]]
    top_profiles = [
        (cat.profile(m["profile_id"]), m)
        for m in sorted(area["mix"], key=lambda m: m["share"] or 0, reverse=True)[:TOP_CARDS]
    ]
    context = {
        "area": area,
        "gemeente_detail": gemeente_detail,
        "column_names": column_names,
        "column_mixes": column_mixes,
        "compare_names": [d["name"] for d in comparisons],
        "index_details": [area, *comparisons],
        "national_indices": national.get("indices") if national else None,
        "top_profiles": top_profiles,
        "demographic_groups": DEMOGRAPHIC_GROUPS,
        "child_level": None,
        "show_map": False,
        "peers": area_answers.peer_gemeenten(cat, code) if area["level"] == "gemeente" else [],
    }
    context.update(_map_context(request, cur, code, area, niveau, kleur))
    return render(request, "area.html", "gebied", **context)


def _map_context(request, cur, code, area, niveau, kleur) -> dict:
    """Which level the map shows, how it is coloured and the legend's class limits."""
    cat = catalogue_of(request)
    colour_mode = kleur if kleur in (*cat.profile_ids, "kenmerkend", *INDEX_MODES) else "dominant"
    if not cat.has_mix:
        colour_mode = "dominant"
    levels = area["child_levels"]
    base = {
        "colour_mode": colour_mode,
        "colour_profile": cat.profile(colour_mode) if colour_mode in cat.profile_ids else None,
        "map_profiles": map_profiles(cat),
        "breaks": [],
    }
    if niveau is not None and niveau not in levels:
        raise BetrokkenError(
            f"Niveau '{niveau}' is hier niet beschikbaar.",
            hint="Kies uit: " + (", ".join(levels) or "geen (dit is het fijnste niveau)") + ".",
        )
    if not cat.has_geometries:
        return base
    drawn = cat.drawn_levels
    if not levels:
        wijk = area.get("wijk") if area["level"] not in drawn else None
        if area["level"] not in drawn and not wijk:
            return base
        base.update(  # an area without polygon (buurten offline) is shown on its wijk's map
            show_map=True,
            geojson_url=f"/api/areas/{wijk['code'] if wijk else code}/geojson",
            map_label=(f"Kaart van {wijk['name']}, waarin {area['name']} ligt (buurtgrenzen "
                       "zijn in deze database niet beschikbaar)") if wijk
            else f"Kaart van {area['name']}",
            focus_code=wijk["code"] if wijk else code,
        )
        return base
    child_level = niveau or levels[0]
    kids = area_answers.children(cat, code, child_level)
    breaks: list[float] = []
    shown = [a for a in kids["areas"] if not a["suppressed"]]
    if colour_mode in cat.profile_ids:
        breaks = quantile_breaks([a["shares"][colour_mode] for a in shown])
    elif colour_mode in ("dominant", "kenmerkend"):
        key = "dominant_profile" if colour_mode == "dominant" else "typical_profile"
        base["present_profiles"] = sorted({a.get(key) for a in shown if a.get(key)})
    elif colour_mode in INDEX_MODES:
        name = colour_mode.removeprefix("i_")
        values = [(a.get("indices") or {}).get(name) for a in kids["areas"]
                  if not a["suppressed"]]
        values = [v for v in values if v is not None]
        breaks = quantile_breaks(values)
    base.update(
        child_level=child_level,
        children=kids,
        geojson_url=f"/api/areas/{code}/geojson?level={child_level}",
        map_label=f"Kaart van de {child_level} -gebieden in {area['name']}".replace(" -", "-"),
        breaks=breaks,
    )
    if child_level not in drawn:  # buurten offline: the table lists them, the map the wijk
        base.update(geojson_url=f"/api/areas/{code}/geojson", focus_code=code,
                    map_label=f"Kaart van {area['name']} (grenzen van de {child_level} "
                              "-gebieden zijn in deze database niet beschikbaar)"
                              .replace(" -", "-"))
    return base
