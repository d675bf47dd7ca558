"""Bereikcheck: who did a participation process reach, compared with the area's adults?

Input is a participant table (one row per participant, or counts per postcode): ``pc4``,
optional ``age_band`` and ``sex`` (codes of ``schema``), ``count``. The target area is a
gemeente, one or more wijken, or a list of PC4 codes. Everything is computed in memory;
nothing about participants is stored.

Population. The area is split into *units*: its wijken (gemeente or several wijken) or
its postcodes (one wijk or a postcode list). Per unit the adults (``population.adult_weight``)
are spread over age band × sex assuming age and sex independent within the unit (the
areas table publishes only the two margins; the sex ratio of all residents stands for
adults). That one cell table gives every population share and the reweighting table, so
they agree with each other.

Comparison. Per dimension (leeftijd, geslacht, gebied, profiel) the participant counts get
Goodman's (1965) simultaneous confidence intervals for multinomial proportions
(``statsmodels``): they hold for all categories of a dimension at once, so a list with
eight wijken does not get "flagged" groups by chance alone, and they need no simulation
(Sison–Glaz is tighter for many small cells but is undefined for some small n). The level
is 90 % over the whole check, split Bonferroni-wise over the dimensions present. A group is
*onder* when the population share lies above the interval, *boven* when below it, and
*in lijn* otherwise.

Profiles. Without quiz answers the participants' profile mix is *expected*: each
participant gets the published mix of their postcode (or wijk), tilted by their age band
and sex with the national ratio P(profile | age, sex) / P(profile) from the membership
model. The counts that enter the interval are these expected counts (soft counts), which
understates nothing about the sampling of people but ignores the uncertainty of the mixes
themselves; the page says so. With quiz answers (``survey.own``) the counts are the sums of
the respondents' posterior probabilities: the reached mix instead of the expected one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from betrokken import schema
from betrokken.areas.population import adult_weight
from betrokken.areas.postcodes import (
    PostcodeListError,
    pc4_from_token,
    pc4_list,
    postcode_tokens,
)
from betrokken.errors import BetrokkenError, UnknownAreaError
from betrokken.limits import MAX_PARTICIPANT_COUNT

__all__ = [
    "AGE_LABELS",
    "SEX_LABELS",
    "ReachError",
    "TargetArea",
    "bereikcheck",
    "load_target",
    "multinomial_intervals",
    "normalise_age_band",
    "normalise_sex",
    "participant_count",
    "participants_frame",
    "participants_from_rows",
]

FEW_PARTICIPANTS = 30
"""Below this many participants in the area the page and the CLI warn that 'in lijn'
mostly means 'cannot be judged' (the intervals are very wide)."""
CHECK_LEVEL = schema.INTERVAL_LEVEL
"""Confidence of the whole check (all dimensions together)."""

AGE_LABELS = {
    "15_24": "18–24 jaar",
    "25_44": "25–44 jaar",
    "45_64": "45–64 jaar",
    "65plus": "65 jaar en ouder",
}
SEX_LABELS = {"man": "mannen", "vrouw": "vrouwen"}
DIMENSION_LABELS = {
    "leeftijd": "Leeftijd",
    "geslacht": "Geslacht",
    "gebied": "Gebied",
    "profiel": "Profiel (verwacht)",
}

_AGE_ALIASES = {
    "15_24": "15_24",
    "18_24": "15_24",
    "18-24": "15_24",
    "1824": "15_24",
    "25_44": "25_44",
    "25-44": "25_44",
    "45_64": "45_64",
    "45-64": "45_64",
    "65plus": "65plus",
    "65+": "65plus",
    "65_plus": "65plus",
    "65 plus": "65plus",
    "65eo": "65plus",
    "65 en ouder": "65plus",
}
_SEX_ALIASES = {
    "man": "man",
    "m": "man",
    "vrouw": "vrouw",
    "v": "vrouw",
    "f": "vrouw",
    "male": "man",
    "female": "vrouw",
}


class ReachError(BetrokkenError):
    """A participant list or target area the Bereikcheck cannot use."""

    status_code = 422


def normalise_age_band(value: object) -> str | None:
    """'65+', '65plus', '18-24' … -> schema code; '' -> None; anything else -> ValueError."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    code = _AGE_ALIASES.get(text) or _AGE_ALIASES.get(text.replace(" ", ""))
    if code is None:
        raise ValueError(text)
    return code


def normalise_sex(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    if text not in _SEX_ALIASES:
        raise ValueError(text)
    return _SEX_ALIASES[text]


def participant_count(raw: object) -> int | None:
    """A row's count of participants: a whole number from 1 to ``MAX_PARTICIPANT_COUNT``
    (empty: 1); ``None`` for anything else ('1e308', 'nan', '-3', '2.5', 'veel')."""
    if raw is None or raw == "":
        return 1
    if isinstance(raw, bool):
        return None
    try:
        value = float(str(raw).strip().replace(",", "."))
    except ValueError:
        return None
    if not np.isfinite(value) or not value.is_integer():
        return None
    if not 1 <= value <= MAX_PARTICIPANT_COUNT:
        return None
    return int(value)


def participants_frame(
    rows: list[dict], *, source: str = "de invoer", max_rows: int | None = None
) -> pd.DataFrame:
    """Validated participants: ``pc4, age_band, sex, count`` (age/sex may be None).

    ``rows`` are dicts with ``postcode`` and optional ``age_band``, ``sex``, ``count``;
    ``source`` names the file or field in messages, rows are numbered from 1.
    """
    if not rows:
        raise ReachError(
            f"Er staan geen deelnemers in {source}.", hint="Geef minstens één postcode, bv. 3511."
        )
    if max_rows is not None and len(rows) > max_rows:
        raise ReachError(
            f"Te veel regels in {source}: {len(rows)}, het maximum is {max_rows}.",
            hint="Tel deelnemers per postcode op (kolom 'aantal').",
        )
    out, problems = [], []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            problems.append(f"regel {i}: geen object")
            continue
        pc4 = pc4_from_token(row.get("postcode"))
        if pc4 is None:
            problems.append(f"regel {i}: postcode {str(row.get('postcode'))[:12]!r}")
            continue
        try:
            age = normalise_age_band(row.get("age_band"))
        except ValueError as exc:
            problems.append(f"regel {i}: leeftijdsklasse {str(exc)[:12]!r}")
            continue
        try:
            sex = normalise_sex(row.get("sex"))
        except ValueError as exc:
            problems.append(f"regel {i}: geslacht {str(exc)[:12]!r}")
            continue
        raw_count = row.get("count", 1)
        count = participant_count(raw_count)
        if count is None:
            problems.append(f"regel {i}: aantal {str(raw_count)[:12]!r}")
            continue
        out.append({"pc4": pc4, "age_band": age, "sex": sex, "count": float(count)})
    if problems:
        more = f" (en nog {len(problems) - 5})" if len(problems) > 5 else ""
        raise ReachError(
            f"Onbruikbare waarden in {source}: {'; '.join(problems[:5])}{more}.",
            hint="Postcode: 3511 of 3511AB. Leeftijdsklasse: 15_24 (18–24), 25_44, 45_64 of "
            f"65plus. Geslacht: man of vrouw. Aantal: een geheel getal van 1 tot en met "
            f"{MAX_PARTICIPANT_COUNT:,}".replace(",", ".") + ". Leeg mag.",
        )
    frame = pd.DataFrame(out, columns=["pc4", "age_band", "sex", "count"])
    if frame["count"].sum() <= 0:
        raise ReachError(f"Het totaal aantal deelnemers in {source} is 0.")
    return frame


# --------------------------------------------------------------------------- target area


@dataclass
class TargetArea:
    """The target area as units × age × sex adult counts plus a PC4 → unit map."""

    code: str
    name: str
    unit_level: str  # "wijk" or "pc4"
    units: pd.DataFrame  # unit, name, adults
    cells: pd.DataFrame  # unit, age_band, sex, adults
    pc4_units: pd.DataFrame  # pc4, unit, fraction (of the pc4's adults in that unit)
    unit_mix: pd.DataFrame  # unit x profile_id expected shares (NaN rows: no mix)
    notes: list[str] = field(default_factory=list)


_GM_RE = re.compile(rf"^{schema.GEMEENTE_CODE}$")
_WK_RE = re.compile(rf"^{schema.WIJK_CODE}$")


def _cells(rows: pd.DataFrame) -> pd.DataFrame:
    adults = np.nan_to_num(adult_weight(rows), nan=0.0)
    parts = []
    age_weight = {"15_24": schema.ADULT_FRACTION_15_24, "25_44": 1.0, "45_64": 1.0, "65plus": 1.0}
    age = np.column_stack(
        [
            age_weight[a]
            * pd.to_numeric(rows[f"share_age_{a}"], errors="coerce").fillna(0).to_numpy()
            for a in schema.AGE_BANDS
        ]
    )
    age_sum = age.sum(axis=1, keepdims=True)
    age = np.divide(age, age_sum, out=np.full_like(age, 0.25), where=age_sum > 0)
    sex = np.column_stack(
        [
            pd.to_numeric(rows[f"share_{s}"], errors="coerce").fillna(0.5).to_numpy()
            for s in schema.SEXES
        ]
    )
    sex_sum = sex.sum(axis=1, keepdims=True)
    sex = np.divide(sex, sex_sum, out=np.full_like(sex, 0.5), where=sex_sum > 0)
    for a, band in enumerate(schema.AGE_BANDS):
        for s, sx in enumerate(schema.SEXES):
            parts.append(
                pd.DataFrame(
                    {
                        "unit": rows["area_code"].to_numpy(),
                        "age_band": band,
                        "sex": sx,
                        "adults": adults * age[:, a] * sex[:, s],
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def _mix(reader, level: str, codes: list[str], profile_ids: list[str]) -> pd.DataFrame:
    long = reader.profile_mix(level, codes)
    wide = long.pivot_table(index="area_code", columns="profile_id", values="share")
    return wide.reindex(index=codes, columns=profile_ids)


def load_target(reader, area: str, profile_ids: list[str]) -> TargetArea:
    """Resolve ``area``: 'GM0344', 'WK034401[,WK034402…]' or a list of PC4 codes.

    ``reader`` answers the questions to the database (``store.target_areas``)."""
    tokens = [t for t in re.split(r"[\s,;]+", (area or "").strip().upper()) if t]
    if not tokens:
        raise ReachError(
            "Geef het doelgebied op: een gemeentecode (GM0344), wijkcode(s) "
            "(WK034401) of postcodes."
        )
    notes: list[str] = []
    if all(_GM_RE.match(t) for t in tokens):
        if len(tokens) > 1:
            raise ReachError("Kies één gemeente als doelgebied.")
        gm = tokens[0]
        head = reader.area_rows("gemeente", [gm])
        if head.empty:
            raise UnknownAreaError(f"Onbekende gemeente: {gm}.")
        name = str(head["area_name"].iloc[0])
        unit_codes = reader.wijk_codes(gm)
        unit_level = "wijk"
        xw = reader.gemeente_crosswalk(gm)
    elif all(_WK_RE.match(t) for t in tokens):
        unit_codes = list(dict.fromkeys(tokens))
        rows = reader.area_rows("wijk", unit_codes)
        missing = sorted(set(unit_codes) - set(rows["area_code"]))
        if missing:
            raise UnknownAreaError(f"Onbekende wijk(en): {', '.join(missing[:5])}.")
        gm = str(rows["gemeente_code"].iloc[0])
        name = ", ".join(rows.set_index("area_code").loc[unit_codes, "area_name"].astype(str))
        xw = reader.wijk_crosswalk(unit_codes)
        unit_level = "wijk"
        if len(unit_codes) == 1:  # one wijk: compare its postcodes instead
            unit_level = "pc4"
            unit_codes = sorted(xw["pc4"].astype(str).unique())
            xw = xw.assign(unit=xw["pc4"])
    else:
        codes = [pc4_from_token(t) for t in tokens]
        bad = [t for t, c in zip(tokens, codes, strict=True) if c is None]
        if bad:
            raise ReachError(
                f"Dit is geen gemeentecode, wijkcode of postcode: {', '.join(bad[:5])}.",
                hint="Bijvoorbeeld GM0344, WK034401 of 3511,3512.",
            )
        unit_codes = list(dict.fromkeys(codes))
        unit_level = "pc4"
        name = f"{len(unit_codes)} postcode(s)"
        gm = None
        xw = pd.DataFrame({"pc4": unit_codes, "unit": unit_codes, "n_addresses": 1.0})
    rows = reader.area_rows(unit_level, unit_codes)
    missing = sorted(set(unit_codes) - set(rows["area_code"].astype(str)))
    if unit_level == "pc4" and gm is None and missing:
        raise UnknownAreaError(f"Onbekende postcode(s): {', '.join(missing[:5])}.")
    if missing:
        notes.append(f"{len(missing)} deelgebied(en) zonder CBS-cijfers weggelaten.")
    rows = (
        rows.set_index("area_code")
        .reindex([c for c in unit_codes if c not in missing])
        .reset_index()
    )
    cells = _cells(rows)
    units = pd.DataFrame(
        {
            "unit": rows["area_code"].astype(str),
            "name": rows["area_name"].astype(str),
            "adults": np.nan_to_num(adult_weight(rows), nan=0.0),
        }
    )
    xw = xw.copy()
    xw["pc4"] = xw["pc4"].astype(str)
    xw["unit"] = xw["unit"].astype(str)
    xw = xw[xw["unit"].isin(units["unit"])]
    total = xw.groupby("pc4")["n_addresses"].transform("sum")
    xw["fraction"] = (xw["n_addresses"] / total).fillna(0.0)
    return TargetArea(
        code=",".join(tokens),
        name=name,
        unit_level=unit_level,
        units=units,
        cells=cells,
        pc4_units=xw[["pc4", "unit", "fraction"]].reset_index(drop=True),
        unit_mix=_mix(reader, unit_level, list(units["unit"]), profile_ids),
        notes=notes,
    )


# --------------------------------------------------------------------------- statistics


def multinomial_intervals(counts: np.ndarray, alpha: float) -> np.ndarray:
    """Goodman's simultaneous intervals for multinomial proportions, shape (k, 2).

    Counts may be fractional (participants split over wijken, expected profile counts).
    """
    from statsmodels.stats.proportion import multinomial_proportions_confint

    counts = np.asarray(counts, float)
    if len(counts) == 1:
        return np.array([[1.0, 1.0]])
    ci = multinomial_proportions_confint(counts, alpha=alpha, method="goodman")
    return np.clip(ci, 0.0, 1.0)


def _verdict(pop: float, lo: float, hi: float) -> str:
    if pop > hi:
        return "onder"
    if pop < lo:
        return "boven"
    return "in lijn"


_TILTS: dict[str, pd.DataFrame] = {}


def _age_sex_tilt(model) -> pd.DataFrame:
    """National P(profile | age, sex) / P(profile): how demographics tilt a postcode's mix."""
    if model.version in _TILTS:
        return _TILTS[model.version]
    cells = model.national_cells
    proba = model.predict_proba(cells)
    w = cells["weight"].to_numpy(float)
    overall = (proba * w[:, None]).sum(axis=0) / w.sum()
    rows = []
    for (age, sex), idx in cells.groupby(["age", "sex"]).groups.items():
        wi = w[np.asarray([cells.index.get_loc(i) for i in idx])]
        pi = proba[np.asarray([cells.index.get_loc(i) for i in idx])]
        rows.append(
            {
                "age_band": age,
                "sex": sex,
                **dict(
                    zip(
                        model.profile_ids,
                        ((pi * wi[:, None]).sum(0) / wi.sum()) / overall,
                        strict=True,
                    )
                ),
            }
        )
    _TILTS[model.version] = pd.DataFrame(rows).set_index(["age_band", "sex"])
    return _TILTS[model.version]


def bereikcheck(
    target: TargetArea,
    participants: pd.DataFrame,
    model,
    *,
    reached_profiles: np.ndarray | None = None,
    level: float = CHECK_LEVEL,
) -> dict:
    """Compare participants with the target area's adults (see the module docstring).

    ``reached_profiles`` (optional, (n, 8) posterior probabilities of participants who
    answered the quiz) replaces the expected profile mix with the reached one.
    """
    profile_ids = list(model.profile_ids)
    names = {p["id"]: p["name"] for p in model.profiles}
    p = participants.merge(target.pc4_units, on="pc4", how="left")
    outside = p[p["unit"].isna()]
    inside = p[p["unit"].notna()].copy()
    inside["w"] = inside["count"] * inside["fraction"]
    n_total = float(participants["count"].sum())
    n_inside = float(inside["w"].sum())
    if n_inside <= 0:
        raise ReachError(
            "Geen enkele deelnemer woont in het doelgebied.",
            hint="Controleer het doelgebied en de postcodes.",
        )
    cells = target.cells
    dims: list[tuple[str, list[str], dict[str, str], np.ndarray, np.ndarray]] = []
    known_age = inside[inside["age_band"].notna()]
    if not known_age.empty:
        pop = cells.groupby("age_band")["adults"].sum().reindex(schema.AGE_BANDS).to_numpy()
        cnt = known_age.groupby("age_band")["w"].sum().reindex(schema.AGE_BANDS).fillna(0)
        dims.append(("leeftijd", list(schema.AGE_BANDS), AGE_LABELS, cnt.to_numpy(), pop))
    known_sex = inside[inside["sex"].notna()]
    if not known_sex.empty:
        pop = cells.groupby("sex")["adults"].sum().reindex(schema.SEXES).to_numpy()
        cnt = known_sex.groupby("sex")["w"].sum().reindex(schema.SEXES).fillna(0)
        dims.append(("geslacht", list(schema.SEXES), SEX_LABELS, cnt.to_numpy(), pop))
    units = target.units
    unit_names = dict(zip(units["unit"], units["name"], strict=True))
    if len(units) > 1:
        cnt = inside.groupby("unit")["w"].sum().reindex(units["unit"]).fillna(0)
        dims.append(
            ("gebied", list(units["unit"]), unit_names, cnt.to_numpy(), units["adults"].to_numpy())
        )
    # profiles: population = adult-weighted unit mixes; participants expected or reached
    mix = target.unit_mix.reindex(units["unit"])
    area_mix = mix.mean(axis=0) if mix.notna().all(axis=1).sum() == 0 else None
    ok = mix.notna().all(axis=1).to_numpy()
    profile_basis = "verwacht"
    if ok.any():
        wts = units["adults"].to_numpy()[ok]
        area_mix = (mix.to_numpy()[ok] * wts[:, None]).sum(0) / wts.sum()
        if reached_profiles is not None:
            counts = np.asarray(reached_profiles, float).sum(axis=0)
            profile_basis = "bereikt"
        else:
            fallback = pd.Series(list(area_mix), index=profile_ids)
            unit_rows = mix.apply(lambda r: r if r.notna().all() else fallback, axis=1)
            per = unit_rows.reindex(inside["unit"]).to_numpy(dtype=float, copy=True)
            tilt = _age_sex_tilt(model)
            both = (inside["age_band"].notna() & inside["sex"].notna()).to_numpy()
            if both.any():
                keys = list(zip(inside["age_band"][both], inside["sex"][both], strict=True))
                per[both] = per[both] * tilt.loc[keys, profile_ids].to_numpy()
                per = per / per.sum(axis=1, keepdims=True)
            counts = (per * inside["w"].to_numpy()[:, None]).sum(axis=0)
        dims.append(("profiel", profile_ids, names, counts, area_mix))
    alpha = (1 - level) / max(len(dims), 1)
    groups = []
    for dim, keys, labels, cnt, pop in dims:
        cnt = np.asarray(cnt, float)
        share = cnt / cnt.sum()
        pop_share = np.asarray(pop, float) / np.nansum(pop)
        ci = multinomial_intervals(cnt, alpha)
        for k, key in enumerate(keys):
            groups.append(
                {
                    "dimension": dim,
                    "group": key,
                    "label": labels.get(key, key),
                    "participants": round(float(cnt[k]), 2),
                    "participants_share": float(share[k]),
                    "population_share": float(pop_share[k]),
                    "lo": float(ci[k, 0]),
                    "hi": float(ci[k, 1]),
                    "verdict": _verdict(float(pop_share[k]), float(ci[k, 0]), float(ci[k, 1])),
                }
            )
    return {
        "area": target.code,
        "area_name": target.name,
        "unit_level": target.unit_level,
        "n_participants": n_total,
        "n_in_area": round(n_inside, 2),
        "n_outside": float(outside["count"].sum()),
        "outside_postcodes": sorted(outside["pc4"].unique().tolist())[:20],
        "level": level,
        "interval_method": "Goodman (1965), simultaan per dimensie; Bonferroni over dimensies",
        "profile_basis": profile_basis,
        "groups": groups,
        "advice": advice(groups, model),
        "reweighting": reweighting_table(target, inside),
        "notes": list(target.notes),
    }


def advice(groups: list[dict], model) -> list[str]:
    """Dutch sentences: which groups to approach extra (and how, for profiles)."""
    cards = {p["id"]: p for p in model.profiles}
    out = []
    for g in groups:
        if g["verdict"] != "onder":
            continue
        line = (
            f"{DIMENSION_LABELS[g['dimension']]}: {g['label']} "
            f"({g['participants_share']:.0%} van de deelnemers, "
            f"{g['population_share']:.0%} van de volwassenen). Benader deze groep extra."
        )
        card = cards.get(g["group"]) if g["dimension"] == "profiel" else None
        if card and card.get("participation_text"):
            line += f" Aanpak: {card['participation_text']}"
        out.append(line)
    return out


def reweighting_table(target: TargetArea, inside: pd.DataFrame) -> list[dict]:
    """Weights per unit × age × sex cell: population share / participant share.

    Only participants with both age band and sex enter; a cell without participants has
    no weight (merge it with a neighbouring cell before weighting).
    """
    full = inside[inside["age_band"].notna() & inside["sex"].notna()]
    if full.empty:
        return []
    cells = target.cells.copy()
    cnt = full.groupby(["unit", "age_band", "sex"])["w"].sum()
    cells = cells.join(cnt.rename("participants"), on=["unit", "age_band", "sex"])
    cells["participants"] = cells["participants"].fillna(0.0)
    pop_share = cells["adults"] / cells["adults"].sum()
    part_share = cells["participants"] / cells["participants"].sum()
    weight = np.where(part_share > 0, pop_share / part_share.where(part_share > 0), np.nan)
    names = dict(zip(target.units["unit"], target.units["name"], strict=True))
    return [
        {
            "unit": r.unit,
            "unit_name": names.get(r.unit, r.unit),
            "age_band": r.age_band,
            "sex": r.sex,
            "population_share": float(ps),
            "participants": round(float(r.participants), 2),
            "weight": None if np.isnan(w) else float(w),
        }
        for r, ps, w in zip(cells.itertuples(), pop_share, weight, strict=True)
    ]


_HEADER_NAMES = {
    "postcode": "postcode",
    "pc4": "postcode",
    "pc6": "postcode",
    "leeftijd": "age_band",
    "leeftijdsklasse": "age_band",
    "age_band": "age_band",
    "geslacht": "sex",
    "sex": "sex",
    "aantal": "count",
    "count": "count",
}


def participants_from_rows(rows: list[list[str]], *, source: str, max_rows: int
                           ) -> pd.DataFrame:
    """Participants from the rows of a table (``betrokken.uploads``: a file or pasted text).

    With a header row naming ``postcode`` (and optionally ``leeftijd``, ``geslacht``,
    ``aantal``) the columns are read by name; without one, the cells are a plain postcode
    list, one participant per postcode (a first row whose first token is no postcode is a
    header and skipped).
    """
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ReachError(f"Er staan geen deelnemers in {source}.")
    header = [h.strip().strip('"').lower() for h in rows[0]]
    if "postcode" in {_HEADER_NAMES.get(h) for h in header}:
        if len(rows) - 1 > max_rows:
            raise ReachError(
                f"Te veel regels in {source}: {len(rows) - 1}, het maximum is {max_rows}.",
                hint="Tel deelnemers per postcode op (kolom 'aantal').",
            )
        keys = [_HEADER_NAMES.get(h) for h in header]
        records = [{k: v for k, v in zip(keys, rec, strict=False) if k} for rec in rows[1:]]
        return participants_frame(records, source=source)
    lines = [";".join(row) for row in rows]
    tokens = postcode_tokens("\n".join(lines))
    if tokens and pc4_from_token(tokens[0]) is None and len(lines) > 1:
        tokens = postcode_tokens("\n".join(lines[1:]))
    try:
        pc4_list(tokens)  # names the tokens that are no postcode
    except PostcodeListError as exc:
        raise ReachError(f"{source}: {exc.message}", hint=exc.hint) from None
    if len(tokens) > max_rows:
        raise ReachError(f"Te veel regels in {source}: {len(tokens)}, het maximum is {max_rows}.")
    return participants_frame([{"postcode": t} for t in tokens], source=source)
