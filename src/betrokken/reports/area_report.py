"""Gebiedsrapport (PDF) for an area or a postcode set, and the national Staat van
Betrokkenheid, typeset with Typst.

Why Typst (the ``typst`` PyPI wheel): it brings its own compiler and fonts (no system
dependencies, unlike WeasyPrint's Pango or a LaTeX install), compiles a few pages in well
under a second, and writes tagged PDF/UA-1 (structure tree, document language ``nl``,
alternative text on every figure; the compiler refuses a figure without ``alt``). Charts
are SVG from matplotlib in grey tones with markers and hatching, readable in black and
white. All text enters the template as JSON data, so nothing needs escaping.
"""

from __future__ import annotations

import json
import tempfile
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from betrokken.dutch_numbers import MISSING, number, percent, percent_interval, points  # noqa: E402
from betrokken.errors import BetrokkenError  # noqa: E402
from betrokken.reports.approach import approach  # noqa: E402
from betrokken.reports.national import national_sections  # noqa: E402
from betrokken.reports.themes import label_with_unit, theme_dossiers  # noqa: E402
from betrokken.reports.trend_chart import trend_svg  # noqa: E402
from betrokken.store import area_answers  # noqa: E402
from betrokken.store.catalogue import load_catalogue  # noqa: E402
from betrokken.store.citations import citation  # noqa: E402
from betrokken.store.database import connect, open_database  # noqa: E402
from betrokken.store.pc4_estimates import compose_postcodes  # noqa: E402
from betrokken.store.report_inputs import (  # noqa: E402
    area_outline_wkb,
    build_facts,
    current_area_count,
    gemeente_median,
    national_values,
    profile_names,
    source_rows,
)
from betrokken.store.search import area_code_for  # noqa: E402

TEMPLATE = "area_report.typ"
GREYS = ("#000000", "#555555", "#999999")


def _pct(x) -> str:
    return percent(x, 0)


def _fmt(x, unit: str | None = None) -> str:
    if x is None:
        return MISSING
    if unit == "%" and x <= 1:
        return _pct(x)
    return number(x, 1 if abs(x) < 100 else 0)


def _mix_chart(mix: list[dict], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6.5, 0.35 * len(mix) + 0.8))
    names = [m["name"] for m in mix][::-1]
    shares = [m["share"] * 100 for m in mix][::-1]
    lo = [(m["share"] - m["share_lo"]) * 100 for m in mix][::-1]
    hi = [(m["share_hi"] - m["share"]) * 100 for m in mix][::-1]
    ax.barh(names, shares, color="#bbbbbb", edgecolor="black", hatch="//")
    ax.errorbar(shares, names, xerr=[lo, hi], fmt="none", ecolor="black", capsize=3)
    nl = [m.get("nl") for m in mix][::-1]
    ax.scatter([v * 100 if v is not None else float("nan") for v in nl], names, marker="D",
               color="white", edgecolor="black", zorder=3, label="Nederland")
    ax.set_xlabel("% van de volwassenen")
    # above the bars, so the legend's marker never sits on a profile's own NL marker
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, format="svg")
    plt.close(fig)


def _trend_chart(trend: dict, label: str, gem_name: str, path: Path) -> None:
    """The same black-and-white line chart as the web pages (``trend_chart.trend_svg``)."""
    lines = [(name, trend.get(key) or []) for key, name in
             (("gemeente", gem_name), ("nederland", "Nederland"))]
    path.write_text(str(trend_svg(lines, label, path.stem)))


def _map(con, code: str, path: Path) -> bool:
    import shapely

    wkb = area_outline_wkb(con, code)
    if wkb is None:
        return False
    geom = shapely.from_wkb(wkb)
    fig, ax = plt.subplots(figsize=(3, 3))
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        if hasattr(poly, "exterior"):
            x, y = poly.exterior.xy
            ax.fill(x, y, facecolor="#dddddd", edgecolor="black", hatch="..", linewidth=0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.savefig(path, format="svg", bbox_inches="tight")
    plt.close(fig)
    return True


def _sources(con) -> list[str]:
    out = []
    for source in source_rows(con):  # the official table first, the copy read second
        cited = citation(source)
        out.append(cited["official"] + (f" (gelezen uit {cited['read_from']})" if cited["read_from"]
                                        else ""))
    out += ["Politie/CBS geregistreerde misdrijven 2012–2024 (47018NED), CC BY 4.0",
            "CBS energieverbruik per woning 2012–2022 (Kerncijfers wijken en buurten), "
            "CC BY 4.0",
            "CBS vertrouwen en politieke participatie 2012–2017 (82378NED), CC BY 4.0",
            "Kiesraad, verkiezingsuitslagen TK2021, GR2022, PS2019 (alleen getoond, nooit in "
            "een model)",
            "VU Kiezerspanel 2021 (profielen en houdingen per profiel)"]
    return out


METHOD = [
    "De acht betrokkenheidsprofielen komen uit een latente-klassenmodel op 32 vragen over "
    "vertrouwen en betrokkenheid in het VU Kiezerspanel 2021 (1.926 respondenten, gewogen "
    "naar CBS-verdelingen). De profielmix van een gebied volgt alleen uit de samenstelling "
    "naar leeftijd, geslacht, opleiding en migratieachtergrond; lokale verschillen in "
    "betrokkenheid komen uit de Gezondheidsmonitor.",
    "Elk cijfer heeft een 90%-interval. Een verschil heet duidelijk als het interval van het "
    "verschil geen nul bevat. Onder de gemeente zijn opleiding en inkomen van de gemeente "
    "overgenomen.",
    "Houdingen per profiel zijn gewogen gemiddelden over de respondenten (surveygewicht × "
    "kans op het profiel) met een bootstrapinterval. Wat de enquête niet vraagt, zoals "
    "drempels en prikkels voor energiemaatregelen, staat als 'niet bekend' vermeld.",
    "Verkiezingsuitslagen en officiële themacijfers worden alleen getoond; ze worden nooit "
    "gebruikt om een model te schatten.",
]


def report_data(con, cat, area: dict, *, workdir: Path, compare: dict | None = None,
                national: bool = False) -> dict:
    """Everything the template shows, with chart files written into ``workdir``."""
    info = build_facts(con)
    title = ("Staat van Betrokkenheid" if national else f"Gebiedsrapport {area['name']}")
    data = {
        "title": title, "national": national,
        "subtitle": ("Landelijk overzicht van betrokkenheid en vertrouwen" if national else
                     f"{area.get('level_label') or area.get('level') or 'eigen gebied'} "
                     f"{area['code']} · betrokkenheidsprofielen, thema's en aanpak"),
        "model_version": info.get("model_version", "?"),
        "data_version": info.get("built_at", info.get("build_date", "?"))[:19],
        "suppressed": bool(area.get("suppressed")),
        "suppression_message": "Voor dit gebied worden geen cijfers getoond: "
                               + (area.get("suppression_reason") or "te weinig inwoners")
                               + ". Zo voorkomen we schijnnauwkeurigheid en herleidbaarheid.",
        "intro": [], "map": None, "map_alt": "", "mix": [], "mix_chart": None, "mix_alt": "",
        "contrast_sentences": [], "local": [], "themes": [], "approach": [], "changes": [],
        "method": METHOD, "sources": _sources(con),
        "spread": [], "spread_chart": None, "spread_alt": "", "national_map": None,
        "trends": None, "turnout": [],
    }
    if area.get("population"):
        data["intro"].append(f"Inwoners: {number(area['population'])}")
    if data["suppressed"]:
        return data
    nl = cat.national
    mix = [{**m, "nl": (nl.get(m["profile_id"]) or (None,))[0]} for m in area.get("mix") or []]
    for m in mix:  # the table's text, by the one rule (dutch_numbers)
        m["share_text"] = percent(m.get("share"), 0)
        m["interval_text"] = percent_interval(m.get("share_lo"), m.get("share_hi"), 0)
        m["nl_text"] = percent(m["nl"], 0)
    data["mix"] = mix
    if mix:
        _mix_chart(mix, workdir / "mix.svg")
        data["mix_chart"] = "mix.svg"
        data["mix_alt"] = "Staafdiagram van de profielmix: " + "; ".join(
            f"{m['name']} {_pct(m['share'])}" for m in mix) + "."
    if not national and area.get("code") in cat.areas and _map(con, area["code"],
                                                               workdir / "map.svg"):
        data["map"], data["map_alt"] = "map.svg", f"Kaart met de grenzen van {area['name']}."
    if national:

        data.update(national_sections(con, cat, workdir))
    for ref in (area.get("contrasts") or {}).values():
        data["contrast_sentences"].append(ref["sentence"])
    for row in [] if national else (area.get("local") or {}).get("rows", []):
        data["local"].append({k: (_pct(row[k]) if isinstance(row.get(k), float) and k != "label"
                                  else (row.get(k) if k == "label" else "–"))
                              for k in ("label", "value", "gemeente", "nederland")})
    dossiers = theme_dossiers(con, cat, area)
    gem_name = (area.get("gemeente") or {}).get("name") or area["name"]
    for t in dossiers["themes"]:
        rows, charts = [], []
        for ind in t["indicators"] + t["national_series"]:
            unit = ind["unit"]
            as_frac = ind.get("scale") == "fraction"
            f = (lambda v: _pct(v)) if as_frac else (lambda v, u=unit: _fmt(v, u))
            woz = ind["indicator"] == "woz_avg"
            rows.append({"label": label_with_unit(ind["label"], unit) if not as_frac and not woz
                         else ind["label"], "year": str(ind["year"] or "–"),
                         "value": f(ind["value"]),
                         "gemeente": f(ind["gemeente"]) + (" *" if ind.get("note") else ""),
                         "nederland": f(ind["nederland"])})
            if ind.get("trend") and not national and len(charts) < 2 and ind["indicator"] in (
                    "crime_rate", "gas_m3", "nl_TweedeKamer", "nl_MeegedaanAanBijeenkomstOverheid"):
                name = f"trend_{ind['indicator']}.svg"
                _trend_chart(ind["trend"], ind["label"], gem_name, workdir / name)
                years = [r["year"] for r in (ind["trend"]["gemeente"] or
                                             ind["trend"]["nederland"])]
                charts.append({"path": name, "caption": f"{ind['label']}, {years[0]}–"
                               f"{years[-1]}; doorgetrokken = {gem_name}, gestreept = "
                               "Nederland; * = gebied later gegroeid, niet vergelijkbaar.",
                               "alt": f"Lijngrafiek van {ind['label']} van {years[0]} tot "
                                      f"{years[-1]}."})
        notes = sorted({i["note"] for i in t["indicators"] if i.get("note")})
        data["themes"].append({"title": t["title"], "parent_note": t["parent_note"],
                               "notes": notes,
                               "rows": rows, "charts": charts,
                               "profile_sentences": [p["sentence"] for p in t["profiles"]
                                                     if p.get("sentence")][:3],
                               "unknown": t["unknown"]})
    if not national:
        plan = approach(area, cat)
        data["approach"] = [{"title": s["title"], "items": [i["text"] for i in s["items"]]}
                            for s in plan["sections"]]
    if compare:
        data["changes"] = compare.get("lines", [])
    return data


def render_pdf(data: dict, workdir: Path) -> bytes:
    """Compile the template with ``data`` (charts already in ``workdir``) to tagged PDF."""
    import typst

    template = resources.files("betrokken.reports").joinpath("templates", TEMPLATE).read_text()
    (workdir / "report.typ").write_text(template)
    (workdir / "data.json").write_text(json.dumps(data, ensure_ascii=False, default=str))
    try:
        return typst.compile(str(workdir / "report.typ"), root=str(workdir),
                             pdf_standards=["ua-1"])
    except Exception as exc:  # typst raises its own error type with the source position
        raise BetrokkenError(f"Het rapport kon niet worden opgemaakt: {exc}") from None


def area_report(con, cat, area: dict, *, national: bool = False,
                compare: dict | None = None) -> bytes:
    """PDF bytes of the report of ``area`` (``area_answers.area_detail`` or a composed area)."""
    with tempfile.TemporaryDirectory(prefix="betrokken-report-") as tmp:
        work = Path(tmp)
        return render_pdf(report_data(con, cat, area, workdir=work, compare=compare,
                                      national=national), work)


def compare_builds(con, old_path: Path) -> dict:
    """What changed in the national picture since an older database."""
    old_path = Path(old_path)
    if not old_path.is_file():
        raise BetrokkenError(f"Vergelijkingsdatabase '{old_path}' bestaat niet.")
    old = connect(old_path, read_only=True)  # checked, offline; may be an older layout
    lines = []
    try:
        new_nat = national_values(con)
        old_nat = national_values(old)
        names = profile_names(con)
        for measure, value in new_nat.items():
            before = old_nat.get(measure)
            label = names.get(measure, INDEX_LABELS.get(measure, measure.replace("_", " ")))
            if before is None:
                lines.append(f"{label}: nu {_pct1(value)}; niet in de vorige database.")
            else:
                lines.append(f"{label}: {_pct1(before)} → {_pct1(value)} "
                             f"({points(value - before)})")
        for measure, label in (("engagement_index", "betrokkenheid (index)"),
                               ("low_trust_share", "laag vertrouwen")):
            now, before = gemeente_median(con, measure), gemeente_median(old, measure)
            if now is not None and before is not None:
                lines.append(f"Mediaan van de gemeenten, {label}: {_pct1(before)} → "
                             f"{_pct1(now)} ({points(now - before)})")
        n_new, n_old = current_area_count(con), current_area_count(old)
        lines.append(f"Aantal gebieden: {n_old} → {n_new}.")
    finally:
        old.close()
    return {"lines": lines}


INDEX_LABELS = {"engagement_index": "betrokkenheid (index)",
                "political_engagement": "politieke betrokkenheid",
                "local_engagement": "lokale betrokkenheid", "low_trust_share": "laag vertrouwen"}


def _pct1(x: float) -> str:
    return percent(x, 1)


def national_area(cat) -> dict:
    """The country as an 'area' for the report machinery (NL mix from the build)."""
    detail = area_answers.national_detail(cat)
    return {**detail, "code": "NL", "name": "Nederland", "level": "land",
            "suppressed": False, "contrasts": {}, "local": area_answers.local_rows(cat, "NL01")}


def composed_area(composition: dict, cat) -> dict:
    """A composed postcode set (``PostcodeComposer.compose``) in the shape of an area.

    The gemeente is the one holding most of the used postcodes' residents (its official
    theme figures are shown, labelled); with nothing publishable the area is suppressed.
    """
    used = composition.get("used") or []
    name = "Eigen gebied (" + ", ".join(composition.get("postcodes", [])[:6]) + \
        (" …" if len(composition.get("postcodes", [])) > 6 else "") + ")"
    area = {"code": "eigen gebied", "name": name, "level": "pc4-selectie",
            "level_label": "Eigen gebied", "population": None,
            "suppressed": not used or not composition.get("mix"),
            "suppression_reason": "geen van de postcodes heeft genoeg inwoners om cijfers te "
                                  "tonen" if not used else None,
            "mix": composition.get("mix") or [], "contrasts": {}, "local": None,
            "indices": {"low_trust_share": composition.get("low_trust_share")},
            "gemeente": None}
    if used:
        weights: dict[str, float] = {}
        for code in used:
            row = cat.areas.get(code) or {}
            gem = row.get("gemeente_code")
            if gem:
                weights[gem] = weights.get(gem, 0) + (row.get("population") or 0)
        if weights:
            gem = max(weights, key=weights.get)
            area["gemeente"] = {"code": gem, "name": (cat.areas.get(gem) or {}).get("area_name",
                                                                                     gem)}
        area["population"] = int(composition.get("population") or 0)
    return area


def write_report(db_path: Path, out: Path, *, area_code: str | None = None,
                 postcodes: list[str] | None = None, national: bool = False,
                 compare_to: Path | None = None) -> Path:
    """The CLI's job: open the database, build the chosen report, write ``out``."""
    if sum(x is not None and x is not False for x in (area_code, postcodes, national)) != 1:
        raise BetrokkenError("Kies precies één van --area, --postcodes of --national.")
    if compare_to is not None and not national:
        raise BetrokkenError("--compare-to hoort bij --national.")
    if not Path(db_path).is_file():
        raise BetrokkenError(f"Database '{db_path}' bestaat niet.",
                             hint="Bouw eerst met 'betrokken build'.")
    con = open_database(db_path)
    try:
        cat = load_catalogue(con)
        if national:
            pdf = area_report(con, cat, national_area(cat), national=True,
                              compare=compare_builds(con, compare_to) if compare_to else None)
        elif postcodes is not None:
            pdf = area_report(con, cat, composed_area(compose_postcodes(con, postcodes), cat))
        else:
            code = area_code.strip().replace(" ", "").upper()
            if code not in cat.areas:  # a name: 'Utrecht', 'overvecht', 'Den Haag'
                code = area_code_for(cat, area_code, option="--area")
            pdf = area_report(con, cat, area_answers.area_detail(cat, code))
    finally:
        con.close()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    return out
