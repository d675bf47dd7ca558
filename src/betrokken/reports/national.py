"""The national parts of the Staat van Betrokkenheid: how gemeenten and wijken spread on
engagement and trust (table, histograms, a map of gemeenten) and the national trends the
data allow (crime, energy, CBS trust and participation 2012–2017, turnout as facts).

Every figure is read from the build (``area_indices``, ``area_geometries``,
``theme_indicators``); charts are grey with hatching and markers, readable in black and
white, and each carries alternative text with the numbers it shows.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from betrokken.dutch_numbers import number, percent  # noqa: E402
from betrokken.store.theme_tables import gemeente_outlines_wkb, indicator_rows  # noqa: E402

NL = "NL"
MEASURES = {"engagement_index": "betrokkenheid (index)",
            "low_trust_share": "aandeel met laag vertrouwen"}
LEVELS = {"gemeente": "gemeenten", "wijk": "wijken"}
MAP_CLASSES = 5
MAP_GREYS = ("#f2f2f2", "#c8c8c8", "#969696", "#5f5f5f", "#252525")
MAP_SIMPLIFY_M = 250.0
"""Outline simplification for the national map (RD metres): invisible at A4, small SVG."""
TRENDS = [  # (title, [(indicator, line name)], unit)
    ("Geregistreerde misdrijven per 1.000 inwoners",
     [("crime_rate", "alle misdrijven")], "per 1.000"),
    ("Woninginbraken en mishandelingen per 1.000 inwoners",
     [("burglary_rate", "woninginbraak"), ("assault_rate", "mishandeling")], "per 1.000"),
    ("Gemiddeld aardgasverbruik per woning", [("gas_m3", "aardgas")], "m³"),
    ("Gemiddeld elektriciteitsverbruik per woning", [("electricity_kwh", "elektriciteit")],
     "kWh"),
    ("Vertrouwen (CBS), % van de bevolking",
     [("nl_TweedeKamer", "Tweede Kamer"), ("nl_Rechters", "rechters"),
      ("nl_Politie", "politie"), ("nl_VertrouwenInAndereMensen", "andere mensen")], "%"),
    ("Politieke participatie (CBS), % van de bevolking",
     [("nl_MeegedaanAanBijeenkomstOverheid", "bijeenkomst overheid"),
      ("nl_ContactOpgenomenMetPoliticus", "contact met politicus"),
      ("nl_MeegedaanPolitiekeActieViaInternet", "actie via internet")], "%"),
]
TURNOUT = (("turnout_tk2021", "Tweede Kamer 2021"), ("turnout_ps2019", "Provinciale Staten 2019"),
           ("turnout_gr2022", "Gemeenteraad 2022"))
MARKERS = ("o", "s", "^", "D")
LINES = ("-", "--", ":", "-.")


def num(x: float, digits: int = 1) -> str:
    """Dutch decimal comma, thousands with a dot."""
    return number(x, digits)


def pct(x: float | None) -> str:
    return percent(x, 1)


def _values(cat, level: str, measure: str) -> list[tuple[str, float]]:
    out = []
    for code, row in cat.areas.items():
        ind = cat.indices.get(code)
        if row["level"] != level or not ind or ind.get("suppressed"):
            continue
        if ind.get(measure) is not None:
            out.append((code, float(ind[measure])))
    return out


def _area_name(cat, code: str) -> str:
    return cat.areas[code]["area_name"] or code


def spread_table(cat) -> list[dict]:
    """Per level and measure: number of areas, P10, median, P90, lowest and highest
    gemeente (areas with a published estimate only)."""
    rows = []
    for level, plural in LEVELS.items():
        for measure, label in MEASURES.items():
            pairs = _values(cat, level, measure)
            if not pairs:
                continue
            values = np.array([v for _, v in pairs])
            p10, med, p90 = np.percentile(values, [10, 50, 90])
            low = min(pairs, key=lambda p: p[1])
            high = max(pairs, key=lambda p: p[1])
            rows.append({"level": plural, "measure": label, "n": len(values),
                         "p10": pct(float(p10)), "median": pct(float(med)),
                         "p90": pct(float(p90)),
                         "low": f"{_area_name(cat, low[0])} ({pct(low[1])})",
                         "high": f"{_area_name(cat, high[0])} ({pct(high[1])})"})
    return rows


def spread_chart(cat, path: Path) -> str | None:
    """Histograms (gemeenten, wijken × engagement, low trust); the alt text."""
    panels = [(lvl, m) for lvl in LEVELS for m in MEASURES if _values(cat, lvl, m)]
    if not panels:
        return None
    fig, axes = plt.subplots(len(LEVELS), len(MEASURES), figsize=(6.5, 4.6), squeeze=False)
    for i, level in enumerate(LEVELS):
        for j, measure in enumerate(MEASURES):
            ax = axes[i][j]
            values = [v * 100 for _, v in _values(cat, level, measure)]
            if not values:
                ax.axis("off")
                continue
            ax.hist(values, bins=20, color="#bbbbbb", edgecolor="black",
                    hatch="//" if j == 0 else "..")
            ax.axvline(float(np.median(values)), color="black", linestyle="--", linewidth=1)
            ax.set_title(f"{LEVELS[level].capitalize()}: {MEASURES[measure]}", fontsize=9)
            ax.set_xlabel("%", fontsize=8)
            ax.set_ylabel("aantal", fontsize=8)
            ax.tick_params(labelsize=7)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, format="svg")
    plt.close(fig)
    return ("Vier histogrammen: verdeling van gemeenten en wijken naar betrokkenheid en naar "
            "aandeel met laag vertrouwen; de gestreepte lijn is de mediaan. De tabel "
            "eronder geeft dezelfde verdeling in cijfers.")


def gemeente_map(con, cat, path: Path) -> dict | None:
    """Gemeenten coloured by engagement index in quantile classes (grey steps); hatched
    white where no estimate is published. None without geometries."""
    import shapely

    values = dict(_values(cat, "gemeente", "engagement_index"))
    gemeenten = [c for c, r in cat.areas.items() if r["level"] == "gemeente"]
    try:
        rows = gemeente_outlines_wkb(con, MAP_SIMPLIFY_M)
    except Exception:  # noqa: BLE001 - a database without geometries has no map
        return None
    shapes = {code: shapely.from_wkb(bytes(wkb)) for code, wkb in rows
              if code in set(gemeenten) and wkb is not None}
    if not shapes or not values:
        return None
    breaks = np.quantile(list(values.values()), np.linspace(0, 1, MAP_CLASSES + 1))
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(5.2, 6))
    counts = [0] * MAP_CLASSES
    verts: dict[int, list] = {k: [] for k in range(-1, MAP_CLASSES)}  # -1: no estimate
    for code, geom in shapes.items():
        value = values.get(code)
        k = -1
        if value is not None:
            k = max(min(int(np.searchsorted(breaks, value, side="right")) - 1,
                        MAP_CLASSES - 1), 0)
            counts[k] += 1
        verts[k] += [np.asarray(poly.exterior.coords)[:, :2]
                     for poly in getattr(geom, "geoms", [geom]) if hasattr(poly, "exterior")]
    for k, polys in verts.items():
        if polys:
            ax.add_collection(PolyCollection(
                polys, facecolors="white" if k < 0 else MAP_GREYS[k], edgecolors="black",
                linewidths=0.15, hatch="xxx" if k < 0 else None))
    ax.autoscale_view()

    labels = [f"{pct(breaks[k])} – {pct(breaks[k + 1])} ({counts[k]})"
              for k in range(MAP_CLASSES)]
    handles = [Patch(facecolor=MAP_GREYS[k], edgecolor="black", label=labels[k])
               for k in range(MAP_CLASSES)]
    handles.append(Patch(facecolor="white", edgecolor="black", hatch="xxx",
                         label="geen schatting"))
    ax.legend(handles=handles, loc="upper left", fontsize=7, frameon=False,
              title="Betrokkenheid (index)", title_fontsize=8)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.savefig(path, format="svg", bbox_inches="tight")
    plt.close(fig)
    return {"n": len(shapes), "classes": labels,
            "alt": "Kaart van de gemeenten van Nederland in vijf grijstinten naar "
                   "betrokkenheid (index), van licht (laagste vijfde) tot donker (hoogste "
                   "vijfde): " + "; ".join(labels) + "."}


NOT_COMPARABLE_NOTE = ("* niet goed vergelijkbaar: de misdrijven liggen op de grenzen van "
                       "2024, maar gemeenten die later zijn opgeheven ontbreken in dat jaar "
                       "met hun inwoners, zodat het cijfer iets te hoog uitvalt.")


def _nl_series(con, indicator: str) -> list[tuple[int, float]]:
    return [(int(y), float(v)) for y, v, _ in _nl_rows(con, indicator)]


def _nl_rows(con, indicator: str) -> list[tuple[int, float, bool]]:
    return [(int(y), float(v), bool(c)) for y, v, c in indicator_rows(con, indicator, NL)]


def trends(con, workdir: Path) -> dict | None:
    """All national trends of ``TRENDS`` in one figure (a panel each; one figure is drawn
    much faster than six) and one line of figures per panel."""
    panels = []
    for title, series, unit in TRENDS:
        data = [(name, _nl_rows(con, ind)) for ind, name in series]
        data = [(name, rows) for name, rows in data if len(rows) > 1]
        if data:
            panels.append((title, data, unit))
    flagged = False
    if not panels:
        return None
    cols = 2
    rows_n = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows_n, cols, figsize=(6.5, 2.1 * rows_n), squeeze=False)
    lines = []
    for ax, (title, data, unit) in zip(axes.flat, panels, strict=False):
        for k, (name, rows) in enumerate(data):
            ax.plot([r[0] for r in rows], [r[1] for r in rows], LINES[k % 4],
                    marker=MARKERS[k % 4], markersize=4, color="black",
                    markerfacecolor="white" if k % 2 else "black", label=name)
        ax.set_title(title, fontsize=8)
        ax.set_ylabel(unit, fontsize=7)
        ax.tick_params(labelsize=7)
        if len(data) > 1:
            ax.legend(frameon=False, fontsize=6, ncol=2)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        digits = 0 if unit in ("m³", "kWh") else 1
        years = sorted({r[0] for _, rows in data for r in rows})

        def cell(row, d=digits) -> str:
            return f"{num(row[1], d)}{'' if row[2] else '*'} in {row[0]}"

        flagged |= any(not r[2] for _, rows in data for r in (rows[0], rows[-1]))
        lines.append(f"{title} ({years[0]}–{years[-1]}): " + "; ".join(
            f"{n} {cell(rows[0])}, {cell(rows[-1])}" for n, rows in data))
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(workdir / "trends_nl.svg", format="svg")
    plt.close(fig)
    if flagged:
        lines.append(NOT_COMPARABLE_NOTE.rstrip("."))
    return {"chart": "trends_nl.svg", "lines": lines,
            "alt": "Lijngrafieken van landelijke trends. " + " ".join(f"{t}." for t in lines)}


def turnout(con) -> list[str]:
    """National turnout per election, shown as facts (never a model input)."""
    out = []
    for indicator, label in TURNOUT:
        rows = _nl_series(con, indicator)
        if rows:
            out.append(f"Opkomst {label}: {num(rows[-1][1])}%")
    return out


def national_sections(con, cat, workdir: Path) -> dict:
    """Everything the national report adds to the shared template."""
    data = {"spread": spread_table(cat), "spread_chart": None, "spread_alt": "",
            "national_map": None, "trends": trends(con, workdir), "turnout": turnout(con)}
    alt = spread_chart(cat, workdir / "spread.svg")
    if alt:
        data["spread_chart"], data["spread_alt"] = "spread.svg", alt
    found = gemeente_map(con, cat, workdir / "nl_map.svg")
    if found:
        data["national_map"] = {"path": "nl_map.svg", **found}
    return data
