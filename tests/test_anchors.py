"""The official national tables that anchor the area models' gradients (``model.anchors``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from betrokken.errors import BetrokkenError
from betrokken.model.anchors import (
    NONVOTING_FILE,
    TRUST_FILE,
    TRUST_MIGRATION_FILE,
    load_anchors,
)


def _copy_tables(data_dir: Path, tmp_path: Path) -> Path:
    for rel in (TRUST_FILE, TRUST_MIGRATION_FILE, NONVOTING_FILE):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(data_dir / rel, tmp_path / rel)
    return tmp_path


def test_real_tables_give_the_documented_gradients(data_dir):
    anchors = load_anchors(data_dir)
    trust, vote = anchors["low_trust"], anchors["high_engagement"]
    # distrust of the Tweede Kamer falls with education; voting rises with it
    edu = trust.share["education"]
    assert edu["laag"] > edu["midden"] > edu["hoog"]
    assert vote.share["education"]["hoog"] > vote.share["education"]["laag"]
    # 82095NED: 41 % of basisonderwijs did not vote; 8 % of hbo/wo
    assert vote.share["education"]["hoog"] == pytest.approx(0.92)
    assert vote.share["migration"]["nl"] == pytest.approx(0.76)
    for anchor in anchors.values():
        for var in anchor.share:
            centred = anchor.centred_logit(var)
            assert abs(sum(centred.values())) < 1e-9


def test_unknown_category_names_file_and_row(data_dir, tmp_path):
    root = _copy_tables(data_dir, tmp_path)
    path = root / NONVOTING_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Geslacht: vrouwen;", "Geslacht: anders;"), encoding="utf-8")
    with pytest.raises(BetrokkenError) as err:
        load_anchors(root)
    message = str(err.value)
    assert "82095NED_stemgedrag_TK2012.csv" in message
    assert "rij 4" in message and "Geslacht: anders" in message
    assert "onbekende categorie" in message


def test_missing_group_names_file_and_group(data_dir, tmp_path):
    root = _copy_tables(data_dir, tmp_path)
    path = root / TRUST_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith('"Onderwijsniveau: havo, vwo, mbo"')]
    assert len(kept) < len(lines)
    path.write_text("".join(kept), encoding="utf-8")
    with pytest.raises(BetrokkenError) as err:
        load_anchors(root)
    message = str(err.value)
    assert "82378NED_sex_edu_2012_2017_long.csv" in message
    assert "havo, vwo, mbo" in message and "ontbreekt" in message


def test_percentage_out_of_range_is_refused(data_dir, tmp_path):
    root = _copy_tables(data_dir, tmp_path)
    path = root / TRUST_MIGRATION_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[7].split(";")
    fields[7] = "140"  # TweedeKamer
    lines[7] = ";".join(fields)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(BetrokkenError, match=r"rij 8: percentage 140"):
        load_anchors(root)


def test_centred_logits_are_log_odds_differences(data_dir):
    anchor = load_anchors(data_dir)["high_engagement"]
    centred = anchor.centred_logit("education")
    share = anchor.share["education"]
    logit = {k: np.log(v / (1 - v)) for k, v in share.items()}
    assert centred["hoog"] - centred["laag"] == pytest.approx(logit["hoog"] - logit["laag"])
