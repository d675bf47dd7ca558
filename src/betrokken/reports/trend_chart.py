"""A small server-rendered line chart (inline SVG) for a theme indicator's years.

Readable in black and white and without colour vision: each line has its own dash
pattern and marker shape (solid with filled circles, dashed with open squares) and is
named at its last point, so no legend colour has to be matched; a ``*`` marks a point
flagged as not comparable. The figures themselves are always in a table beside the chart
(web page) or in the caption and table (PDF report). Plain strings, no plotting library:
the web pages draw them per request and a report draws several, in microseconds.
"""

from __future__ import annotations

from html import escape

from betrokken.dutch_numbers import number

WIDTH, HEIGHT = 320, 150
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 80, 12, 24
STYLES = (("none", "circle", "#000"), ("5 3", "square", "#fff"), ("1 3", "diamond", "#000"))
"""(dash pattern, marker, marker fill) per line, in order."""


def _fmt(value: float) -> str:
    return number(value, 0 if abs(value) >= 100 else 1)


def _marker(kind: str, x: float, y: float, fill: str) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{fill}" stroke="#000"/>'
    if kind == "square":
        return (f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{fill}" '
                'stroke="#000"/>')
    return (f'<path d="M{x:.1f} {y - 4:.1f}L{x + 4:.1f} {y:.1f}L{x:.1f} {y + 4:.1f}'
            f'L{x - 4:.1f} {y:.1f}Z" fill="{fill}" stroke="#000"/>')


LABEL_GAP = 11.0
"""Least vertical distance between two line names (px), so they never overlap."""


def _spread(ys: list[float], gap: float) -> list[float]:
    """Label positions near ``ys`` with at least ``gap`` between any two (order kept)."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    out = list(ys)
    for prev, cur in zip(order, order[1:], strict=False):
        out[cur] = max(out[cur], out[prev] + gap)
    return out


def trend_svg(lines: list[tuple[str, list[dict]]], title: str, chart_id: str) -> str | None:
    """SVG of one or more series ``(name, [{"year", "value"}, ...])``; None with fewer than
    two years in every series (a single point is no trend)."""
    lines = [(name, rows) for name, rows in lines if rows][: len(STYLES)]
    if not lines or max(len(rows) for _, rows in lines) < 2:
        return None
    years = sorted({r["year"] for _, rows in lines for r in rows})
    values = [r["value"] for _, rows in lines for r in rows]
    lo, hi = min(values), max(values)
    span = hi - lo or abs(hi) or 1.0
    lo, hi = lo - span * 0.1, hi + span * 0.1
    if min(values) >= 0 and lo < 0:
        lo = 0.0
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def sx(year: int) -> float:
        if len(years) == 1:
            return PAD_LEFT + plot_w / 2
        return PAD_LEFT + plot_w * (year - years[0]) / (years[-1] - years[0])

    def sy(value: float) -> float:
        return PAD_TOP + plot_h * (1 - (value - lo) / (hi - lo))

    parts = [
        f'<svg class="trend" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-titel" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-titel">{escape(title)}</title>',
        '<g font-size="10" fill="#000">',
    ]
    base = PAD_TOP + plot_h
    parts.append(f'<line x1="{PAD_LEFT}" y1="{base}" x2="{PAD_LEFT + plot_w}" y2="{base}" '
                 'stroke="#000"/>')
    for value in (lo, (lo + hi) / 2, hi):
        y = sy(value)
        parts.append(f'<line x1="{PAD_LEFT}" y1="{y:.1f}" x2="{PAD_LEFT + plot_w}" '
                     f'y2="{y:.1f}" stroke="#bbb" stroke-width="0.5"/>')
        parts.append(f'<text x="{PAD_LEFT - 4}" y="{y + 3:.1f}" text-anchor="end">'
                     f'{_fmt(value)}</text>')
    for year in (years[0], years[-1]) if len(years) > 1 else years:
        parts.append(f'<text x="{sx(year):.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
                     f'{year}</text>')
    label_y = _spread([sy(sorted(rows, key=lambda r: r["year"])[-1]["value"]) + 3
                       for _, rows in lines], LABEL_GAP)
    for (name, rows), (dash, marker, fill), y_label in zip(lines, STYLES, label_y,
                                                            strict=False):
        rows = sorted(rows, key=lambda r: r["year"])
        points = " ".join(f"{sx(r['year']):.1f},{sy(r['value']):.1f}" for r in rows)
        parts.append(f'<polyline points="{points}" fill="none" stroke="#000" '
                     f'stroke-width="1.5" stroke-dasharray="{dash}"/>')
        parts.extend(_marker(marker, sx(r["year"]), sy(r["value"]), fill) for r in rows)
        parts.extend(f'<text x="{sx(r["year"]):.1f}" y="{sy(r["value"]) - 5:.1f}" '
                     'text-anchor="middle">*</text>' for r in rows
                     if r.get("comparable") is False)
        last = rows[-1]
        short = name if len(name) <= 14 else name[:13] + "…"
        parts.append(f'<text x="{sx(last["year"]) + 7:.1f}" y="{y_label:.1f}">'
                     f'{escape(short)}</text>')
    parts.append("</g></svg>")
    return "".join(parts)
