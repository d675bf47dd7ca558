"""The API documentation pages (/docs: Swagger UI, /redoc: ReDoc) from vendored assets.

FastAPI's built-in pages load their scripts from a CDN (blank offline) and start them
with an inline script (blocked by our Content-Security-Policy); these load the bundles
from ``static/vendor`` and start them from ``static/js/api-docs.js``.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/static/favicon.svg">
{css}
</head>
<body>
<div id="api-docs" data-viewer="{viewer}" data-openapi="{openapi}"></div>
<script src="{bundle}"></script>
<script src="/static/js/api-docs.js"></script>
</body>
</html>
"""


def _page(request: Request, viewer: str) -> HTMLResponse:
    title = f"{request.app.title} – {'ReDoc' if viewer == 'redoc' else 'Swagger UI'}"
    if viewer == "redoc":
        css, bundle = "", "/static/vendor/redoc/redoc.standalone.js"
    else:
        css = '<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">'
        bundle = "/static/vendor/swagger-ui/swagger-ui-bundle.js"
    return HTMLResponse(
        _PAGE.format(title=escape(title), css=css, viewer=viewer,
                     openapi=escape(request.app.openapi_url or "/openapi.json"), bundle=bundle)
    )


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    return _page(request, "swagger")


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    return _page(request, "redoc")
