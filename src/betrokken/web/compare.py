"""Areas side by side: ``/vergelijken`` and ``/api/compare``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from betrokken.errors import BetrokkenError, UnknownAreaError
from betrokken.store import area_answers
from betrokken.store.catalogue import Catalogue
from betrokken.store.search import resolve_name
from betrokken.web import limits
from betrokken.web.deps import catalogue_of
from betrokken.web.errors import ERROR_RESPONSES, status_for
from betrokken.web.formatting import DEMOGRAPHIC_GROUPS
from betrokken.web.openapi_schema import COMPARE_CODES_PATTERN
from betrokken.web.rendering import render

api_router = APIRouter(prefix="/api", tags=["api"], responses=ERROR_RESPONSES)
page_router = APIRouter(include_in_schema=False)


@api_router.get("/compare", summary="Twee tot vier gebieden naast elkaar")
def get_compare(
    request: Request,
    codes: Annotated[
        str,
        Query(max_length=limits.MAX_COMPARE_QUERY_CHARS, description="Komma-gescheiden codes",
              json_schema_extra={"pattern": COMPARE_CODES_PATTERN}),
    ],
) -> dict[str, Any]:
    items = parse_compare_codes(codes)
    cat = catalogue_of(request)
    return {"areas": [area_answers.area_detail(cat, c) for c in items]}


def parse_compare_codes(raw: str) -> list[str]:
    """'GM0344, WK034401' -> canonical codes; between MIN and MAX_COMPARE_AREAS."""
    items = list(dict.fromkeys(area_answers.canonical_code(c) for c in raw.split(",") if c.strip()))
    if not limits.MIN_COMPARE_AREAS <= len(items) <= limits.MAX_COMPARE_AREAS:
        raise BetrokkenError(
            f"Vergelijk {limits.MIN_COMPARE_AREAS} tot {limits.MAX_COMPARE_AREAS} gebieden; "
            f"nu zijn het er {len(items)}.",
            hint="Bijvoorbeeld: ?codes=GM0344,GM0363",
        )
    return items


@page_router.get("/vergelijken", response_class=HTMLResponse)
def compare_page(
    request: Request,
    codes: Annotated[str, Query(max_length=200)] = "",
    gebied: Annotated[list[str] | None, Query(max_length=limits.MAX_COMPARE_AREAS)] = None,
):
    cat = catalogue_of(request)
    raw = [c for c in (gebied or []) if c.strip()] or [c for c in codes.split(",") if c.strip()]
    inputs = (raw + [""] * limits.MAX_COMPARE_AREAS)[: limits.MAX_COMPARE_AREAS]
    areas, error, notes, choices, status = [], None, [], [], 200
    if raw:
        try:
            resolved = [_resolve_area(cat, text, notes) for text in raw]
            near = {cat.areas[c].get("gemeente_code") or c for c in resolved if isinstance(c, str)}
            for i, (text, found) in enumerate(zip(raw, resolved, strict=True)):
                if isinstance(found, list):  # the same gemeente as the other areas first
                    found = sorted(found, key=lambda h: h["gemeente_code"] not in near)
                    choices.append(_choice(raw, i, text, found))
            if not choices:
                codes_ok = parse_compare_codes(",".join(resolved))
                areas = [area_answers.area_detail(cat, c) for c in codes_ok]
        except BetrokkenError as exc:
            error = exc.message + (f" Tip: {exc.hint}" if exc.hint else "")
            status = status_for(exc)
    shown = [{**a, "name": _with_gemeente(a)} for a in areas if not a["suppressed"]]
    national = area_answers.national_detail(cat) if areas else None
    if national is not None:
        national = {**national, "demographics": national_demographics(cat)}
    response = render(
        request,
        "compare.html",
        "vergelijken",
        inputs=inputs,
        areas=areas,
        shown=shown,
        national=national,
        error=error,
        notes=notes,
        choices=choices,
        demographic_groups=DEMOGRAPHIC_GROUPS,
        codes=",".join(a["code"] for a in areas),
    )
    response.status_code = status
    return response


def _with_gemeente(area: dict) -> str:
    """'Binnenstad (’s-Hertogenbosch)': a wijk or postcode name says where it lies."""
    gm = area.get("gemeente")
    if area["level"] == "gemeente" or not gm or gm["name"] in area["name"]:
        return area["name"]
    return f"{area['name']} ({gm['name']})"


def national_demographics(cat: Catalogue) -> dict:
    """Kerncijfers for the Nederland column: the gemeenten's figures weighted by residents.

    An approximation for shares whose base is not the population (e.g. households); it
    is labelled as such on the page.
    """
    out = {}
    rows = [r for r in cat.areas.values() if r["level"] == "gemeente" and r.get("population")]
    for col in area_answers.DEMOGRAPHIC_COLUMNS:
        if col == "urbanity":  # a class, not an amount: no average
            continue
        pairs = [(r[col], r["population"]) for r in rows if r.get(col) is not None]
        weight = sum(w for _, w in pairs)
        if pairs and weight:
            out[col] = sum(v * w for v, w in pairs) / weight
    return out


def _choice(raw: list[str], index: int, text: str, candidates: list[dict]) -> dict:
    """Links that fill in one candidate for an ambiguous name, keeping the other inputs."""
    from urllib.parse import urlencode

    options = []
    for hit in candidates[: limits.COMPARE_CHOICES]:
        values = [hit["code"] if i == index else v for i, v in enumerate(raw)]
        query = urlencode([("gebied", v) for v in values])
        options.append({**hit, "href": "/vergelijken?" + query})
    return {"text": text, "options": options}


def _resolve_area(cat: Catalogue, text: str, notes: list[str]) -> str | list[dict]:
    """A code as typed, the one area a name means (the choice is reported), or the
    candidates when the name fits several areas (the page asks which one)."""
    text = text.strip()[: limits.MAX_SEARCH_CHARS]
    try:
        code = area_answers.canonical_code(text)
        area_answers.area_row(cat, code)
        return code
    except BetrokkenError:
        pass
    if len(text) < limits.MIN_SEARCH_CHARS:
        raise UnknownAreaError(f"Geen gebied gevonden voor ‘{text}’.")
    found, candidates = resolve_name(cat, text, limits.SEARCH_RESULT_LIMIT)
    if found is None and not candidates:
        raise UnknownAreaError(f"Geen gebied gevonden voor ‘{text}’.")
    if found is None:
        return candidates
    where = f", {found['gemeente_name']}" if found["level"] != "gemeente" and found[
        "gemeente_name"] else ""
    if found["name"].lower() != text.lower():
        notes.append(f"‘{text}’ opgevat als {found['name']} ({found['level_label']}{where}).")
    return found["code"]
