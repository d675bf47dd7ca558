"""Combine a set of postcodes (PC4) into one profile mix, with intervals.

A participation project rarely follows wijk borders; staff draw it as a list of
postcodes. The combined mix is the adult-population-weighted mean of the PC4 mixes
(exactly what poststratifying the union would give under the same model, because the
mix is linear in the cell shares). Its interval comes from the same bootstrap draws,
combined draw by draw (``profile_mix_draws``), with the same point-centred percentile
method as every area (``areas.mix.interval_around_point``).
"""

from __future__ import annotations

import numpy as np

from betrokken.areas.mix import interval_around_point
from betrokken.areas.postcodes import pc4_list
from betrokken.errors import UnknownAreaError

__all__ = ["COMPOSED_INDICES", "PostcodeComposer"]


class PostcodeComposer:
    """All PC4 mixes and bootstrap draws held as arrays, to compose many lists fast.

    Loading (``store.pc4_estimates.load_composer``) costs a few DuckDB queries once
    (about 13 MB at 100 draws); each composition is then one weighted sum over the
    chosen rows, so a dashboard can answer hundreds of compositions per second.
    """

    def __init__(
        self,
        codes: list[str],
        names: list[str | None],
        population: np.ndarray,
        weight: np.ndarray,
        suppressed: np.ndarray,
        reasons: list[str | None],
        profile_ids: list[str],
        profile_names: list[str],
        shares: np.ndarray,
        draws: np.ndarray,
        p_engaged: np.ndarray,
        p_low_trust: np.ndarray,
        index_points: np.ndarray | None = None,
        index_draws: np.ndarray | None = None,
    ):
        self.index = {code: i for i, code in enumerate(codes)}
        self.codes = codes
        self.names = names
        self.population = population
        self.weight = weight
        self.suppressed = suppressed
        self.reasons = reasons
        self.profile_ids = profile_ids
        self.profile_names = profile_names
        self.shares = shares  # (n_pc4, K), NaN where suppressed
        self.draws = draws  # (n_pc4, K, B), NaN where suppressed
        self.p_engaged = p_engaged
        self.p_low_trust = p_low_trust
        self.index_points = index_points  # (n_pc4, len(COMPOSED_INDICES)) or None
        self.index_draws = index_draws  # (n_pc4, len(COMPOSED_INDICES), B) or None

    def _indices(self, used: np.ndarray, weight: np.ndarray, point: np.ndarray,
                 draws: np.ndarray) -> dict:
        """The postcodes' published indices (direct models, local data), combined like the
        mix: adult-weighted, draw by draw. A database from before these indices existed
        gets the mix-weighted profile rates instead."""
        if self.index_points is None or self.index_draws is None:
            return {
                "engagement_index": _interval_of(point @ self.p_engaged, draws @ self.p_engaged),
                "low_trust_share": _interval_of(point @ self.p_low_trust,
                                                draws @ self.p_low_trust),
            }
        out = {}
        for j, name in enumerate(COMPOSED_INDICES):
            values = self.index_points[used, j]
            ok = np.isfinite(values)
            if ok.any():
                w = weight[ok] / weight[ok].sum()
                out[name] = _interval_of(float(w @ values[ok]),
                                         np.einsum("a,ab->b", w, self.index_draws[used[ok], j]))
        return out

    def compose(self, pc4_codes: list[str]) -> dict:
        """Adult-weighted profile mix and indices of a set of PC4 areas, with 90 % intervals.

        Raises ``BetrokkenError`` for malformed codes and ``UnknownAreaError`` (naming the
        codes) for postcodes that are not in the database. Suppressed postcodes (too few
        residents, secret marginals) are listed under ``"suppressed"`` and left out of the
        mix; if nothing publishable remains, ``"mix"`` is empty and ``"suppressed_all"`` True.
        """
        codes = pc4_list(pc4_codes)
        unknown = [c for c in codes if c not in self.index]
        if unknown:
            raise UnknownAreaError(
                f"Onbekende postcode(s): {', '.join(unknown)}. "
                "Deze komen niet voor in de database.",
                hint="Controleer de postcode; alleen bewoonde postcodes hebben een schatting.",
            )
        rows = np.array([self.index[c] for c in codes])
        hidden = self.suppressed[rows]
        used = rows[~hidden]
        result = {
            "postcodes": codes,
            "used": sorted(self.codes[i] for i in used),
            "suppressed": [
                {"area_code": self.codes[i], "reason": self.reasons[i]}
                for i in sorted(rows[hidden], key=lambda i: self.codes[i])
            ],
            "population": float(self.population[used].sum()),  # what the mix covers
            "population_all": float(self.population[rows].sum()),
            "suppressed_all": used.size == 0,
            "mix": [],
        }
        if used.size == 0:
            return result
        weight = self.weight[used] / self.weight[used].sum()
        point = weight @ self.shares[used]
        draws = np.einsum("a,akb->bk", weight, self.draws[used])  # (B, K)
        lo, hi, _ = interval_around_point(point, draws)
        result["mix"] = [
            {
                "profile_id": pid,
                "name": name,
                "share": float(point[j]),
                "share_lo": float(lo[j]),
                "share_hi": float(hi[j]),
            }
            for j, (pid, name) in enumerate(zip(self.profile_ids, self.profile_names, strict=True))
        ]
        result.update(self._indices(used, weight, point, draws))
        result["n_boot"] = int(draws.shape[0])
        return result


COMPOSED_INDICES: tuple[str, ...] = (
    "engagement_index", "low_trust_share", "political_engagement", "local_engagement",
)


def _interval_of(value: float, value_draws: np.ndarray) -> dict:
    lo, hi, _ = interval_around_point(np.array([value]), value_draws[:, None])
    return {"value": float(value), "lo": float(lo[0]), "hi": float(hi[0])}
