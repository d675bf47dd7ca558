"""A plain reliability label per area: 'goed', 'redelijk' or 'beperkt', from stated rules.

The 90 % intervals of the mix only reflect the model's sampling noise (how precisely the
survey pins down the profiles), which is about the same everywhere; they do not say how
well an area's own inputs describe it. This label does, with two facts an adviser can
check on the page:

- residents: in a small area a few households can shift the real composition far from
  what its (rounded) CBS figures predict;
- derived inputs: when CBS does not publish education or migration background for a wijk,
  buurt or postcode, the build copies the gemeente's (or wijk's) figures, so the mix
  differs less from the gemeente than it may in reality. (For a gemeente, 'derived' means
  an earlier year or its predecessor gemeenten: still its own figures, so not counted.)

Rules: 'beperkt' below ``SMALL`` residents, or with derived inputs below ``MEDIUM``;
'redelijk' with derived inputs or below ``MEDIUM``; otherwise 'goed'.
"""

from __future__ import annotations

from betrokken.dutch_numbers import number

SMALL = 2_000
"""Fewer residents than this: always 'beperkt'."""
MEDIUM = 10_000
"""Fewer residents than this: at best 'redelijk'."""


def reliability(level: str, population: int | None, derived_inputs: list[str]) -> dict:
    """``{"label": ..., "reasons": [...]}`` for one area (see the module's rules)."""
    derived = list(derived_inputs) if level != "gemeente" else []
    reasons: list[str] = []
    small = population is not None and population < SMALL
    medium = population is not None and population < MEDIUM
    if small:
        reasons.append(
            f"Minder dan {number(SMALL)} inwoners: een paar huishoudens kunnen de echte "
            "samenstelling hier ver laten afwijken van wat de CBS-cijfers voorspellen."
        )
    elif medium:
        reasons.append(
            f"Minder dan {number(MEDIUM)} inwoners: eigen kenmerken van het gebied die "
            "het model niet kent, wegen hier zwaarder."
        )
    if derived:
        what = " en ".join(derived)
        reasons.append(
            f"{what[:1].upper()}{what[1:]} {'is' if len(derived) == 1 else 'zijn'} voor dit "
            "gebied niet door het CBS gepubliceerd: geschat uit wat het CBS hier wel "
            "publiceert, of overgenomen van de wijk of gemeente."
        )
    if population is None:
        reasons.append("Het aantal inwoners is onbekend.")
    if small or (derived and medium):
        label = "beperkt"
    elif derived or medium or population is None:
        label = "redelijk"
    else:
        label = "goed"
        reasons.append(
            f"Ten minste {number(MEDIUM)} inwoners en eigen CBS-cijfers voor opleiding "
            "en migratieachtergrond."
        )
    return {"label": label, "reasons": reasons}


RULES_NL = (
    f"Dit oordeel volgt uit vaste regels: beperkt onder {number(SMALL)} inwoners, of onder "
    f"{number(MEDIUM)} inwoners met opleiding of migratieachtergrond geschat of overgenomen; "
    f"redelijk bij geschatte of overgenomen invoer of onder {number(MEDIUM)} inwoners; anders "
    "goed. De intervallen in de tabel tonen alleen de onzekerheid van het model zelf, niet "
    "hoe goed de cijfers van het gebied het beschrijven."
)
"""The rules above in one Dutch sentence, shown under the label."""
