"""European Social Survey (any round, any country file) -> respondent frame.

Maps the standard ESS variables (names as in every ESS integrated file, lower case) into the
same harmonised frame as the VU panel. The ESS Netherlands files are free after
registration at europeansocialsurvey.org but may not be redistributed here; the Belgian and
Swiss files in ``survey/ess_fixtures`` are *format fixtures* used to build and test this
reader and are never fitted as if they were Dutch.

ESS missing codes: 6/66/666 not applicable, 7/77/777 refusal, 8/88/888 don't know, 9/99/999
no answer -> NaN (for each item the codes that fit its width are listed in the table).
Items that a round does not carry (e.g. ``wrclmch`` before round 8) are optional and come out
as all-missing columns; the core trust/interest/turnout/demographic items are required.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from betrokken.errors import SourceError
from betrokken.survey.frame import check_frame
from betrokken.survey.mapping import Item, apply_mapping
from betrokken.textfiles import detect_bom_encoding, encoding_problem, last_line_is_cut

SURVEY = "European Social Survey"
M1 = (6, 7, 8, 9)
M2 = (66, 77, 88, 99)
M4 = (6666, 7777, 8888, 9999)
YES_NO = {1: 1, 2: 0}
TRUST = "0 = helemaal geen vertrouwen … 10 = volledig vertrouwen"


def _age_band(raw: pd.Series) -> pd.Series:
    """ESS age (15+) -> CBS KWB band; ESS 15-24 matches CBS 15_24 exactly. 999 -> NaN."""
    years = pd.to_numeric(raw, errors="coerce").where(lambda s: s < 999)
    bands = pd.cut(years, [14, 24, 44, 64, 130], labels=["15_24", "25_44", "45_64", "65plus"])
    return pd.Series(bands.astype(object), index=raw.index)


def _trust(source: str, target: str, wording: str, required: bool = True) -> Item:
    return Item(
        source,
        target,
        wording,
        source,
        TRUST,
        (0, 10),
        missing=M2,
        group="trust",
        required=required,
    )


def _act(source: str, target: str, wording: str, required: bool = False) -> Item:
    return Item(
        source,
        target,
        wording,
        source,
        "1 = ja, 0 = nee (afgelopen 12 maanden)",
        (0, 1),
        missing=M1,
        recode=YES_NO,
        group="participation",
        required=required,
    )


ESS_ITEMS: tuple[Item, ...] = (
    Item(
        "agea",
        "age",
        "Leeftijd van de respondent (berekend)",
        "Age of respondent",
        "CBS-leeftijdsklasse",
        ("15_24", "25_44", "45_64", "65plus"),
        transform=_age_band,
        recode={b: b for b in ("15_24", "25_44", "45_64", "65plus")},
        group="demographics",
    ),
    Item(
        "gndr",
        "sex",
        "Geslacht",
        "Gender",
        "1 = man, 2 = vrouw",
        ("man", "vrouw"),
        missing=(9,),
        recode={1: "man", 2: "vrouw"},
        group="demographics",
    ),
    Item(
        "eisced",
        "education",
        "Hoogst voltooide opleiding (ES-ISCED)",
        "Highest level of education, ES-ISCED",
        "ES-ISCED I–II = laag; IIIb–IV (hoger secundair, post-secundair) = midden; "
        "V1–V2 (bachelor, master+) = hoog; 0 en 55 (niet in te delen / anders) = ontbrekend",
        ("laag", "midden", "hoog"),
        missing=(0, 55, 77, 88, 99),
        recode={1: "laag", 2: "laag", 3: "midden", 4: "midden", 5: "midden", 6: "hoog", 7: "hoog"},
        group="demographics",
        required=False,
    ),
    _trust("trstprl", "trust_parliament", "Vertrouwen in het parlement"),
    _trust("trstplt", "trust_politicians", "Vertrouwen in politici"),
    _trust("trstprt", "trust_parties", "Vertrouwen in politieke partijen"),
    _trust("trstlgl", "trust_justice", "Vertrouwen in het rechtssysteem"),
    _trust("trstplc", "trust_police", "Vertrouwen in de politie"),
    Item(
        "polintr",
        "interest",
        "Hoe geïnteresseerd bent u in politiek?",
        "How interested in politics",
        "0 = helemaal niet … 3 = zeer geïnteresseerd "
        "(ESS 1 = zeer … 4 = helemaal niet, omgedraaid)",
        (0, 3),
        missing=M1,
        recode={1: 3, 2: 2, 3: 1, 4: 0},
        group="interest",
    ),
    Item(
        "vote",
        "turnout_last",
        "Heeft u gestemd bij de laatste landelijke verkiezingen?",
        "Voted last national election",
        "1 = ja, 0 = nee; 3 'mocht niet stemmen' = ontbrekend",
        (0, 1),
        missing=(3, *M1),
        recode=YES_NO,
        group="turnout",
    ),
    _act("contplt", "part_contacted", "Contact opgenomen met een politicus of ambtenaar"),
    _act("sgnptit", "part_petition", "Een petitie getekend"),
    _act("pbldmn", "part_demonstration", "Deelgenomen aan een wettige demonstratie"),
    _act("wrkorg", "part_volunteer_org", "Actief geweest in een andere organisatie of vereniging"),
    _act("badge", "part_badge", "Een campagnebutton of -sticker gedragen of getoond"),
    _act("bctprd", "part_boycott", "Bepaalde producten geboycot"),
    _act("pstplonl", "part_online", "Iets over politiek online gepost of gedeeld"),
    Item(
        "psppsgva",
        "efficacy_say",
        "Het politieke systeem geeft mensen zoals u inspraak in wat de regering doet",
        "Political system allows people to have a say",
        "1 = helemaal niet … 5 = heel veel",
        (1, 5),
        missing=M1,
        group="efficacy",
        required=False,
    ),
    Item(
        "actrolga",
        "efficacy_active",
        "Denkt u dat u een actieve rol kunt spelen in een groep die zich met politiek bezighoudt?",
        "Able to take active role in political group",
        "1 = helemaal niet … 5 = helemaal wel",
        (1, 5),
        missing=M1,
        group="efficacy",
        required=False,
    ),
    Item(
        "ppltrst",
        "social_trust",
        "Je kunt niet voorzichtig genoeg zijn (0) of de meeste mensen zijn te vertrouwen (10)",
        "Most people can be trusted",
        "0 = je kunt niet voorzichtig genoeg zijn … 10 = de meeste mensen zijn te vertrouwen",
        (0, 10),
        missing=M2,
        group="social",
    ),
    Item(
        "stfdem",
        "satisfaction_democracy",
        "Tevredenheid met het functioneren van de democratie",
        "How satisfied with the way democracy works",
        "0 … 10",
        (0, 10),
        missing=M2,
        group="trust",
    ),
    Item(
        "aesfdrk",
        "feel_safe_dark",
        "Hoe veilig voelt u zich als u 's avonds alleen in uw buurt loopt?",
        "Feeling of safety walking alone after dark",
        "1 = zeer veilig … 4 = zeer onveilig",
        (1, 4),
        missing=M1,
        group="neighbourhood",
        required=False,
    ),
    Item(
        "wrclmch",
        "climate_worry",
        "Hoe bezorgd bent u over klimaatverandering?",
        "How worried about climate change",
        "1 = helemaal niet … 5 = extreem",
        (1, 5),
        missing=M1,
        group="themes",
        required=False,
    ),
    Item(
        "nwspol",
        "news_minutes",
        "Hoeveel minuten per dag besteedt u aan nieuws over politiek en actualiteit?",
        "News about politics, minutes per day",
        "0–1440 minuten",
        (0, 1440),
        missing=M4,
        group="channels",
        required=False,
    ),
    Item(
        "netusoft",
        "internet_frequency",
        "Hoe vaak gebruikt u internet?",
        "Internet use",
        "1 = nooit … 5 = (bijna) dagelijks",
        (1, 5),
        missing=M1,
        group="channels",
        required=False,
    ),
    Item(
        "hinctnta",
        "income_decile",
        "Netto huishoudinkomen (deciel, landelijke verdeling)",
        "Household's total net income, all sources (decile)",
        "1–10",
        (1, 10),
        missing=M2,
        group="demographics",
        required=False,
    ),
    Item(
        "hhmmb",
        "household_size",
        "Aantal personen in het huishouden",
        "Number of people living regularly as member of household",
        "1–30",
        (1, 30),
        missing=M2,
        group="demographics",
        required=False,
    ),
    Item(
        "domicil",
        "domicile",
        "Woonplaats: 1 = grote stad … 5 = boerderij/platteland",
        "Domicile, respondent's description",
        "1–5",
        (1, 5),
        missing=M1,
        group="demographics",
        required=False,
    ),
    Item(
        "region",
        "region_nuts",
        "Regio (NUTS-code)",
        "Region",
        "NUTS-code als tekst",
        kind="text",
        group="demographics",
        required=False,
    ),
)


def _weight(raw: pd.DataFrame) -> pd.Series:
    """The ESS analysis weight (anweight, round 9+) else post-stratification weight (pspwght)."""
    for column in ("anweight", "pspwght", "dweight"):
        if column in raw.columns:
            return pd.to_numeric(raw[column], errors="coerce").rename("design_weight")
    return pd.Series(1.0, index=raw.index, name="design_weight")


def read_ess(path: Path) -> pd.DataFrame:
    """Read an ESS CSV (integrated file or extract) into the harmonised respondent frame."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"Het ESS-bestand '{path}' bestaat niet.")
    with open(path, "rb") as fh:
        encoding = detect_bom_encoding(fh.read(4)) or "utf-8"
    try:
        raw = pd.read_csv(path, low_memory=False, encoding=encoding)
    except pd.errors.EmptyDataError:
        raise SourceError(f"Het ESS-bestand '{path}' is leeg.") from None
    except UnicodeDecodeError:
        raise SourceError(encoding_problem(path)) from None
    except pd.errors.ParserError as exc:
        raise SourceError(
            f"Het ESS-bestand '{path}' is geen leesbaar CSV-bestand: {str(exc)[:200]}"
        ) from None
    if encoding.startswith("utf-8") and last_line_is_cut(path):
        raise SourceError(
            f"Het ESS-bestand '{path}' is afgebroken: de laatste regel is onvolledig "
            f"({len(raw)} respondenten gelezen).",
            hint="Download of kopieer het bestand opnieuw.",
        )
    raw.columns = [c.lower() for c in raw.columns]
    frame = apply_mapping(raw, ESS_ITEMS, survey=SURVEY, path=path)
    ids = raw["idno"].astype(str) if "idno" in raw.columns else pd.Series(raw.index.astype(str))
    country = raw["cntry"].astype(str) if "cntry" in raw.columns else "??"
    frame.insert(0, "respondent_id", (country + "-" + ids).to_numpy())
    frame.insert(
        1,
        "survey",
        "ess" + (raw["essround"].astype(str) if "essround" in raw.columns else "").to_numpy(),
    )
    frame["country"] = np.asarray(country)
    frame["migration"] = np.nan  # needs brncntr/facntr/mocntr: not in the standard list
    frame["design_weight"] = _weight(raw).to_numpy()
    return check_frame(frame, survey=SURVEY)
