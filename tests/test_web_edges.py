"""Odd input at the web app's edges (issue 21): lone surrogates, 500s, the server's own
400s, header size, redirects built from the request's Host, the 413 on pages."""

from __future__ import annotations

import socket

import pytest
from fastapi.testclient import TestClient

from betrokken.errors import BetrokkenError, safe_text
from betrokken.web import limits
from betrokken.web.app import create_app
from betrokken.web.middleware import SECURITY_HEADERS
from betrokken.web.serve import UVICORN_OPTIONS
from helpers_server import live_server


@pytest.fixture(scope="module")
def client(built_db) -> TestClient:
    return TestClient(create_app(built_db), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def served(built_db):
    with live_server(create_app(built_db), **UVICORN_OPTIONS) as url:
        yield url


def assert_security_headers(headers) -> None:
    for name, value in SECURITY_HEADERS:
        assert headers.get(name.decode()) == value.decode(), name


def raw_request(url: str, data: bytes) -> bytes:
    """Send raw bytes to the served app; the whole answer (the server closes)."""
    host, port = url.removeprefix("http://").split(":")
    out = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        try:
            sock.sendall(data)
            while chunk := sock.recv(65536):
                out += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass  # the server may close before it has read all of a refused request
    return out


def test_safe_text_replaces_lone_surrogates_and_caps_length():
    assert safe_text("a\udcffb") == "a\ufffdb"
    assert safe_text("x" * 5000, 100) == "x" * 99 + "…"
    assert BetrokkenError("\ud800", hint="\udfff").message.encode() == b"\xef\xbf\xbd"


@pytest.mark.parametrize("path,body", [
    ("/api/quiz", b'{"answers":{"\\udcff":1}}'),
    ("/api/bereikcheck", b'{"area":"\\ud800","postcodes":["3511"]}'),
    ("/api/compose", b'["\\ud800"]'),
])
def test_lone_surrogates_in_json_get_a_dutch_4xx(client, path, body):
    """The two payloads that gave a 500 (issue 21) and one more echoing route."""
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    message = response.json()["fout"]
    assert "\ufffd" in message or "'\\ud800'" in message  # replaced, or quoted as repr
    assert_security_headers(response.headers)


def test_a_500_is_dutch_and_carries_the_security_headers(built_db):
    app = create_app(built_db)

    @app.get("/api/kapot")
    def broken():
        raise RuntimeError("a bug")

    response = TestClient(app, raise_server_exceptions=False).get("/api/kapot")
    assert response.status_code == 500
    assert "dashboard zelf" in response.json()["fout"]
    assert "Traceback" not in response.text and "a bug" not in response.text
    assert_security_headers(response.headers)


@pytest.mark.parametrize("request_bytes,status,word", [
    (b"GET / HTTP/1.1\r\nHost: x\r\nGeen kopregel\r\n\r\n", 400, b"geen geldig HTTP"),
    (b"GET /api/x HTTP/1.1\r\nHost: x\r\n\x00\r\n\r\n", 400, b'{"fout"'),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Groot: " + b"a" * 300_000 + b"\r\n\r\n", 431, b"kopregels"),
    (b"GET / HTTP/1.1\r\nHost: x\r\n"
     + b"".join(b"X-%d: %s\r\n" % (i, b"b" * 100) for i in range(500)) + b"\r\n", 431,
     b"kopregels"),
])
def test_the_servers_own_errors_are_dutch_with_headers(served, request_bytes, status, word):
    answer = raw_request(served, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d" % status), answer[:200]
    headers = {k.lower(): v.strip() for k, _, v in
               (line.decode().partition(":") for line in head.split(b"\r\n")[1:])}
    assert_security_headers(headers)
    assert word in body
    assert b"Invalid" not in body


def test_ordinary_headers_still_pass(served):
    headers = b"".join(b"X-%d: %s\r\n" % (i, b"b" * 100) for i in range(50))  # 5 kB
    answer = raw_request(served, b"GET /api/profiles HTTP/1.1\r\nHost: x\r\n" + headers
                         + b"Connection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200")
    assert limits.MAX_HEADER_BYTES > 5 * 1024


def test_redirects_ignore_the_host_header(client):
    response = client.get("/gebied/", headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code in (301, 307, 308)
    assert response.headers["location"] == "/gebied"
    assert "evil" not in response.headers["location"]


def test_a_too_large_form_gets_a_dutch_page(client):
    big = b"x" * (limits.MAX_REQUEST_BYTES + 10)
    response = client.post("/eigen-gebied", files={"bestand": ("groot.txt", big)})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "te groot" in response.text and '<html lang="nl"' in response.text
    assert_security_headers(response.headers)


def test_the_national_report_is_typeset_once(built_db, monkeypatch):
    from betrokken.web import themes

    calls = []
    original = themes.area_report

    def counted(*args, **kwargs):
        calls.append(args[2]["code"])
        return original(*args, **kwargs)

    monkeypatch.setattr(themes, "area_report", counted)
    client = TestClient(create_app(built_db), raise_server_exceptions=False)
    first = client.get("/api/areas/NL/report.pdf")
    second = client.get("/api/areas/NL/report.pdf", headers={"accept-encoding": "gzip"})
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and first.content.startswith(b"%PDF")
    assert second.headers["content-type"] == "application/pdf"
    assert "content-encoding" not in second.headers
    assert calls == ["NL"]
    assert_security_headers(second.headers)
