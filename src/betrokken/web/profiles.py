"""The eight profiles: ``/profielen``, the one-minute overview and ``/api/profiles``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from betrokken import schema
from betrokken.dutch_numbers import number
from betrokken.store.catalogue import Catalogue
from betrokken.web.deps import catalogue_of
from betrokken.web.errors import ERROR_RESPONSES
from betrokken.web.rendering import render

api_router = APIRouter(prefix="/api", tags=["api"], responses=ERROR_RESPONSES)
page_router = APIRouter(include_in_schema=False)


@api_router.get("/profiles", summary="De acht profielkaarten en hun landelijke aandelen")
def get_profiles(request: Request) -> dict[str, Any]:
    cat = catalogue_of(request)
    return {"interval_level": schema.INTERVAL_LEVEL, "profiles": cat.profiles}


@page_router.get("/profielen", response_class=HTMLResponse)
def profiles_page(request: Request):
    return render(request, "profiles.html", "profielen", plot=_profile_plot(catalogue_of(request)))


@page_router.get("/profielen/in-een-minuut", response_class=HTMLResponse)
def profiles_overview(request: Request):
    """The eight profiles in one minute: name, size, one sentence, the labelled chart."""
    return render(request, "profiles_overview.html", "profielen",
                  plot=_profile_plot(catalogue_of(request)))


def _profile_plot(cat: Catalogue) -> dict | None:
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
        "x_range": [number(v, 2) for v in tx],
        "y_range": [number(v, 2) for v in ty],
    }
