"""The dashboard in a real browser: Debian's Chromium driven by Playwright.

One flow a policy adviser would follow (open a gemeente, switch level, click an area,
choose a target group, compose a custom area, download), with axe-core checking every
page for serious or critical accessibility violations. Screenshots land in
``test-artifacts/``. Without Chromium the tests skip, unless BETROKKEN_REQUIRE_BROWSER=1
(CI), where a missing browser is a failure.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).parent / "assets" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
UTRECHT = "GM0344"
MAP_TIMEOUT_MS = 20_000
CHROMIUM_ENV = "BETROKKEN_CHROMIUM"


def chromium_path() -> str | None:
    if CHROMIUM_ENV in os.environ:  # an explicit choice, also to test the skip path
        chosen = os.environ[CHROMIUM_ENV]
        return chosen if chosen and Path(chosen).exists() else None
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        message = "Chromium ontbreekt (apt-get install chromium); browsertests overgeslagen."
        if os.environ.get("BETROKKEN_REQUIRE_BROWSER") == "1":
            pytest.fail(message.replace("overgeslagen", "verplicht in CI"))
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def base_url(built_db):
    """The app served by uvicorn in a thread on a free loopback port."""
    import uvicorn

    from betrokken.store.database import connect
    from betrokken.web.app import create_app

    con = connect(built_db, read_only=True)
    has_mix = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'profile_mix'"
    ).fetchone()[0]
    con.close()
    if not has_mix:
        pytest.fail("De gebouwde database mist de profielmix: de build is kapot.")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(built_db), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("De webserver startte niet binnen 20 s.")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture()
def page(browser, base_url):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))

    def record_csp_violation(msg) -> None:
        # the security headers must not break the pages, MapLibre or the API docs
        if "Content Security Policy" in msg.text:
            errors.append(f"CSP: {msg.text[:300]}")

    pg.on("console", record_csp_violation)

    def record_failure(req) -> None:
        # A navigation cancels fetches still in flight (e.g. search-as-you-type when
        # Enter submits): the browser reports ERR_ABORTED; that is not a failure.
        if req.failure == "net::ERR_ABORTED":
            return
        # PDOK's background tiles are optional: unreachable here (closed network), the
        # map falls back to its own outlines; test_map_* checks that it does.
        if req.url.startswith("https://service.pdok.nl/"):
            return
        if not req.url.startswith(base_url) or "/static/" in req.url or "/api/" in req.url:
            errors.append(f"request failed: {req.url} ({req.failure})")

    pg.on("requestfailed", record_failure)
    pg.set_default_timeout(MAP_TIMEOUT_MS)
    yield pg
    context.close()
    assert not errors, errors


def wait_for_map(page) -> None:
    page.wait_for_selector("#kaart[data-ready='1']", state="attached", timeout=MAP_TIMEOUT_MS)


def check_axe(page, name: str) -> None:
    """No serious or critical axe-core violations on the current page."""
    # evaluated through the DevTools protocol: an injected <script> would (rightly) be
    # blocked by the page's Content-Security-Policy
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:3])
        for v in bad
    ]
    assert not bad, f"axe op {name}:\n" + "\n".join(details)


def shot(page, name: str) -> None:
    """Whole-page screenshot; the viewport grows to the page first, because Chromium's
    own full-page capture resizes the WebGL canvas mid-shot and shifts the map."""
    size = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(height, 8000)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size(size)


def click_first_area_on_map(page) -> str:
    """Click a pixel that lies inside a rendered polygon; return that area's code."""
    point = page.evaluate(
        """() => {
          const map = window.betrokkenMap, canvas = map.getCanvas();
          canvas.scrollIntoView({block: 'center'});
          const w = canvas.clientWidth, h = canvas.clientHeight;
          for (let y = h / 2, i = 0; i < 40; i++) {
            for (let x = w / 2 - 100; x <= w / 2 + 100; x += 25) {
              const yy = y + (i % 2 ? 1 : -1) * Math.floor(i / 2) * 10;
              const hit = map.queryRenderedFeatures([x, yy], {layers: ['vlakken']});
              const box = canvas.getBoundingClientRect();
              const top = document.elementFromPoint(box.left + x, box.top + yy);
              if (top !== canvas) continue;  // a name label lies on top here
              if (hit.length && hit[0].properties.suppressed !== true) {
                return {x: x, y: yy, code: hit[0].properties.code};
              }
            }
          }
          return null;
        }"""
    )
    assert point, "geen gebied zichtbaar op de kaart"
    page.locator("#kaart canvas").click(position={"x": point["x"], "y": point["y"]})
    return point["code"]


def test_adviser_flow(page, base_url):
    # Start: keyboard users reach the content with the skip link.
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    check_axe(page, "start")
    shot(page, "01-start")

    # Search a gemeente by name: suggestions appear while typing; then search and open it.
    page.get_by_label("Zoek een gemeente").fill("Utrech")
    page.locator(f"#zoek-suggesties a[href='/gebied/{UTRECHT}']").wait_for()
    page.get_by_label("Zoek een gemeente").fill("Utrecht")
    page.get_by_role("button", name="Zoeken").click()
    page.locator(f"a[href='/gebied/{UTRECHT}']").first.click()
    page.wait_for_url(f"**/gebied/{UTRECHT}")
    wait_for_map(page)
    assert page.locator("#gebieden-tabel tbody tr").count() > 5
    check_axe(page, "gemeente")
    shot(page, "02-gemeente-wijken")

    # Sort the table by population with the keyboard.
    page.get_by_role("button", name="Inwoners").focus()
    page.keyboard.press("Enter")
    th = page.locator("#gebieden-tabel thead th").nth(2)
    assert th.get_attribute("aria-sort") == "descending"
    pops = page.locator("#gebieden-tabel tbody tr td:nth-child(3)").evaluate_all(
        "cells => cells.map(c => parseFloat(c.dataset.value))"
    )
    assert pops == sorted(pops, reverse=True)

    # Switch the level to postcodes and colour by one profile's share.
    page.get_by_label("Postcodes").check()
    page.get_by_label("Kleur op kaart").select_option(index=3)
    page.get_by_role("button", name="Toon").click()
    page.wait_for_url("**niveau=pc4**")
    wait_for_map(page)
    n_rows = page.locator("#gebieden-tabel tbody tr").count()
    n_features = page.evaluate("window.betrokkenMap.querySourceFeatures('gebieden').length")
    assert n_rows > 10 and n_features > 0
    shot(page, "03-gemeente-postcodes")

    # Download the map as PNG and the table as CSV.
    with page.expect_download() as png_info:
        page.get_by_role("button", name="kaart als PNG").click()
    png = Path(png_info.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    with page.expect_download() as csv_info:
        page.get_by_role("link", name="CSV").last.click()
    frame = pd.read_csv(io.BytesIO(Path(csv_info.value.path()).read_bytes()), dtype=str)
    assert len(frame) == n_rows
    with page.expect_download() as gpkg_info:
        page.get_by_role("link", name="GeoPackage (voor QGIS)").click()
    assert Path(gpkg_info.value.path()).read_bytes()[:15] == b"SQLite format 3"

    # Click an area on the map and follow the link to its page.
    code = click_first_area_on_map(page)
    link = page.locator("#kaart-link")
    link.wait_for()
    assert code in page.locator("#kaart-info").inner_text()
    link.click()
    page.wait_for_url(f"**/gebied/{code}")
    page.locator("#mix-tabel").wait_for()
    wait_for_map(page)
    assert "Nederland" in page.locator("#mix-tabel thead").inner_text()
    check_axe(page, "gebied")
    shot(page, "04-gebied")

    # Target group: choose a profile within Utrecht.
    page.goto("/doelgroep")
    wait_for_map(page)
    page.get_by_label("Profiel").select_option(index=3)
    page.get_by_label("Binnen").select_option(UTRECHT)
    page.get_by_role("button", name="Toon").click()
    page.wait_for_url(f"**gebied={UTRECHT}**")
    wait_for_map(page)
    assert page.locator("#top-tabel tbody tr").count() > 3
    check_axe(page, "doelgroep")
    shot(page, "05-doelgroep")

    # Custom area from pasted postcodes, then its CSV.
    page.goto("/eigen-gebied")
    page.get_by_label("Postcodes", exact=True).fill("3511\n3512 AB\n3513; 3514")
    page.get_by_role("button", name="Bereken samenstelling").click()
    page.locator("#eigen-tabel").wait_for()
    assert "4 postcodes" in page.locator("#resultaat-kop").inner_text()
    wait_for_map(page)
    assert page.evaluate("window.betrokkenMap.querySourceFeatures('gebieden').length") > 0
    check_axe(page, "eigen-gebied")
    shot(page, "06-eigen-gebied")
    with page.expect_download() as custom_info:
        page.get_by_role("button", name="Download als CSV").click()
    custom = pd.read_csv(io.BytesIO(Path(custom_info.value.path()).read_bytes()))
    assert custom["aandeel"].sum() == pytest.approx(1.0)

    # A malformed list is explained, in Dutch, next to the form.
    page.get_by_label("Postcodes", exact=True).fill("3511, hallo")
    page.get_by_role("button", name="Bereken samenstelling").click()
    assert "hallo" in page.get_by_role("alert").inner_text()


@pytest.mark.parametrize(
    "path, name",
    [
        (f"/vergelijken?codes={UTRECHT},GM0363,3511", "07-vergelijken"),
        ("/profielen", "08-profielen"),
        ("/methode", "09-methode"),
        ("/zoeken?q=Utrecht", "10-zoeken"),
        ("/gebied/GM9999", "11-niet-gevonden"),
        ("/profielen/in-een-minuut", "16-profielen-in-een-minuut"),
        (f"/gebied/{UTRECHT}?kleur=kenmerkend", "17-kenmerkend-met-let-op"),
    ],
)
def test_other_pages_pass_axe(page, path, name):
    page.goto(path)
    check_axe(page, name)
    shot(page, name)


@pytest.mark.parametrize("path", ["/", f"/gebied/{UTRECHT}?niveau=pc4", "/methode"])
def test_pages_reflow_on_a_phone(page, path):
    """WCAG 1.4.10: at 320 CSS px wide only tables and code scroll sideways, not the page."""
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(path)
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{path} is {width[0]} px breed op een scherm van {width[1]} px"


@pytest.mark.parametrize("path,selector", [
    ("/docs", ".swagger-ui .opblock"),
    ("/redoc", "[role='navigation'], .menu-content"),
])
def test_api_docs_render_offline_under_the_csp(page, path, selector):
    """Swagger UI and ReDoc come from the vendored bundles and obey the CSP."""
    outside: list[str] = []
    page.on("request", lambda req: outside.append(req.url)
            if not req.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    response = page.goto(path)
    assert "content-security-policy" in response.headers
    page.wait_for_selector(selector, timeout=MAP_TIMEOUT_MS)
    assert outside == []
    shot(page, f"api-docs{path.replace('/', '-')}")
# --- issue 12: search, compare, exports and mobile as an adviser meets them -------------


def test_search_den_haag_suggests_the_gemeente_first(page):
    page.goto("/")
    page.get_by_label("Zoek een gemeente").fill("den haag")
    first = page.locator("#zoek-suggesties li").first
    first.wait_for()
    assert first.locator("a").get_attribute("href") == "/gebied/GM0518"
    # wijken carry their gemeente beside them
    page.get_by_label("Zoek een gemeente").fill("Overvecht")
    page.locator("#zoek-suggesties a[href='/gebied/WK034403']").wait_for()
    assert "Utrecht" in page.locator("#zoek-suggesties li").first.inner_text()


def test_compare_suggests_asks_and_shows_flags_and_nederland(page):
    page.goto("/vergelijken")
    page.get_by_label("Gebied 1", exact=True).fill("Overvech")
    page.locator("#gebied-suggesties option[value='WK034403']").wait_for(state="attached")
    page.get_by_label("Gebied 1", exact=True).fill("Overvecht")
    page.get_by_label("Gebied 2", exact=True).fill("Binnenstad")
    page.get_by_role("button", name="Vergelijk").click()
    # a name found in many gemeenten is never silently taken: the page asks
    choice = page.locator("#keuze-1")
    choice.wait_for()
    assert page.locator("#vergelijk-tabel").count() == 0
    choice.locator("a", has_text="Binnenstad").first.click()
    page.locator("#vergelijk-tabel").wait_for()
    head = page.locator("#vergelijk-tabel thead").inner_text()
    assert "Overvecht" in head and "Binnenstad (Utrecht)" in head and "Nederland" in head
    # Overvecht's education is estimated (issue 18): the flag says from what
    assert page.locator("#kern-tabel .flag", has_text="geschat uit").count() > 0
    check_axe(page, "vergelijken-keuze")
    shot(page, "12-vergelijken-afgeleid")


@pytest.mark.parametrize("width", [375, 320])
def test_compare_on_a_phone_scrolls_inside_a_labelled_box_with_a_cue(page, width):
    page.set_viewport_size({"width": width, "height": 740})
    page.goto("/vergelijken?codes=WK034403,WK079601")
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"de pagina zelf is {sizes[0]} px breed op {sizes[1]} px"
    box = page.locator(".table-scroll").filter(has=page.locator("#vergelijk-tabel"))
    assert box.get_attribute("role") == "region" and box.get_attribute("aria-labelledby")
    cue = page.locator("#" + box.get_attribute("aria-describedby"))
    assert cue.is_visible() and "schuif" in cue.inner_text().lower()
    # every compared area (and Nederland) can be brought into view inside the box
    for name in ("Overvecht", "Binnenstad", "Nederland"):
        th = page.locator("#vergelijk-tabel thead th", has_text=name)
        th.scroll_into_view_if_needed()
        rect = th.bounding_box()
        assert rect and rect["x"] >= 0 and rect["x"] + 20 <= width, (name, rect)
    check_axe(page, f"vergelijken-{width}")
    shot(page, f"13-vergelijken-{width}")


def test_map_is_one_jump_away(page):
    page.goto(f"/gebied/{UTRECHT}")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de kaart"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "kaart"


def test_csv_for_excel_download_parses_with_semicolons(page):
    page.goto(f"/doelgroep?gebied={UTRECHT}&niveau=wijk")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV voor Excel").click()
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig")
    assert len(frame.columns) > 10 and set(frame["onderdrukt"]) <= {"ja", "nee"}
    assert pd.api.types.is_float_dtype(frame["politieke_betrokkenheid"])


def test_map_has_names_tooltips_own_background_and_an_honest_legend(page):
    page.goto(f"/gebied/{UTRECHT}?niveau=wijk")
    wait_for_map(page)
    # PDOK is unreachable here: the map draws its own gemeente outlines and names instead
    page.wait_for_function("document.getElementById('kaart').dataset.background === 'eigen'")
    page.wait_for_function("!!window.betrokkenMap.getSource('eigen-achtergrond')")
    page.wait_for_selector(".map-place", state="attached")
    n = page.evaluate("window.betrokkenMap.querySourceFeatures('gebieden')"
                      ".map(f => f.properties.code)"
                      ".filter((c, i, a) => a.indexOf(c) === i).length")
    labels = page.locator("button.map-label")
    assert labels.count() == n > 5
    # keyboard focus on a label shows the tooltip with the same sentence as its name
    labels.first.focus()
    tip = page.locator(".map-tooltip")
    tip.wait_for()
    assert "meest" in tip.inner_text() and labels.first.inner_text() in tip.inner_text()
    # hover over an area shows a tooltip too
    page.locator("#kaart").hover(position={"x": 30, "y": 30})
    code = click_first_area_on_map(page)
    assert code and page.locator(".map-tooltip").count() >= 1
    # the legend lists only the profiles that appear on this map, drawn opaque
    present = page.evaluate(
        "[...new Set(window.betrokkenMap.querySourceFeatures('gebieden')"
        ".map(f => f.properties.dominant).filter(Boolean))]")
    items = page.locator("#kaart-legenda li:has(.swatch:not(.swatch-suppressed))")
    assert items.count() == len(present) < 8
    assert page.evaluate("window.betrokkenMap.getPaintProperty('vlakken', 'fill-opacity')") == 1
    check_axe(page, "kaart-labels")
    shot(page, "14-kaart-labels")


def test_target_group_map_shows_difference_from_nl_on_a_diverging_scale(page):
    page.goto(f"/doelgroep?gebied={UTRECHT}&niveau=wijk")
    wait_for_map(page)
    page.get_by_label("Kleur op kaart").select_option("verschil")
    page.get_by_role("button", name="Toon").click()
    page.wait_for_url("**kleur=verschil**")
    wait_for_map(page)
    legend = page.locator("#kaart-legenda").inner_text()
    assert "verschil met Nederland" in legend and "procentpunt" in legend
    check_axe(page, "doelgroep-verschil")
    shot(page, "15-doelgroep-verschil")


def test_print_view_shows_every_column_without_controls(page):
    page.goto("/vergelijken?codes=WK034403,WK079601")
    page.emulate_media(media="print")
    assert not page.locator(".site-header nav").is_visible()
    assert not page.locator("form.compare-form").is_visible()
    overflow = page.locator(".table-scroll").first.evaluate("e => getComputedStyle(e).overflowX")
    assert overflow == "visible"


def test_start_page_national_map_colours_every_gemeente(page):
    page.goto("/")
    wait_for_map(page)
    codes = page.evaluate("[...new Set(window.betrokkenMap.querySourceFeatures('gebieden')"
                          ".map(f => f.properties.code))].length")
    coloured = page.evaluate("window.betrokkenMap.querySourceFeatures('gebieden')"
                             ".filter(f => f.properties.i_engagement_index !== undefined).length")
    assert codes > 300 and coloured > 0
    assert page.locator("#kaart-legenda li").count() == 7  # six classes and 'geen schatting'
    check_axe(page, "start-kaart")
    shot(page, "15-start-kaart")
