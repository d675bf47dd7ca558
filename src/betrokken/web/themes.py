"""The theme dossiers, the Aanpak and the PDF report: the pages and the JSON of one family.

``/gebied/{code}/thema/{theme}`` and ``/gebied/{code}/aanpak`` for a gemeente, wijk, PC4
or Nederland (``NL``); ``/eigen-gebied/thema/{theme}?postcodes=…`` and
``/eigen-gebied/aanpak?postcodes=…`` for a custom postcode set. No JavaScript: trend
charts are inline SVG drawn on the server, with the figures in a table beside them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote, unquote

from fastapi import APIRouter, Body, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from betrokken.areas.postcodes import parse_postcode_text, pc4_list
from betrokken.dutch_numbers import number, percent, points
from betrokken.errors import BetrokkenError
from betrokken.reports.approach import MIN_SHARE, approach_with_theme
from betrokken.reports.area_report import area_report, composed_area, national_area
from betrokken.reports.themes import label_with_unit, theme_dossiers
from betrokken.reports.trend_chart import trend_svg
from betrokken.store import area_answers
from betrokken.store.catalogue import NATIONAL_CODE
from betrokken.themes import THEMES
from betrokken.themes.attitudes import C1_NOTE
from betrokken.web import limits
from betrokken.web.deps import AreaCode, Cursor
from betrokken.web.errors import ERROR_RESPONSES, UPLOAD_RESPONSES
from betrokken.web.openapi_schema import POSTCODE_ITEMS_SCHEMA
from betrokken.web.rendering import render

page_router = APIRouter(include_in_schema=False)
Postcodes = Annotated[str, Query(max_length=limits.MAX_URL_BYTES)]
ThemeQuery = Annotated[str, Query(max_length=40)]


class UnknownThemeError(BetrokkenError):
    """A theme slug that is not one of the four dossiers."""

    status_code = 404


EVIDENCE_LABELS = {
    "profile_id": "profiel (id)",
    "name": "profiel",
    "diff": "verschil met Nederland",
    "diff_lo": "90%-interval, ondergrens",
    "diff_hi": "90%-interval, bovengrens",
    "rule": "regel",
    "clear_differences": "aantal duidelijke verschillen",
    "share": "aandeel van de volwassenen hier",
    "trust": "vertrouwen van het profiel (0–1)",
    "engagement": "betrokkenheid van het profiel (0–1)",
    "national_trust_mean": "vertrouwen, landelijk gemiddelde",
    "national_engagement_mean": "betrokkenheid, landelijk gemiddelde",
    "ladder": "treden op de participatieladder",
    "channels": "kanalen (dagen per week)",
    "news_conversations": "nieuws uit gesprekken (dagen per week)",
    "national_news_conversations": "idem, landelijk",
    "agree_politicians_dont_care": "vindt dat politici zich niet druk maken om mensen zoals ik",
    "turnout_2017": "stemde bij de Tweede Kamerverkiezing 2017",
    "national_turnout_2017": "idem, landelijk",
    "online_news_days": "online nieuws en sociale media (dagen per week)",
    "national_online_news_days": "idem, landelijk",
    "p_low_trust": "aandeel met weinig vertrouwen in het profiel",
    "low_trust_share": "aandeel met weinig vertrouwen in dit gebied",
    "national": "landelijk (waarde, ondergrens, bovengrens)",
    "item": "enquêtevraag (id)",
    "top": "profiel met de hoogste waarde (id)",
    "top_value": "hoogste waarde",
    "top_lo": "hoogste waarde, ondergrens 90%-interval",
    "low": "profiel met de laagste waarde (id)",
    "low_value": "laagste waarde",
    "low_hi": "laagste waarde, bovengrens 90%-interval",
}
SHARE_KEYS = {"share", "turnout_2017", "national_turnout_2017", "p_low_trust",
              "agree_politicians_dont_care", "top_value", "top_lo", "low_value", "low_hi"}
SCORE_KEYS = {"trust", "engagement", "national_trust_mean", "national_engagement_mean"}
DAY_KEYS = {"news_conversations", "national_news_conversations", "online_news_days",
            "national_online_news_days"}
SIGNED_KEYS = {"diff", "diff_lo", "diff_hi"}
EVIDENCE_SOURCES = {
    "mix": "area_contrasts (verschil met NL per profiel) of, voor een eigen gebied, "
           "profile_mix en national_estimates",
    "ladder": "profile_mix (aandeel) en de profielkaarten (vertrouwen, betrokkenheid)",
    "meet": "de profielkaarten: nieuwskanalen uit het VU Kiezerspanel 2021",
    "tone": "de profielkaarten: vertrouwen en cynisme uit het VU Kiezerspanel 2021",
    "missed": "de profielkaarten: opkomst 2017 en online nieuws, VU Kiezerspanel 2021",
    "caution": "area_indices (laag vertrouwen) en de profielkaarten",
    "thema": "theme_attitudes (VU Kiezerspanel 2021, per profiel met bootstrapinterval) en "
             "profile_mix",
}


def value_text(indicator: dict, value) -> str:
    """An indicator's value the Dutch way, by its scale (fraction, percent, euros, number)."""
    if value is None:
        return "–"
    scale = indicator.get("scale")
    if scale == "fraction":
        return percent(value)
    if scale == "percent":
        return number(value, 1) + "%"
    if scale == "thousand_euro":
        return "€ " + number(float(value) * 1000)
    return number(value, 0 if abs(value) >= 100 else 1)




def evidence_rows(evidence: dict) -> list[tuple[str, str]]:
    """The numbers behind one approach sentence as (Dutch label, value) pairs."""
    rows = []
    for key, value in evidence.items():
        if value is None:
            continue
        label = EVIDENCE_LABELS.get(key, key.replace("_", " "))
        if key in SIGNED_KEYS:
            text = points(float(value))
        elif key in SHARE_KEYS and isinstance(value, int | float):
            text = percent(value)
        elif key in SCORE_KEYS:
            text = number(value, 2)
        elif key in DAY_KEYS:
            text = number(value, 1)
        elif key == "channels":
            text = "; ".join(f"{c['label']} ({number(c['days_per_week'], 1)})" for c in value)
        elif key == "ladder":
            text = " → ".join(value)
        elif key == "low_trust_share" and isinstance(value, dict):
            text = (f"{percent(value.get('value'))} "
                    f"({percent(value.get('lo'))}–{percent(value.get('hi'))})")
        elif key == "national" and isinstance(value, list | tuple):
            text = " / ".join(percent(v) for v in value)
        elif isinstance(value, float):
            text = number(value, 3)
        else:
            text = str(value)
        rows.append((label, text))
    return rows


def _theme_view(theme: dict, area: dict, gem_name: str | None) -> dict:
    """A dossier prepared for the template: formatted cells and trend charts."""
    rows = []
    for i, ind in enumerate(theme["indicators"] + theme["national_series"]):
        trend = ind.get("trend") or {}
        lines = []
        if trend.get("gemeente"):
            lines.append((gem_name or area["name"], trend["gemeente"]))
        if trend.get("nederland"):
            lines.append(("Nederland", trend["nederland"]))
        years = sorted({r["year"] for _, rs in lines for r in rs})
        chart = trend_svg(
            [(n, [{**r, "value": _chart_value(ind, r["value"])} for r in rs]) for n, rs in lines],
            f"{ind['label']}, {years[0]}–{years[-1]}" if years else ind["label"],
            f"trend-{theme['theme']}-{i}") if lines else None
        table = []
        for year in years:
            cells = []
            for _, series in lines:
                hit = next((r for r in series if r["year"] == year), None)
                cells.append(value_text(ind, hit and hit["value"])
                             + (" *" if hit and not hit["comparable"] else ""))
            table.append({"year": year, "cells": cells})
        label = (label_with_unit(ind["label"], ind.get("unit"))
                 if ind.get("scale") == "number" else ind["label"])
        rows.append({**ind, "display_label": label,
                     "value_text": value_text(ind, ind["value"]),
                     "gemeente_text": value_text(ind, ind["gemeente"]),
                     "nederland_text": value_text(ind, ind["nederland"]),
                     "chart": chart, "series_names": [n for n, _ in lines],
                     "series_table": table, "national_only": ind in theme["national_series"]})
    order = {m["profile_id"]: i for i, m in enumerate(area.get("mix") or [])}
    profiles = [{**item, "profiles": sorted(item["profiles"],
                                            key=lambda p: order.get(p["profile_id"], 99))}
                for item in theme["profiles"]]
    return {**theme, "rows": rows, "profiles": profiles}


def _chart_value(ind: dict, value: float) -> float:
    return value * 100 if ind.get("scale") == "fraction" else value


def _shares(area: dict) -> dict[str, float]:
    return {m["profile_id"]: m["share"] for m in area.get("mix") or []}


def _nav(base: str, query: str) -> list[dict]:
    items = [{"href": f"{base}/thema/{slug}{query}", "key": slug, "label": title}
             for slug, title in THEMES.items()]
    items.append({"href": f"{base}/aanpak{query}", "key": "aanpak", "label": "Aanpak"})
    return items


def _area(request: Request, code: str) -> tuple[dict, str]:
    cat = request.app.state.dashboard.catalogue
    code = area_answers.canonical_code(code)
    if code == NATIONAL_CODE:
        return national_area(cat), code
    return area_answers.area_detail(cat, code), code


async def _composed(request: Request, postcodes: str) -> tuple[dict, list[str]]:
    dash = request.app.state.dashboard
    codes = await run_in_threadpool(
        lambda: parse_postcode_text(postcodes, max_codes=limits.MAX_COMPOSE_POSTCODES))
    result = await run_in_threadpool(dash.compose, codes)
    return composed_area(result, dash.catalogue), codes


def _check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise UnknownThemeError(f"Thema '{theme[:40]}' bestaat niet.",
                                hint="Kies uit: " + ", ".join(THEMES) + ".")
    return theme


def _theme_page(request: Request, cur, area: dict, theme: str, base: str, query: str,
                links: dict) -> HTMLResponse:
    cat = request.app.state.dashboard.catalogue
    dossier = theme_dossiers(cur, cat, area)
    gem = area.get("gemeente")
    view = None
    if not dossier["suppressed"]:
        chosen = next(t for t in dossier["themes"] if t["theme"] == theme)
        view = _theme_view(chosen, area, gem["name"] if gem else None)
    return render(request, "theme.html", "gebied", area=area, dossier=dossier, theme=view,
                  theme_key=theme, theme_title=THEMES[theme], nav=_nav(base, query),
                  shares=_shares(area), links=links, c1_note=C1_NOTE,
                  approach_href=f"{base}/aanpak{query}{'&' if query else '?'}thema={theme}",
                  own_column=area.get("level") not in ("gemeente", "land"),
                  gemeente_column=area.get("level") != "land")


def _approach_page(request: Request, cur, area: dict, base: str, query: str,
                   links: dict, theme: str | None) -> HTMLResponse:
    if theme:
        _check_theme(theme)
    plan = approach_with_theme(cur, request.app.state.dashboard.catalogue, area, theme or None)
    sections = [{**s, "source": EVIDENCE_SOURCES.get(s["id"]),
                 "items": [{**i, "rows": evidence_rows(i["evidence"])} for i in s["items"]]}
                for s in plan["sections"]]
    return render(request, "approach.html", "gebied", area=area, plan=plan, sections=sections,
                  nav=_nav(base, query), theme_key="aanpak", links=links,
                  min_share=MIN_SHARE, chosen_theme=theme or "", form_action=f"{base}/aanpak",
                  postcodes=unquote(query.removeprefix("?postcodes=")))


def _area_links(code: str) -> dict:
    return {"page": None if code == NATIONAL_CODE else f"/gebied/{code}",
            "pdf": f"/api/areas/{code}/report.pdf", "themes_json": f"/api/areas/{code}/themes",
            "approach_json": f"/api/areas/{code}/approach"}


@page_router.get("/gebied/{code}/themas", response_class=HTMLResponse)
def themes_index(code: str):
    return RedirectResponse(f"/gebied/{area_answers.canonical_code(code)}/thema/"
                            f"{next(iter(THEMES))}", status_code=303)


@page_router.get("/gebied/{code}/thema/{theme}", response_class=HTMLResponse)
def area_theme_page(request: Request, cur: Cursor, code: str, theme: str):
    theme = _check_theme(theme)
    area, code = _area(request, code)
    return _theme_page(request, cur, area, theme, f"/gebied/{code}", "", _area_links(code))


@page_router.get("/gebied/{code}/aanpak", response_class=HTMLResponse)
def area_approach_page(request: Request, cur: Cursor, code: str, thema: ThemeQuery = ""):
    area, code = _area(request, code)
    return _approach_page(request, cur, area, f"/gebied/{code}", "", _area_links(code), thema)


@page_router.get("/eigen-gebied/thema/{theme}", response_class=HTMLResponse)
async def custom_theme_page(request: Request, cur: Cursor, theme: str, postcodes: Postcodes = ""):
    theme = _check_theme(theme)
    area, codes = await _composed(request, postcodes)
    query = "?postcodes=" + quote(",".join(codes))
    return await run_in_threadpool(_theme_page, request, cur, area, theme, "/eigen-gebied",
                                   query, {"page": None, "pdf": None, "themes_json": None,
                                           "approach_json": None})


@page_router.get("/eigen-gebied/aanpak", response_class=HTMLResponse)
async def custom_approach_page(request: Request, cur: Cursor, postcodes: Postcodes = "",
                               thema: ThemeQuery = ""):
    area, codes = await _composed(request, postcodes)
    query = "?postcodes=" + quote(",".join(codes))
    return await run_in_threadpool(_approach_page, request, cur, area, "/eigen-gebied", query,
                                   {"page": None, "pdf": None, "themes_json": None,
                                    "approach_json": None}, thema)


@page_router.get("/eigen-gebied/rapport.pdf", response_class=Response)
async def custom_report_pdf(request: Request, cur: Cursor, postcodes: Postcodes = ""):
    """The Gebiedsrapport of a custom postcode set as a link (the API's POST needs JSON)."""
    area, _ = await _composed(request, postcodes)
    pdf = await run_in_threadpool(area_report, cur, request.app.state.dashboard.catalogue, area)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="gebiedsrapport.pdf"'})


# --- JSON and PDF (OpenAPI at /docs) ---------------------------------------------

api_router = APIRouter(prefix="/api", tags=["thema's en rapporten"],
                       responses={**ERROR_RESPONSES})
ERRORS = {400: {"description": "Ongeldige gebiedscode of postcodelijst (Nederlandse melding)"},
          404: {"description": "Gebied of postcode bestaat niet in deze database"},
          422: {"description": "Ongeldige invoer (Nederlandse melding)"}}
PDF = {200: {"content": {"application/pdf": {}}, "description": "Gebiedsrapport (PDF/UA-1)"}}
Theme = Annotated[Literal[tuple(THEMES)] | None, Query(  # type: ignore[valid-type]
    description="Optioneel: " + ", ".join(THEMES) + "; voegt een deel over dat thema toe")]
PostcodeList = Annotated[list[Any], Body(description="JSON-lijst met postcodes (PC4 of PC6)",
                                      examples=[["3511", "3512", "3513"]],
                                      json_schema_extra=POSTCODE_ITEMS_SCHEMA)]


def _api_area(request: Request, code: str) -> dict:
    cat = request.app.state.dashboard.catalogue
    code = area_answers.canonical_code(code)
    if code == NATIONAL_CODE:
        return national_area(cat)
    return area_answers.area_detail(cat, code)


def _api_composed(request: Request, postcodes: list) -> dict:
    dash = request.app.state.dashboard
    codes = pc4_list(postcodes, max_codes=limits.MAX_COMPOSE_POSTCODES)
    return composed_area(dash.compose(codes), dash.catalogue)


@api_router.get("/areas/{code}/themes", responses=ERRORS,
            summary="De vier themadossiers van een gebied (cijfers, houdingen per profiel)")
def get_themes(code: AreaCode, request: Request, cur: Cursor) -> dict[str, Any]:
    return theme_dossiers(cur, request.app.state.dashboard.catalogue, _api_area(request, code))


@api_router.get("/areas/{code}/approach", responses=ERRORS,
            summary="Aanpak op maat: participatieladder, kanalen, toon, wie u mist")
def get_approach(code: AreaCode, request: Request, cur: Cursor,
                 thema: Theme = None) -> dict[str, Any]:
    return approach_with_theme(cur, request.app.state.dashboard.catalogue,
                               _api_area(request, code), thema)


@api_router.get("/areas/{code}/report.pdf", responses={**PDF, **ERRORS}, response_class=Response,
            summary="Gebiedsrapport als toegankelijke PDF")
async def get_report(code: AreaCode, request: Request, cur: Cursor) -> Response:
    area = _api_area(request, code)
    cat = request.app.state.dashboard.catalogue
    pdf = await run_in_threadpool(area_report, cur, cat, area,
                                  national=area["code"] == "NL")
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="gebiedsrapport-{area["code"]}.pdf"'})


@api_router.post("/compose/themes", responses={**ERRORS, **UPLOAD_RESPONSES},
             summary="Themadossiers van een eigen gebied")
def post_themes(postcodes: PostcodeList, request: Request, cur: Cursor) -> dict[str, Any]:
    return theme_dossiers(cur, request.app.state.dashboard.catalogue,
                          _api_composed(request, postcodes))


@api_router.post("/compose/approach", responses={**ERRORS, **UPLOAD_RESPONSES},
             summary="Aanpak voor een eigen gebied")
def post_approach(postcodes: PostcodeList, request: Request, cur: Cursor,
                  thema: Theme = None) -> dict[str, Any]:
    return approach_with_theme(cur, request.app.state.dashboard.catalogue,
                               _api_composed(request, postcodes), thema)


@api_router.post("/compose/report.pdf", responses={**PDF, **ERRORS, **UPLOAD_RESPONSES},
             response_class=Response,
             summary="Gebiedsrapport (PDF) van een eigen gebied")
async def post_report(postcodes: PostcodeList, request: Request, cur: Cursor) -> Response:
    area = _api_composed(request, postcodes)
    pdf = await run_in_threadpool(area_report, cur, request.app.state.dashboard.catalogue, area)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="gebiedsrapport.pdf"'})
