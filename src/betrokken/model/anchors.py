"""Official national gradients (CBS) that anchor the area models' individual coefficients.

The VU panel has about 1,800 usable respondents: too few to learn how low trust and political
engagement differ by education, sex, age and migration background. CBS measured the closest
quantities on much larger samples:

- **low trust** <- 82378NED "little or no trust in the Tweede Kamer" (100 - % "heel/tamelijk
  veel vertrouwen"), 2012-2017, by sex and five education levels
  (``national/82378NED_sex_edu_2012_2017_long.csv``), and by migration background
  (``themes/national_vertrouwen_by_migratieachtergrond_2012_2017_cbs.csv``);
- **political engagement** <- 82095NED "voted" (100 - % "niet gestemd") at the Tweede Kamer
  election of 2012, by sex, seven age bands, migration background and five education levels
  (``national/82095NED_stemgedrag_TK2012.csv``).

Each table is turned into *centred log-odds* per level of a cell variable: ``logit(p_level)``
minus the mean over the variable's levels. These are the prior means of the models' one-hot
coefficients (``model.area_models``); the prior SD (``ANCHOR_SD``) says how far the survey may
move them. CBS categories are merged into the survey's coarser ones by averaging the log-odds of
the merged rows (``EDUCATION_MAP``, ``AGE_MAP``): a documented approximation, the tables give no
group sizes. Urbanity and church membership are in 82095NED but are not cell variables; they
are left out (urbanity enters the models as area context, learnt from the survey).

A table that does not have the expected groups fails with a Dutch message naming the file and
the row. No election result of any area enters here: these are national figures by personal
characteristics.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from betrokken import schema
from betrokken.errors import BetrokkenError

__all__ = [
    "ANCHOR_SD",
    "Anchor",
    "load_anchors",
    "read_nonvoting_table",
    "read_trust_migration_table",
    "read_trust_table",
]

TRUST_FILE = "national/82378NED_sex_edu_2012_2017_long.csv"
TRUST_MIGRATION_FILE = "themes/national_vertrouwen_by_migratieachtergrond_2012_2017_cbs.csv"
NONVOTING_FILE = "national/82095NED_stemgedrag_TK2012.csv"
ANCHOR_SD = 0.1
"""Prior SD (log-odds) of an anchored coefficient around the CBS value: the tables' own
sampling error is about 0.05-0.10; the rest allows for the survey's measure differing from
the CBS one (trust axis vs trust in the Tweede Kamer; engagement axis vs voting)."""

TRUST_GROUPS: dict[str, tuple[str, str]] = {
    "Geslacht: mannen": ("sex", "man"),
    "Geslacht: vrouwen": ("sex", "vrouw"),
    "Onderwijsniveau: basisonderwijs": ("education", "laag"),
    "Onderwijsniveau: vmbo,mbo1,avo onderbouw": ("education", "laag"),
    "Onderwijsniveau: havo, vwo, mbo": ("education", "midden"),
    "Onderwijsniveau: hbo, wo bachelor": ("education", "hoog"),
    "Onderwijsniveau: wo, master, doctor": ("education", "hoog"),
}
"""82378NED row -> (cell variable, level). ``Totaal`` is read but not a group."""
TRUST_MIGRATION_GROUPS: dict[str, tuple[str, str]] = {
    "Nederlands": ("migration", "nl"),
    "Westers": ("migration", "west"),
    "Niet-westers": ("migration", "nietwest"),
}
NONVOTING_GROUPS: dict[str, tuple[str, str]] = {
    "Geslacht: mannen": ("sex", "man"),
    "Geslacht: vrouwen": ("sex", "vrouw"),
    "Leeftijd: 18 tot 25 jaar": ("age", "15_24"),
    "Leeftijd: 25 tot 35 jaar": ("age", "25_44"),
    "Leeftijd: 35 tot 45 jaar": ("age", "25_44"),
    "Leeftijd: 45 tot 55 jaar": ("age", "45_64"),
    "Leeftijd: 55 tot 65 jaar": ("age", "45_64"),
    "Leeftijd: 65 tot 75 jaar": ("age", "65plus"),
    "Leeftijd: 75 jaar of ouder": ("age", "65plus"),
    "Migratieachtergrond: Nederland": ("migration", "nl"),
    "Migratieachtergrond: westers": ("migration", "west"),
    "Migratieachtergrond: niet-westers": ("migration", "nietwest"),
    "Onderwijsniveau: basisonderwijs": ("education", "laag"),
    "Onderwijsniveau: lager beroepsonderwijs": ("education", "laag"),
    "Onderwijsniveau: avo onderbouw": ("education", "laag"),
    "Onderwijsniveau: havo, vwo, mbo": ("education", "midden"),
    "Onderwijsniveau: hbo, wo": ("education", "hoog"),
}
"""82095NED row -> (cell variable, level). Rows of other breakdowns (burgerlijke staat,
stedelijkheid, kerkelijke gezindte) are known and skipped."""
NONVOTING_SKIPPED_PREFIXES = ("Totaal", "Burgerlijke staat:", "Stedelijkheid:",
                              "Kerkelijke gezindte:")


@dataclass(frozen=True)
class Anchor:
    """One outcome's official gradient: per cell variable, per level, the CBS share (of the
    outcome's direction: distrust, voted) and its centred log-odds."""

    outcome: str
    source: str
    share: dict[str, dict[str, float]]
    """variable -> level -> share (0-1) of the outcome, merged as documented."""

    def centred_logit(self, variable: str) -> dict[str, float] | None:
        levels = self.share.get(variable)
        if levels is None:
            return None
        logits = {lvl: float(np.log(p / (1 - p))) for lvl, p in levels.items()}
        mean = float(np.mean(list(logits.values())))
        return {lvl: v - mean for lvl, v in logits.items()}


def _fail(path: Path, row: str | int, problem: str) -> BetrokkenError:
    return BetrokkenError(
        f"Landelijke tabel '{path.name}', rij {row}: {problem}",
        hint=f"Controleer het bestand {path} (zie national/SOURCES.md).",
    )


def _read(path: Path, **kwargs) -> pd.DataFrame:
    if not path.is_file():
        raise BetrokkenError(f"Landelijke tabel '{path.name}' ontbreekt ({path}).")
    try:
        return pd.read_csv(path, dtype=str, **kwargs)
    except (ValueError, pd.errors.ParserError) as exc:
        raise BetrokkenError(f"Landelijke tabel '{path.name}' is onleesbaar: {exc}") from None


def _percent(path: Path, row: str | int, value) -> float:
    try:
        pct = float(str(value).replace(",", "."))
    except ValueError:
        raise _fail(path, row, f"'{value}' is geen percentage.") from None
    if not 0.0 < pct < 100.0:
        raise _fail(path, row, f"percentage {pct} ligt niet tussen 0 en 100.")
    return pct / 100.0


def _merge(path: Path, collected: dict[tuple[str, str], list[float]],
           expected: dict[str, tuple[str, str]]) -> dict[str, dict[str, float]]:
    """Mean log-odds of the merged CBS rows per (variable, level), back to a share."""
    missing = sorted({label for label, key in expected.items() if key not in collected})
    if missing:
        raise _fail(path, f"'{missing[0]}'", "deze groep ontbreekt in de tabel.")
    out: dict[str, dict[str, float]] = {}
    for (var, level), shares in collected.items():
        logit = float(np.mean([np.log(p / (1 - p)) for p in shares]))
        out.setdefault(var, {})[level] = float(1.0 / (1.0 + np.exp(-logit)))
    for var, levels in out.items():
        absent = [lvl for lvl in schema.CELL_VARIABLES[var] if lvl not in levels]
        if absent:
            raise _fail(path, "—", f"geen rij voor {var} = {absent[0]}.")
    return out


def read_trust_table(path: Path) -> dict[tuple[str, str], list[float]]:
    """82378NED: share *not* trusting the Tweede Kamer per (variable, level), one value per
    year and CBS row."""
    frame = _read(path)
    need = {"persoonskenmerk", "year", "measure", "pct_heel_tamelijk_veel_vertrouwen"}
    if not need <= set(frame.columns):
        raise _fail(path, 1, f"kolommen {sorted(need - set(frame.columns))} ontbreken.")
    frame = frame[frame["measure"] == "Tweede Kamer"]
    collected: dict[tuple[str, str], list[float]] = {}
    seen: set[str] = set()
    for i, row in frame.iterrows():
        label = row["persoonskenmerk"]
        if label == "Totaal":
            continue
        if label not in TRUST_GROUPS:
            raise _fail(path, f"{i + 2} ('{label}')", "onbekende categorie.")
        seen.add(label)
        trust = _percent(path, i + 2, row["pct_heel_tamelijk_veel_vertrouwen"])
        collected.setdefault(TRUST_GROUPS[label], []).append(1.0 - trust)
    unseen = [label for label in TRUST_GROUPS if label not in seen]
    if unseen:
        raise _fail(path, f"'{unseen[0]}'", "deze groep ontbreekt in de tabel.")
    return collected


def read_trust_migration_table(path: Path) -> dict[tuple[str, str], list[float]]:
    frame = _read(path, sep=";")
    if not {"Migratieachtergrond", "TweedeKamer"} <= set(frame.columns):
        raise _fail(path, 1, "kolommen 'Migratieachtergrond' en 'TweedeKamer' ontbreken.")
    collected: dict[tuple[str, str], list[float]] = {}
    for i, row in frame.iterrows():
        label = row["Migratieachtergrond"]
        if label == "Totaal":
            continue
        if label not in TRUST_MIGRATION_GROUPS:
            raise _fail(path, f"{i + 2} ('{label}')", "onbekende categorie.")
        trust = _percent(path, i + 2, row["TweedeKamer"])
        collected.setdefault(TRUST_MIGRATION_GROUPS[label], []).append(1.0 - trust)
    missing = [lbl for lbl, key in TRUST_MIGRATION_GROUPS.items() if key not in collected]
    if missing:
        raise _fail(path, f"'{missing[0]}'", "deze groep ontbreekt in de tabel.")
    return collected


def read_nonvoting_table(path: Path) -> dict[tuple[str, str], list[float]]:
    """82095NED: share that *voted* (100 - niet gestemd) per (variable, level)."""
    frame = _read(path, sep=";")
    if not {"Persoonskenmerken", "NietGestemd_pct"} <= set(frame.columns):
        raise _fail(path, 1, "kolommen 'Persoonskenmerken' en 'NietGestemd_pct' ontbreken.")
    collected: dict[tuple[str, str], list[float]] = {}
    seen: set[str] = set()
    for i, row in frame.iterrows():
        label = str(row["Persoonskenmerken"]).strip()
        if label in NONVOTING_GROUPS:
            seen.add(label)
            nonvote = _percent(path, i + 2, row["NietGestemd_pct"])
            collected.setdefault(NONVOTING_GROUPS[label], []).append(1.0 - nonvote)
        elif not label.startswith(NONVOTING_SKIPPED_PREFIXES):
            raise _fail(path, f"{i + 2} ('{label}')", "onbekende categorie.")
    unseen = [label for label in NONVOTING_GROUPS if label not in seen]
    if unseen:
        raise _fail(path, f"'{unseen[0]}'", "deze groep ontbreekt in de tabel.")
    return collected


def load_anchors(data_dir: Path) -> dict[str, Anchor]:
    """``low_trust`` and ``high_engagement`` anchors from the national CBS tables."""
    data_dir = Path(data_dir)
    trust_path = data_dir / TRUST_FILE
    trust = read_trust_table(trust_path)
    trust.update(read_trust_migration_table(data_dir / TRUST_MIGRATION_FILE))
    vote_path = data_dir / NONVOTING_FILE
    expected_trust = {**TRUST_GROUPS, **TRUST_MIGRATION_GROUPS}
    return {
        "low_trust": Anchor(
            "low_trust", "CBS 82378NED, weinig/geen vertrouwen in de Tweede Kamer, 2012-2017",
            _merge(trust_path, trust, expected_trust),
        ),
        "high_engagement": Anchor(
            "high_engagement", "CBS 82095NED, gestemd bij de Tweede Kamerverkiezing 2012",
            _merge(vote_path, read_nonvoting_table(vote_path), NONVOTING_GROUPS),
        ),
    }
