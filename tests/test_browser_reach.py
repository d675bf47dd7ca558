"""Bereikcheck and Profielquiz in a real browser (Debian's Chromium through Playwright).

The adviser's flow: upload a participant list, read the verdict, download the XLSX; the
quiz and the Bereikcheck pages axe-clean and reflowing at 320 px; the quiz answered with
JavaScript switched off (a plain form POST).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from test_browser import (  # noqa: F401 - fixtures shared with the main browser tests
    CHROMIUM_ARGS,
    base_url,
    browser,
    check_axe,
    page,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_adviser_uploads_participants_reads_the_verdict_and_downloads(page, tmp_path):  # noqa: F811
    skewed = "postcode;leeftijd;geslacht\n" + "3511;65plus;vrouw\n3584;65plus;man\n" * 75
    upload = tmp_path / "deelnemers.csv"
    upload.write_text(skewed, encoding="utf-8")
    page.goto("/bereikcheck")
    page.get_by_label("Doelgebied").fill("GM0344")
    page.get_by_label("Of upload een bestand").set_input_files(str(upload))
    page.get_by_role("button", name="Controleer het bereik").click()
    page.locator("#resultaat").wait_for()
    age = page.locator("#tabel-leeftijd")
    assert "duidelijk oververtegenwoordigd" in age.locator("tr", has_text="65 jaar").inner_text()
    assert "duidelijk ondervertegenwoordigd" in age.locator("tr", has_text="25–44").inner_text()
    assert page.locator(".advice li").count() >= 2
    check_axe(page, "bereikcheck-resultaat")
    shot(page, "20-bereikcheck-resultaat")
    with page.expect_download() as info:
        page.locator("#download-xlsx").click()
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    groups = list(book["Groepen"].iter_rows(values_only=True))
    verdict = {row[1]: row[-1] for row in groups[1:]}
    assert verdict["65plus"] == "boven" and verdict["25_44"] == "onder"
    assert {"Advies", "Herweging"} <= set(book.sheetnames)


@pytest.mark.parametrize("path", ["/quiz", "/bereikcheck", "/quiz/afdrukken"])
def test_quiz_and_bereikcheck_pages_axe_clean_at_320_px(page, path):  # noqa: F811
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(path)
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"{path} is {sizes[0]} px breed op {sizes[1]} px"
    check_axe(page, f"{path}-320")
    shot(page, f"21{path.replace('/', '-')}-320")


def test_quiz_works_without_javascript(browser, base_url):  # noqa: F811
    context = browser.new_context(base_url=base_url, java_script_enabled=False,
                                  viewport={"width": 320, "height": 700})
    pg = context.new_page()
    try:
        items = pg.request.get("/api/quiz").json()["items"]
        profiles = {p["id"]: p["name"] for p in pg.request.get("/api/profiles").json()["profiles"]}
        response = pg.goto("/quiz")
        assert response.status == 200, (pg.url, pg.content()[:300])
        pg.set_default_timeout(10_000)
        for item in items:  # the most trusting answer everywhere
            pg.locator(f"#{item['id']}-{item['options'][-1]['value']}").check()
        pg.get_by_role("button", name="Bekijk mijn profiel").click()
        pg.locator("#resultaat").wait_for()
        answers = {it["id"]: it["options"][-1]["value"] for it in items}
        expected = pg.request.post("/api/quiz", data={"answers": answers}).json()["profile"]
        assert profiles[expected] in pg.locator("#resultaat-kop").inner_text()
        assert pg.locator("#resultaat table tbody tr").count() == len(profiles)
        # the answers stay checked in the returned form
        assert pg.locator(f"#{items[0]['id']}-{items[0]['options'][-1]['value']}").is_checked()
    finally:
        context.close()


def test_quiz_with_too_few_answers_says_the_minimum_in_an_alert(page):  # noqa: F811
    """Issue 20: the empty quiz used to answer 'Meest waarschijnlijk: …'; now the form
    comes back with a Dutch alert that names the minimum, and stays axe-clean."""
    page.goto("/quiz")
    first = page.locator("fieldset").first.locator("input[type=radio]").first
    first.check()
    page.get_by_role("button", name="Bekijk mijn profiel").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "minstens 6 nodig" in alert.inner_text()
    assert page.locator("#resultaat").count() == 0
    assert first.is_checked()  # the answer given stays in the form
    check_axe(page, "quiz-te-weinig")
