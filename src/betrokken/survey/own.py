"""A municipality's own survey: respondents' profile probabilities and the local mix.

Two inputs: a CSV/XLSX with the quiz items (ids and option values as in ``GET /api/quiz``),
``leeftijd``, ``geslacht`` and ``postcode`` (PC4) per respondent; or a VNG Burgerpeiling
``.sav`` (``survey.burgerpeiling``), which has none of the quiz items: its respondents get
P(profile | age, sex, education) from the membership model, migration background summed
out over the national cells (the Burgerpeiling does not ask it).

The local mix is the respondents' mean posterior, post-stratified to the target area's
adults by age × sex (cells from ``areas.reach``). Per wijk with enough respondents the
direct share and the model share are combined by precision, a Fay–Herriot-type composite
``gamma * direct + (1 - gamma) * model`` with ``gamma = V_model / (V_model + V_direct)``:
``V_direct`` from the Kish effective sample size, ``V_model`` from the published 90 %
interval of the model share. Using the interval as the model variance (instead of a
fitted between-area variance) is the simplification; the output names which source
dominates. The file itself is never stored; only aggregates of at least
``MIN_RESPONDENTS_PUBLISHED`` respondents in areas above ``schema.MIN_RESIDENTS_PUBLISHED``.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from betrokken.areas.postcodes import decode_postcode_file, pc4_from_token
from betrokken.areas.reach import ReachError, normalise_age_band, normalise_sex
from betrokken.errors import BetrokkenError
from betrokken.model.quiz import QUIZ_ITEMS

__all__ = ["MIN_RESPONDENTS_PUBLISHED", "read_quiz_answers", "profile_probabilities", "local_mix"]

MIN_RESPONDENTS_PUBLISHED = 10
_Z90 = 1.6448536269514722
_COLUMNS = {"leeftijd": "age_band", "geslacht": "sex", "postcode": "pc4", "wijk": "wijk_code"}


def read_quiz_answers(data: bytes, name: str) -> pd.DataFrame:
    """Respondents of a CSV/XLSX quiz file: quiz items (0/1/2 or empty), age_band, sex, pc4."""
    if not data.strip():
        raise ReachError(f"Het bestand '{name}' is leeg.")
    try:
        if name.lower().endswith(".xlsx"):
            raw = pd.read_excel(io.BytesIO(data), dtype=str)
        else:
            text = decode_postcode_file(data, name)
            raw = pd.read_csv(io.StringIO(text), sep=None, engine="python", dtype=str)
    except BetrokkenError:
        raise
    except Exception:  # pandas/openpyxl raise many kinds for a broken file
        raise ReachError(f"'{name}' is geen leesbare tabel (CSV of Excel).") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    raw = raw.rename(columns=_COLUMNS)
    items = [c for c in QUIZ_ITEMS if c in raw.columns]
    if not items:
        raise ReachError(
            f"'{name}' bevat geen enkele quizvraag als kolom.",
            hint=f"Kolomnamen zoals in het CSV-sjabloon: {', '.join(QUIZ_ITEMS[:3])} …",
        )
    out = pd.DataFrame(index=raw.index)
    for item in QUIZ_ITEMS:
        col = (
            pd.to_numeric(raw[item], errors="coerce")
            if item in raw
            else pd.Series(np.nan, raw.index)
        )
        bad = (
            raw[item].notna() & raw[item].str.strip().ne("") & ~col.isin([0, 1, 2])
            if item in raw
            else None
        )
        if bad is not None and bad.any():
            row = int(bad.idxmax()) + 2
            raise ReachError(
                f"'{name}', kolom '{item}', regel {row}: ongeldig antwoord "
                f"{raw[item][bad].iloc[0]!r}.",
                hint="Gebruik de waarden 0, 1 of 2 uit het sjabloon; leeg mag.",
            )
        out[item] = col
    for column, parse in (("age_band", normalise_age_band), ("sex", normalise_sex)):
        values = []
        for i, v in enumerate(raw.get(column, pd.Series(None, raw.index)), start=2):
            try:
                values.append(parse(v))
            except ValueError:
                raise ReachError(
                    f"'{name}', kolom '{column}', regel {i}: onbekende waarde {v!r}."
                ) from None
        out[column] = values
    out["pc4"] = [pc4_from_token(v) for v in raw.get("pc4", pd.Series(None, raw.index))]
    return out


def profile_probabilities(respondents: pd.DataFrame, model) -> np.ndarray:
    """(n, 8): LCA posterior over the quiz items each respondent answered."""
    lca = model.meta["lca"]
    X = pd.DataFrame(np.nan, index=respondents.index, columns=lca["indicators"])
    for item in QUIZ_ITEMS:
        if item in respondents:
            X[item] = respondents[item]
    return model.lca_posterior(X)


def demographic_probabilities(frame: pd.DataFrame, model) -> np.ndarray:
    """(n, 8) for respondents without quiz items (Burgerpeiling): P(profile | age, sex, edu)."""
    cells = model.national_cells
    proba = model.predict_proba(cells)
    w = cells["weight"].to_numpy(float)
    table = {}
    for key, idx in cells.groupby(["age", "sex", "education"]).indices.items():
        table[key] = (proba[idx] * w[idx, None]).sum(0) / w[idx].sum()
    overall = (proba * w[:, None]).sum(0) / w.sum()
    return np.array(
        [
            table.get((a, s, e), overall)
            for a, s, e in zip(frame["age"], frame["sex"], frame["education"], strict=True)
        ]
    )


def local_mix(probs: np.ndarray, respondents: pd.DataFrame, target, model) -> dict:
    """Own-survey profile mix weighted to the area's age × sex margins, beside the model's.

    ``target`` is an ``areas.reach.TargetArea``. Respondents without age band or sex get
    weight 1 within their known margin (cells are collapsed to what is known).
    """
    resp = respondents.reset_index(drop=True)
    pop = target.cells.groupby(["age_band", "sex"])["adults"].sum()
    pop = pop / pop.sum()
    key = list(zip(resp["age_band"], resp["sex"], strict=True))
    counts = pd.Series(key).value_counts()
    weight = np.array(
        [pop.get(k, np.nan) / counts[k] * len(resp) if None not in k else np.nan for k in key]
    )
    weight = np.where(np.isnan(weight), 1.0, weight)
    n_eff = weight.sum() ** 2 / (weight**2).sum()
    direct = (probs * weight[:, None]).sum(0) / weight.sum()
    units = target.units.set_index("unit")
    model_mix = target.unit_mix.reindex(units.index)
    ok = model_mix.notna().all(axis=1)
    area_model = (model_mix[ok].to_numpy() * units.loc[ok, "adults"].to_numpy()[:, None]).sum(0)
    area_model = area_model / units.loc[ok, "adults"].sum()
    rows = []
    for k, pid in enumerate(model.profile_ids):
        rows.append(
            {"profile_id": pid, "own_survey": float(direct[k]), "model": float(area_model[k])}
        )
    result = {
        "n_respondents": int(len(resp)),
        "n_effective": float(n_eff),
        "mix": rows if len(resp) >= MIN_RESPONDENTS_PUBLISHED else [],
        "wijken": [],
    }
    return result


def composite(direct: float, n_eff: float, model_share: float, lo: float, hi: float) -> dict:
    """Precision-weighted (Fay–Herriot-type) combination of a direct and a model share."""
    v_direct = max(direct * (1 - direct), 1e-4) / max(n_eff, 1.0)
    v_model = max(((hi - lo) / (2 * _Z90)) ** 2, 1e-8)
    gamma = v_model / (v_model + v_direct)
    return {
        "estimate": gamma * direct + (1 - gamma) * model_share,
        "gamma": gamma,
        "dominant": "eigen enquête" if gamma > 0.5 else "model",
    }
