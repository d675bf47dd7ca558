"""VNG Burgerpeiling (SPSS .sav) -> respondent frame: the plug for a municipality's own survey.

The Burgerpeiling is the standard resident survey that many gemeenten run; its data format
(``Burgerpeiling-dataformat-2022.sav``, VNG Realisatie) fixes variable names, wording and
value labels. It carries exactly what the national VU panel lacks: *local* engagement
(volunteering, neighbourhood activity, contact with the municipality, trust in the local
government, willingness to participate) plus household type and income.

:data:`BURGERPEILING_ITEMS` maps those variables into the harmonised frame; each recode was
checked against the value labels in the format file (tests/test_survey_burgerpeiling.py).
Agreement and trust scales are reversed so that a higher value means more agreement / more
trust, as in the VU items. Demographics follow ``schema.CELL_VARIABLES`` where the
Burgerpeiling categories nest in the CBS ones; they do not always (see ``_AGE``).
How such a survey enters the model is described in docs/method.md ("Een eigen peiling").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from betrokken.errors import SourceError
from betrokken.survey.mapping import Item, apply_mapping

SURVEY = "Burgerpeiling (VNG)"
AGREE_REV = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}  # 1 helemaal eens -> 5
AGREE_SCALE = "1 = helemaal oneens … 5 = helemaal eens (omgedraaid t.o.v. het bestand)"
# ch02: 18-29 and 40-54 straddle the CBS bands (15-24/25-44 and 25-44/45-64) and stay
# missing in `age`; the raw band is kept in `age_burgerpeiling` so a municipality can split it
# (or, better, ask year of birth).
_AGE = {1: None, 2: "25_44", 3: None, 4: "45_64", 5: "65plus", 6: "65plus"}


def _agree(source: str, target: str, wording: str, group: str) -> Item:
    return Item(
        source,
        target,
        wording,
        "",
        AGREE_SCALE,
        (1, 5),
        missing=(6,),
        recode=AGREE_REV,
        group=group,
    )


BURGERPEILING_ITEMS: tuple[Item, ...] = (
    Item(
        "ch01",
        "sex",
        "Wat is uw geslacht?",
        "",
        "1 = man, 2 = vrouw; 3 'anders' en 4 'wil "
        "ik liever niet zeggen' = ontbrekend (geen CBS-categorie)",
        ("man", "vrouw"),
        missing=(3, 4),
        recode={1: "man", 2: "vrouw"},
        group="demographics",
    ),
    Item(
        "ch02",
        "age",
        "Wat is uw leeftijd?",
        "",
        "CBS-band waar de Burgerpeilingklasse in past; 18–29 en 40–54 = ontbrekend",
        ("25_44", "45_64", "65plus"),
        missing=(1, 3),
        recode={k: v for k, v in _AGE.items() if v},
        group="demographics",
    ),
    Item(
        "ch02",
        "age_burgerpeiling",
        "Wat is uw leeftijd?",
        "",
        "1 = 18–29, 2 = 30–39, 3 = 40–54, 4 = 55–64, 5 = 65–74, 6 = 75+",
        (1, 6),
        group="demographics",
    ),
    Item(
        "ch03",
        "education",
        "Wat is uw hoogst afgeronde opleiding?",
        "",
        "1–2 (basisonderwijs, vmbo/mavo) = laag; 3–4 (havo/vwo, mbo) = midden; "
        "5–6 (hbo, wo) = hoog — mbo 1 (CBS: laag) valt hier onder midden",
        ("laag", "midden", "hoog"),
        recode={1: "laag", 2: "laag", 3: "midden", 4: "midden", 5: "hoog", 6: "hoog"},
        group="demographics",
    ),
    Item(
        "ch05",
        "household",
        "Hoe ziet uw huishouden er uit?",
        "",
        "1 = alleen; 2 = paar zonder kinderen; 3, 4 = met kinderen (paar / eenouder); "
        "5 'anders' = ontbrekend",
        ("single", "couple_no_children", "with_children"),
        missing=(5,),
        recode={1: "single", 2: "couple_no_children", 3: "with_children", 4: "with_children"},
        group="demographics",
    ),
    Item(
        "ch06",
        "income_band",
        "Wat is het totale netto maandinkomen van u en uw mogelijke partner?",
        "",
        "0 = geen inkomen, 1 = < € 900 … 6 = > € 3200; 8 = ontbrekend",
        (0, 6),
        missing=(8,),
        recode={7: 0, **{i: i for i in range(1, 7)}},
        group="demographics",
    ),
    Item(
        "bo01",
        "trust_municipality",
        "Hoeveel vertrouwen heeft u in de manier waarop uw gemeente wordt bestuurd?",
        "",
        "1 = (bijna) geen … 5 = heel veel",
        (1, 5),
        missing=(6,),
        recode=AGREE_REV,
        group="trust_local",
    ),
    _agree("bo02_0", "muni_keeps_word", "De gemeente doet wat ze zegt", "trust_local"),
    _agree("bo03_0", "muni_listens", "De gemeente luistert naar inwoners", "trust_local"),
    _agree(
        "bo03_1",
        "muni_lets_think_along",
        "De gemeente laat inwoners meedenken bij plannen, activiteiten en voorzieningen",
        "trust_local",
    ),
    Item(
        "wl13",
        "neighbourhood_activity",
        "Hoe vaak heeft u zich de afgelopen 12 maanden ingezet voor uw buurt?",
        "",
        "0 = (bijna) nooit, 1 = af en toe, 2 = vaak",
        (0, 2),
        recode={1: 2, 2: 1, 3: 0},
        group="local_engagement",
    ),
    Item(
        "wl14",
        "neighbourhood_willing",
        "Zou u zich actief willen (blijven) inzetten voor uw buurt?",
        "",
        "0 = nee, 1 = ja misschien, 2 = ja zeker; 4 'weet niet' = ontbrekend",
        (0, 2),
        missing=(4,),
        recode={1: 2, 2: 1, 3: 0},
        group="local_engagement",
    ),
    Item(
        "zw06_3",
        "volunteering",
        "Hoe vaak doet u vrijwilligerswerk?",
        "",
        "0 = (bijna) nooit, 1 = af en toe, 2 = vaak",
        (0, 2),
        recode={1: 2, 2: 1, 3: 0},
        group="local_engagement",
    ),
    Item(
        "dv02",
        "contact_municipality",
        "Heeft u de afgelopen 12 maanden contact gehad met uw gemeente?",
        "",
        "1 = ja, 0 = nee",
        (0, 1),
        recode={1: 1, 2: 0},
        group="local_engagement",
    ),
    Item(
        "gemnr",
        "gemeente_number",
        "gemeentenummer (CBS-code)",
        "",
        "CBS-gemeentenummer",
        (1, 9999),
        group="area",
    ),
    Item(
        "wijknr",
        "wijk_code",
        "wijknummer (officiële CBS-code)",
        "",
        "WKxxxxxx",
        kind="text",
        group="area",
        required=False,
    ),
    Item(
        "weging",
        "design_weight",
        "wegingsfactor",
        "",
        "> 0",
        (0, 1000),
        group="weight",
        required=False,
    ),
)


def burgerpeiling_metadata(path: Path) -> pd.DataFrame:
    """Variables of a Burgerpeiling .sav: name, label, value labels, and our mapping target."""
    meta = _read(path, metadata_only=True)[1]
    targets: dict[str, list[str]] = {}
    for item in BURGERPEILING_ITEMS:
        targets.setdefault(item.source, []).append(item.target)
    return pd.DataFrame(
        {
            "variable": meta.column_names,
            "label": [meta.column_names_to_labels.get(n) or "" for n in meta.column_names],
            "value_labels": [meta.variable_value_labels.get(n, {}) for n in meta.column_names],
            "maps_to": [", ".join(targets.get(n, [])) for n in meta.column_names],
        }
    )


def _read(path: Path, *, metadata_only: bool = False):
    import pyreadstat

    path = Path(path)
    if not path.is_file():
        raise SourceError(f"Het Burgerpeilingbestand '{path}' bestaat niet.")
    try:
        return pyreadstat.read_sav(str(path), metadataonly=metadata_only)
    except Exception as exc:  # pyreadstat raises its own ReadstatError family
        raise SourceError(
            f"'{path}' is geen leesbaar SPSS-bestand (.sav): {exc}",
            hint="Exporteer de Burgerpeiling als SPSS .sav volgens het VNG-dataformat.",
        ) from None


def read_burgerpeiling(path: Path, *, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a municipality's Burgerpeiling responses into the harmonised frame.

    Rows without any answer (the VNG format file has one such placeholder row) are dropped;
    a file without real respondents is an error. ``keep`` names extra variables copied
    as they are when present (a municipality that added the Profielquiz items to its
    Burgerpeiling: ``survey.own``).
    """
    raw, _ = _read(path)
    answers = raw.drop(columns=["respondent"], errors="ignore").replace(r"^\s*$", pd.NA, regex=True)
    answered = answers.notna().any(axis=1)
    raw = raw.loc[answered].reset_index(drop=True)
    frame = apply_mapping(raw, BURGERPEILING_ITEMS, survey=SURVEY, path=path)
    ids = raw["respondent"] if "respondent" in raw.columns else pd.Series(raw.index)
    frame.insert(0, "respondent_id", ids.astype("Int64").astype(str).to_numpy())
    frame.insert(1, "survey", "burgerpeiling")
    frame["gemeente_code"] = frame["gemeente_number"].map(
        lambda x: f"GM{int(x):04d}" if pd.notna(x) else None
    )
    frame["migration"] = pd.NA  # the Burgerpeiling format has no migration question
    for name in keep:
        if name in raw.columns:
            frame[name] = pd.to_numeric(raw[name], errors="coerce").to_numpy()
    return frame
