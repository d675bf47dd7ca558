"""Display fixes for the profile cards and a one-line persona for each profile.

The cards (names, portraits) are generated with the model artifact (``model/cards.py``)
and are not refitted here; this module only repairs their Dutch for display: plural
names take a plural verb ("Gematigde volgers ... hebben"), the 0-10 trust score is not
called a school grade ("rapportcijfer"), "weinig betrokken: 84 % stemde" gets the
national turnout beside it, and education is named as in the CBS tables.
"""

from __future__ import annotations

import re

from betrokken.dutch_numbers import number, percent

__all__ = ["distinguishing_fact", "is_plural", "one_liner", "portrait", "profile_texts"]

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


_DISTINGUISHING: tuple[tuple[str, str, bool], ...] = (
    # (evidence key, Dutch clause with {v} and {nl}, value is a share)
    ("agree_politicians_dont_care", "{v} vindt dat politici hen negeren (landelijk {nl})",
     True),
    ("f1_neutral_share", "{v} van de antwoorden 'neutraal' (landelijk {nl})", True),
    ("knowledge_mean", "kennisvragen: {v} van 12 goed (landelijk {nl})", False),
    ("agree_well_represented", "{v} voelt zich goed vertegenwoordigd (landelijk {nl})", True),
    ("trust_government_mean", "vertrouwen in de regering {v} van 10 (landelijk {nl})", False),
)
"""The survey facts a one-line description can name. The answer-style share
(``contradictory_agree_share``) is not one: the card's caveat says it."""


def _national(profiles: list[dict], key: str) -> float | None:
    pairs = [(p.get("share") or 0, (p.get("evidence") or {}).get(key)) for p in profiles]
    pairs = [(w, v) for w, v in pairs if v is not None]
    total = sum(w for w, _ in pairs)
    return sum(w * v for w, v in pairs) / total if pairs and total else None


def distinguishing_fact(card: dict, profiles: list[dict]) -> str | None:
    """The survey fact that sets this profile apart, in plain Dutch with its number.

    Rule: profiles with the same trust and engagement level ('twins') would otherwise get
    the same description; the fact is the one (of ``_DISTINGUISHING``) on which this
    profile lies furthest from its twins, in standard deviations over the eight profiles.
    A profile without twins gets the fact on which it lies furthest from all profiles.
    """
    def level(p: dict) -> tuple:
        return p.get("trust_level"), p.get("engagement_level")

    twins = [p for p in profiles if p["id"] != card["id"] and level(p) == level(card)]
    others = twins or [p for p in profiles if p["id"] != card["id"]]
    evidence = card.get("evidence") or {}
    best, best_gap = None, 0.0
    for key, clause, is_share in _DISTINGUISHING:
        values = [(p.get("evidence") or {}).get(key) for p in profiles]
        values = [v for v in values if v is not None]
        own = evidence.get(key)
        if own is None or len(values) < 2:
            continue
        mean = sum(values) / len(values)
        sd = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5
        rest = [(p.get("evidence") or {}).get(key) for p in others]
        rest = [v for v in rest if v is not None]
        if not sd or not rest:
            continue
        gap = min(abs(own - v) for v in rest) / sd
        if gap > best_gap:
            best, best_gap = (key, clause, is_share), gap
    if best is None:
        return None
    key, clause, is_share = best
    fmt = (lambda x: percent(x)) if is_share else (lambda x: number(x, 1))
    nl = _national(profiles, key)
    return clause.format(v=fmt(evidence[key]), nl=fmt(nl) if nl is not None else "–")


def one_liner(card: dict, profiles: list[dict] | None = None) -> str:
    """'Weinig vertrouwen, minder betrokken dan gemiddeld; vaak 45–64 jaar of laag opgeleid;
    75% vindt dat politici zich niet druk maken om mensen zoals zij (…).' With the other
    profiles given, the line ends on the fact that sets this one apart (unique per card)."""
    trust = _TRUST_WORDS.get(card.get("trust_level"), "Gemiddeld vertrouwen")
    eng = _ENGAGEMENT_WORDS.get(card.get("engagement_level"), "gemiddeld betrokken")
    groups = [_LABELS.get(o["label"], o["label"]) for o in (card.get("over_indexes") or [])
              if o.get("variable") != "region"][:2]
    groups = [f"met een {g}" if "migratieachtergrond" in g else g for g in groups]
    who = f"; vaak {' of '.join(groups)}" if groups else "; een doorsnee van de bevolking"
    fact = distinguishing_fact(card, profiles) if profiles else None
    what = f"; {fact}" if fact else ""
    style = card.get("participation_style")
    how = f". Aanpak: {style}" if style else ""
    return f"{trust}, {eng}{who}{what}{how}."


def profile_texts(profiles: list[dict]) -> dict[str, dict[str, str]]:
    """{profile id: {"portrait": ..., "line": ...}} for the templates."""
    turnout_nl = national_turnout(profiles)
    return {p["id"]: {"portrait": portrait(p, turnout_nl), "line": one_liner(p, profiles)}
            for p in profiles}
