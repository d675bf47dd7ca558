"""Theme dossier and Aanpak pages in a real browser: axe-core clean, no sideways page
scroll at 320 px, and the area page's report link gives the area's PDF."""

from __future__ import annotations

import io

import pytest

from betrokken.themes import THEMES
from test_browser import base_url, browser, check_axe, page, shot  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UTRECHT, WIJK, PC4 = "GM0344", "WK034401", "3511"
PAGES = [
    *(f"/gebied/{UTRECHT}/thema/{slug}" for slug in THEMES),
    f"/gebied/{UTRECHT}/aanpak",
    f"/gebied/{WIJK}/thema/energie",
    f"/gebied/{PC4}/thema/leefomgeving",
    f"/gebied/{PC4}/aanpak",
    "/gebied/NL/thema/democratie",
    "/eigen-gebied/thema/veiligheid?postcodes=3511,3512",
    "/eigen-gebied/aanpak?postcodes=3511,3512",
]


def _name(path: str) -> str:
    return "thema" + path.replace("/", "-").replace("?postcodes=", "-").replace(",", "-")


@pytest.mark.parametrize("path", PAGES)
def test_theme_pages_pass_axe_and_reflow_at_320px(page, path):  # noqa: F811
    response = page.goto(path)
    assert response.status == 200
    # the evidence and year tables are part of the page: open them before axe looks
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    check_axe(page, path)
    page.set_viewport_size({"width": 320, "height": 700})
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{path} is {width[0]} px breed op een scherm van {width[1]} px"
    shot(page, _name(path))


def test_area_page_links_to_themes_and_report_pdf(page, base_url, built_db):  # noqa: F811
    from pypdf import PdfReader

    from betrokken.store.database import connect

    con = connect(built_db, read_only=True)
    name = con.execute("SELECT area_name FROM areas WHERE area_code = ? AND is_current",
                       [UTRECHT]).fetchone()[0]
    con.close()
    page.goto(f"/gebied/{UTRECHT}")
    # the theme block leads to the dossier page of this area
    page.get_by_role("navigation", name="Thema's en aanpak voor dit gebied").get_by_role(
        "link", name=THEMES["veiligheid"]).click()
    assert page.url.endswith(f"/gebied/{UTRECHT}/thema/veiligheid")
    assert page.get_by_role("heading", level=1).inner_text().startswith(THEMES["veiligheid"])
    page.go_back()
    link = page.get_by_role("link", name="Gebiedsrapport (PDF", exact=False)
    with page.expect_download() as info:
        link.click()
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert name in text and f"Gebiedsrapport {name}" in text
    answer = page.request.get(link.get_attribute("href"))
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body()[:4] == b"%PDF"
