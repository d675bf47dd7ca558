"""Display fixes for the profile cards and a one-line persona for each profile.

The cards (names, portraits) are generated with the model artifact (``model/cards.py``)
and are not refitted here; this module only repairs their Dutch for display: plural
names take a plural verb ("Gematigde volgers ... hebben"), the 0-10 trust score is not
called a school grade ("rapportcijfer"), "weinig betrokken: 84 % stemde" gets the
national turnout beside it, and education is named as in the CBS tables.
"""

from __future__ import annotations

import re

__all__ = ["is_plural", "one_liner", "portrait", "profile_texts"]

_TRUST_WORDS = {"laag": "Weinig vertrouwen", "gemiddeld": "Gemiddeld vertrouwen",
                "hoog": "Veel vertrouwen"}
_ENGAGEMENT_WORDS = {"laag": "minder betrokken dan gemiddeld", "gemiddeld": "gemiddeld betrokken",
                     "hoog": "sterk betrokken"}
_LEVEL_IN_PORTRAIT = {"weinig": "laag", "gemiddeld": "gemiddeld", "sterk": "hoog"}
_LABELS = {"praktisch opgeleid": "laag opgeleid", "hbo- of wo-opgeleid": "hoog opgeleid"}


def is_plural(name: str) -> bool:
    """'Gematigde volgers', 'Tevreden optimisten' are plural; 'Stille middengroep' is not.

    Dutch plural nouns end in -s or -en; the one collective name ends in neither.
    """
    return name.strip().split()[-1].lower().endswith(("s", "en"))


def _pct(x: float) -> str:
    return f"{round(100 * x):d} %"


def national_turnout(profiles: list[dict]) -> float | None:
    """Share-weighted 2017 turnout over the profiles (the survey's national figure)."""
    pairs = [(p.get("share") or 0, (p.get("evidence") or {}).get("turnout_2017"))
             for p in profiles]
    pairs = [(w, t) for w, t in pairs if t is not None]
    total = sum(w for w, _ in pairs)
    return sum(w * t for w, t in pairs) / total if pairs and total else None


def portrait(card: dict, turnout_nl: float | None) -> str:
    """The card's portrait with the display fixes of the module docstring."""
    text = card.get("portrait") or ""
    name = card.get("name", "")
    if is_plural(name):
        text = re.sub(r"^(" + re.escape(name) + r" \([^)]*\)) heeft ", r"\1 hebben ", text)
        text = text.replace(") en is ", ") en zijn ", 1)
        text = text.replace("zoals hen) en is ", "zoals hen) en zijn ", 1)
    text = re.sub(r"rapportcijfer voor de regering gemiddeld (\d+,\d)",
                  r"vertrouwen in de regering gemiddeld \1 op een schaal van 0 tot 10", text)

    def engagement(m: re.Match) -> str:
        level = _LEVEL_IN_PORTRAIT.get(m.group(1), "gemiddeld")
        nl = f" (alle volwassenen: {_pct(turnout_nl)})" if turnout_nl is not None else ""
        return f"{_ENGAGEMENT_WORDS[level]}: {m.group(2)} stemde in 2017{nl}"

    text = re.sub(r"(weinig|gemiddeld|sterk) betrokken: (\d+ %) stemde in 2017", engagement, text)
    for old, new in _LABELS.items():
        text = text.replace(old, new)
    return text


def one_liner(card: dict) -> str:
    """'Weinig vertrouwen, minder betrokken dan gemiddeld; vaak 45–64 jaar of laag opgeleid.'"""
    trust = _TRUST_WORDS.get(card.get("trust_level"), "Gemiddeld vertrouwen")
    eng = _ENGAGEMENT_WORDS.get(card.get("engagement_level"), "gemiddeld betrokken")
    groups = [_LABELS.get(o["label"], o["label"]) for o in (card.get("over_indexes") or [])
              if o.get("variable") != "region"][:2]
    groups = [f"met een {g}" if "migratieachtergrond" in g else g for g in groups]
    who = f"; vaak {' of '.join(groups)}" if groups else "; een doorsnee van de bevolking"
    style = card.get("participation_style")
    how = f". Aanpak: {style}" if style else ""
    return f"{trust}, {eng}{who}{how}."


def profile_texts(profiles: list[dict]) -> dict[str, dict[str, str]]:
    """{profile id: {"portrait": ..., "line": ...}} for the templates."""
    turnout_nl = national_turnout(profiles)
    return {p["id"]: {"portrait": portrait(p, turnout_nl), "line": one_liner(p)}
            for p in profiles}
