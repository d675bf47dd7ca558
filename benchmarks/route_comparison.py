"""Compare the two routes to an area's profile mix (issue #8), on the shared data.

Route *demografie*: P(profile | cell) from the membership model. Route *via indices*:
sum over cells and (low trust, high engagement) of the direct models. For each route the
mix-implied low-trust share and political engagement (profile mix x the cards' shares) per
gemeente are correlated with the elections: a check, nothing is chosen or fitted on it.
The cross-validated fit of both routes comes from the area-model artifact.

    BETROKKEN_DATA=../shared/data python benchmarks/route_comparison.py [--write-docs]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from betrokken.areas.harmonise import build_area_tables
from betrokken.areas.local import map_local_indicators
from betrokken.areas.mix import compute_profile_mix
from betrokken.model.area_models import load_area_models
from betrokken.model.artifact import load_model
from betrokken.reports.validation import correlation, load_elections
from betrokken.sources.gezondheidsmonitor import read_gezondheidsmonitor

REPO = Path(__file__).resolve().parents[1]


def implied(mix: pd.DataFrame, model, level: str = "gemeente") -> pd.DataFrame:
    cards = {p["id"]: p for p in model.profiles}
    frame = mix[mix["level"] == level].dropna(subset=["share"]).copy()
    frame["lt"] = frame["share"] * frame["profile_id"].map(lambda p: cards[p]["p_low_trust"])
    frame["he"] = frame["share"] * frame["profile_id"].map(
        lambda p: cards[p]["p_high_engagement"])
    return frame.groupby("area_code")[["lt", "he"]].sum()


def main(write_docs: bool) -> str:
    data_dir = Path(os.environ["BETROKKEN_DATA"])
    tables = build_area_tables(data_dir)
    local = map_local_indicators(read_gezondheidsmonitor(data_dir), tables.areas,
                                 tables.crosswalk, edition_year=2020).frame
    model, area_models = load_model(), load_area_models()
    routes = {
        "demografie": compute_profile_mix(tables, model, local=local),
        "via indices": compute_profile_mix(tables, model, area_models=area_models, local=local),
    }
    known = set(tables.areas.loc[tables.areas["level"] == "gemeente", "area_code"])
    elections = load_elections(data_dir / "validation", known)
    cv = area_models.meta["route_comparison"]
    lines = [
        "| route | grouped-CV log-loss (respondent's profile) | TK2021 turnout vs implied "
        "political engagement | TK2021 anti-establishment vs implied low trust | SD of "
        "profile shares across gemeenten (mean over profiles) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, mix in routes.items():
        imp = implied(mix.profile_mix, model)
        tk = elections["TK2021"].frame.set_index("gemeente_code").join(imp, how="inner")
        sd = (mix.profile_mix[mix.profile_mix["level"] == "gemeente"]
              .groupby("profile_id")["share"].std().mean())
        lines.append(
            f"| {name} | {cv[name]:.4f} | {correlation(tk['he'], tk['turnout'])['pearson']:+.3f}"
            f" | {correlation(tk['lt'], tk['anti_share'])['pearson']:+.3f} | {sd:.4f} |"
        )
    lines += [
        "",
        f"Base rate (national shares): CV log-loss {cv['basis']:.4f}. Difference demografie − "
        f"via indices: {cv['gain_via_indices']:+.4f} (SE {cv['gain_se']:.4f}, folds "
        f"{cv['folds']}).",
        "",
    ]
    table = "\n".join(lines)
    if write_docs:
        from betrokken.model.fit import fill_block

        method = REPO / "docs" / "method.md"
        method.write_text(fill_block(method.read_text(encoding="utf-8"), "route-comparison", table),
                          encoding="utf-8")
    return table


if __name__ == "__main__":
    print(main("--write-docs" in sys.argv))
