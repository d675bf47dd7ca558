"""The Dutch HTML pages: server-rendered views of the same answers the API gives."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import duckdb
from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from betrokken.areas.postcodes import parse_postcode_text
from betrokken.errors import BetrokkenError, UnknownAreaError
from betrokken.web import limits, queries
from betrokken.web.api import parse_compare_codes
from betrokken.web.basemap import BASEMAP
from betrokken.web.composition import read_upload
from betrokken.web.deps import cursor_dependency
from betrokken.web.errors import status_for
from betrokken.web.formatting import DEMOGRAPHIC_GROUPS
from betrokken.web.palette import DIVERGING_RAMP, SHARE_RAMP, diverging_breaks, quantile_breaks
from betrokken.web.profile_text import profile_texts
from betrokken.web.reliability import RULES_NL as RELIABILITY_RULES_NL
from betrokken.web.search import resolve_name, search_catalogue
from betrokken.web.validation_summary import validation_sentences

router = APIRouter(include_in_schema=False)
Cursor = Annotated[duckdb.DuckDBPyConnection, Depends(cursor_dependency)]
TOP_CARDS = 3


INDEX_MODES: dict[str, str] = {
    "i_engagement_index": "Betrokkenheid (index)",
    "i_political_engagement": "Politieke betrokkenheid (stemmen, kennis, nieuws)",
    "i_local_engagement": "Lokale betrokkenheid",
    "i_low_trust_share": "Laag vertrouwen",
}
"""Map colour modes for the indices (the GeoJSON properties are named the same)."""


def render(request: Request, template: str, page: str, **context) -> HTMLResponse:
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request, template, {"page": page, "share_ramp": list(SHARE_RAMP),
                            "index_modes": list(INDEX_MODES.items()),
                            "index_labels": INDEX_MODES,
                            "basemap": BASEMAP,
                            "reliability_rules": RELIABILITY_RULES_NL,
                            "profile_texts": _profile_texts(_catalogue(request)), **context}
    )


def _profile_texts(cat: queries.Catalogue) -> dict:
    """Display texts of the profile cards (see ``profile_text``), made once."""
    texts = getattr(cat, "_profile_texts", None)
    if texts is None:
        texts = profile_texts(cat.profiles)
        cat._profile_texts = texts
    return texts


def _catalogue(request: Request) -> queries.Catalogue:
    return request.app.state.dashboard.catalogue


def _gemeenten(cur) -> list[dict]:
    rows = cur.execute(
        "SELECT area_code, area_name FROM areas WHERE is_current AND level = 'gemeente' "
        "ORDER BY area_name"
    ).fetchall()
    return [{"code": c, "name": n} for c, n in rows]


def _map_profiles(cat: queries.Catalogue) -> list[dict]:
    return [
        {"id": p["id"], "name": p["name"], "colour": p["colour"],
         "share": p.get("share_nl_areas", p.get("share"))}
        for p in cat.profiles
    ]


# --- start and search ---------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def start(request: Request, cur: Cursor):
    return render(request, "start.html", "start", q=None, gemeenten=_gemeenten(cur),
                  **_national_map_context(_catalogue(request)))


NATIONAL_MAP_MODE = "i_engagement_index"
"""The start page's overview map: every gemeente, coloured by the engagement index."""


def _national_map_context(cat: queries.Catalogue) -> dict:
    """Map and legend of all gemeenten by engagement index (quantile classes), or no map
    when the database has no geometries or no indices."""
    if not (cat.has_geometries and cat.has_mix and "gemeente" in cat.levels):
        return {"show_national_map": False}
    name = NATIONAL_MAP_MODE.removeprefix("i_")
    values = [(a.get("indices") or {}).get(name)
              for a in queries.children(cat, queries.NATIONAL_CODE, "gemeente")["areas"]
              if not a["suppressed"]]
    values = [v for v in values if v is not None]
    if not values:
        return {"show_national_map": False}
    return {
        "show_national_map": True,
        "colour_mode": NATIONAL_MAP_MODE,
        "colour_profile": None,
        "map_profiles": _map_profiles(cat),
        "breaks": quantile_breaks(values),
        "geojson_url": f"/api/areas/{queries.NATIONAL_CODE}/geojson?level=gemeente",
        "map_label": "Kaart van alle gemeenten, gekleurd naar betrokkenheid (index)",
    }


@router.get("/zoeken", response_class=HTMLResponse)
def search_page(request: Request, cur: Cursor, q: str = ""):
    q = q.strip()[: limits.MAX_SEARCH_CHARS]
    results, error = [], None
    if len(q) < limits.MIN_SEARCH_CHARS:
        error = f"Typ minstens {limits.MIN_SEARCH_CHARS} tekens."
    else:
        results = search_catalogue(_catalogue(request), q, limits.SEARCH_RESULT_LIMIT)
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
        gemeenten=_gemeenten(cur),
    )


# --- area pages ---------------------------------------------------------------------


@router.get("/gebied", response_class=HTMLResponse)
def area_by_query(code: Annotated[str, Query(max_length=limits.MAX_AREA_CODE_CHARS)]):
    return RedirectResponse(f"/gebied/{queries.canonical_code(code)}", status_code=303)


@router.get("/gemeente/{code}", response_class=HTMLResponse)
def gemeente_page(code: str):
    return RedirectResponse(f"/gebied/{queries.canonical_code(code)}", status_code=307)


@router.get("/gebied/{code}", response_class=HTMLResponse)
def area_page(
    request: Request,
    cur: Cursor,
    code: str,
    niveau: str | None = None,
    kleur: str = "dominant",
):
    cat = _catalogue(request)
    code = queries.canonical_code(code)
    if code == queries.NATIONAL_CODE:
        return RedirectResponse("/doelgroep", status_code=303)
    area = queries.area_detail(cat, code)
    national = queries.national_detail(cat)
    gemeente_detail = (
        queries.area_detail(cat, area["gemeente"]["code"]) if area["gemeente"] else None
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
        "peers": queries.peer_gemeenten(cat, code) if area["level"] == "gemeente" else [],
    }
    context.update(_map_context(request, cur, code, area, niveau, kleur))
    return render(request, "area.html", "gebied", **context)


def _map_context(request, cur, code, area, niveau, kleur) -> dict:
    """Which level the map shows, how it is coloured and the legend's class limits."""
    cat = _catalogue(request)
    colour_mode = kleur if kleur in (*cat.profile_ids, "kenmerkend", *INDEX_MODES) else "dominant"
    if not cat.has_mix:
        colour_mode = "dominant"
    levels = area["child_levels"]
    base = {
        "colour_mode": colour_mode,
        "colour_profile": cat.profile(colour_mode) if colour_mode in cat.profile_ids else None,
        "map_profiles": _map_profiles(cat),
        "breaks": [],
    }
    if niveau is not None and niveau not in levels:
        raise BetrokkenError(
            f"Niveau '{niveau}' is hier niet beschikbaar.",
            hint="Kies uit: " + (", ".join(levels) or "geen (dit is het fijnste niveau)") + ".",
        )
    if not cat.has_geometries:
        return base
    if not levels:
        base.update(
            show_map=True,
            geojson_url=f"/api/areas/{code}/geojson",
            map_label=f"Kaart van {area['name']}",
            focus_code=code,
        )
        return base
    child_level = niveau or levels[0]
    kids = queries.children(cat, code, child_level)
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
    return base


# --- target group -------------------------------------------------------------------


@router.get("/doelgroep", response_class=HTMLResponse)
def target_group_page(
    request: Request,
    cur: Cursor,
    profiel: str | None = None,
    gebied: Annotated[str, Query(max_length=limits.MAX_AREA_CODE_CHARS)] = queries.NATIONAL_CODE,
    niveau: str | None = None,
    kleur: str = "aandeel",
):
    cat = _catalogue(request)
    if not cat.profiles:
        raise BetrokkenError("Deze database bevat nog geen profielen.")
    diff_mode = kleur == "verschil"
    profile = cat.profile(profiel) if profiel else cat.profiles[0]
    scope = queries.canonical_code(gebied) if gebied.strip() else queries.NATIONAL_CODE
    if scope == queries.NATIONAL_CODE:
        scope_detail = queries.national_detail(cat)
    else:
        scope_detail = queries.area_detail(cat, scope)
    levels = scope_detail["child_levels"]
    if not levels:
        raise BetrokkenError(
            f"{scope_detail['name']} heeft geen kleinere gebieden.",
            hint="Kies een gemeente of wijk, of Nederland.",
        )
    level = niveau if niveau in levels else levels[0]
    kids = queries.children(cat, scope, level)
    shares = [a["shares"][profile["id"]] for a in kids["areas"] if not a["suppressed"]]
    top = queries.top_areas(cat, profile["id"], scope, level, limits.TOP_AREAS)
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
        gemeenten=_gemeenten(cur),
        colour_mode=f"verschil:{profile['id']}" if diff_mode else profile["id"],
        colour_choice="verschil" if diff_mode else "aandeel",
        colour_profile=profile,
        map_profiles=_map_profiles(cat),
        breaks=diverging_breaks(
            [s - profile.get("share_nl_areas", profile.get("share") or 0) for s in shares]
        ) if diff_mode else quantile_breaks(shares),
        legend_ramp=list(DIVERGING_RAMP) if diff_mode else list(SHARE_RAMP),
        geojson_url=f"/api/areas/{scope}/geojson?level={level}",
        map_label=f"Kaart: aandeel {profile['name']} per {level} in {scope_detail['name']}",
    )


# --- compare ------------------------------------------------------------------------


@router.get("/vergelijken", response_class=HTMLResponse)
def compare_page(
    request: Request,
    codes: Annotated[str, Query(max_length=200)] = "",
    gebied: Annotated[list[str] | None, Query(max_length=limits.MAX_COMPARE_AREAS)] = None,
):
    cat = _catalogue(request)
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
                areas = [queries.area_detail(cat, c) for c in codes_ok]
        except BetrokkenError as exc:
            error = exc.message + (f" Tip: {exc.hint}" if exc.hint else "")
            status = status_for(exc)
    shown = [{**a, "name": _with_gemeente(a)} for a in areas if not a["suppressed"]]
    national = queries.national_detail(cat) if areas else None
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


def national_demographics(cat: queries.Catalogue) -> dict:
    """Kerncijfers for the Nederland column: the gemeenten's figures weighted by residents.

    An approximation for shares whose base is not the population (e.g. households); it
    is labelled as such on the page.
    """
    out = {}
    rows = [r for r in cat.areas.values() if r["level"] == "gemeente" and r.get("population")]
    for col in queries.DEMOGRAPHIC_COLUMNS:
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


def _resolve_area(cat: queries.Catalogue, text: str, notes: list[str]) -> str | list[dict]:
    """A code as typed, the one area a name means (the choice is reported), or the
    candidates when the name fits several areas (the page asks which one)."""
    text = text.strip()[: limits.MAX_SEARCH_CHARS]
    try:
        code = queries.canonical_code(text)
        queries.area_row(cat, code)
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


# --- custom area --------------------------------------------------------------------


@router.get("/eigen-gebied", response_class=HTMLResponse)
def custom_area_form(request: Request):
    return render(request, "custom_area.html", "eigen-gebied", result=None, text="", error=None)


@router.post("/eigen-gebied", response_class=HTMLResponse)
async def custom_area_result(
    request: Request,
    postcodes: Annotated[str, Form(max_length=limits.MAX_PASTE_CHARS)] = "",
    bestand: Annotated[UploadFile | None, File()] = None,
):
    cat = _catalogue(request)
    text = postcodes
    if bestand is not None and bestand.filename:
        text = (text + "\n" + await read_upload(bestand)).strip()
    try:
        codes = await run_in_threadpool(
            lambda: parse_postcode_text(text, max_codes=limits.MAX_COMPOSE_POSTCODES))
        result = await run_in_threadpool(request.app.state.dashboard.compose, codes)
    except BetrokkenError as exc:
        response = render(
            request, "custom_area.html", "eigen-gebied", result=None, text=postcodes, error=exc
        )
        response.status_code = status_for(exc)
        return response
    national = queries.national_detail(cat)
    return render(
        request,
        "custom_area.html",
        "eigen-gebied",
        result=result,
        national=national,
        text=postcodes,
        error=None,
        codes=codes,
        colour_mode="kenmerkend",
        colour_profile=None,
        map_profiles=_map_profiles(cat),
        breaks=[],
        geojson_url="/api/compose/geojson?postcodes=" + ",".join(codes)
        if cat.has_geometries
        else None,
        map_label="Kaart van de postcodes van uw gebied, gekleurd naar kenmerkend profiel",
    )


# --- profiles and method ------------------------------------------------------------


@router.get("/profielen", response_class=HTMLResponse)
def profiles_page(request: Request):
    return render(request, "profiles.html", "profielen", plot=_profile_plot(_catalogue(request)))


@router.get("/profielen/in-een-minuut", response_class=HTMLResponse)
def profiles_overview(request: Request):
    """The eight profiles in one minute: name, size, one sentence, the labelled chart."""
    return render(request, "profiles_overview.html", "profielen",
                  plot=_profile_plot(_catalogue(request)))


def _profile_plot(cat: queries.Catalogue) -> dict | None:
    """Positions for the trust x engagement chart, its axes fitted to the profiles.

    The dashed lines are the national averages (share-weighted over the profiles), so
    'left' means less trust than the average adult, not less than some fixed 0.5.
    """
    ps = [p for p in cat.profiles if p.get("trust") is not None and p.get("engagement") is not None]
    if not ps:
        return None
    box = {"x": 60, "y": 10, "w": 380, "h": 260}

    def axis(values):
        lo, hi = min(values), max(values)
        pad = max(0.03, (hi - lo) * 0.12)
        return max(0.0, lo - pad), min(1.0, hi + pad)

    tx, ty = axis([p["trust"] for p in ps]), axis([p["engagement"] for p in ps])
    total = sum(p.get("share") or 0 for p in ps) or 1.0

    def sx(v):
        return box["x"] + box["w"] * (v - tx[0]) / (tx[1] - tx[0])

    def sy(v):
        return box["y"] + box["h"] * (1 - (v - ty[0]) / (ty[1] - ty[0]))

    mean_t = sum(p["trust"] * (p.get("share") or 0) for p in ps) / total
    mean_e = sum(p["engagement"] * (p.get("share") or 0) for p in ps) / total
    points = [
        {
            "number": cat.profiles.index(p) + 1,
            "name": p["name"],
            "colour": p["colour"],
            "x": round(sx(p["trust"]), 1),
            "y": round(sy(p["engagement"]), 1),
            "r": round(6 + 40 * (p.get("share") or 0), 1),
            "label_right": sx(p["trust"]) < box["x"] + box["w"] * 0.6,
        }
        for p in ps
    ]
    return {
        "box": box,
        "points": points,
        "mean_x": round(sx(mean_t), 1),
        "mean_y": round(sy(mean_e), 1),
        "x_range": [f"{v:.2f}".replace(".", ",") for v in tx],
        "y_range": [f"{v:.2f}".replace(".", ",") for v in ty],
    }


TECHNICAL_DOCS = ("method.md", "validation.md")
"""The English technical documents offered as downloads on the Methode page."""


@router.get("/methode", response_class=HTMLResponse)
def method_page(request: Request):
    base = _docs_dir()
    available = {name: bool(base and (base / name).exists()) for name in TECHNICAL_DOCS}
    info = _catalogue(request).build_info
    facts = [(label, info[key]) for key, label in BUILD_FACTS if info.get(key)]
    return render(
        request, "method.html", "methode", docs_available=available, build_facts=facts,
        validation=validation_sentences(base / "validation.md" if base else None),
    )


@router.get("/methode/{name}.md")
def method_document(name: str) -> FileResponse:
    """The technical documents as Markdown downloads (only the two listed)."""
    base = _docs_dir()
    filename = f"{name}.md"
    if base is None or filename not in TECHNICAL_DOCS or not (base / filename).is_file():
        raise HTTPException(status_code=404)
    return FileResponse(base / filename, media_type="text/markdown; charset=utf-8",
                        filename=f"betrokken_{filename}")


BUILD_FACTS = (
    ("built_at", "Gebouwd op"),
    ("code_version", "Versie van de software"),
    ("model_version", "Versie van het model"),
    ("quality_checks", "Kwaliteitscontroles"),
    ("duckdb_version", "DuckDB"),
)


def _docs_dir() -> Path | None:
    """docs/ of a source checkout (the package itself does not ship them)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "docs"
        if (candidate / "architecture.md").exists():
            return candidate
    return None


@router.get("/methode/img/{name}")
def method_figure(name: str) -> FileResponse:
    """Figures of docs/ (validation plots), only plain image files from docs/img."""
    base = _docs_dir()
    if (
        base is None
        or not re.fullmatch(r"[A-Za-z0-9_.-]+\.(png|svg)", name)
        or not (base / "img" / name).is_file()
    ):
        raise HTTPException(status_code=404)
    return FileResponse(base / "img" / name)
