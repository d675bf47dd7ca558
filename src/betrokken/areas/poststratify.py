"""Poststratification: each area's joint demographic distribution by iterative proportional fitting.

CBS publishes per area only one-way marginals (age bands, sex, education, migration
background); the membership model needs the joint distribution over the cells
age (4) x sex (2) x education (3) x migration (3). We estimate that joint distribution by
iterative proportional fitting (IPF, raking) of the weighted survey's national joint
distribution (``ProfileModel.national_cells``) to the area's published marginals, for all
areas at once as one array of shape ``(n_areas, 4, 2, 3, 3)``.

Assumptions (stated in docs/validation.md as well):

- The area's joint distribution has the *national interaction structure*: every odds
  ratio between the demographic variables (e.g. how much more often 25-44 year olds are
  highly educated than 65+) is the national one, only the marginals are the area's own.
  IPF is exactly the minimum-discrimination-information adjustment of the seed to the
  margins, so the seed's odds ratios are preserved.
- The population is adults (18+, like the survey). CBS's 15-24 band is scaled by
  ``ADULT_FRACTION_15_24`` = 0.7 (18-24 is 7 of its 10 single years, the same
  uniform-within-band assumption as the survey weights in ``survey/targets.py``), then
  the 15-24 ... 65+ bands are renormalised to sum to 1 (0-14 dropped).
- The sex margin is CBS's margin for all ages, education is CBS's margin for persons
  15-75 and migration background is for all ages; each is applied to the adult
  population as is.
- Margins derived from a parent area (``derived_columns``) are used as if they were the
  area's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from betrokken.errors import BetrokkenError
from betrokken.schema import ADULT_FRACTION_15_24, CELL_VARIABLES

__all__ = [
    "ADULT_FRACTION_15_24",
    "CELL_SHAPE",
    "IPF_MAX_ITERATIONS",
    "IPF_TOLERANCE",
    "MARGIN_COLUMNS",
    "SEED_FLOOR",
    "IPFResult",
    "area_margins",
    "cell_frame",
    "ipf",
    "poststratify",
    "seed_array",
]

CELL_SHAPE: tuple[int, ...] = tuple(len(codes) for codes in CELL_VARIABLES.values())
"""(4 age bands, 2 sexes, 3 education levels, 3 migration backgrounds) = 72 cells."""

IPF_TOLERANCE = 1e-9
"""Largest absolute difference between a fitted and a target marginal share."""

IPF_MAX_ITERATIONS = 500
"""Sweeps over all four margins before IPF gives up (it reports non-convergence)."""

SEED_FLOOR = 1e-6
"""Smallest share a seed cell gets: an empty survey cell is a sampling zero, not a
structural one, and a zero seed cell can never be raked to a positive margin."""


MARGIN_COLUMNS: dict[str, tuple[str, ...]] = {
    "age": tuple(f"share_age_{band}" for band in CELL_VARIABLES["age"]),
    "sex": tuple(f"share_{sex}" for sex in CELL_VARIABLES["sex"]),
    "education": tuple(f"share_edu_{edu}" for edu in CELL_VARIABLES["education"]),
    "migration": tuple(f"share_migration_{mig}" for mig in CELL_VARIABLES["migration"]),
}
"""The `areas` columns that give each cell variable's margin, in cell-code order."""


@dataclass
class IPFResult:
    """Fitted joint distributions and how well each area converged."""

    cells: np.ndarray  # (n_areas, 4, 2, 3, 3), each area sums to 1
    converged: np.ndarray  # (n_areas,) bool
    max_error: np.ndarray  # (n_areas,) largest |fitted - target| over all margins
    iterations: int

    @property
    def n_converged(self) -> int:
        return int(self.converged.sum())


def seed_array(national_cells: pd.DataFrame) -> np.ndarray:
    """The national joint distribution as an array of ``CELL_SHAPE`` summing to 1.

    Cells absent from the survey get ``SEED_FLOOR`` (then the array is renormalised).
    """
    missing = [c for c in (*CELL_VARIABLES, "weight") if c not in national_cells.columns]
    if missing:
        raise BetrokkenError(
            f"De nationale celverdeling van het model mist de kolommen {', '.join(missing)}."
        )
    seed = np.zeros(CELL_SHAPE)
    index = []
    for var, codes in CELL_VARIABLES.items():
        lookup = {code: i for i, code in enumerate(codes)}
        pos = national_cells[var].astype(str).map(lookup)
        if pos.isna().any():
            bad = sorted(set(national_cells.loc[pos.isna(), var].astype(str)))
            raise BetrokkenError(
                f"Onbekende code(s) {bad} voor '{var}' in de nationale celverdeling van het model."
            )
        index.append(pos.to_numpy(int))
    np.add.at(seed, tuple(index), national_cells["weight"].to_numpy(float))
    if seed.sum() <= 0:
        raise BetrokkenError("De nationale celverdeling van het model heeft totaal gewicht 0.")
    seed /= seed.sum()
    seed = np.maximum(seed, SEED_FLOOR)
    return seed / seed.sum()


def cell_frame() -> pd.DataFrame:
    """All 72 cells in array (C) order, one column per cell variable with its codes."""
    grid = pd.MultiIndex.from_product(list(CELL_VARIABLES.values()), names=list(CELL_VARIABLES))
    return grid.to_frame(index=False)


def area_margins(areas: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each area's target margins as arrays ``(n_areas, k)`` that sum to 1 (NaN if missing).

    A margin is missing for an area when any of its columns is NULL (secret or not
    published) or when it sums to 0. The age margin keeps adults only (18+: the 15-24
    band scaled by ``ADULT_FRACTION_15_24``).
    """
    margins: dict[str, np.ndarray] = {}
    for var, columns in MARGIN_COLUMNS.items():
        absent = [c for c in columns if c not in areas.columns]
        if absent:
            raise BetrokkenError(f"De gebiedstabel mist de kolommen {', '.join(absent)}.")
        values = areas[list(columns)].to_numpy(float)
        values = np.where(values < 0, np.nan, values)
        if var == "age":
            values[:, 0] *= ADULT_FRACTION_15_24
        total = values.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = values / total
        share[~(total[:, 0] > 0)] = np.nan
        margins[var] = share
    return margins


def fill_absent_margins(
    margins: dict[str, np.ndarray], seed: np.ndarray
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Margins that the source lacks for *every* area get the seed's national margin.

    An older KWB layout (2022 download builds) has no migration background at all; without
    this every area would be dropped. Raking to the national margin keeps the model's
    national distribution for that variable (given the other margins), and the variables
    filled are returned so the build can say so. A margin missing for *some* areas only
    (secret or unpublished) stays missing: those areas are not estimated.
    """
    filled: list[str] = []
    out = dict(margins)
    for axis, var in enumerate(CELL_VARIABLES):
        values = margins[var]
        if values.shape[0] and not np.isfinite(values).any():
            other = tuple(a for a in range(len(CELL_SHAPE)) if a != axis)
            national = seed.sum(axis=other) / seed.sum()
            out[var] = np.broadcast_to(national, values.shape).copy()
            filled.append(var)
    return out, filled


def ipf(
    seed: np.ndarray,
    margins: dict[str, np.ndarray],
    *,
    tolerance: float = IPF_TOLERANCE,
    max_iterations: int = IPF_MAX_ITERATIONS,
) -> IPFResult:
    """Rake ``seed`` (``CELL_SHAPE``) to every area's margins, all areas at once.

    ``margins`` maps each cell variable (in ``CELL_VARIABLES`` order) to an array
    ``(n_areas, k)`` of target shares summing to 1; rows with NaN are not fitted (their
    cells are NaN, ``converged`` False). Each sweep scales the cells so that one margin
    at a time matches; areas stop changing once all their margins are within
    ``tolerance``.
    """
    variables = list(CELL_VARIABLES)
    n = next(iter(margins.values())).shape[0]
    targets = [np.asarray(margins[var], float) for var in variables]
    ok = np.all([np.isfinite(t).all(axis=1) for t in targets], axis=0)
    cells = np.broadcast_to(seed / seed.sum(), (n, *CELL_SHAPE)).copy()
    cells[~ok] = np.nan
    active = ok.copy()
    max_error = np.full(n, np.nan)
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - reported below
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        block = cells[idx]
        for axis, target in enumerate(targets, start=1):
            other = tuple(a for a in range(1, 5) if a != axis)
            current = block.sum(axis=other)
            with np.errstate(invalid="ignore", divide="ignore"):
                factor = np.where(current > 0, target[idx] / current, 0.0)
            shape = [len(idx), 1, 1, 1, 1]
            shape[axis] = factor.shape[1]
            block *= factor.reshape(shape)
        error = _margin_error(block, [t[idx] for t in targets])
        cells[idx] = block
        max_error[idx] = error
        active[idx] = error > tolerance
    converged = ok & ~(max_error > tolerance)
    return IPFResult(cells=cells, converged=converged, max_error=max_error, iterations=iteration)


def _margin_error(cells: np.ndarray, targets: list[np.ndarray]) -> np.ndarray:
    """Largest absolute difference between fitted and target margins, per area."""
    error = np.zeros(cells.shape[0])
    for axis, target in enumerate(targets, start=1):
        other = tuple(a for a in range(1, 5) if a != axis)
        error = np.maximum(error, np.abs(cells.sum(axis=other) - target).max(axis=1))
    return error


def poststratify(areas: pd.DataFrame, national_cells: pd.DataFrame) -> IPFResult:
    """Joint adult distribution of every area in ``areas`` (one row each), by IPF."""
    return ipf(seed_array(national_cells), area_margins(areas))
