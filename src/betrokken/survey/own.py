"""A municipality's own survey: respondents' profile probabilities and the local mix.

Two inputs: a CSV/XLSX with the quiz items (ids and option values as in ``GET /api/quiz``),
``leeftijd``, ``geslacht`` and ``postcode`` (PC4) or ``wijk`` per respondent; or a VNG
Burgerpeiling ``.sav`` (``survey.burgerpeiling``). A Burgerpeiling has none of the quiz
items unless the municipality added them (as variables named like the quiz item ids, with
the template's values 0/1/2): respondents with at least ``MIN_QUIZ_ANSWERS`` quiz answers
get the LCA posterior over their answers; the others get P(profile | age, sex, education)
from the membership model, migration background summed out over the national cells (the
Burgerpeiling does not ask it).

The local mix is the respondents' mean posterior, post-stratified to the target area's
adults by age × sex (cells from ``areas.reach``). Per wijk with at least
``MIN_RESPONDENTS_PUBLISHED`` respondents the direct share (the mean posterior,
post-stratified to that wijk's age × sex cells) and the model share (the published wijk
mix) are combined per profile by the Fay–Herriot EBLUP (``areas.fay_herriot``): linking
model ``direct ~ 1 + model share`` with REML between-wijk variance when there are at
least ``MIN_WIJKEN_REGRESSION`` such wijken, else the model share as a fixed offset. The
direct variances are smoothed: the within-wijk variance of the posterior, pooled over the
file, divided by the wijk's Kish effective sample size. The eight composites of a wijk are
clipped at 0 and rescaled to sum to 1; the output names which source dominates (the mean
weight of the direct estimate above or below one half).

The file itself is never stored; only aggregates of at least ``MIN_RESPONDENTS_PUBLISHED``
respondents in areas whose model mix is published.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from betrokken import schema
from betrokken.areas.fay_herriot import fay_herriot
from betrokken.areas.postcodes import pc4_from_token
from betrokken.areas.reach import ReachError, normalise_age_band, normalise_sex
from betrokken.limits import LOCAL_FILE, MAX_RESPONDENT_ROWS, TableBudget
from betrokken.model.quiz import MIN_QUIZ_ANSWERS, QUIZ_ITEMS
from betrokken.store.spreadsheet import excel_csv_bytes, xlsx_bytes
from betrokken.survey.burgerpeiling import read_burgerpeiling
from betrokken.uploads import read_rows

__all__ = [
    "MIN_RESPONDENTS_PUBLISHED",
    "MIN_WIJKEN_REGRESSION",
    "MAX_RESPONDENT_ROWS",
    "quiz_answers_from_rows",
    "read_quiz_answers",
    "read_own_survey",
    "respondent_probabilities",
    "profile_probabilities",
    "local_mix",
    "wijk_composites",
    "own_survey_report",
]

MIN_RESPONDENTS_PUBLISHED = schema.MIN_RESIDENTS_PUBLISHED
"""Fewest respondents behind any published aggregate (the area suppression threshold)."""
MIN_WIJKEN_REGRESSION = 5
"""Fewest wijken with enough respondents to fit ``direct ~ 1 + model`` (else: offset)."""
_Z90 = 1.6448536269514722
_COLUMNS = {
    "leeftijd": "age_band",
    "leeftijdsklasse": "age_band",
    "geslacht": "sex",
    "postcode": "pc4",
    "wijk": "wijk_code",
    "wijkcode": "wijk_code",
}


def read_quiz_answers(data: bytes, name: str, *, budget: TableBudget = LOCAL_FILE
                      ) -> pd.DataFrame:
    """Respondents of a CSV/XLSX quiz file: quiz items (0/1/2 or empty), age_band, sex, pc4.

    Read by ``betrokken.uploads`` within ``budget`` (a local file by default; the web app
    passes ``WEB_UPLOAD``)."""
    if not data.strip():
        raise ReachError(f"Het bestand '{name}' is leeg.")
    rows = read_rows(data, name, budget=budget, max_rows=MAX_RESPONDENT_ROWS + 1)
    return quiz_answers_from_rows(rows, name)


def _table(rows: list[list[str]], name: str) -> pd.DataFrame:
    """Header row + data rows -> a frame of strings ('' for empty); duplicate or empty
    column names keep their first column."""
    if not rows:
        raise ReachError(f"Het bestand '{name}' is leeg.")
    header = [str(c).strip().lower() for c in rows[0]]
    keep = [i for i, h in enumerate(header) if h and header.index(h) == i]
    body = [[row[i] if i < len(row) else "" for i in keep] for row in rows[1:]]
    return pd.DataFrame(body, columns=[header[i] for i in keep], dtype=object)


def quiz_answers_from_rows(rows: list[list[str]], name: str) -> pd.DataFrame:
    """``read_quiz_answers`` on rows already read (header first)."""
    raw = _table(rows, name)
    if len(raw) > MAX_RESPONDENT_ROWS:
        raise ReachError(
            f"Te veel regels in '{name}': {len(raw)}, het maximum is {MAX_RESPONDENT_ROWS}."
        )
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
    for column, dutch, parse in (("age_band", "leeftijd", normalise_age_band),
                                 ("sex", "geslacht", normalise_sex)):
        values = []
        for i, v in enumerate(raw.get(column, pd.Series(None, raw.index)), start=2):
            try:
                values.append(parse(v))
            except ValueError:
                raise ReachError(
                    f"'{name}', kolom '{dutch}', regel {i}: onbekende waarde {v!r}.",
                    hint="Leeftijd: 15_24 (18–24), 25_44, 45_64 of 65plus; geslacht: man of "
                    "vrouw; leeg mag.",
                ) from None
        out[column] = values
    out["pc4"] = [pc4_from_token(v) for v in raw.get("pc4", pd.Series(None, raw.index))]
    wijk = raw.get("wijk_code", pd.Series(None, raw.index))
    out["wijk_code"] = [
        str(v).strip().upper() if isinstance(v, str) and v.strip() else None for v in wijk
    ]
    return out.reset_index(drop=True)


def read_own_survey(path: Path) -> pd.DataFrame:
    """Respondents of a municipality's own file: a Burgerpeiling ``.sav`` or a quiz CSV/XLSX.

    Columns: the quiz items (0/1/2 or NaN), ``age_band``, ``sex``, ``pc4``, ``wijk_code``
    and, from a Burgerpeiling, ``education`` (``laag``/``midden``/``hoog`` or None).
    """
    path = Path(path)
    if not path.is_file():
        raise ReachError(f"Het bestand '{path}' bestaat niet." if not path.exists()
                         else f"'{path}' is geen bestand.")
    if path.suffix.lower() != ".sav":
        return read_quiz_answers(path.read_bytes(), path.name)

    frame = read_burgerpeiling(path, keep=QUIZ_ITEMS)
    if len(frame) > MAX_RESPONDENT_ROWS:
        raise ReachError(
            f"Te veel respondenten in '{path.name}': {len(frame)}, "
            f"het maximum is {MAX_RESPONDENT_ROWS}."
        )
    out = pd.DataFrame(index=frame.index)
    for item in QUIZ_ITEMS:
        col = frame[item] if item in frame else pd.Series(np.nan, frame.index)
        bad = col.notna() & ~col.isin([0, 1, 2])
        if bad.any():
            raise ReachError(
                f"'{path.name}', variabele '{item}', respondent "
                f"{frame['respondent_id'][bad].iloc[0]}: ongeldig antwoord {col[bad].iloc[0]!r}.",
                hint="Gebruik de waarden 0, 1 of 2 uit het sjabloon; leeg mag.",
            )
        out[item] = col.astype(float)

    def _text(series):
        return [None if pd.isna(v) or str(v).strip() == "" else str(v) for v in series]

    out["age_band"] = _text(frame["age"])
    out["sex"] = _text(frame["sex"])
    out["education"] = _text(frame["education"])
    out["pc4"] = None
    out["wijk_code"] = [None if v is None else v.strip().upper() for v in _text(frame["wijk_code"])]
    return out.reset_index(drop=True)


def enough_quiz_answers(respondents: pd.DataFrame) -> np.ndarray:
    """Per respondent: answered at least ``MIN_QUIZ_ANSWERS`` quiz items (the quiz's own
    minimum; with fewer the quiz places a person too unreliably)."""
    items = [c for c in QUIZ_ITEMS if c in respondents]
    if not items:
        return np.zeros(len(respondents), bool)
    return (respondents[items].notna().sum(axis=1) >= MIN_QUIZ_ANSWERS).to_numpy()


def respondent_probabilities(respondents: pd.DataFrame, model) -> np.ndarray:
    """(n, 8): quiz posterior where a respondent answered enough quiz items (at least
    ``MIN_QUIZ_ANSWERS``), else demographics."""
    probs = profile_probabilities(respondents, model)
    answered = enough_quiz_answers(respondents)
    if (~answered).any():
        # a quiz file has no education: the cell falls back to the national mix
        rest = respondents.loc[~answered].rename(columns={"age_band": "age"})
        for column in ("age", "sex", "education"):
            if column not in rest:
                rest = rest.assign(**{column: None})
        probs[~answered] = demographic_probabilities(rest, model)
    return probs


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


def poststratification_weights(respondents: pd.DataFrame, cells: pd.DataFrame) -> np.ndarray:
    """Weights that bring the respondents' age × sex cells to the adults in ``cells``.

    ``cells`` has ``age_band, sex, adults``. A respondent without age band or sex keeps
    weight 1; cells without respondents cannot be represented (their adults drop out and
    the other cells are rescaled), the usual collapse of post-stratification.
    """
    pop = cells.groupby(["age_band", "sex"])["adults"].sum()
    pop = pop / pop.sum()
    key = list(zip(respondents["age_band"], respondents["sex"], strict=True))
    known = [None not in k for k in key]
    counts = pd.Series([k for k, ok in zip(key, known, strict=True) if ok]).value_counts()
    present = pop[pop.index.isin(counts.index)]
    present = present / present.sum() if present.sum() > 0 else present
    n_known = int(sum(known))
    weight = np.array(
        [
            present.get(k, 0.0) / counts[k] * n_known if ok else 1.0
            for k, ok in zip(key, known, strict=True)
        ],
        float,
    )
    return weight


def _weighted_mix(probs: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, float]:
    n_eff = float(weight.sum() ** 2 / (weight**2).sum()) if weight.sum() > 0 else 0.0
    return (probs * weight[:, None]).sum(0) / weight.sum(), n_eff


def local_mix(probs: np.ndarray, respondents: pd.DataFrame, target, model) -> dict:
    """Own-survey profile mix weighted to the area's age × sex margins, beside the model's.

    ``target`` is an ``areas.reach.TargetArea``. The mix is published only with at least
    ``MIN_RESPONDENTS_PUBLISHED`` respondents; ``se`` is the standard error of the weighted
    mean posterior (Kish effective sample size).
    """
    resp = respondents.reset_index(drop=True)
    weight = poststratification_weights(resp, target.cells)
    direct, n_eff = _weighted_mix(probs, weight)
    spread = ((probs - direct) ** 2 * weight[:, None]).sum(0) / weight.sum()
    se = np.sqrt(spread / max(n_eff, 1.0))
    units = target.units.set_index("unit")
    model_mix = target.unit_mix.reindex(units.index)
    ok = model_mix.notna().all(axis=1)
    area_model = (model_mix[ok].to_numpy() * units.loc[ok, "adults"].to_numpy()[:, None]).sum(0)
    area_model = area_model / units.loc[ok, "adults"].sum()
    rows = [
        {
            "profile_id": pid,
            "own_survey": float(direct[k]),
            "own_survey_lo": float(max(direct[k] - _Z90 * se[k], 0.0)),
            "own_survey_hi": float(min(direct[k] + _Z90 * se[k], 1.0)),
            "model": float(area_model[k]),
        }
        for k, pid in enumerate(model.profile_ids)
    ]
    return {
        "n_respondents": int(len(resp)),
        "n_effective": float(n_eff),
        "mix": rows if len(resp) >= MIN_RESPONDENTS_PUBLISHED else [],
    }


def assign_units(respondents: pd.DataFrame, target) -> pd.Series:
    """Each respondent's wijk in the target area: the ``wijk`` column, else via PC4.

    A PC4 that straddles wijken goes to the wijk holding most of its addresses.
    Respondents outside the target area (or with neither) get None.
    """
    units = set(target.units["unit"])
    xw = target.pc4_units.sort_values("fraction", ascending=False).drop_duplicates("pc4")
    by_pc4 = dict(zip(xw["pc4"], xw["unit"], strict=True))
    out = []
    wijk = respondents.get("wijk_code", pd.Series(None, respondents.index))
    for w, pc4 in zip(wijk, respondents.get("pc4", pd.Series(None, respondents.index)),
                      strict=True):
        if isinstance(w, str) and w in units:
            out.append(w)
        elif pc4 is not None and by_pc4.get(pc4) in units:
            out.append(by_pc4[pc4])
        else:
            out.append(None)
    return pd.Series(out, index=respondents.index, dtype=object)


def wijk_composites(probs: np.ndarray, respondents: pd.DataFrame, target, model) -> pd.DataFrame:
    """Per wijk with enough respondents: direct, model and Fay–Herriot composite shares.

    Long table: ``unit, unit_name, n_respondents, n_effective, profile_id, own_survey,
    own_survey_se, model, composite, composite_se, gamma, dominant, linking`` (see the
    module docstring). Empty when the target is not split into wijken or no wijk has
    ``MIN_RESPONDENTS_PUBLISHED`` respondents.
    """
    columns = ["unit", "unit_name", "n_respondents", "n_effective", "profile_id", "own_survey",
               "own_survey_se", "model", "composite", "composite_se", "gamma", "dominant",
               "linking"]
    if target.unit_level != "wijk":
        return pd.DataFrame(columns=columns)
    resp = respondents.reset_index(drop=True)
    unit = assign_units(resp, target).to_numpy()
    names = dict(zip(target.units["unit"], target.units["name"], strict=True))
    mix = target.unit_mix
    eligible, direct, n_eff, spread_sum, weight_sum = [], [], [], 0.0, 0.0
    for u in target.units["unit"]:
        idx = np.flatnonzero(unit == u)
        if len(idx) < MIN_RESPONDENTS_PUBLISHED or u not in mix.index or mix.loc[u].isna().any():
            continue
        cells = target.cells[target.cells["unit"] == u]
        w = poststratification_weights(resp.iloc[idx], cells)
        d, ne = _weighted_mix(probs[idx], w)
        spread_sum = spread_sum + ((probs[idx] - d) ** 2 * w[:, None]).sum(0)
        weight_sum += w.sum()
        eligible.append((u, len(idx)))
        direct.append(d)
        n_eff.append(ne)
    if not eligible:
        return pd.DataFrame(columns=columns)
    direct = np.array(direct)
    n_eff = np.array(n_eff)
    pooled = spread_sum / weight_sum  # (8,) within-wijk variance of the posterior
    psi = np.maximum(pooled[None, :], 1e-6) / n_eff[:, None]
    codes = [u for u, _ in eligible]
    model_share = mix.loc[codes, list(model.profile_ids)].to_numpy(float)
    m = len(codes)
    linking = "regressie" if m >= MIN_WIJKEN_REGRESSION else "offset"
    est = np.empty_like(direct)
    mse = np.empty_like(direct)
    gamma = np.empty_like(direct)
    for k in range(direct.shape[1]):
        if linking == "regressie":
            X = np.column_stack([np.ones(m), model_share[:, k]])
            fit = fay_herriot(direct[:, k], psi[:, k], X)
        else:
            fit = fay_herriot(direct[:, k], psi[:, k], offset=model_share[:, k])
        est[:, k], mse[:, k], gamma[:, k] = fit.estimate, fit.mse, fit.gamma
    est = np.clip(est, 0.0, None)
    est = est / est.sum(axis=1, keepdims=True)
    rows = []
    for i, (u, n) in enumerate(eligible):
        dominant = "eigen enquête" if gamma[i].mean() > 0.5 else "model"
        for k, pid in enumerate(model.profile_ids):
            rows.append(
                {
                    "unit": u,
                    "unit_name": names.get(u, u),
                    "n_respondents": n,
                    "n_effective": float(n_eff[i]),
                    "profile_id": pid,
                    "own_survey": float(direct[i, k]),
                    "own_survey_se": float(np.sqrt(psi[i, k])),
                    "model": float(model_share[i, k]),
                    "composite": float(est[i, k]),
                    "composite_se": float(np.sqrt(mse[i, k])),
                    "gamma": float(gamma[i, k]),
                    "dominant": dominant,
                    "linking": linking,
                }
            )
    return pd.DataFrame(rows, columns=columns)


def own_survey_report(respondents: pd.DataFrame, target, model) -> dict:
    """Everything ``betrokken import`` shows: the area mix and the per-wijk composites."""
    probs = respondent_probabilities(respondents, model)
    n_quiz = int(enough_quiz_answers(respondents).sum())
    units = assign_units(respondents, target)
    return {
        "area": target.code,
        "area_name": target.name,
        "n_respondents": int(len(respondents)),
        "n_with_quiz": n_quiz,
        "n_in_area": int(units.notna().sum()) if target.unit_level == "wijk" else None,
        "area_mix": local_mix(probs, respondents, target, model),
        "wijken": wijk_composites(probs, respondents, target, model),
        "min_respondents": MIN_RESPONDENTS_PUBLISHED,
    }


def composite(direct: float, n_eff: float, model_share: float, lo: float, hi: float) -> dict:
    """One area, no between-area fit: combine a direct and a model share by precision.

    ``gamma = V_model / (V_model + V_direct)``, with the model variance taken from its
    published 90 % interval. For several wijken ``wijk_composites`` (Fay–Herriot) is used.
    """
    v_direct = max(direct * (1 - direct), 1e-4) / max(n_eff, 1.0)
    v_model = max(((hi - lo) / (2 * _Z90)) ** 2, 1e-8)
    gamma = v_model / (v_model + v_direct)
    return {
        "estimate": gamma * direct + (1 - gamma) * model_share,
        "gamma": gamma,
        "dominant": "eigen enquête" if gamma > 0.5 else "model",
    }


def report_frames(report: dict, model) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The report as two tables with Dutch column names: the area mix and the wijken."""
    names = {p["id"]: p["name"] for p in model.profiles}
    area = pd.DataFrame(report["area_mix"]["mix"])
    if not area.empty:
        area.insert(0, "gebied", report["area"])
        area.insert(1, "profiel", area["profile_id"].map(names))
        area["respondenten"] = report["area_mix"]["n_respondents"]
        area = area.rename(columns={
            "profile_id": "profiel_id",
            "own_survey": "aandeel_eigen_enquete",
            "own_survey_lo": "aandeel_eigen_enquete_lo",
            "own_survey_hi": "aandeel_eigen_enquete_hi",
            "model": "aandeel_model",
        })
    wijken = report["wijken"].copy()
    if not wijken.empty:
        wijken.insert(5, "profiel", wijken["profile_id"].map(names))
        wijken = wijken.rename(columns={
            "unit": "wijkcode",
            "unit_name": "naam",
            "n_respondents": "respondenten",
            "n_effective": "effectieve_steekproef",
            "profile_id": "profiel_id",
            "own_survey": "aandeel_eigen_enquete",
            "own_survey_se": "standaardfout_eigen_enquete",
            "model": "aandeel_model",
            "composite": "aandeel_samengesteld",
            "composite_se": "standaardfout_samengesteld",
            "gamma": "gewicht_eigen_enquete",
            "dominant": "weegt_het_zwaarst",
            "linking": "koppelmodel",
        })
    return area, wijken


def report_file(report: dict, model, name: str) -> bytes:
    """The aggregates as .xlsx (two sheets and a Toelichting) or as a CSV for Excel."""
    area, wijken = report_frames(report, model)
    if name.lower().endswith(".csv"):
        both = pd.concat([area.assign(niveau="gebied"), wijken.assign(niveau="wijk")],
                         ignore_index=True)
        return excel_csv_bytes(both)
    about = [
        ("Wat", "Eigen enquête naast de modelschatting (betrokken import)",
         "Alleen aggregaten van minstens "
         f"{report['min_respondents']} respondenten; het bestand zelf is niet bewaard."),
        ("Doelgebied", f"{report['area_name']} ({report['area']})", ""),
        ("Respondenten", str(report["n_respondents"]),
         f"waarvan {report['n_with_quiz']} met minstens {MIN_QUIZ_ANSWERS} antwoorden "
         "op de profielquiz"),
        ("Samengesteld", "Fay–Herriot (EBLUP, REML)",
         "per profiel: directe schatting en modelschatting gewogen naar hun precisie"),
    ]
    return xlsx_bytes(area, "Gebied", about, extra={"Wijken": wijken})


def has_quiz_columns(header: list[str]) -> bool:
    """Whether a table's header row names at least one quiz item."""
    return bool({str(c).strip().strip('"').lower() for c in header} & set(QUIZ_ITEMS))


def quiz_participants(
    rows: list[list[str]], name: str, model
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Participants with quiz answers: the Bereikcheck frame and their reached profiles.

    Returns ``(participants, pc4, probabilities)``: one row per participant (``pc4,
    age_band, sex, count``), and the PC4 and (n, 8) posteriors of those who answered
    at least ``MIN_QUIZ_ANSWERS`` quiz items (the reached mix). Participants without a
    postcode cannot be placed and are refused.
    """
    respondents = quiz_answers_from_rows(rows, name)
    missing = respondents["pc4"].isna()
    if missing.any():
        raise ReachError(
            f"'{name}', regel {int(missing.idxmax()) + 2}: postcode ontbreekt of is ongeldig.",
            hint="De Bereikcheck heeft per deelnemer een postcode nodig (3511 of 3511AB).",
        )
    participants = respondents[["pc4", "age_band", "sex"]].assign(count=1.0)
    answered = enough_quiz_answers(respondents)
    if not answered.any():
        raise ReachError(
            f"In '{name}' beantwoordde niemand minstens {MIN_QUIZ_ANSWERS} van de "
            f"{len(QUIZ_ITEMS)} quizvragen.",
            hint=f"De quiz heeft per deelnemer minstens {MIN_QUIZ_ANSWERS} antwoorden nodig; "
            "zonder antwoorden toont de Bereikcheck de verwachte profielmix.",
        )
    probs = profile_probabilities(respondents.loc[answered], model)
    return (participants.reset_index(drop=True), respondents["pc4"].to_numpy()[answered],
            probs)
