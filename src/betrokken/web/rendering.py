"""What every page shares: the template call and the context every template reads."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from betrokken.areas.reliability import RULES_NL as RELIABILITY_RULES_NL
from betrokken.store.catalogue import NATIONAL_CODE, Catalogue
from betrokken.web.basemap import BASEMAP
from betrokken.web.deps import catalogue_of
from betrokken.web.palette import SHARE_RAMP
from betrokken.web.profile_text import profile_texts

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
                            "profile_texts": _profile_texts(catalogue_of(request)), **context}
    )


def _profile_texts(cat: Catalogue) -> dict:
    """Display texts of the profile cards (see ``profile_text``), made once."""
    texts = cat.caches.get("profile_texts")
    if texts is None:
        texts = profile_texts(cat.profiles)
        cat.caches["profile_texts"] = texts
    return texts


def gemeenten(cat: Catalogue) -> list[dict]:
    return [{"code": c, "name": cat.areas[c]["area_name"]}
            for c in cat.members.get((NATIONAL_CODE, "gemeente"), [])]


def map_profiles(cat: Catalogue) -> list[dict]:
    return [
        {"id": p["id"], "name": p["name"], "colour": p["colour"],
         "share": p.get("share_nl_areas", p.get("share"))}
        for p in cat.profiles
    ]
