"""The pages' Jinja filters and labels; numbers are written by ``betrokken.dutch_numbers``
(one rule for pages, reports and the CLI)."""

from __future__ import annotations

from betrokken import schema
from betrokken.dutch_numbers import interval_adds, number, percent, percent_interval, points
from betrokken.store.citations import citation

DEMOGRAPHIC_GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Leeftijd",
        (
            ("share_age_0_14", "0–14 jaar"),
            ("share_age_15_24", "15–24 jaar"),
            ("share_age_25_44", "25–44 jaar"),
            ("share_age_45_64", "45–64 jaar"),
            ("share_age_65plus", "65 jaar en ouder"),
        ),
    ),
    ("Geslacht", (("share_man", "Man"), ("share_vrouw", "Vrouw"))),
    (
        "Huishoudens",
        (
            ("share_hh_single", "Eenpersoonshuishoudens"),
            ("share_hh_couple_no_children", "Paren zonder kinderen"),
            ("share_hh_with_children", "Huishoudens met kinderen"),
        ),
    ),
    (
        "Herkomst",
        (
            ("share_migration_nl", "Nederlandse achtergrond"),
            ("share_migration_west", "Westerse migratieachtergrond"),
            ("share_migration_nietwest", "Niet-westerse migratieachtergrond"),
        ),
    ),
    (
        "Opleiding",
        (
            ("share_edu_laag", "Laag opgeleid"),
            ("share_edu_midden", "Middelbaar opgeleid"),
            ("share_edu_hoog", "Hoog opgeleid"),
        ),
    ),
    (
        "Inkomen en wonen",
        (
            ("share_low_income_hh", "Huishoudens met laag inkomen"),
            ("share_high_income_hh", "Huishoudens met hoog inkomen"),
            ("share_owner_occupied", "Koopwoningen"),
            ("income_avg", "Gemiddeld inkomen per inwoner"),
            ("woz_avg", "Gemiddelde WOZ-waarde"),
        ),
    ),
    (
        "Omgeving",
        (
            ("address_density", "Omgevingsadressendichtheid (adressen per km²)"),
            ("urbanity", "Stedelijkheid"),
        ),
    ),
)

URBANITY_LABELS = {
    1: "zeer sterk stedelijk",
    2: "sterk stedelijk",
    3: "matig stedelijk",
    4: "weinig stedelijk",
    5: "niet stedelijk",
}

LEVEL_PLURALS_NL = {
    "gemeente": "gemeenten",
    "wijk": "wijken",
    "buurt": "buurten",
    "pc4": "postcodes",
}


def demographic_value(column: str, value) -> str:
    """A demographic as a Dutch reader expects it (share, euros, density, class)."""
    if value is None:
        return "–"
    if column.startswith("share_"):
        return percent(value)
    if column in ("income_avg", "woz_avg"):
        return "€ " + number(float(value) * 1000)
    if column == "urbanity":
        cls = int(round(float(value)))
        return f"{cls} ({URBANITY_LABELS.get(cls, '?')})"
    return number(value)


def level_label(level: str) -> str:
    return schema.LEVEL_LABELS_NL.get(level, level)


def level_plural(level: str) -> str:
    return LEVEL_PLURALS_NL.get(level, level)


def bar_pct(value) -> str:
    """CSS percentage for a bar width, clamped to 0–100."""
    if value is None:
        return "0%"
    return f"{max(0.0, min(1.0, float(value))) * 100:.2f}%"


def card_items(items) -> str:
    """A card's list field (channels, over-indexes) as one Dutch line.

    Items are strings or dicts with a ``label`` and optionally ``days_per_week`` or
    ``ratio`` (how much more often than nationally).
    """
    if not items:
        return ""
    if isinstance(items, str):
        return items
    parts = []
    for item in items:
        if not isinstance(item, dict):
            parts.append(str(item))
            continue
        label = str(item.get("label") or item.get("id") or "")
        if item.get("days_per_week") is not None:
            label += f" ({number(item['days_per_week'], 1)} dagen per week)"
        elif item.get("ratio") is not None:
            label += f" (×{number(item['ratio'], 1)})"
        parts.append(label)
    return "; ".join(p for p in parts if p)


FILTERS = {
    "signed_pp": points,
    "card_items": card_items,
    "pct": percent,
    "pct_interval": percent_interval,
    "interval_adds": interval_adds,
    "citation": citation,
    "number": number,
    "demographic": demographic_value,
    "level_label": level_label,
    "level_plural": level_plural,
    "bar_pct": bar_pct,
}
