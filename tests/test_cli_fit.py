"""`betrokken fit` never overwrites the committed model unless asked to.

The refit itself takes minutes and has its own tests (test_model_refit.py); here only
where the CLI sends it is checked, so ``fit_and_save`` records its ``out`` argument.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from betrokken.cli import app

runner = CliRunner()


@pytest.fixture()
def calls(monkeypatch) -> list:
    seen: list = []

    def fake_fit_and_save(data_dir, *, out, seed, quick, console):
        seen.append(out)
        return out or Path("src/betrokken/model/artifact")

    def fake_area_models(data_dir, out_dir=None, *, n_boot, model_dir=None, console=None):
        seen.append(("area_models", out_dir, model_dir))
        return out_dir

    monkeypatch.setattr("betrokken.model.fit.fit_and_save", fake_fit_and_save)
    monkeypatch.setattr("betrokken.fit_areas.fit_area_models_from_data", fake_area_models)
    return seen


def test_fit_without_options_writes_a_new_directory(calls, data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["fit", "--data-dir", str(data_dir), "--quick"])
    assert result.exit_code == 0, result.output
    out, area_models = calls
    assert out is not None and out.parent == tmp_path
    assert out.name.startswith("betrokken-model-") and not out.exists()
    assert area_models == ("area_models", out, out)  # refitted beside the new profile model


def test_fit_replaces_the_artifact_only_when_asked(calls, data_dir):
    result = runner.invoke(app, ["fit", "--data-dir", str(data_dir), "--vervang-artefact"])
    assert result.exit_code == 0, result.output
    assert calls[0] is None  # fit_and_save's "the committed artifact and docs"
    assert calls[1][0] == "area_models" and calls[1][2] == Path("src/betrokken/model/artifact")


def test_fit_refuses_a_full_directory_and_contradicting_options(calls, data_dir, tmp_path):
    (tmp_path / "model.json").write_text("{}")
    result = runner.invoke(app, ["fit", "--data-dir", str(data_dir), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "niet leeg" in " ".join(result.output.split())
    result = runner.invoke(app, ["fit", "--data-dir", str(data_dir), "--out", str(tmp_path / "x"),
                                 "--vervang-artefact"])
    assert result.exit_code == 2 and "niet allebei" in result.output
    assert calls == []
