"""The four theme dossiers of an area: official indicators (area, gemeente, NL, with year,
source and trend), what the survey says per profile, and what is not known.

Below gemeente level the official figures are those of the gemeente (labelled so); the
Gezondheidsmonitor indicators exist per wijk and PC4 and are the area's own. A suppressed
area gets no figures at all, only the reason.
"""

from __future__ import annotations

from betrokken.areas.provenance import COPIED, figure_note, figure_origins
from betrokken.dutch_numbers import percent, percent_interval
from betrokken.errors import BetrokkenError
from betrokken.store.theme_tables import attitude_rows, indicator_meta, indicator_rows, table_names
from betrokken.themes import THEMES

NL = "NL"
NL_LOCAL = "NL01"
"""The Gezondheidsmonitor's national row in ``local_indicators``."""
LOCAL_BY_THEME = {
    "leefomgeving": [("volunteering", "doet vrijwilligerswerk"),
                     ("informal_care", "geeft mantelzorg"),
                     ("lonely", "voelt zich eenzaam"),
                     ("noise_neighbours", "ernstige geluidshinder door buren"),
                     ("financial_strain", "heeft moeite met rondkomen")],
}
INDICATORS_BY_THEME = {
    "energie": ["gas_m3", "electricity_kwh", "district_heating"],
    "veiligheid": ["crime_rate", "burglary_rate", "assault_rate", "vandalism_rate",
                   "cybercrime_rate", "crime_gini"],
    "democratie": ["turnout_tk2021", "turnout_gr2022", "turnout_ps2019"],
    "leefomgeving": [],
}
NATIONAL_SERIES = {"democratie": ["nl_TweedeKamer", "nl_Rechters", "nl_Politie",
                                  "nl_VertrouwenInAndereMensen", "nl_ZeerGeinteresseerd",
                                  "nl_MeegedaanAanBijeenkomstOverheid",
                                  "nl_ContactOpgenomenMetPoliticus"]}
NOT_COMPARABLE = {
    "turnout": "Waddeneiland: hier stemmen ook toeristen (met een stempas), dus de opkomst "
               "meet niet alleen de eigen inwoners en is niet vergelijkbaar.",
    "default": "Het gebied is na dit jaar door een herindeling gegroeid; het cijfer is niet "
               "vergelijkbaar.",
}
"""Why a figure marked not comparable (``theme_indicators.comparable``) is so, by indicator
prefix."""
UNKNOWN = {
    "energie": [
        "Er zijn geen open gegevens over drempels, motieven of prikkels voor "
        "energiemaatregelen per profiel; de enquête vraagt er niet naar.",
        "De bereidheid tot energiemaatregelen per gemeente en wijk (CBS, maatwerk 2023/14) "
        "komt alleen via het downloadpad en is hier niet geladen.",
        "Energieverbruik per wijk of postcode zit niet in deze gegevens; getoond is het "
        "cijfer van de gemeente.",
    ],
    "leefomgeving": [
        "Leefbaarometerscores per wijk zijn hier alleen als formaatvoorbeeld (Amstelveen) "
        "aanwezig en worden niet getoond.",
        "Welke argumenten of prikkels per profiel werken voor buurtparticipatie is niet "
        "gemeten.",
    ],
    "veiligheid": [
        "Veiligheidsbeleving (Veiligheidsmonitor, 85146NED) en misdaad per wijk (47018NED) "
        "komen alleen via het downloadpad; hier staan geregistreerde misdrijven per gemeente.",
        "Geregistreerde misdrijven hangen af van aangiftebereidheid en politie-inzet; ze "
        "meten niet de onveiligheid die bewoners ervaren.",
    ],
    "democratie": [
        "Vertrouwen en politieke participatie van CBS zijn alleen landelijk (2012–2017) "
        "beschikbaar, niet per gemeente.",
        "Verkiezingsuitslagen zijn feiten ter informatie; ze worden nooit in een model "
        "gebruikt.",
    ],
}


def label_with_unit(label: str, unit: str | None) -> str:
    """'vernielingen per 1.000 inwoners' stays as it is; 'gasverbruik' + 'm³' becomes
    'gasverbruik (m³)': the unit once, never twice, and no '(index)'."""
    if not unit or unit == "index" or unit in label:
        return label
    return f"{label} ({unit})"


def _pct(x: float | None, digits: int = 0) -> str:
    return percent(x, digits)


def _series(con, indicator: str, code: str) -> list[dict]:
    rows = indicator_rows(con, indicator, code)
    return [{"year": int(y), "value": float(v), "comparable": bool(c)} for y, v, c in rows]


def _meta(con, indicator: str) -> tuple[str, str, str, str] | None:
    return indicator_meta(con, indicator)


def _indicator(con, indicator: str, gem_code: str | None, own_level: bool) -> dict | None:
    meta = _meta(con, indicator)
    if meta is None:
        return None
    label, unit, source, _ = meta
    gem = _series(con, indicator, gem_code) if gem_code else []
    nl = _series(con, indicator, NL)
    if not gem and not nl:
        return None
    latest = gem[-1] if gem else None
    nl_same = next((r for r in nl if latest and r["year"] == latest["year"]), None)
    return {
        "indicator": indicator, "label": label, "unit": unit, "source": source,
        "year": latest["year"] if latest else (nl[-1]["year"] if nl else None),
        "value": latest["value"] if latest and own_level else None,
        "gemeente": latest["value"] if latest else None,
        "nederland": nl_same["value"] if nl_same else (nl[-1]["value"] if nl and not gem
                                                       else None),
        "trend": {"gemeente": gem, "nederland": nl} if len(gem) > 1 or len(nl) > 1 else None,
        "of_parent": not own_level, "scale": "percent" if unit == "%" else "number",
        "comparable": latest["comparable"] if latest else True,
        "note": None if not latest or latest["comparable"] else NOT_COMPARABLE.get(
            indicator.split("_")[0], NOT_COMPARABLE["default"]),
    }


def _attitudes(con, theme: str, mix: list[dict]) -> list[dict]:
    rows = attitude_rows(con, theme)
    shares = {m["profile_id"]: m["share"] for m in mix}
    names = {m["profile_id"]: m["name"] for m in mix}
    items: dict[str, dict] = {}
    for item, label, pid, value, lo, hi in rows:
        entry = items.setdefault(item, {"item": item, "label": label, "profiles": [],
                                        "nederland": None})
        if pid == "nl":
            entry["nederland"] = {"value": value, "lo": lo, "hi": hi}
        else:
            entry["profiles"].append({"profile_id": pid, "name": names.get(pid, pid),
                                      "value": value, "lo": lo, "hi": hi})
    out = []
    for entry in items.values():
        if shares:
            expected = sum(shares.get(p["profile_id"], 0) * p["value"] for p in entry["profiles"])
            entry["expected_from_mix"] = expected
            top = max(entry["profiles"], key=lambda p: p["value"])
            low = min(entry["profiles"], key=lambda p: p["value"])
            nl = entry["nederland"]["value"] if entry["nederland"] else None
            entry["sentence"] = (
                f"'{entry['label']}': het hoogst bij {top['name']} ({_pct(top['value'])}, "
                f"90%-interval {percent_interval(top['lo'], top['hi'], 0)}), het laagst bij "
                f"{low['name']} ({_pct(low['value'])}). Gewogen naar de profielmix van dit "
                f"gebied komt dat uit op {_pct(expected)} (landelijk {_pct(nl)}); dat verschil "
                "volgt alleen uit de samenstelling van de bevolking.")
        out.append(entry)
    return out


def _local(cat, code: str, theme: str) -> list[dict]:
    if theme not in LOCAL_BY_THEME:
        return []
    nl = cat.local.get(NL_LOCAL) or {}
    own = {} if code == NL else cat.local.get(code) or {}
    gem_code = cat.areas.get(code, {}).get("gemeente_code")
    gem = cat.local.get(gem_code) or {}
    out = []
    for key, label in LOCAL_BY_THEME[theme]:
        if own.get(key) is None and gem.get(key) is None and nl.get(key) is None:
            continue
        out.append({"indicator": key, "label": f"{label} (% van 18+)", "unit": "%",
                    "scale": "fraction",
                    "year": own.get("source_year") or nl.get("source_year") or 2020,
                    "value": own.get(key), "gemeente": gem.get(key),
                    "nederland": nl.get(key),
                    "source": "Gezondheidsmonitor Volwassenen en Ouderen 2020 (GGD'en, CBS, "
                              "RIVM), CC BY 4.0", "trend": None, "of_parent": False})
    return out


def _housing(cat, code: str) -> list[dict]:
    row = cat.areas.get(code, {})
    gem = cat.areas.get(row.get("gemeente_code"), {})
    gems = [r for r in cat.areas.values() if r["level"] == "gemeente"]
    out = []
    for key, label, unit, scale in (
            ("share_owner_occupied", "koopwoningen", "%", "fraction"),
            ("woz_avg", "gemiddelde WOZ-waarde (× 1.000 euro)", "× 1.000 €", "thousand_euro")):
        pairs = [(r.get(key), r.get("population") or 0) for r in gems if r.get(key) is not None]
        total = sum(p for _, p in pairs)
        nl = sum(v * p for v, p in pairs) / total if total else None
        # A figure the area only has as a copy of its gemeente/wijk is left out (the
        # gemeente column shows it); an estimate or an earlier year says so.
        origin = figure_origins(row).get(key) if code in cat.areas else None
        copied = row.get("level") != "gemeente" and origin in COPIED
        note = figure_note(origin) if origin and not copied else None
        out.append({"indicator": key, "label": label, "unit": unit, "scale": scale,
                    "year": int(row["year"]) if row.get("year") else max(
                        (int(r["year"]) for r in gems if r.get("year")), default=None),
                    "value": None if copied else row.get(key), "gemeente": gem.get(key),
                    "nederland": nl,
                    "source": "CBS Kerncijfers wijken en buurten (CC BY 4.0); "
                              "NL = inwonergewogen gemiddelde van de gemeenten"
                              + (f"; dit gebied: {note}" if note else ""),
                    "trend": None, "of_parent": copied})
    return out


def theme_dossiers(con, cat, area: dict) -> dict:
    """The four dossiers for one area (``area`` is ``queries.area_detail`` or a composed
    area with ``code, name, level, gemeente, suppressed, mix``)."""
    code = area["code"]
    out = {"code": code, "name": area["name"], "level": area.get("level"),
           "suppressed": bool(area.get("suppressed")),
           "suppression_reason": area.get("suppression_reason"), "themes": []}
    if out["suppressed"]:
        out["message"] = ("Voor dit gebied worden geen cijfers getoond: "
                          + (area.get("suppression_reason") or "te weinig inwoners") + ".")
        return out
    tables = table_names(con)
    if "theme_indicators" not in tables:
        raise BetrokkenError("Deze database heeft nog geen themagegevens.",
                             hint="Bouw de database opnieuw met 'betrokken build'.")
    level = area.get("level")
    if level == "gemeente":
        gem_code = code
    elif area.get("gemeente"):
        gem_code = area["gemeente"]["code"]
    else:
        gem_code = None
    gem_name = area["gemeente"]["name"] if area.get("gemeente") else area["name"]
    for theme, title in THEMES.items():
        indicators = [i for i in (_indicator(con, ind, gem_code, level == "gemeente")
                                  for ind in INDICATORS_BY_THEME[theme]) if i]
        if theme == "leefomgeving" and (code in cat.areas or code == NL):
            indicators = _local(cat, code, theme) + _housing(cat, code)
        national = [i for i in (_indicator(con, ind, None, False)
                                for ind in NATIONAL_SERIES.get(theme, [])) if i]
        parent_note = None
        if gem_code and level != "gemeente" and any(i["of_parent"] for i in indicators):
            parent_note = (f"Officiële cijfers voor dit thema bestaan niet voor dit niveau; "
                           f"getoond zijn die van de gemeente {gem_name}.")
        out["themes"].append({
            "theme": theme, "title": title, "indicators": indicators,
            "national_series": national, "parent_note": parent_note,
            "profiles": _attitudes(con, theme, area.get("mix") or []),
            "unknown": UNKNOWN[theme],
        })
    return out
