"""Start and search: the national map, the search page and ``/api/search``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from betrokken.store import area_answers
from betrokken.store.catalogue import NATIONAL_CODE, Catalogue
from betrokken.store.search import search_catalogue
from betrokken.web import limits
from betrokken.web.deps import Cursor, catalogue_of
from betrokken.web.errors import ERROR_RESPONSES
from betrokken.web.palette import quantile_breaks
from betrokken.web.rendering import gemeenten, map_profiles, render

api_router = APIRouter(prefix="/api", tags=["api"], responses=ERROR_RESPONSES)
page_router = APIRouter(include_in_schema=False)


@api_router.get("/search", summary="Zoek gemeente, wijk, buurt of postcode op naam of code")
def get_search(
    request: Request,
    q: Annotated[
        str, Query(min_length=limits.MIN_SEARCH_CHARS, max_length=limits.MAX_SEARCH_CHARS)
    ],
) -> dict[str, Any]:
    results = search_catalogue(catalogue_of(request), q, limits.SEARCH_RESULT_LIMIT)
    return {"q": q, "count": len(results), "results": results}


@page_router.get("/", response_class=HTMLResponse)
def start(request: Request, cur: Cursor):
    cat = catalogue_of(request)
    return render(request, "start.html", "start", q=None, gemeenten=gemeenten(cat),
                  **_national_map_context(cat))


NATIONAL_MAP_MODE = "i_engagement_index"
"""The start page's overview map: every gemeente, coloured by the engagement index."""


def _national_map_context(cat: Catalogue) -> dict:
    """Map and legend of all gemeenten by engagement index (quantile classes), or no map
    when the database has no geometries or no indices."""
    if not (cat.has_geometries and cat.has_mix and "gemeente" in cat.levels):
        return {"show_national_map": False}
    name = NATIONAL_MAP_MODE.removeprefix("i_")
    values = [(a.get("indices") or {}).get(name)
              for a in area_answers.children(cat, NATIONAL_CODE, "gemeente")["areas"]
              if not a["suppressed"]]
    values = [v for v in values if v is not None]
    if not values:
        return {"show_national_map": False}
    return {
        "show_national_map": True,
        "colour_mode": NATIONAL_MAP_MODE,
        "colour_profile": None,
        "map_profiles": map_profiles(cat),
        "breaks": quantile_breaks(values),
        "geojson_url": f"/api/areas/{NATIONAL_CODE}/geojson?level=gemeente",
        "map_label": "Kaart van alle gemeenten, gekleurd naar betrokkenheid (index)",
    }


@page_router.get("/zoeken", response_class=HTMLResponse)
def search_page(request: Request, cur: Cursor, q: str = ""):
    q = q.strip()[: limits.MAX_SEARCH_CHARS]
    results, error = [], None
    if len(q) < limits.MIN_SEARCH_CHARS:
        error = f"Typ minstens {limits.MIN_SEARCH_CHARS} tekens."
    else:
        results = search_catalogue(catalogue_of(request), q, limits.SEARCH_RESULT_LIMIT)
        exact = [r for r in results if r["code"].upper() == q.replace(" ", "").upper()]
        if len(exact) == 1:
            return RedirectResponse(f"/gebied/{exact[0]['code']}", status_code=303)
    return render(
        request,
        "start.html",
        "start",
        q=q,
        results=results,
        error=error,
        gemeenten=gemeenten(catalogue_of(request)),
    )
