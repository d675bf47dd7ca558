"""HTTP hygiene: security headers, no banner, vendored docs, HEAD, 405 Allow, 414, 4xx in
OpenAPI, no server paths in /api/sources, Dutch answers for malformed bodies."""

from __future__ import annotations

import http.client
import json

import httpx
import pytest
from fastapi.testclient import TestClient

from betrokken.web import limits
from betrokken.web.app import STATIC_DIR, create_app
from betrokken.web.middleware import SECURITY_HEADERS
from betrokken.web.serve import UVICORN_OPTIONS
from helpers_server import live_server

UTRECHT = "GM0344"


def assert_security_headers(response) -> None:
    for name, value in SECURITY_HEADERS:
        assert response.headers.get(name.decode()) == value.decode(), name
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp


@pytest.mark.parametrize(
    "method,path,status",
    [
        ("GET", "/", 200),
        ("GET", f"/gebied/{UTRECHT}", 200),
        ("GET", f"/api/areas/{UTRECHT}", 200),
        ("GET", "/static/js/map.js", 200),
        ("GET", "/docs", 200),
        ("GET", "/bestaat-niet", 404),
        ("GET", "/api/areas/GM9999", 404),
        ("POST", f"/api/areas/{UTRECHT}", 405),
    ],
)
def test_every_answer_carries_the_security_headers(client, method, path, status):
    response = client.request(method, path)
    assert response.status_code == status
    assert_security_headers(response)


def test_a_refused_body_also_carries_them(client):
    response = client.post("/api/compose", content=b"[" + b'"3511",' * 200_000 + b"]",
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert_security_headers(response)


def test_no_server_banner(built_db):
    with live_server(create_app(built_db), **UVICORN_OPTIONS) as url:
        response = httpx.get(f"{url}/api/profiles")
    assert response.status_code == 200
    assert "server" not in response.headers
    assert_security_headers(response)


@pytest.mark.parametrize("path,bundle", [
    ("/docs", "/static/vendor/swagger-ui/swagger-ui-bundle.js"),
    ("/redoc", "/static/vendor/redoc/redoc.standalone.js"),
])
def test_api_docs_load_only_vendored_assets(client, path, bundle):
    page = client.get(path)
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    assert "<script>" not in page.text  # no inline script: the CSP forbids it
    assert bundle in page.text
    asset = client.get(bundle)
    assert asset.status_code == 200 and len(asset.content) > 500_000
    assert client.get("/static/js/api-docs.js").status_code == 200
    assert (STATIC_DIR / "vendor" / bundle.split("/")[3] / "LICENSE").is_file()


def test_sources_show_no_server_paths(client, built_db):
    body = client.get("/api/sources").json()
    text = json.dumps(body, ensure_ascii=False)
    assert body["sources"]
    assert str(built_db.parent) not in text
    values = [v for s in body["sources"] for v in s.values()] + list(body["build_info"].values())
    absolute = [v for v in values if isinstance(v, str) and v.startswith("/")]
    assert absolute == []


def test_head_answers_like_get_without_body(client):
    get = client.get(f"/api/areas/{UTRECHT}", headers={"accept-encoding": "identity"})
    head = client.head(f"/api/areas/{UTRECHT}", headers={"accept-encoding": "identity"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))
    assert client.head(f"/gebied/{UTRECHT}").status_code == 200


def test_405_names_the_allowed_methods(client):
    response = client.delete(f"/api/areas/{UTRECHT}")
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]
    assert "niet toegestaan" in response.json()["fout"]


def test_an_overlong_url_gets_a_dutch_414(client):
    response = client.get("/api/search", params={"q": "x" * (limits.MAX_URL_BYTES + 10)})
    assert response.status_code == 414
    assert "te lang" in response.json()["fout"]


@pytest.fixture(scope="module")
def served(built_db):
    """The app served by uvicorn with the production settings (``UVICORN_OPTIONS``)."""
    with live_server(create_app(built_db), **UVICORN_OPTIONS) as url:
        yield url


@pytest.mark.parametrize("length", [limits.MAX_URL_READ_BYTES + 1, 100_000, 1_000_000])
def test_a_served_overlong_request_line_gets_a_dutch_414(served, length):
    """uvicorn itself answered a URL above 64 kB with a plain English 400 (httptools) or
    dropped the connection (h11); served with the production settings, the app answers.
    (http.client, as httpx refuses to send a URL above 64 kB.)"""
    host, port = served.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    answers = {}
    try:
        for path in ("/api/search", "/zoeken", "/api/search"):
            query = "utrecht" if path in answers else "x" * length
            connection.request("GET", f"{path}?q={query}")
            response = connection.getresponse()
            answers[path if path not in answers else "after"] = (
                response.status, dict(response.getheaders()), response.read().decode())
    finally:
        connection.close()
    status, headers, body = answers["/api/search"]
    assert status == 414
    assert headers["content-type"].startswith("application/json")
    assert "te lang" in json.loads(body)["fout"] and "POST /api/compose" in body
    status, headers, body = answers["/zoeken"]
    assert status == 414
    assert headers["content-type"].startswith("text/html")
    assert "te lang" in body and 'lang="nl"' in body
    for _, headers, _ in (answers["/api/search"], answers["/zoeken"]):
        assert_security_headers(httpx.Response(200, headers=headers))
        assert "server" not in {k.lower() for k in headers}
    assert answers["after"][0] == 200  # the connection stays usable


def test_deeply_nested_json_gets_a_dutch_answer(client):
    body = b"[" * 100_000 + b"]" * 100_000
    response = client.post("/api/compose", content=body,
                           headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500
    message = response.json()["fout"]
    assert "JSON" in message or "lijst" in message
    assert "error" not in message.lower() and "parsing" not in message.lower()


def test_openapi_documents_errors_and_the_area_code_pattern(client):
    spec = client.get("/openapi.json").json()
    operations = [(path, method, op) for path, item in spec["paths"].items()
                  for method, op in item.items() if path.startswith("/api")]
    assert len(operations) >= 10
    for path, method, op in operations:
        for status in ("400", "404", "422"):
            assert status in op["responses"], (method, path, status)
        if method == "post":
            assert "413" in op["responses"], path
    levels = next(p for p in spec["paths"]["/api/areas/{code}/children"]["get"]["parameters"]
                  if p["name"] == "level")["schema"]["enum"]
    assert levels == client.app.state.dashboard.catalogue.levels  # only what this db holds
    target = spec["paths"]["/api/target-groups/{profile_id}"]["get"]["parameters"][0]
    assert target["schema"]["enum"] == client.app.state.dashboard.catalogue.profile_ids
    params = spec["paths"]["/api/areas/{code}"]["get"]["parameters"]
    code = next(p for p in params if p["name"] == "code")
    assert "GM" in code["schema"]["pattern"].replace("[Gg][Mm]", "GM")


def test_area_answer_is_gzipped_once_and_identical(client):
    plain = client.get(f"/api/areas/{UTRECHT}", headers={"accept-encoding": "identity"})
    packed = client.get(f"/api/areas/{UTRECHT}", headers={"accept-encoding": "gzip"})
    assert packed.headers.get("content-encoding") == "gzip"
    assert packed.json() == plain.json()


def test_pages_are_rendered_once_and_served_alike(built_db):
    app = create_app(built_db)
    client = TestClient(app)
    first = client.get(f"/gebied/{UTRECHT}", headers={"accept-encoding": "identity"})
    packed = client.get(f"/gebied/{UTRECHT}", headers={"accept-encoding": "gzip"})
    again = client.get(f"/gebied/{UTRECHT}", headers={"accept-encoding": "identity"})
    assert first.status_code == packed.status_code == again.status_code == 200
    assert packed.headers["content-encoding"] == "gzip"
    assert first.text == packed.text == again.text
    assert first.headers["content-type"].startswith("text/html")
    assert_security_headers(again)
    other = client.get(f"/gebied/{UTRECHT}?niveau=pc4", headers={"accept-encoding": "identity"})
    assert other.status_code == 200
    # an error page is not kept: a code that does not exist stays a 404
    assert client.get("/gebied/GM9999").status_code == 404
    assert client.get("/gebied/GM9999").status_code == 404
