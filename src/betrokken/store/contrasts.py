"""How an area differs from the country and from its gemeente: the clear differences
(paired bootstrap draws, ``area_contrasts``) and one Dutch sentence per reference."""

from __future__ import annotations

from betrokken.dutch_numbers import points
from betrokken.store.catalogue import Catalogue
from betrokken.store.catalogue import area_name as _name

INDEX_LABELS_NL: dict[str, str] = {
    "engagement_index": "betrokkenheid",
    "low_trust_share": "laag vertrouwen",
    "political_engagement": "politieke betrokkenheid",
    "local_engagement": "lokale betrokkenheid",
}
REFERENCE_LABELS_NL: dict[str, str] = {"nederland": "Nederland", "gemeente": "de gemeente"}


def contrast_summary(cat: Catalogue, code: str) -> dict:
    """Per reference (Nederland, gemeente): the clear differences and one Dutch sentence.

    A difference is clear when the 90 % interval of the difference (paired bootstrap draws)
    excludes zero; the sentence names at most three profiles and the indices that differ.
    """
    rows = cat.contrasts.get(code, {})
    if not rows:
        return {}
    names = {p["id"]: p["name"] for p in cat.profiles}
    area_name = _name(cat, code)
    out = {}
    for ref in ("nederland", "gemeente"):
        entries = [(m, v) for (r, m), v in rows.items() if r == ref]
        if not entries:
            continue
        clear = [(m, v) for m, v in entries if v[3]]
        profiles = sorted([(m, v) for m, v in clear if m in names], key=lambda x: -abs(x[1][0]))
        indices = [(m, v) for m, v in clear if m in INDEX_LABELS_NL]
        ref_name = REFERENCE_LABELS_NL[ref]
        if ref == "gemeente":
            gem = cat.areas.get(code, {}).get("gemeente_code")
            ref_name = _name(cat, gem) if gem in cat.areas else ref_name
        if not profiles and not indices:
            sentence = (f"{area_name} lijkt op " + ("het landelijk beeld" if ref == "nederland"
                        else f"{ref_name} als geheel")
                        + ": geen verschil is duidelijk (bij elk verschil ligt nul binnen het "
                        "90%-interval).")
        else:
            parts = []
            more = [f"{names[m]} ({points(v[0], 0)})" for m, v in profiles[:3] if v[0] > 0]
            less = [f"{names[m]} ({points(v[0], 0)})" for m, v in profiles[:3] if v[0] < 0]
            if more:
                parts.append("naar verhouding meer " + _join_nl(more))
            if less:
                parts.append("minder " + _join_nl(less))
            text = f"Vergeleken met {ref_name} wonen in {area_name} " + " en ".join(parts) \
                if parts else f"Vergeleken met {ref_name} verschilt de profielmix van " \
                f"{area_name} niet duidelijk"
            idx_parts = [
                f"{INDEX_LABELS_NL[m]} is {'hoger' if v[0] > 0 else 'lager'} ({points(v[0], 0)})"
                for m, v in indices
            ]
            sentence = text + (". " + _capital(_join_nl(idx_parts)) if idx_parts else "") + "."
        out[ref] = {
            "reference": ref,
            "reference_name": ref_name,
            "sentence": sentence,
            "clear": [
                {"measure": m, "label": names.get(m) or INDEX_LABELS_NL.get(m, m),
                 "diff": v[0], "diff_lo": v[1], "diff_hi": v[2]}
                for m, v in [*profiles, *indices]
            ],
            "n_compared": len(entries),
        }
    return out


def _join_nl(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
