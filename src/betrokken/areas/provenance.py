"""Where an area's figure comes from, in Dutch, from the build's ``figure_sources`` column.

The build writes, per area row, ``derived_columns`` (figures CBS does not publish for the
area) and ``figure_sources`` (``column:origin`` pairs, origins in
``schema.FIGURE_ORIGINS``). Pages, dossiers and reports ask ``figure_origin`` /
``figure_note`` instead of showing a gemeente figure as the area's own. Pure Python (the
web reads plain dicts).
"""

from __future__ import annotations

MODEL_WORDS = "huur/koop, leeftijd, dichtheid en WOZ"
"""What the margin model estimates from (``areas.margins``), as the pages say it."""

DEFAULT_ORIGIN = {"wijk": "gemeente", "buurt": "wijk", "pc4": "wijken", "gemeente": "2022"}
"""Origin of a derived column that ``figure_sources`` does not name (older databases,
PC4 rows): the level above, or for a gemeente its own earlier year."""

COPIED = ("gemeente", "wijk")
"""Origins that are another area's figure, copied: never shown as the area's own."""


def _split(text) -> list[str]:
    return [p for p in str(text or "").split(",") if p]


def figure_origins(row: dict) -> dict[str, str]:
    """``{column: origin}`` for every derived column of an area row."""
    named = dict(p.split(":", 1) for p in _split(row.get("figure_sources")) if ":" in p)
    default = DEFAULT_ORIGIN.get(row.get("level") or "", "gemeente")
    return {c: named.get(c, default) for c in _split(row.get("derived_columns"))}


def figure_note(origin: str | None, *, gemeente: str | None = None,
                wijk: str | None = None) -> str | None:
    """The Dutch note for one origin ("gemeente Utrecht", "geschat uit …"); None = own."""
    if origin is None:
        return None
    if origin == "gemeente":
        return f"gemeente {gemeente}" if gemeente else "van de gemeente"
    if origin == "wijk":
        return f"wijk {wijk}" if wijk else "van de wijk"
    return {
        "wijken": "gemiddelde van de wijken van deze postcode",
        "model": f"geschat uit {MODEL_WORDS}",
        "2022": "eigen cijfer van 2022",
        "2019": "eigen cijfer van 2019, bijgesteld naar de gemeente nu",
        "adressen": "geschat uit adressen en oppervlakte",
    }.get(origin, "afgeleid")


def figure_notes(row: dict, *, gemeente: str | None = None,
                 wijk: str | None = None) -> dict[str, str]:
    """``{column: Dutch note}`` for every derived column of an area row."""
    return {c: figure_note(o, gemeente=gemeente, wijk=wijk)
            for c, o in figure_origins(row).items()}


def is_copied(row: dict, column: str) -> bool:
    """True when the area's value of ``column`` is another area's figure, copied."""
    return figure_origins(row).get(column) in COPIED
