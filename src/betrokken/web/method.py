"""How it is made: ``/methode`` (with the technical documents and figures) and
``/api/sources`` (sources, licences, build facts)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from betrokken.web.deps import catalogue_of
from betrokken.web.errors import ERROR_RESPONSES
from betrokken.web.rendering import render
from betrokken.web.validation_summary import validation_sentences

api_router = APIRouter(prefix="/api", tags=["api"], responses=ERROR_RESPONSES)
page_router = APIRouter(include_in_schema=False)


@api_router.get("/sources", summary="Bronnen, licenties en bouwgegevens van de database")
def get_sources(request: Request) -> dict[str, Any]:
    cat = catalogue_of(request)
    return {"sources": cat.sources, "build_info": cat.build_info, "levels": cat.level_counts}


@page_router.get("/methode", response_class=HTMLResponse)
def method_page(request: Request):
    base = _docs_dir()
    available = {name: bool(base and (base / name).exists()) for name in TECHNICAL_DOCS}
    info = catalogue_of(request).build_info
    facts = [(label, info[key]) for key, label in BUILD_FACTS if info.get(key)]
    return render(
        request, "method.html", "methode", docs_available=available, build_facts=facts,
        validation=validation_sentences(base / "validation.md" if base else None),
    )


@page_router.get("/methode/{name}.md")
def method_document(name: str) -> FileResponse:
    """The technical documents as Markdown downloads (only the two listed)."""
    base = _docs_dir()
    filename = f"{name}.md"
    if base is None or filename not in TECHNICAL_DOCS or not (base / filename).is_file():
        raise HTTPException(status_code=404)
    return FileResponse(base / filename, media_type="text/markdown; charset=utf-8",
                        filename=f"betrokken_{filename}")


TECHNICAL_DOCS = ("method.md", "validation.md")
"""The English technical documents offered as downloads on the Methode page."""


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


@page_router.get("/methode/img/{name}")
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
