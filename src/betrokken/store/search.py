"""Finding an area by the name people use: one ranking for search, suggestions and compare.

Names are compared after normalisation (lower case, no accents or apostrophes, CBS's
"Wijk 03 " prefix dropped, so "Overvecht" finds "Wijk 03 Overvecht"). Common names of
gemeenten whose official CBS name differs ("Den Haag" for 's-Gravenhage) are aliases.
Ranking: gemeenten before wijken, buurten and postcodes; within a level an exact name
before a prefix before a part of the name, and the areas inside a matching gemeente
(its wijken) before postcodes elsewhere; larger areas first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from betrokken import schema
from betrokken.errors import BetrokkenError, UnknownAreaError

__all__ = [
    "AmbiguousAreaError",
    "GEMEENTE_ALIASES",
    "area_code_for",
    "normalise",
    "resolve_name",
    "search_catalogue",
]

GEMEENTE_ALIASES: dict[str, str] = {
    "den haag": "s gravenhage",
    "the hague": "s gravenhage",
    "den bosch": "s hertogenbosch",
    "s hertogenbosch": "s hertogenbosch",
    "bosch": "s hertogenbosch",
}
"""Everyday name (normalised) -> official CBS gemeente name (normalised)."""

_LEVEL_RANK = {"gemeente": 0, "wijk": 1, "buurt": 2, "pc4": 3}
_WIJK_PREFIX = re.compile(r"^(wijk|buurt)\s+\d+\s+")
_PC4_QUERY = re.compile(r"^(\d{1,4})\s*([A-Za-z]{2})?$")

EXACT, PREFIX, WORD, PART, VIA_GEMEENTE = 0, 1, 2, 3, 4
"""Match tiers, best first: the whole name, its start, the start of a word, any part,
and (for areas below a gemeente) a match on the gemeente's name."""


def normalise(text: str | None) -> str:
    """'Wijk 03 Overvecht' -> 'overvecht'; "'s-Gravenhage" -> 's gravenhage'."""
    if not text:
        return ""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()
    plain = _WIJK_PREFIX.sub("", plain)
    return re.sub(r"\(\s*|\s*\)", "", plain)


@dataclass(frozen=True)
class _Entry:
    code: str
    level: str
    name: str
    key: str
    gemeente_code: str | None
    gemeente_key: str
    population: float


def _index(cat) -> list[_Entry]:
    """Normalised names of every current area, built once per catalogue."""
    cached = cat.caches.get("search_index")
    if cached is not None:
        return cached
    entries = []
    for code, row in cat.areas.items():
        gm = row.get("gemeente_code")
        gm_row = cat.areas.get(gm) if gm else None
        entries.append(
            _Entry(
                code=code,
                level=row["level"],
                name=row.get("area_name") or code,
                key=normalise(row.get("area_name")),
                gemeente_code=gm,
                gemeente_key=normalise(gm_row["area_name"]) if gm_row else "",
                population=float(row.get("population") or 0),
            )
        )
    cat.caches["search_index"] = entries
    return entries


def _tier(key: str, terms: list[str]) -> int | None:
    best = None
    for term in terms:
        if key == term:
            tier = EXACT
        elif key.startswith(term):
            tier = PREFIX
        elif f" {term}" in f" {key}":
            tier = WORD
        elif term in key:
            tier = PART
        else:
            continue
        best = tier if best is None else min(best, tier)
    return best


def _terms(q: str) -> list[str]:
    base = normalise(q)
    terms = [base]
    for alias, official in GEMEENTE_ALIASES.items():
        if base == alias or (len(base) >= 4 and alias.startswith(base)):
            terms.append(official)
    return list(dict.fromkeys(t for t in terms if t))


def search_catalogue(cat, q: str, limit: int) -> list[dict]:
    """Areas matching ``q`` (name, common name or code), best first; see module docstring.

    A postcode ('3511', '3511 AB') finds its PC4 area; digits alone find the postcodes
    that start with them.
    """
    q = " ".join(q.split())
    entries = _index(cat)
    pc = _PC4_QUERY.match(q)
    scored: list[tuple[tuple, _Entry]] = []
    if pc:
        for e in entries:
            if e.level == "pc4" and e.code.startswith(pc.group(1)):
                scored.append(((e.code != pc.group(1), e.code), e))
    else:
        terms = _terms(q)
        code_q = q.replace(" ", "").upper()
        for e in entries:
            tier = EXACT if e.code.upper() == code_q else _tier(e.key, terms)
            if tier is None and len(code_q) >= 4 and e.code.upper().startswith(code_q):
                tier = PREFIX
            if tier is None and e.level in ("wijk", "buurt") and e.gemeente_key:
                gm_tier = _tier(e.gemeente_key, terms)
                if gm_tier is not None and gm_tier <= PREFIX:
                    tier = VIA_GEMEENTE + gm_tier
            if tier is None:
                continue
            rank = _LEVEL_RANK.get(e.level, 9)
            if e.level == "gemeente" and tier >= WORD:
                rank = 1.5  # a gemeente that only contains the word: after exact wijken
            if e.level == "pc4" and tier >= WORD:
                rank = 4
            scored.append(((rank, tier, -e.population, e.name), e))
        seen = {e.code for _, e in scored}
        for tier, e in _within_gemeente(entries, normalise(q)):
            if e.code not in seen:
                seen.add(e.code)
                scored.append(((_LEVEL_RANK[e.level], tier, -e.population, e.name), e))
    scored.sort(key=lambda item: item[0])
    return [_result(cat, e, key[1] if not pc else EXACT) for key, e in scored[:limit]]


def _within_gemeente(entries: list[_Entry], base: str) -> list[tuple[int, _Entry]]:
    """'amsterdam zuid', 'Den Haag centrum', 'zuid amsterdam': a gemeente's name (or common
    name) before or after the rest of the query; the rest is matched against the names of
    that gemeente's wijken and buurten only."""
    words = base.split()
    if len(words) < 2:
        return []
    gemeenten = {e.key: e.code for e in entries if e.level == "gemeente"}
    out = []
    for k in range(1, len(words)):
        for head, rest in ((words[:k], words[k:]), (words[k:], words[:k])):
            codes = {gemeenten[t] for t in _terms(" ".join(head)) if t in gemeenten}
            if not codes:
                continue
            term = " ".join(rest)
            for e in entries:
                if e.level in ("wijk", "buurt") and e.gemeente_code in codes:
                    tier = _tier(e.key, [term])
                    if tier is not None:
                        out.append((tier, e))
    return out


MATCH_WORDS = {EXACT: "naam", PREFIX: "begin", WORD: "woord", PART: "deel",
               VIA_GEMEENTE: "gemeente", VIA_GEMEENTE + PREFIX: "gemeente"}
"""How a result matched (the API's ``match`` field)."""


def _result(cat, e: _Entry, tier: int) -> dict:
    gm_row = cat.areas.get(e.gemeente_code) if e.gemeente_code else None
    return {
        "code": e.code,
        "name": f"{e.code} {e.name}" if e.level == "pc4" and e.name != e.code else e.name,
        "level": e.level,
        "level_label": schema.LEVEL_LABELS_NL.get(e.level, e.level),
        "gemeente_code": e.gemeente_code,
        "gemeente_name": gm_row["area_name"] if gm_row else None,
        "population": int(e.population) if e.population else None,
        "match": MATCH_WORDS.get(tier, "deel"),
    }


def resolve_name(cat, text: str, limit: int) -> tuple[dict | None, list[dict]]:
    """The one area a typed name means, or (None, candidates) when it is ambiguous.

    A name is taken only when one area matches it best: the first hit matches the whole
    name (or a common name) and no other area of the same level does. 'Binnenstad' is a
    wijk in dozens of gemeenten, so it returns the candidates instead of silently
    picking one.
    """
    hits = search_catalogue(cat, text, limit)
    if not hits:
        return None, []
    first = hits[0]
    rivals = [h for h in hits[1:] if h["level"] == first["level"] and h["match"] == first["match"]]
    if len(hits) == 1 or (first["match"] in ("naam", "begin") and not rivals):
        return first, []
    return None, hits


class AmbiguousAreaError(BetrokkenError):
    """A name that several areas carry: the message asks which one is meant."""


MAX_CANDIDATES_SHOWN = 8


def _candidate(hit: dict) -> str:
    where = f" in {hit['gemeente_name']}" if hit.get("gemeente_name") and \
        hit["level"] != "gemeente" else ""
    return f"{hit['name']} ({hit['level_label'].lower()}{where}, {hit['code']})"


def area_code_for(cat, text: str, *, levels: tuple[str, ...] = ("gemeente", "wijk", "buurt"),
                  option: str = "het gebied") -> str:
    """The code of the area ``text`` names: a code as given, or a name (any case, common
    spellings as in search). A name several areas of one level carry raises
    ``AmbiguousAreaError`` asking which one, with the candidates and their codes; a name
    that matches nothing raises ``UnknownAreaError``. ``option`` names the input in the
    hint ('--area')."""
    raw = " ".join((text or "").split())
    code = raw.replace(" ", "").upper()
    if code in cat.areas and cat.areas[code].get("level") in levels:
        return code
    labels = [schema.LEVEL_LABELS_NL.get(lv, lv).lower() for lv in levels]
    words = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " of " + labels[-1]
    if not raw:
        raise BetrokkenError(f"Geef {option} op: een naam of code van een {words}.")
    hits = [h for h in search_catalogue(cat, raw, 200) if h["level"] in levels]
    if not hits:
        raise UnknownAreaError(
            f"Geen {words} gevonden met de naam of code '{raw[:60]}'.",
            hint="Controleer de spelling, of geef de code (bijvoorbeeld GM0344 of WK034401).",
        )
    first = hits[0]
    rivals = [h for h in hits[1:] if h["level"] == first["level"] and h["match"] == first["match"]]
    if first["match"] in ("naam", "begin") and not rivals:
        return first["code"]
    shown = hits[:MAX_CANDIDATES_SHOWN]
    more = f" (en nog {len(hits) - len(shown)})" if len(hits) > len(shown) else ""
    raise AmbiguousAreaError(
        f"Welk gebied bedoelt u met '{raw[:60]}'? Er passen meerdere: "
        + "; ".join(_candidate(h) for h in shown) + more + ".",
        hint=f"Geef voor {option} de code van het gebied dat u bedoelt, of een "
        "preciezere naam.",
    )
