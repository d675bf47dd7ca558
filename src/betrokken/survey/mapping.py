"""Declarative item mappings: one table per survey turns raw columns into the respondent frame.

Every mapped item is an :class:`Item`: the source column, the target column in the
harmonised frame, the question wording (from the survey's codebook), the valid range of the
*harmonised* value, the source codes that mean "don't know / refused / not applicable"
(they become NaN, never numbers) and an optional recode of source codes. Keeping all of it
in one table per survey means the mapping can be read, reviewed and tested in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from betrokken.errors import SourceError


@dataclass(frozen=True)
class Item:
    """One harmonised variable and how it is derived from one source column."""

    source: str
    target: str
    wording_nl: str
    wording_en: str = ""
    scale: str = ""  # human description of the harmonised scale, e.g. "0 = geen ... 10 = volledig"
    valid: tuple[float, float] | tuple[str, ...] | None = None  # numeric range or allowed codes
    missing: tuple = ()  # source codes that mean don't know / refusal / not applicable -> NaN
    recode: Mapping | None = None  # source code -> harmonised value (unlisted valid codes: error)
    transform: Callable[[pd.Series], pd.Series] | None = field(default=None, compare=False)
    group: str = ""  # item group: trust, cynicism, knowledge, turnout, channels, demographics
    kind: str = "number"  # "number" or "text" (kept as stripped text, e.g. a NUTS region code)
    required: bool = True  # optional items become an all-missing column when absent

    @property
    def is_categorical(self) -> bool:
        return self.valid is not None and len(self.valid) > 0 and isinstance(self.valid[0], str)


def _as_number(raw: pd.Series) -> pd.Series:
    return pd.to_numeric(raw, errors="coerce")


def map_item(raw: pd.Series, item: Item, *, survey: str, path: Path | str) -> pd.Series:
    """Harmonise one column: missing codes -> NaN, recode, then check the documented range.

    A value that is neither a missing code nor valid raises a Dutch ``SourceError`` that
    names the file, column and offending codes: silently keeping an unknown code would turn
    "don't know" into a number.
    """
    values = raw.copy()
    if item.transform is not None:
        values = item.transform(values)
    blank = values.isna() | (values.astype(str).str.strip() == "")
    if item.missing:
        miss_set = {str(m) for m in item.missing} | {
            str(float(m)) for m in item.missing if isinstance(m, int | float)
        }
        blank = blank | values.astype(str).str.strip().isin(miss_set)
    if item.recode is not None:
        keys = {str(k): v for k, v in item.recode.items()}
        keys.update(
            {str(float(k)): v for k, v in item.recode.items() if isinstance(k, int | float)}
        )
        as_text = values.astype(str).str.strip()
        unknown = ~blank & ~as_text.isin(keys)
        if unknown.any():
            bad = sorted(set(as_text[unknown]))[:5]
            raise SourceError(
                f"Onbekende code(s) {', '.join(bad)} in kolom '{item.source}' van {survey} "
                f"({path}).",
                hint=f"Toegestaan: {', '.join(map(str, item.recode))}; ontbrekend: "
                f"{', '.join(map(str, item.missing)) or 'leeg'}.",
            )
        mapped = as_text.map(keys)
        mapped[blank] = np.nan
        out = mapped if item.is_categorical else _as_number(mapped)
    elif item.kind == "text":
        out = values.astype("string").str.strip().mask(blank)
    else:
        numeric = _as_number(values)
        numeric[blank] = np.nan
        not_number = ~blank & numeric.isna()
        if not_number.any():
            bad = sorted(set(values[not_number].astype(str)))[:5]
            raise SourceError(
                f"Kolom '{item.source}' van {survey} ({path}) bevat geen getallen: "
                f"{', '.join(bad)}."
            )
        out = numeric
    if item.valid is not None and not item.is_categorical:
        lo, hi = item.valid
        outside = out.notna() & ((out < lo) | (out > hi))
        if outside.any():
            bad = sorted(set(values[outside].astype(str)))[:5]
            raise SourceError(
                f"Kolom '{item.source}' van {survey} ({path}) heeft waarden buiten het bereik "
                f"{lo:g}–{hi:g}: {', '.join(bad)}.",
                hint="Controleer het codeboek: is dit een ontbrekende-waardecode?",
            )
    return out.rename(item.target)


def apply_mapping(
    raw: pd.DataFrame, items: Sequence[Item], *, survey: str, path: Path | str
) -> pd.DataFrame:
    """Map every declared item; a missing source column or an empty file is a clear error."""
    if raw.empty:
        raise SourceError(f"Het enquêtebestand van {survey} ({path}) bevat geen respondenten.")
    needed = {item.source for item in items if item.required}
    missing = sorted(needed - set(raw.columns))
    if missing:
        raise SourceError(
            f"Het enquêtebestand van {survey} ({path}) mist kolom(men): {', '.join(missing)}.",
            hint="Gebruik het originele bestand of pas de koppeltabel van deze enquête aan.",
        )
    columns = [
        map_item(raw[item.source], item, survey=survey, path=path)
        if item.source in raw.columns
        else pd.Series(np.nan, index=raw.index, name=item.target)
        for item in items
    ]
    return pd.concat(columns, axis=1)


def codebook_table(items: Sequence[Item]) -> pd.DataFrame:
    """The mapping as a table (for the method doc): target, source, wording, scale, missing."""
    return pd.DataFrame(
        {
            "target": [i.target for i in items],
            "source": [i.source for i in items],
            "group": [i.group for i in items],
            "wording_nl": [i.wording_nl for i in items],
            "scale": [i.scale for i in items],
            "missing_codes": [", ".join(map(str, i.missing)) for i in items],
        }
    )
