"""Aanpak: a tailored participation and communication approach for an area.

Every sentence is built from stored numbers (the area's mix and clear contrasts, the profile
cards' survey evidence) and carries them in ``evidence``; a sentence whose numbers are not
there is left out, never filled in with a default.

Rules (each a stated threshold, not a fitted model):
- a profile is *over-/under-represented* only when the 90 % interval of its difference with
  NL excludes zero (``area_contrasts.clear``; for a custom postcode set: when the area's
  interval and the national interval do not overlap, which is stricter);
- the ladder step follows the profile's trust and engagement levels on its card (laag 0,
  gemiddeld 1, hoog 2; their sum is the start rung, at most coproduceren);
- *likely missed by an evening meeting*: turnout 2017 below the national weighted rate or low
  engagement; *by an online survey*: fewer days of online and social-media news than NL;
- *low-trust caution*: profiles where more than half of the members have low trust.
"""

from __future__ import annotations

from betrokken.dutch_numbers import number, percent, percent_interval, points
from betrokken.errors import BetrokkenError
from betrokken.reports.themes import theme_dossiers
from betrokken.themes import THEMES

LADDER = ("informeren", "raadplegen", "adviseren", "coproduceren", "meebeslissen")
LEVEL_RANK = {"laag": 0, "gemiddeld": 1, "hoog": 2}


def ladder_steps(trust: str, engagement: str) -> tuple[str, str]:
    """Start step = ladder position (trust rank + engagement rank), capped at coproduceren;
    the next step is one rung up."""
    start = min(LEVEL_RANK[trust] + LEVEL_RANK[engagement], 3)
    return LADDER[start], LADDER[start + 1]
MIN_SHARE = 0.05
ONLINE = ("news_online", "news_social")


def _pct(x: float) -> str:
    return percent(x, 0)


def _level(value: str | None, fallback: float, threshold: float) -> str:
    if value in LEVEL_RANK:
        return value
    return "hoog" if fallback >= threshold else "laag"


def differences(area: dict, cat) -> list[dict]:
    """Clear profile differences with NL: from ``area_contrasts`` for stored areas, by
    non-overlapping intervals for a composed area."""
    ids = set(cat.profile_ids)
    contrasts = (area.get("contrasts") or {}).get("nederland")
    if contrasts is not None:
        return [{"profile_id": c["measure"], "name": c["label"], "diff": c["diff"],
                 "diff_lo": c["diff_lo"], "diff_hi": c["diff_hi"],
                 "rule": "90%-interval van het verschil met NL bevat geen nul"}
                for c in contrasts["clear"] if c["measure"] in ids]
    out = []
    for m in area.get("mix") or []:
        nl = cat.national.get(m["profile_id"])
        if not nl or m.get("share_lo") is None:
            continue
        if m["share_lo"] > nl[2] or m["share_hi"] < nl[1]:
            out.append({"profile_id": m["profile_id"], "name": m["name"],
                        "diff": m["share"] - nl[0], "diff_lo": None, "diff_hi": None,
                        "rule": "90%-intervallen van gebied en NL overlappen niet"})
    return sorted(out, key=lambda d: -abs(d["diff"]))


def theme_items(theme_title: str, attitudes: list[dict], mix: dict[str, dict]) -> list[dict]:
    """Per survey item of a theme (``theme_dossiers(...)['themes'][i]['profiles']``): among
    the profiles with at least ``MIN_SHARE`` of the adults here, the highest and the lowest,
    only when their 90 % intervals do not overlap (a clear difference)."""
    items = []
    for item in attitudes:
        present = [p for p in item["profiles"]
                   if (mix.get(p["profile_id"]) or {}).get("share", 0) >= MIN_SHARE]
        if len(present) < 2:
            continue
        top = max(present, key=lambda p: p["value"])
        low = min(present, key=lambda p: p["value"])
        if top["lo"] <= low["hi"]:
            continue

        def part(p: dict) -> str:
            return (f"{p['name']} ({_pct(p['value'])}, 90%-interval "
                    f"{percent_interval(p['lo'], p['hi'], 0)}; "
                    f"{_pct(mix[p['profile_id']]['share'])} van de "
                    "volwassenen hier)")

        items.append({"text": f"'{item['label']}': het vaakst bij {part(top)}, het minst bij "
                              f"{part(low)}. Houd in de communicatie over "
                              f"{theme_title.lower()} rekening met dat verschil.",
                      "evidence": {"item": item["item"], "top": top["profile_id"],
                                   "top_value": top["value"], "top_lo": top["lo"],
                                   "low": low["profile_id"], "low_value": low["value"],
                                   "low_hi": low["hi"]}})
    if not items:
        items.append({"text": f"Bij {theme_title.lower()} verschillen de groepen die hier "
                              "wonen in de enquête niet duidelijk van elkaar.",
                      "evidence": {"clear_differences": 0}})
    items.append({"text": "Welke argumenten en prikkels per groep werken, is niet gemeten; "
                          "toets ze daarom klein voordat u ze breed inzet.",
                  "evidence": {}})
    return items


def approach(area: dict, cat, *, theme: str | None = None, theme_title: str | None = None,
             attitudes: list[dict] | None = None) -> dict:
    """The approach for one area (``queries.area_detail`` or a composed area); with
    ``theme`` and its dossier's ``attitudes``, a section on that theme is added."""
    if area.get("suppressed"):
        return {"code": area["code"], "name": area["name"], "suppressed": True,
                "message": "Voor dit gebied is geen aanpak te geven: de cijfers worden "
                           "achtergehouden (" + (area.get("suppression_reason")
                                                 or "te weinig inwoners") + ").",
                "sections": []}
    cards = {p["id"]: p for p in cat.profiles}
    mix = {m["profile_id"]: m for m in area.get("mix") or []}
    nat_turnout = sum(c["share"] * c["evidence"]["turnout_2017"] for c in cards.values()) \
        / sum(c["share"] for c in cards.values())
    nat_online = {k: next(iter(cards.values()))["evidence"]["national_channel_days"][k]
                  for k in ONLINE}
    name = area["name"]
    sections: list[dict] = []

    diffs = differences(area, cat)
    items = []
    for d in diffs:
        word = "meer" if d["diff"] > 0 else "minder"
        interval = (f" (90%-interval {points(d['diff_lo'])} tot {points(d['diff_hi'])})"
                    if d["diff_lo"] is not None else "")
        items.append({"text": f"In {name} wonen naar verhouding {word} {d['name']}: "
                              f"{points(d['diff'])} ten opzichte van Nederland{interval}.",
                      "evidence": d})
    if not items:
        items.append({"text": f"De profielmix van {name} verschilt bij geen enkel profiel "
                              "duidelijk van Nederland; richt de aanpak op de landelijke mix.",
                      "evidence": {"clear_differences": 0}})
    sections.append({"id": "mix", "title": "Welke groepen wonen hier meer of minder", "items":
                     items})

    present = [cards[p] for p in mix if mix[p]["share"] >= MIN_SHARE and p in cards]
    present.sort(key=lambda c: -mix[c["id"]]["share"])
    ladder, meet, tone, missed, caution = [], [], [], [], []
    for card in present:
        ev = card["evidence"]
        share = mix[card["id"]]["share"]
        t = _level(card.get("trust_level"), ev["trust"], ev["national_trust_mean"])
        e = _level(card.get("engagement_level"), ev["engagement"],
                   ev["national_engagement_mean"])
        steps = ladder_steps(t, e)
        ladder.append({"text": f"{card['name']} ({_pct(share)} van de volwassenen hier; "
                               f"vertrouwen {t}, betrokkenheid {e}): begin bij "
                               f"{steps[0]}, met {steps[1]} als volgende stap.",
                       "evidence": {"profile_id": card["id"], "share": share,
                                    "trust": ev["trust"], "engagement": ev["engagement"],
                                    "national_trust_mean": ev["national_trust_mean"],
                                    "national_engagement_mean": ev["national_engagement_mean"],
                                    "ladder": list(steps)}})
        channels = card.get("channels") or []
        if channels:
            conv = ev["channel_days"].get("news_conversations")
            nat_conv = ev["national_channel_days"].get("news_conversations")
            in_person = (f"; gesprekken met mensen {number(conv, 1)} dagen per week (NL "
                         f"{number(nat_conv, 1)})") if conv is not None else ""
            meet.append({"text": f"{card['name']}: bereik via "
                                 + ", ".join(f"{c['label']} ({number(c['days_per_week'], 1)} "
                                             "dagen per week)" for c in channels)
                                 + in_person + ".",
                         "evidence": {"profile_id": card["id"], "channels": channels,
                                      "news_conversations": conv,
                                      "national_news_conversations": nat_conv}})
        if card.get("tone"):
            tone.append({"text": f"{card['name']}: {card['tone']}",
                         "evidence": {"profile_id": card["id"], "trust": ev["trust"],
                                      "agree_politicians_dont_care":
                                          ev.get("agree_politicians_dont_care")}})
        reasons = []
        if ev["turnout_2017"] < nat_turnout or e == "laag":
            reasons.append(f"een avondbijeenkomst (stemde in 2017: {_pct(ev['turnout_2017'])}, "
                           f"landelijk {_pct(nat_turnout)}; betrokkenheid {e})")
        online = sum(ev["channel_days"][k] for k in ONLINE)
        if online < sum(nat_online.values()):
            reasons.append(f"een online enquête (online nieuws en sociale media "
                           f"{number(online, 1)} dagen per week, landelijk "
                           f"{number(sum(nat_online.values()), 1)})")
        if reasons:
            missed.append({"text": f"{card['name']} ({_pct(share)}) mist u waarschijnlijk met "
                                   + " en met ".join(reasons) + ".",
                           "evidence": {"profile_id": card["id"], "share": share,
                                        "turnout_2017": ev["turnout_2017"],
                                        "national_turnout_2017": nat_turnout,
                                        "online_news_days": online,
                                        "national_online_news_days": sum(nat_online.values())}})
        if ev["p_low_trust"] > 0.5:
            caution.append({"text": f"{card['name']} ({_pct(share)} hier): "
                                    f"{_pct(ev['p_low_trust'])} van deze groep heeft weinig "
                                    "vertrouwen. Beloof alleen wat zeker is, laat zien wat er "
                                    "met eerdere inbreng gebeurde en zet bekende personen uit "
                                    "de buurt in in plaats van de gemeente als afzender.",
                            "evidence": {"profile_id": card["id"], "share": share,
                                         "p_low_trust": ev["p_low_trust"],
                                         "agree_politicians_dont_care":
                                             ev.get("agree_politicians_dont_care")}})
    low = (area.get("indices") or {}).get("low_trust_share")
    nl_low = cat.national.get("low_trust_share")
    if isinstance(low, dict) and low.get("value") is not None and nl_low:
        caution.insert(0, {"text": f"Aandeel met weinig vertrouwen in {name}: "
                                   f"{_pct(low['value'])} (90%-interval "
                                   f"{percent_interval(low['lo'], low['hi'], 0)}), "
                                   f"landelijk {_pct(nl_low[0])}.",
                           "evidence": {"low_trust_share": low, "national": list(nl_low)}})
    if theme and attitudes is not None:
        sections.append({"id": "thema", "title": f"Bij het thema {theme_title or theme}",
                         "items": theme_items(theme_title or theme, attitudes, mix)})
    sections += [
        {"id": "ladder", "title": "Vorm op de participatieladder", "items": ladder},
        {"id": "meet", "title": "Waar en via welke kanalen u elke groep treft", "items": meet},
        {"id": "tone", "title": "Toon en taalniveau", "items": tone},
        {"id": "missed", "title": "Wie een standaardavond of online enquête mist",
         "items": missed},
        {"id": "caution", "title": "Let op bij groepen met weinig vertrouwen", "items": caution},
    ]
    return {"code": area["code"], "name": name, "suppressed": False, "theme": theme,
            "sections": [s for s in sections if s["items"]],
            "rules": __doc__.split("Rules")[1].strip(" ():\n")}


def approach_with_theme(con, cat, area: dict, theme: str | None) -> dict:
    """:func:`approach`, with the section on ``theme`` (one of ``themes.THEMES``) when given;
    a Dutch 400 for an unknown theme."""
    if theme is None or area.get("suppressed"):
        return approach(area, cat)
    if theme not in THEMES:
        raise BetrokkenError(f"Thema '{theme[:40]}' bestaat niet.",
                             hint="Kies uit: " + ", ".join(THEMES) + ".")
    dossier = theme_dossiers(con, cat, area)
    chosen = next(t for t in dossier["themes"] if t["theme"] == theme)
    return approach(area, cat, theme=theme, theme_title=THEMES[theme],
                    attitudes=chosen["profiles"])
