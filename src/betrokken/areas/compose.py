"""Combine a set of postcodes (PC4) into one profile mix, with intervals.

A participation project rarely follows wijk borders; staff draw it as a list of
postcodes. The combined mix is the adult-population-weighted mean of the PC4 mixes
(exactly what poststratifying the union would give under the same model, because the
mix is linear in the cell shares). Its interval comes from the same bootstrap draws,
combined draw by draw (``profile_mix_draws``), with the same point-centred percentile
method as every area (``areas.mix.interval_around_point``).
"""

from __future__ import annotations

import json
import re

import duckdb
import numpy as np
import pandas as pd

from betrokken.areas.mix import interval_around_point
from betrokken.errors import BetrokkenError, UnknownAreaError

__all__ = ["MAX_POSTCODES", "compose_postcodes", "normalise_pc4"]

MAX_POSTCODES = 500
"""Most PC4 codes one request may combine."""

_PC4 = re.compile(r"^[1-9][0-9]{3}$")


def normalise_pc4(codes: list[str]) -> list[str]:
    """Strip, de-duplicate and check PC4 codes (four digits, not starting with 0)."""
    if isinstance(codes, str):
        codes = [codes]
    cleaned: list[str] = []
    bad: list[str] = []
    for raw in codes:
        code = str(raw).strip().upper().replace(" ", "")
        if len(code) == 6 and _PC4.match(code[:4]) and code[4:].isalpha():
            code = code[:4]  # a full PC6 postcode: use its PC4
        if not _PC4.match(code):
            bad.append(str(raw))
        elif code not in cleaned:
            cleaned.append(code)
    if bad:
        raise BetrokkenError(
            f"Ongeldige postcode(s): {', '.join(repr(b) for b in bad)}. "
            "Een postcode heeft vier cijfers (bv. 3511), eventueel gevolgd door twee letters.",
        )
    if not cleaned:
        raise BetrokkenError("Geef ten minste één postcode (vier cijfers, bv. 3511).")
    if len(cleaned) > MAX_POSTCODES:
        raise BetrokkenError(f"Te veel postcodes ({len(cleaned)}); maximaal {MAX_POSTCODES}.")
    return cleaned


def compose_postcodes(con: duckdb.DuckDBPyConnection, pc4_codes: list[str]) -> dict:
    """Population-weighted profile mix and indices of a set of PC4 areas, with 90 % intervals.

    Raises ``BetrokkenError`` for malformed codes and ``UnknownAreaError`` (naming the
    codes) for postcodes that are not in the database. Suppressed postcodes (too few
    residents, secret marginals) are listed under ``"suppressed"`` and left out of the
    mix; if nothing publishable remains, ``"mix"`` is empty and ``"suppressed_all"`` True.
    """
    codes = normalise_pc4(pc4_codes)
    areas = con.execute(
        """
        SELECT i.area_code, i.population, i.suppressed, i.suppression_reason,
               a.area_name, a.share_age_0_14
        FROM area_indices i
        LEFT JOIN areas a ON a.level = i.level AND a.area_code = i.area_code
             AND a.year = i.year
        WHERE i.level = 'pc4' AND list_contains(?, i.area_code)
        """,
        [codes],
    ).df()
    unknown = [c for c in codes if c not in set(areas["area_code"])]
    if unknown:
        raise UnknownAreaError(
            f"Onbekende postcode(s): {', '.join(unknown)}. Deze komen niet voor in de database.",
            hint="Controleer de postcode; alleen bewoonde postcodes hebben een schatting.",
        )
    profiles = con.execute("SELECT id, name, share FROM profiles ORDER BY position").df()
    cards = con.execute("SELECT card_json FROM profiles ORDER BY position").fetchall()
    card_list = [json.loads(c[0]) for c in cards]
    p_engaged = np.array([float(c["p_high_engagement"]) for c in card_list])
    p_low_trust = np.array([float(c["p_low_trust"]) for c in card_list])
    ids = profiles["id"].tolist()

    suppressed = areas[areas["suppressed"]]
    used = areas[~areas["suppressed"]].copy()
    result = {
        "postcodes": codes,
        "used": sorted(used["area_code"]),
        "suppressed": [
            {"area_code": r.area_code, "reason": r.suppression_reason}
            for r in suppressed.sort_values("area_code").itertuples()
        ],
        "population": float(areas["population"].fillna(0).sum()),
        "suppressed_all": used.empty,
        "mix": [],
    }
    if used.empty:
        return result

    young = pd.to_numeric(used["share_age_0_14"], errors="coerce").fillna(0.0).clip(0, 1)
    used["weight"] = used["population"].fillna(0.0) * (1 - young)
    weight = used.set_index("area_code")["weight"]
    weight = weight / weight.sum()
    mix = con.execute(
        "SELECT area_code, profile_id, share FROM profile_mix "
        "WHERE level = 'pc4' AND list_contains(?, area_code)",
        [list(weight.index)],
    ).df()
    shares = mix.pivot(index="area_code", columns="profile_id", values="share")
    shares = shares.loc[weight.index, ids].to_numpy(float)
    point = weight.to_numpy() @ shares
    draws_rows = con.execute(
        "SELECT area_code, profile_id, draws FROM profile_mix_draws "
        "WHERE level = 'pc4' AND list_contains(?, area_code)",
        [list(weight.index)],
    ).fetchall()
    lookup = {(a, p): np.asarray(d, float) for a, p, d in draws_rows}
    n_draws = len(next(iter(lookup.values())))
    stacked = np.empty((len(weight), len(ids), n_draws))
    for i, code in enumerate(weight.index):
        for j, pid in enumerate(ids):
            stacked[i, j] = lookup[(code, pid)]
    draws = np.einsum("a,akb->bk", weight.to_numpy(), stacked)  # (B, K)
    lo, hi, _ = interval_around_point(point, draws)
    eng, eng_draws = point @ p_engaged, draws @ p_engaged
    trust, trust_draws = point @ p_low_trust, draws @ p_low_trust
    e_lo, e_hi, _ = interval_around_point(np.array([eng]), eng_draws[:, None])
    t_lo, t_hi, _ = interval_around_point(np.array([trust]), trust_draws[:, None])
    result["mix"] = [
        {
            "profile_id": pid,
            "name": name,
            "share": float(point[j]),
            "share_lo": float(lo[j]),
            "share_hi": float(hi[j]),
        }
        for j, (pid, name) in enumerate(zip(ids, profiles["name"], strict=True))
    ]
    result["engagement_index"] = {"value": float(eng), "lo": float(e_lo[0]), "hi": float(e_hi[0])}
    result["low_trust_share"] = {"value": float(trust), "lo": float(t_lo[0]), "hi": float(t_hi[0])}
    result["n_boot"] = int(n_draws)
    return result
