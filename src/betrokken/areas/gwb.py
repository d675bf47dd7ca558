"""KWB 2024 gemeente/wijk/buurt counts (age, sex, herkomst) and KWB 2022 tenure by code.

``gwb_2024(age_sex, herkomst)`` joins the two StatLine exports of 85984NED. The herkomst
file has no code column, so the join is by row order, and only after every row has been
checked: same number of rows, and per row the same area name, gemeente name and number
of residents. One row out of line fails the build (``SourceError``, in Dutch, naming the
row) before any long step runs, so the previous database keeps serving.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from betrokken.errors import SourceError
from betrokken.sources.kwb_gwb import (
    GWB_2024_AGE_SEX,
    GWB_2024_HERKOMST,
    GWB_AGE,
    GWB_CODE,
    GWB_GEMEENTE,
    GWB_HERKOMST,
    GWB_KIND,
    GWB_MEN,
    GWB_NAME,
    GWB_POPULATION,
    GWB_WOMEN,
    MARITAL_COLUMNS,
)

KIND_LEVEL = {"Land": "land", "Gemeente": "gemeente", "Wijk": "wijk", "Buurt": "buurt"}

GWB_COLUMNS = ("level", "area_name", "gemeente_name", "population", "men", "women",
               "age_0_14", "age_15_24", "age_25_44", "age_45_64", "age_65plus",
               "herkomst_nl", "herkomst_europa", "herkomst_buiten_europa")


def check_row_order(age_sex: pd.DataFrame, herkomst: pd.DataFrame) -> None:
    """Fail (in Dutch, naming the first bad row) unless both files list the same areas
    in the same order: same row count, names, gemeente names and residents per row."""
    a_file, h_file = GWB_2024_AGE_SEX.filename, GWB_2024_HERKOMST.filename
    if len(age_sex) != len(herkomst):
        raise SourceError(
            f"De herkomst per wijk en buurt ('{h_file}', {len(herkomst)} rijen) sluit niet aan "
            f"op '{a_file}' ({len(age_sex)} rijen): het bestand heeft geen codekolom en kan "
            "alleen op rijvolgorde gekoppeld worden, dus het aantal rijen moet gelijk zijn.",
            hint="Zet de originele bestanden terug (zie cbs/SOURCES.md); de vorige database "
                 "blijft in gebruik.")
    checks = (
        ("naam", GWB_NAME, GWB_NAME),
        ("gemeentenaam", GWB_GEMEENTE, GWB_GEMEENTE),
        ("aantal inwoners", GWB_POPULATION, GWB_POPULATION),
    )
    for what, left, right in checks:
        a = age_sex[left].reset_index(drop=True)
        h = herkomst[right].reset_index(drop=True)
        differ = ~((a == h) | (a.isna() & h.isna()))
        if differ.any():
            i = int(np.flatnonzero(differ.to_numpy())[0])
            raise SourceError(
                f"De herkomst per wijk en buurt ('{h_file}') sluit niet aan op '{a_file}': "
                f"regel {i + 2} heeft {what} '{_show(h.iloc[i])}' in plaats van "
                f"'{_show(a.iloc[i])}' ({int(differ.sum())} rij(en) wijken af). Het bestand "
                "heeft geen codekolom en wordt alleen op rijvolgorde gekoppeld; dat kan hier "
                "niet veilig.",
                hint="Zet de originele bestanden terug (zie cbs/SOURCES.md); de vorige "
                     "database blijft in gebruik.")


def _show(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def gwb_2024(age_sex: pd.DataFrame, herkomst: pd.DataFrame) -> pd.DataFrame:
    """One row per area code (NL, gemeenten, wijken, buurten of 2024) with counts."""
    check_row_order(age_sex, herkomst)
    a = age_sex.reset_index(drop=True)
    h = herkomst.reset_index(drop=True)
    out = pd.DataFrame(index=a.index)
    out["area_code"] = a[GWB_CODE]
    out["level"] = a[GWB_KIND].map(KIND_LEVEL)
    out["area_name"] = a[GWB_NAME]
    out["gemeente_name"] = a[GWB_GEMEENTE]
    out["population"] = a[GWB_POPULATION]
    out["men"] = a[GWB_MEN]
    out["women"] = a[GWB_WOMEN]
    for ours, theirs in zip(GWB_COLUMNS[6:11], GWB_AGE, strict=True):
        out[ours] = a[theirs]
    for ours, theirs in zip(GWB_COLUMNS[11:], GWB_HERKOMST, strict=True):
        out[ours] = h[theirs].to_numpy()
    unknown = out["level"].isna()
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise SourceError(
            f"Bronbestand '{GWB_2024_AGE_SEX.filename}' regel {i + 2}: onbekend soort regio "
            f"'{a[GWB_KIND].iloc[i]}' (verwacht Land, Gemeente, Wijk of Buurt).")
    return out.set_index("area_code", drop=False)


def tenure_2022(t: pd.DataFrame) -> pd.DataFrame:
    """KWB 2022 per code: residents, tenure shares (fractions), density, married share."""
    out = pd.DataFrame(index=t["WijkenEnBuurten"].to_numpy())
    out["population_2022"] = t["AantalInwoners"].to_numpy()
    out["owner"] = (t["Koopwoningen"] / 100.0).to_numpy()
    out["social_rent"] = (t["InBezitWoningcorporatie"] / 100.0).to_numpy()
    out["density"] = t["Bevolkingsdichtheid"].to_numpy()
    marital = t[list(MARITAL_COLUMNS)].sum(axis=1, min_count=4)
    out["married"] = (t["Gehuwd"] / marital.where(marital > 0)).to_numpy()
    return out
