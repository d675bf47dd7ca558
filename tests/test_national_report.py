"""Staat van Betrokkenheid: the national report's spread, map, trends and changes are the
database's and source files' numbers, not just a PDF that exists."""

from __future__ import annotations

import io

import duckdb
import pandas as pd
import pytest

from betrokken.dutch_numbers import number, percent, points
from betrokken.reports import national
from betrokken.reports.area_report import write_report
from betrokken.sources import themes as src
from betrokken.store.catalogue import load_catalogue

SHIFT = 0.02
"""How much lower the 'earlier build' puts the national engagement index."""


def _pct1(x: float) -> str:
    return percent(x, 1)


def _num(x: float) -> str:
    return number(x, 1)


@pytest.fixture(scope="module")
def report(built_db, tmp_path_factory):
    """The national report against a small 'earlier' database: the same areas, the
    engagement index SHIFT lower nationally and in every gemeente."""
    tmp = tmp_path_factory.mktemp("national")
    old = tmp / "old.duckdb"
    con = duckdb.connect(str(old))
    con.execute(f"ATTACH '{built_db}' AS new (READ_ONLY)")
    con.execute("CREATE TABLE national_estimates AS SELECT measure, CASE WHEN measure = "
                f"'engagement_index' THEN value - {SHIFT} ELSE value END AS value "
                "FROM new.national_estimates")
    con.execute("CREATE TABLE areas AS SELECT * FROM new.areas")
    con.execute("CREATE TABLE area_indices AS SELECT * REPLACE (engagement_index - "
                f"{SHIFT} AS engagement_index) FROM new.area_indices")
    con.close()
    out = write_report(built_db, tmp / "nl.pdf", national=True, compare_to=old)
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)
    return " ".join(text.split())


@pytest.fixture(scope="module")
def con(built_db):
    c = duckdb.connect(str(built_db), read_only=True)
    yield c
    c.close()


def _published(con, level: str, measure: str) -> pd.DataFrame:
    return con.execute(
        f"SELECT i.area_code, i.{measure} AS v FROM area_indices i JOIN areas a ON "
        "a.area_code = i.area_code AND a.year = i.year AND a.level = i.level AND a.is_current "
        f"WHERE i.level = '{level}' AND NOT coalesce(i.suppressed, false) "
        f"AND i.{measure} IS NOT NULL").df()


def test_spread_of_gemeenten_and_wijken_is_the_databases(report, con):
    for level, plural in (("gemeente", "gemeenten"), ("wijk", "wijken")):
        for measure, label in national.MEASURES.items():
            values = _published(con, level, measure)
            p10, med, p90 = values.v.quantile([0.1, 0.5, 0.9])
            row = f"{plural} {label} {len(values)} {_pct1(p10)} {_pct1(med)} {_pct1(p90)}"
            assert row in report, row
    gem = _published(con, "gemeente", "engagement_index")
    lowest = gem.loc[gem.v.idxmin()]
    name = con.execute("SELECT area_name FROM areas WHERE area_code = ? AND is_current",
                       [lowest.area_code]).fetchone()[0]
    assert f"laagst {name} ({_pct1(lowest.v)})" in report


def test_map_of_gemeenten_has_every_published_gemeente_in_a_class(con, tmp_path):
    cat = load_catalogue(con)
    found = national.gemeente_map(con, cat, tmp_path / "m.svg")
    gemeenten = [c for c, r in cat.areas.items() if r["level"] == "gemeente"]
    assert found["n"] == len(gemeenten)
    counts = [int(label.rsplit("(", 1)[1].rstrip(")")) for label in found["classes"]]
    assert sum(counts) == len(_published(con, "gemeente", "engagement_index"))
    assert max(counts) - min(counts) <= 1  # quantile classes: a fifth each
    assert (tmp_path / "m.svg").stat().st_size > 10_000


def test_trends_are_the_source_files(report, data_dir, con):
    crime = pd.read_csv(data_dir / "themes" / src.CRIME_FILE)
    sums = crime.groupby("crime_year")[["cr_totaal_misdrijven", "aantal_inwoners"]].sum()
    rate = sums.cr_totaal_misdrijven / sums.aantal_inwoners * 1000
    first, last = rate.index.min(), rate.index.max()
    # the first year misses the gemeenten merged away later: marked as not comparable
    assert crime[crime.crime_year == first].flag_area_grew_by_2024.any()
    assert (f"alle misdrijven {_num(rate[first])}* in {first}, {_num(rate[last])} in {last}"
            in report)
    assert national.NOT_COMPARABLE_NOTE.rstrip(".") in report
    trust = pd.read_csv(data_dir / "themes" / src.TRUST_FILE, sep=";")
    tk = trust[trust.Migratieachtergrond == "Totaal"].set_index("Periode")["TweedeKamer"]
    assert (f"Tweede Kamer {_num(tk[tk.index.min()])} in {tk.index.min()}, "
            f"{_num(tk[tk.index.max()])} in {tk.index.max()}") in report
    part = pd.read_csv(data_dir / "themes" / src.PARTICIPATION_FILE, sep=";")
    meet = part[part.Migratieachtergrond == "Totaal"].set_index("Periode")[
        "MeegedaanAanBijeenkomstOverheid"]
    assert f"bijeenkomst overheid {_num(meet[2012])} in 2012, {_num(meet[2017])} in 2017" \
        in report
    turnout = con.execute("SELECT value FROM theme_indicators WHERE area_code = 'NL' AND "
                          "indicator = 'turnout_tk2021'").fetchone()[0]
    assert f"Opkomst Tweede Kamer 2021: {_num(turnout)}%" in report
    for title in ("Energie en warmte", "Leefomgeving en samenleven", "Veiligheid",
                  "Politiek en democratie"):
        assert title in report


def test_changes_since_the_earlier_build(report, con):
    now = con.execute("SELECT value FROM national_estimates WHERE measure = "
                      "'engagement_index'").fetchone()[0]
    shift = points(SHIFT)
    assert shift == "+2 procentpunt"
    line = f"betrokkenheid (index): {_pct1(now - SHIFT)} → {_pct1(now)} ({shift})"
    assert "Wat veranderde sinds de vorige bouw" in report
    assert line in report, line
    med = _published(con, "gemeente", "engagement_index").v.median()
    assert (f"Mediaan van de gemeenten, betrokkenheid (index): {_pct1(med - SHIFT)} → "
            f"{_pct1(med)} ({shift})") in report
    # unchanged measures say so, without a sign
    assert "laag vertrouwen: " in report and "(0 procentpunt)" in report
