"""Dutch profile cards, computed from the weighted survey and the fitted classes.

Every sentence on a card is filled from a number in the card's ``evidence`` dict, and the
rules that turn numbers into words are the constants below (also listed in docs/method.md):

- *level* words (laag / gemiddeld / hoog) compare the profile's mean score with the national
  mean in units of the national standard deviation of individual scores: z <= -0.25 is
  "laag", z >= 0.25 is "hoog", in between "gemiddeld";
- *participation style*: engagement z >= 0.25 -> meedenken (wants to think along about plans),
  z <= -0.25 -> informeren (reach and inform first), otherwise meedoen (practical, low-threshold
  participation);
- *tone of voice*: one sentence chosen by the trust level, one by the engagement level;
- *over-indexing*: demographic categories whose share within the profile is at least 1.2 times
  their national share (and at least 5 % of the profile);
- *channels*: the three news channels with the most days per week, plus channels used at least
  1.2 times as often as nationally;
- *caveat* (response style): if members answer >= 60 % of the F1 statements with "neutraal",
  or >= 30 % agree with two contradicting statements (politicians don't care about people like
  me / most politicians are skilled), the card says that part of the profile may be an answer
  style rather than an attitude.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from betrokken.schema import INTERVAL_TAILS
from betrokken.survey.frame import (
    CHANNEL_ITEMS,
    CHANNEL_LABELS_NL,
    CYNICISM_ITEMS,
    EFFICACY_ITEMS,
    POPULISM_ITEMS,
)

LEVEL_Z = 0.25
OVER_INDEX_RATIO = 1.2
OVER_INDEX_MIN_SHARE = 0.05
CHANNEL_RATIO = 1.2
NEUTRAL_CAVEAT = 0.6  # share of F1 statements answered "neutraal" by the profile's members
CONTRADICTION_CAVEAT = 0.3  # share agreeing with both "politici maken zich niet druk om
# mensen zoals ik" and "de meeste politici zijn bekwame mensen" (acquiescence)

CATEGORY_LABELS_NL: dict[str, dict[str, str]] = {
    "age": {
        "15_24": "18–24 jaar",
        "25_44": "25–44 jaar",
        "45_64": "45–64 jaar",
        "65plus": "65 jaar en ouder",
    },
    "sex": {"man": "mannen", "vrouw": "vrouwen"},
    "education": {
        "laag": "praktisch opgeleid",
        "midden": "middelbaar opgeleid",
        "hoog": "hbo- of wo-opgeleid",
    },
    "migration": {
        "nl": "Nederlandse achtergrond",
        "west": "westerse migratieachtergrond",
        "nietwest": "niet-westerse migratieachtergrond",
    },
    "region": {
        "grote_steden": "de drie grote steden en randgemeenten",
        "west": "overig West",
        "noord": "Noord",
        "oost": "Oost",
        "zuid": "Zuid",
    },
}
LEVEL_NL = {"laag": "weinig", "gemiddeld": "gemiddeld", "hoog": "veel"}
ENGAGEMENT_NL = {"laag": "weinig", "gemiddeld": "gemiddeld", "hoog": "sterk"}
STYLE_TEXT = {
    "meedenken": "meedenken: betrek deze groep vroeg bij plannen en afwegingen",
    "meedoen": "meedoen: praktische, laagdrempelige activiteiten dichtbij huis",
    "informeren": "informeren: eerst bereiken en uitleggen, daarna uitnodigen",
}
TONE_TRUST = {
    "laag": "Erken twijfel en eerdere teleurstellingen, beloof alleen wat zeker is en laat "
    "zien wat er met inbreng gebeurt.",
    "gemiddeld": "Wees zakelijk en open, met concrete voorbeelden van wat er verandert.",
    "hoog": "Bouw voort op vertrouwen: leg keuzes en afwegingen uit en vraag om advies.",
}
TONE_ENGAGEMENT = {
    "laag": "Houd het kort en in gewone taal (B1), via kanalen die deze groep al gebruikt.",
    "gemiddeld": "Maak het praktisch en overzichtelijk; geef één duidelijke manier om te reageren.",
    "hoog": "Geef achtergrond en cijfers; deze groep leest door en praat graag mee.",
}


def level(z: float) -> str:
    return "laag" if z <= -LEVEL_Z else "hoog" if z >= LEVEL_Z else "gemiddeld"


def participation_style(engagement_z: float) -> str:
    if engagement_z >= LEVEL_Z:
        return "meedenken"
    if engagement_z <= -LEVEL_Z:
        return "informeren"
    return "meedoen"


def _wmean(values: np.ndarray, weights: np.ndarray) -> float:
    ok = ~np.isnan(values)
    return float((values[ok] * weights[ok]).sum() / weights[ok].sum())


def _wstd(values: np.ndarray, weights: np.ndarray) -> float:
    ok = ~np.isnan(values)
    m = _wmean(values, weights)
    return float(np.sqrt((weights[ok] * (values[ok] - m) ** 2).sum() / weights[ok].sum()))


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _dec(x: float, digits: int = 1) -> str:
    """Dutch decimal comma for numbers inside Dutch sentences."""
    return f"{x:.{digits}f}".replace(".", ",")


def build_cards(
    frame: pd.DataFrame,
    weights: np.ndarray,
    post: np.ndarray,
    scores: pd.DataFrame,
    *,
    ids: list[str],
    names: list[str],
    share_boot: np.ndarray,
    thresholds: dict,
) -> list[dict]:
    """One card per profile (in profile order) from respondents' posteriors and weights."""
    w = np.asarray(weights, float)
    trust, eng = scores["trust"].to_numpy(float), scores["engagement"].to_numpy(float)
    nat = _national_reference(frame, w, trust, eng)
    flags = _respondent_flags(frame, trust, eng, thresholds)
    shares = (post * w[:, None]).sum(axis=0) / w.sum()
    lo, hi = np.quantile(share_boot, INTERVAL_TAILS, axis=0)
    cards = []
    for k, (pid, name) in enumerate(zip(ids, names, strict=True)):
        pw = post[:, k] * w
        m = _profile_means(frame, pw, trust, eng, flags)
        trust_z = (m["trust"] - nat["trust_mean"]) / nat["trust_sd"]
        eng_z = (m["engagement"] - nat["engagement_mean"]) / nat["engagement_sd"]
        channels, top, relative = _channels(frame, pw, nat["channels"])
        over = _over_index(frame, pw, nat["categories"])
        t_level, e_level = level(trust_z), level(eng_z)
        style = participation_style(eng_z)
        evidence = {
            **{key: round(val, 4) for key, val in m.items()},
            "share": round(float(shares[k]), 4),
            "share_lo": round(float(lo[k]), 4),
            "share_hi": round(float(hi[k]), 4),
            "trust_z": round(trust_z, 3),
            "engagement_z": round(eng_z, 3),
            "national_trust_mean": round(nat["trust_mean"], 4),
            "national_engagement_mean": round(nat["engagement_mean"], 4),
            "channel_days": {c: round(v, 2) for c, v in channels.items()},
            "national_channel_days": {c: round(v, 2) for c, v in nat["channels"].items()},
            "over_index_ratios": {f"{o['variable']}={o['category']}": o["ratio"] for o in over},
        }
        cards.append(
            {
                "id": pid,
                "position": k + 1,
                "name": name,
                "share": round(float(shares[k]), 4),
                "share_lo": round(float(lo[k]), 4),
                "share_hi": round(float(hi[k]), 4),
                "trust": round(m["trust"], 4),
                "engagement": round(m["engagement"], 4),
                "trust_level": t_level,
                "engagement_level": e_level,
                "p_low_trust": round(m["p_low_trust"], 4),
                "p_high_engagement": round(m["p_high_engagement"], 4),
                "participation_style": style,
                "participation_text": STYLE_TEXT[style],
                "channels": [
                    {"id": c, "label": CHANNEL_LABELS_NL[c], "days_per_week": round(channels[c], 2)}
                    for c in top
                ],
                "channels_relative": [
                    {
                        "id": c,
                        "label": CHANNEL_LABELS_NL[c],
                        "ratio": round(channels[c] / nat["channels"][c], 2),
                    }
                    for c in relative
                ],
                "tone": f"{TONE_TRUST[t_level]} {TONE_ENGAGEMENT[e_level]}",
                "portrait": _portrait(name, float(shares[k]), t_level, e_level, m, over, top),
                "caveat": " ".join(_caveats(m)) or None,
                "over_indexes": over,
                "evidence": evidence,
            }
        )
    _absorb_rounding(cards)
    return cards


def _national_reference(frame: pd.DataFrame, w: np.ndarray, trust: np.ndarray,
                        eng: np.ndarray) -> dict:
    """National means and SDs of the axes, channel days and category shares (weighted)."""
    return {
        "trust_mean": _wmean(trust, w),
        "trust_sd": _wstd(trust, w),
        "engagement_mean": _wmean(eng, w),
        "engagement_sd": _wstd(eng, w),
        "channels": {c: round(_wmean(frame[c].to_numpy(float), w), 2) for c in CHANNEL_ITEMS},
        "categories": {
            var: {
                cat: float(
                    w[(frame[var] == cat).to_numpy()].sum()
                    / w[frame[var].notna().to_numpy()].sum()
                )
                for cat in labels
            }
            for var, labels in CATEGORY_LABELS_NL.items()
        },
    }


def _respondent_flags(frame: pd.DataFrame, trust: np.ndarray, eng: np.ndarray,
                      thresholds: dict) -> dict[str, np.ndarray]:
    """Per respondent (NaN where unknown): low trust, high engagement, the share of F1
    statements answered 'neutraal', and agreeing with both contradicting statements."""
    low_trust = (trust < thresholds["low_trust"]).astype(float)
    low_trust[np.isnan(trust)] = np.nan
    high_eng = (eng >= thresholds["high_engagement"]).astype(float)
    high_eng[np.isnan(eng)] = np.nan
    f1 = frame[list((*CYNICISM_ITEMS, *EFFICACY_ITEMS, *POPULISM_ITEMS))]
    neutral = ((f1 == 3).sum(axis=1) / f1.notna().sum(axis=1)).to_numpy(float)
    both = frame[["cyn_dont_care", "conf_skilled"]]
    contradict = ((both >= 4).all(axis=1)).to_numpy(dtype=float, copy=True)
    contradict[both.isna().any(axis=1).to_numpy()] = np.nan
    return {"low_trust": low_trust, "high_engagement": high_eng, "neutral": neutral,
            "contradict": contradict}


def _profile_means(frame: pd.DataFrame, pw: np.ndarray, trust: np.ndarray, eng: np.ndarray,
                   flags: dict[str, np.ndarray]) -> dict[str, float]:
    """The profile's weighted means (``pw`` = survey weight x posterior): the card's numbers."""
    m = {
        "trust": _wmean(trust, pw),
        "engagement": _wmean(eng, pw),
        "p_low_trust": _wmean(flags["low_trust"], pw),
        "p_high_engagement": _wmean(flags["high_engagement"], pw),
        "turnout_2017": _wmean(frame["turnout_2017"].to_numpy(float), pw),
        "knowledge_mean": _wmean(frame["knowledge"].to_numpy(float), pw),
        "trust_government_mean": _wmean(frame["trust_government"].to_numpy(float), pw),
        "trust_democracy_mean": _wmean(frame["trust_democracy"].to_numpy(float), pw),
        "agree_politicians_dont_care": _wmean(
            np.where(frame["cyn_dont_care"].isna(), np.nan, frame["cyn_dont_care"] >= 4), pw
        ),
        "agree_well_represented": _wmean(
            np.where(frame["conf_represented"].isna(), np.nan, frame["conf_represented"] >= 4),
            pw,
        ),
    }
    m["f1_neutral_share"] = _wmean(flags["neutral"], pw)
    m["contradictory_agree_share"] = _wmean(flags["contradict"], pw)
    return m


def _caveats(m: dict[str, float]) -> list[str]:
    """Response-style warnings (``NEUTRAL_CAVEAT``, ``CONTRADICTION_CAVEAT``)."""
    caveats = []
    if m["f1_neutral_share"] >= NEUTRAL_CAVEAT:
        caveats.append(
            f"Leden kiezen bij {_pct(m['f1_neutral_share'])} van de stellingen 'neutraal': "
            "lees dit profiel als 'geen uitgesproken mening', niet als gematigd."
        )
    if m["contradictory_agree_share"] >= CONTRADICTION_CAVEAT:
        caveats.append(
            f"{_pct(m['contradictory_agree_share'])} is het eens met twee tegengestelde "
            "stellingen over politici: een deel van dit profiel kan een antwoordstijl "
            "(overal mee instemmen) zijn."
        )
    return caveats


def _channels(frame: pd.DataFrame, pw: np.ndarray, nat_channels: dict[str, float]
              ) -> tuple[dict[str, float], list[str], list[str]]:
    """Days per week per channel, the top three, and those used ``CHANNEL_RATIO`` x as often
    as nationally."""
    # rounded first, so that the stored evidence reproduces the ranking exactly
    channels = {c: round(_wmean(frame[c].to_numpy(float), pw), 2) for c in CHANNEL_ITEMS}
    top = sorted(CHANNEL_ITEMS, key=lambda c: -channels[c])[:3]
    relative = [
        c
        for c in CHANNEL_ITEMS
        if nat_channels[c] > 0 and channels[c] / nat_channels[c] >= CHANNEL_RATIO
    ]
    return channels, top, relative


def _over_index(frame: pd.DataFrame, pw: np.ndarray, nat_cats: dict) -> list[dict]:
    """At most four categories over-represented in the profile (``OVER_INDEX_*``)."""
    over = []
    for var, labels in CATEGORY_LABELS_NL.items():
        known = frame[var].notna().to_numpy()
        for cat, label in labels.items():
            inside = float(pw[(frame[var] == cat).to_numpy()].sum() / pw[known].sum())
            ratio = inside / nat_cats[var][cat] if nat_cats[var][cat] > 0 else np.nan
            if ratio >= OVER_INDEX_RATIO and inside >= OVER_INDEX_MIN_SHARE:
                over.append(
                    {
                        "variable": var,
                        "category": cat,
                        "label": label,
                        "share_in_profile": round(inside, 4),
                        "share_national": round(nat_cats[var][cat], 4),
                        "ratio": round(ratio, 2),
                    }
                )
    over.sort(key=lambda o: -o["ratio"])
    return over[:4]


def _portrait(name: str, share: float, t_level: str, e_level: str, m: dict[str, float],
              over: list[dict], top: list[str]) -> str:
    """The card's Dutch portrait paragraph, every number from ``m``."""
    who = ", ".join(f"{o['label']} (×{_dec(o['ratio'])})" for o in over[:3]) or (
        "geen demografische groep die duidelijk oververtegenwoordigd is"
    )
    return (
        f"{name} ({_pct(share)} van de volwassenen) heeft {LEVEL_NL[t_level]} vertrouwen "
        f"in politiek en instituties (rapportcijfer voor de regering gemiddeld "
        f"{_dec(m['trust_government_mean'])}; {_pct(m['agree_politicians_dont_care'])} vindt "
        f"dat politici zich niet druk maken om mensen zoals hen) en is "
        f"{ENGAGEMENT_NL[e_level]} betrokken: {_pct(m['turnout_2017'])} stemde in 2017, "
        f"gemiddeld {_dec(m['knowledge_mean'])} van 12 kennisvragen goed. "
        f"Relatief vaak: {who}. "
        f"Nieuws vooral via {', '.join(CHANNEL_LABELS_NL[c] for c in top)}."
    )


def _absorb_rounding(cards: list[dict]) -> None:
    """Rounded shares must still sum to 1 (the largest absorbs the rounding), in place."""
    diff = round(1 - sum(c["share"] for c in cards), 4)
    biggest = max(cards, key=lambda c: c["share"])
    biggest["share"] = round(biggest["share"] + diff, 4)
    biggest["evidence"]["share"] = biggest["share"]


def render_cards_markdown(profiles: list[dict], *, version: str = "") -> str:
    """docs/profiles.md: the eight cards, generated (do not edit by hand)."""
    lines = [
        "# De acht betrokkenheidsprofielen",
        "",
        "<!-- Gegenereerd door `betrokken fit` (betrokken.model.cards); niet met de hand "
        "bewerken. -->",
        "",
        f"Modelversie: `{version}`. Aandelen zijn gewogen aandelen van de volwassen bevolking "
        "(18+) met een 90 %-bootstrapinterval. Vertrouwen en betrokkenheid op een schaal 0–1. "
        "Hoe elke uitspraak uit de cijfers volgt: zie [method.md](method.md#profile-cards).",
        "",
        "| # | Profiel | Aandeel (90 %-interval) | Vertrouwen | Betrokkenheid | Stijl |",
        "|---|---|---|---|---|---|",
    ]
    for p in profiles:
        lines.append(
            f"| {p['position']} | {p['name']} (`{p['id']}`) | {_pct(p['share'])} "
            f"({_pct(p['share_lo'])}–{_pct(p['share_hi'])}) | {p['trust']:.2f} "
            f"({p['trust_level']}) | {p['engagement']:.2f} ({p['engagement_level']}) | "
            f"{p['participation_style']} |"
        )
    for p in profiles:
        ev = p["evidence"]
        lines += [
            "",
            f"## {p['position']}. {p['name']}",
            "",
            p["portrait"],
            "",
            f"- **Aandeel:** {_pct(p['share'])} (90 %: {_pct(p['share_lo'])}–"
            f"{_pct(p['share_hi'])})",
            f"- **Vertrouwen:** {p['trust']:.2f} ({p['trust_level']}, z = {ev['trust_z']:+.2f}); "
            f"{_pct(p['p_low_trust'])} heeft laag vertrouwen",
            f"- **Betrokkenheid:** {p['engagement']:.2f} ({p['engagement_level']}, z = "
            f"{ev['engagement_z']:+.2f}); {_pct(p['p_high_engagement'])} is sterk betrokken",
            f"- **Participatiestijl:** {p['participation_text']}",
            "- **Kanalen:** "
            + ", ".join(
                f"{c['label']} ({c['days_per_week']:.1f} dagen/week)" for c in p["channels"]
            )
            + (
                (
                    " — relatief vaak: "
                    + ", ".join(f"{c['label']} (×{c['ratio']:.1f})" for c in p["channels_relative"])
                )
                if p["channels_relative"]
                else ""
            ),
            "- **Oververtegenwoordigd:** "
            + (
                ", ".join(
                    f"{o['label']} ({_pct(o['share_in_profile'])} vs {_pct(o['share_national'])})"
                    for o in p["over_indexes"]
                )
                or "geen groep boven ×1,2"
            ),
            f"- **Toon:** {p['tone']}",
        ]
        if p.get("caveat"):
            lines.append(f"- **Let op:** {p['caveat']}")
    return "\n".join(lines) + "\n"


def render_cards_text(profiles: list[dict]):
    """Rich renderable for ``betrokken profiles``: one panel per card."""
    from rich.console import Group
    from rich.panel import Panel

    panels = []
    for p in profiles:
        body = (
            f"[bold]Aandeel:[/] {_pct(p['share'])} (90 %: {_pct(p['share_lo'])}–"
            f"{_pct(p['share_hi'])})   [bold]Vertrouwen:[/] {p['trust']:.2f} ({p['trust_level']})"
            f"   [bold]Betrokkenheid:[/] {p['engagement']:.2f} ({p['engagement_level']})\n"
            f"{p['portrait']}\n"
            f"[bold]Participatie:[/] {p['participation_text']}\n"
            f"[bold]Kanalen:[/] {', '.join(c['label'] for c in p['channels'])}\n"
            f"[bold]Toon:[/] {p['tone']}"
        )
        if p.get("caveat"):
            body += f"\n[yellow]Let op:[/] {p['caveat']}"
        panels.append(
            Panel(body, title=f"{p['position']}. {p['name']} ({p['id']})", title_align="left")
        )
    total = sum(p["share"] for p in profiles)
    panels.append(f"Totaal aandeel: {_pct(total)}")
    return Group(*panels)
