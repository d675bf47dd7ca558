"""Own survey in (``betrokken import``) on GENERATED files: quiz CSV and Burgerpeiling .sav.

The shared Burgerpeiling file has the format but no responses, so respondents are
simulated from a known profile mix per wijk (tests/helpers_own_survey.py); the tests check
that the Fay–Herriot composite moves from the model toward that truth where a wijk has
many respondents, that small wijken are not published, and that bad files get Dutch
messages and nothing is stored.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from betrokken.cli import app
from betrokken.survey import own
from helpers_own_survey import (
    QUIZ_ITEMS,
    burgerpeiling_sav,
    quiz_csv,
    simulate,
    utrecht_target,
)

runner = CliRunner()


@pytest.fixture(scope="module")
def utrecht(built_db):
    return utrecht_target(built_db)


def _errors(report, truth):
    out = {}
    for unit, g in report["wijken"].groupby("unit"):
        tr = truth.loc[unit, g["profile_id"]].to_numpy()
        out[unit] = {
            "n": int(g["n_respondents"].iloc[0]),
            "model": float(np.abs(g["model"] - tr).sum()),
            "composite": float(np.abs(g["composite"] - tr).sum()),
            "gamma": float(g["gamma"].mean()),
        }
    return out


def test_quiz_csv_composite_moves_toward_the_truth(utrecht):
    model, target = utrecht
    units = list(target.unit_mix.dropna().index)
    sizes = {u: 400 if i < 4 else 60 if i < 8 else 20 for i, u in enumerate(units)}
    respondents, truth = simulate(target, model, sizes)
    report = own.own_survey_report(own.read_quiz_answers(quiz_csv(respondents), "q.csv"),
                                   target, model)
    errors = _errors(report, truth)
    assert set(errors) == {u for u, n in sizes.items() if n >= own.MIN_RESPONDENTS_PUBLISHED}
    assert report["wijken"]["linking"].iloc[0] == "regressie"
    for e in errors.values():
        assert e["composite"] < 0.6 * e["model"], e
    big = [e["gamma"] for e in errors.values() if e["n"] == 400]
    small = [e["gamma"] for e in errors.values() if e["n"] == 60]
    assert min(big) > max(small)  # more respondents: the own survey weighs more
    shares = report["wijken"].groupby("unit")["composite"].sum()
    assert shares.to_numpy() == pytest.approx(1.0)
    mix = {r["profile_id"]: r for r in report["area_mix"]["mix"]}
    first = model.profile_ids[0]  # TILT raises the first profile above the model
    assert mix[first]["own_survey_lo"] > mix[first]["model"]


def test_burgerpeiling_sav_with_quiz_items_few_wijken(utrecht, tmp_path):
    model, target = utrecht
    units = list(target.unit_mix.dropna().index)
    respondents, truth = simulate(target, model, {u: 300 for u in units[:3]}, seed=11)
    path = tmp_path / "burgerpeiling.sav"
    burgerpeiling_sav(respondents, path, gemeente=344)
    read = own.read_own_survey(path)
    assert len(read) == len(respondents) and read["wijk_code"].notna().all()
    assert read["age_band"].isna().sum() == (respondents["leeftijd"] == "15_24").sum()
    report = own.own_survey_report(read, target, model)
    assert report["n_with_quiz"] == len(respondents)
    assert report["wijken"]["linking"].iloc[0] == "offset"  # 3 wijken: no regression
    for e in _errors(report, truth).values():
        assert e["composite"] < e["model"], e


def test_burgerpeiling_without_quiz_items_uses_demographics(utrecht, tmp_path):
    model, target = utrecht
    units = list(target.unit_mix.dropna().index)
    respondents, _ = simulate(target, model, {units[0]: 80}, seed=3)
    path = tmp_path / "zonder-quiz.sav"
    plain = respondents.copy()
    plain[list(QUIZ_ITEMS)] = np.nan
    burgerpeiling_sav(plain, path, gemeente=344)
    read = own.read_own_survey(path)
    probs = own.respondent_probabilities(read, model)
    assert probs.sum(axis=1) == pytest.approx(1.0)
    # everyone has education 'midden' and one of few age/sex cells: few distinct rows
    assert len(np.unique(probs.round(6), axis=0)) <= 8
    report = own.own_survey_report(read, target, model)
    assert report["n_with_quiz"] == 0 and len(report["wijken"]["unit"].unique()) == 1


def test_cli_import_writes_only_aggregates_and_stores_nothing(utrecht, built_db, tmp_path):
    model, target = utrecht
    units = list(target.unit_mix.dropna().index)
    respondents, _ = simulate(target, model, {units[0]: 120, units[1]: 30}, seed=5)
    src = tmp_path / "antwoorden.csv"
    src.write_bytes(quiz_csv(respondents))
    before = hashlib.sha256(built_db.read_bytes()).hexdigest()
    out = tmp_path / "uit.xlsx"
    result = runner.invoke(app, ["import", str(src), "--gebied", "GM0344", "--db", str(built_db),
                                 "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "weegt het zwaarst" in result.output and "Fay" in result.output
    assert hashlib.sha256(built_db.read_bytes()).hexdigest() == before
    wb = load_workbook(io.BytesIO(out.read_bytes()))
    assert {"Gebied", "Wijken", "Toelichting"} <= set(wb.sheetnames)
    rows = list(wb["Wijken"].iter_rows(values_only=True))
    header = rows[0]
    counts = {r[header.index("wijkcode")]: r[header.index("respondenten")] for r in rows[1:]}
    assert counts == {units[0]: 120}  # the wijk with 30 respondents is not published
    csv_out = tmp_path / "uit.csv"
    result = runner.invoke(app, ["import", str(src), "--gebied", "GM0344", "--db", str(built_db),
                                 "--uit", str(csv_out)])
    assert result.exit_code == 0 and csv_out.read_bytes().startswith(b"\xef\xbb\xbf")
    # issue 20: one flag name per meaning (--out); --uit stays as a hidden alias
    assert "--uit" not in runner.invoke(app, ["import", "--help"]).output
    both = runner.invoke(app, ["import", str(src), "--gebied", "GM0344", "--db", str(built_db),
                               "--out", str(out), "--uit", str(csv_out)])
    assert both.exit_code != 0 and "--out één keer" in both.output


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("leeg.csv", b"", "is leeg"),
        ("kapot.xlsx", b"PK\x03\x04kapot", "geen leesbaar Excel"),
        ("kapot.sav", b"$FL2 dit is geen spss", "geen leesbaar SPSS"),
        ("latin.csv", "trust_eu;geslacht\n1;vrouw\n2;männ\n".encode("latin-1"), "geslacht"),
        ("utf16.csv", "trust_eu;leeftijd\n1;65plus\n7;25_44\n".encode("utf-16"), "regel 3"),
        ("geen-quiz.csv", b"postcode;leeftijd\n3511;65plus\n", "geen enkele quizvraag"),
    ],
)
def test_bad_files_get_a_dutch_message(built_db, tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(app, ["import", str(path), "--gebied", "GM0344", "--db",
                                 str(built_db)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
