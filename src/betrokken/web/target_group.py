"""Where a profile lives: ``/doelgroep`` and ``/api/target-groups/{profile_id}``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from betrokken.errors import BetrokkenError
from betrokken.store import area_answers, rankings
from betrokken.store.catalogue import NATIONAL_CODE
from betrokken.web import limits
from betrokken.web.deps import Cursor, Level, catalogue_of
from betrokken.web.errors import ERROR_RESPONSES
from betrokken.web.openapi_schema import AREA_CODE_PATTERN
from betrokken.web.palette import DIVERGING_RAMP, SHARE_RAMP, diverging_breaks, quantile_breaks
from betrokken.web.rendering import gemeenten, map_profiles, render

api_router = APIRouter(prefix="/api", tags=["api"], responses=ERROR_RESPONSES)
page_router = APIRouter(include_in_schema=False)


@api_router.get("/target-groups/{profile_id}",
                summary="Waar woont een profiel: de grootste aandelen")
def get_target_group(
    profile_id: Annotated[str, Path(max_length=60)],
    request: Request,
    scope: Annotated[str, Query(max_length=limits.MAX_AREA_CODE_CHARS,
                                json_schema_extra={"pattern": AREA_CODE_PATTERN})
                     ] = NATIONAL_CODE,
    level: Level = "gemeente",
) -> dict[str, Any]:
    cat = catalogue_of(request)
    profile = cat.profile(profile_id)
    code = area_answers.canonical_code(scope)
    top = rankings.top_areas(cat, profile_id, code, level, limits.TOP_AREAS)
    return {"profile": profile, "scope": code, "level": level, "top_areas": top}


@page_router.get("/doelgroep", response_class=HTMLResponse)
def target_group_page(
    request: Request,
    cur: Cursor,
    profiel: str | None = None,
    gebied: Annotated[str, Query(max_length=limits.MAX_AREA_CODE_CHARS)] = NATIONAL_CODE,
    niveau: str | None = None,
    kleur: str = "aandeel",
):
    cat = catalogue_of(request)
    if not cat.profiles:
        raise BetrokkenError("Deze database bevat nog geen profielen.")
    diff_mode = kleur == "verschil"
    profile = cat.profile(profiel) if profiel else cat.profiles[0]
    scope = area_answers.canonical_code(gebied) if gebied.strip() else NATIONAL_CODE
    if scope == NATIONAL_CODE:
        scope_detail = area_answers.national_detail(cat)
    else:
        scope_detail = area_answers.area_detail(cat, scope)
    levels = scope_detail["child_levels"]
    if not levels:
        raise BetrokkenError(
            f"{scope_detail['name']} heeft geen kleinere gebieden.",
            hint="Kies een gemeente of wijk, of Nederland.",
        )
    level = niveau if niveau in levels else levels[0]
    kids = area_answers.children(cat, scope, level)
    shares = [a["shares"][profile["id"]] for a in kids["areas"] if not a["suppressed"]]
    top = rankings.top_areas(cat, profile["id"], scope, level, limits.TOP_AREAS)
    return render(
        request,
        "target_group.html",
        "doelgroep",
        profile=profile,
        scope=scope_detail,
        level=level,
        levels=levels,
        top=top,
        n_areas=len(kids["areas"]),
        n_suppressed=sum(a["suppressed"] for a in kids["areas"]),
        gemeenten=gemeenten(catalogue_of(request)),
        colour_mode=f"verschil:{profile['id']}" if diff_mode else profile["id"],
        colour_choice="verschil" if diff_mode else "aandeel",
        colour_profile=profile,
        map_profiles=map_profiles(cat),
        breaks=diverging_breaks(
            [s - profile.get("share_nl_areas", profile.get("share") or 0) for s in shares]
        ) if diff_mode else quantile_breaks(shares),
        legend_ramp=list(DIVERGING_RAMP) if diff_mode else list(SHARE_RAMP),
        geojson_url=f"/api/areas/{scope}/geojson?level={level}",
        map_label=f"Kaart: aandeel {profile['name']} per {level} in {scope_detail['name']}",
    )
