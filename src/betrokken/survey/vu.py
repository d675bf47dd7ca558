"""VU Panel Survey, Dutch parliamentary elections 2021 (wave 0, January 2021) -> respondent frame.

Wording and codes come from the panel's ``codebook.csv``. The codebook lists the items of the
F1, F2 and I1 batteries but not their answer scales; the scales below were read from the data
and are consistent with the item content (documented in docs/method.md):
F1 1-5 (1 = helemaal mee oneens ... 5 = helemaal mee eens; e.g. "politici beloven meer dan ze
kunnen waarmaken" has 57 % agree), F2 0-10 (0 = helemaal geen vertrouwen ... 10 = volledig
vertrouwen; science highest, parties lowest), I1 0-7 (number of days in a week the channel
was used for news; television has the most 7s). D is the number of correct answers (0-12) on
the political knowledge quiz.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from betrokken import schema
from betrokken.errors import SourceError
from betrokken.survey.frame import TRUST_ITEMS, check_frame
from betrokken.survey.mapping import Item, apply_mapping
from betrokken.textfiles import encoding_problem, last_line_is_cut

SURVEY = "VU Kiezerspanel 2021"
RELATIVE_PATH = Path("survey/vu_election_panel_2021/wave0.csv")


def _age_band(raw: pd.Series) -> pd.Series:
    """Age in years (18+) -> CBS KWB band; the survey's 18-24 stands in for CBS 15-24."""
    years = pd.to_numeric(raw, errors="coerce")
    bands = pd.cut(years, [17, 24, 44, 64, 130], labels=["15_24", "25_44", "45_64", "65plus"])
    out = bands.astype(object)
    bad = years.notna() & bands.isna()
    out[bad] = "ongeldig:" + raw[bad].astype(str)
    return pd.Series(out, index=raw.index)


def _pc4(raw: pd.Series) -> pd.Series:
    """Postal code as typed by the respondent -> PC4 number (1000-9999) or NaN ('0123').

    Respondents sometimes typed the full PC6 ('1761 VN'): the first four digits are kept;
    anything not starting with four digits (e.g. '290u') is missing.
    """
    text = raw.astype("string").str.strip()
    digits = pd.to_numeric(text.str.extract(r"^(\d{4})", expand=False), errors="coerce")
    return digits.where(digits.between(schema.PC4_MIN, schema.PC4_MAX))  # '0123' is no PC4


TRUST_SCALE = "0 = helemaal geen vertrouwen … 10 = volledig vertrouwen"
AGREE_SCALE = "1 = helemaal mee oneens … 5 = helemaal mee eens"
DAYS_SCALE = "aantal dagen per week (0–7) dat u via dit kanaal nieuws volgde"
F2_STEM = "Hoeveel vertrouwen heeft u in "
F1_STEM = "In hoeverre bent u het eens met: "
I1_STEM = "Hoe vaak volgde u het nieuws via: "

VU_ITEMS: tuple[Item, ...] = (
    # --- demographics (coded as schema.CELL_VARIABLES)
    Item(
        "age",
        "age",
        "Wat is uw leeftijd? Geeft u uw antwoord in jaren.",
        "What is your age?",
        "CBS-leeftijdsklasse (18–24 telt als 15_24)",
        ("15_24", "25_44", "45_64", "65plus"),
        transform=_age_band,
        recode={b: b for b in ("15_24", "25_44", "45_64", "65plus")},
        group="demographics",
    ),
    Item(
        "age",
        "age_years",
        "Wat is uw leeftijd? Geeft u uw antwoord in jaren.",
        "Age in years",
        "jaren",
        (18, 110),
        group="demographics",
    ),
    Item(
        "gender",
        "sex",
        "Allereerst, bent u een …",
        "First of all, are you a …?",
        "0 = man, 1 = vrouw",
        ("man", "vrouw"),
        recode={0: "man", 1: "vrouw"},
        group="demographics",
    ),
    Item(
        "education",
        "education",
        "Wat is uw hoogst genoten opleiding?",
        "What is your highest level of education?",
        "1–3 = laag (basisonderwijs; vmbo/mbo 1; mavo, havo/vwo onderbouw); "
        "4–5 = midden (mbo 2–4; havo/vwo bovenbouw); 6–7 = hoog (hbo/wo bachelor, master)",
        ("laag", "midden", "hoog"),
        missing=(999,),
        recode={1: "laag", 2: "laag", 3: "laag", 4: "midden", 5: "midden", 6: "hoog", 7: "hoog"},
        group="demographics",
    ),
    Item(
        "ethnicity",
        "migration",
        "Migratieachtergrond (panelgegeven, CBS-definitie 2021)",
        "Ethnicity",
        "1 = nl; 4, 5 = west (1e/2e generatie); 2, 3 = nietwest",
        ("nl", "west", "nietwest"),
        missing=(999,),
        recode={1: "nl", 2: "nietwest", 3: "nietwest", 4: "west", 5: "west"},
        group="demographics",
    ),
    Item(
        "region",
        "region",
        "In welke regio woont u?",
        "In which region do you live?",
        "1 = 3 grote steden + randgemeenten, 2 = west, 3 = noord, 4 = oost, 5 = zuid",
        ("grote_steden", "west", "noord", "oost", "zuid"),
        recode={1: "grote_steden", 2: "west", 3: "noord", 4: "oost", 5: "zuid"},
        group="demographics",
    ),
    Item(
        "postal_code",
        "pc4",
        "Wat is uw postcode?",
        "Postal code",
        "PC4 (1000–9999)",
        (1000, 9999),
        transform=_pc4,
        group="demographics",
    ),
    # --- F2: trust in institutions (0-10)
    *(
        Item(f"F2_{i}", target, F2_STEM + nl + "?", en, TRUST_SCALE, (0, 10), group="trust")
        for i, (target, nl, en) in enumerate(
            [
                ("trust_justice", "de rechtspraak", "The justice system"),
                ("trust_journalism", "de journalistiek", "Journalism"),
                ("trust_government", "de regering", "The government"),
                ("trust_parliament", "de Tweede Kamer", "The House of Representatives"),
                ("trust_eu", "de Europese Unie", "The European Union"),
                ("trust_parties", "politieke partijen", "Political parties"),
                ("trust_politicians", "politici", "Politicians"),
                ("trust_democracy", "de Nederlandse democratie", "Dutch democracy"),
                ("trust_science", "de wetenschap", "Science"),
                ("trust_companies", "grote bedrijven", "Big corporations"),
                ("trust_banks", "banken", "Banks"),
            ],
            start=1,
        )
    ),
    # --- F1: political cynicism, confidence in politicians, populism (1-5 agree)
    *(
        Item(f"F1_{i}", target, F1_STEM + nl, en, AGREE_SCALE, (1, 5), group=group)
        for i, (target, group, nl, en) in enumerate(
            [
                (
                    "cyn_dont_care",
                    "cynicism",
                    "Politici maken zich niet druk om de mening van mensen zoals ik.",
                    "Politicians don't care about the opinions of people like me.",
                ),
                (
                    "cyn_only_vote",
                    "cynicism",
                    "De politieke partijen zijn alleen maar geïnteresseerd in mijn stem en niet in "
                    "mijn mening.",
                    "The political parties are only interested in my vote and not in my opinion.",
                ),
                (
                    "cyn_promise_more",
                    "cynicism",
                    "Tegen beter weten in beloven politici meer dan ze kunnen waarmaken.",
                    "Against their better judgment, politicians promise more than they can "
                    "deliver.",
                ),
                (
                    "cyn_friends",
                    "cynicism",
                    "Kamerlid word je eerder door je politieke vrienden dan door je bekwaamheden.",
                    "You become a member of parliament more by your political friends than by "
                    "your skills.",
                ),
                (
                    "conf_skilled",
                    "efficacy",
                    "De meeste politici zijn bekwame mensen die weten wat ze doen.",
                    "Most politicians are skilled people who know what they are doing.",
                ),
                (
                    "conf_solve",
                    "efficacy",
                    "Politici zijn in staat om de belangrijkste problemen op te lossen.",
                    "Politicians are able to solve the most important problems.",
                ),
                (
                    "conf_represented",
                    "efficacy",
                    "Ik voel mij goed vertegenwoordigd door Nederlandse politici.",
                    "I feel well represented by Dutch politicians.",
                ),
                (
                    "pop_compromise",
                    "populism",
                    "Wat men in de politiek ‘het sluiten van compromissen’ noemt, is eigenlijk "
                    "gewoon het verraden van je principes.",
                    "What in politics is called 'making compromises' is actually just betraying "
                    "your principles.",
                ),
                (
                    "pop_strong_leader",
                    "populism",
                    "Een sterke regeringsleider is goed voor Nederland, ook als deze de regels wat "
                    "oprekt om dingen voor elkaar te krijgen.",
                    "A strong head of government is good for the Netherlands, even if he stretches "
                    "the rules a bit to get things done.",
                ),
                (
                    "pop_people_decide",
                    "populism",
                    "De belangrijkste politieke beslissingen moeten worden genomen door het "
                    "volk en niet door politici.",
                    "The most important political decisions should be made by the people and not "
                    "by politicians.",
                ),
            ],
            start=1,
        )
    ),
    # --- D: political knowledge (number correct of 12)
    Item(
        "D",
        "knowledge",
        "Politieke kennisquiz (12 vragen): aantal goede antwoorden",
        "Political knowledge: number of correct answers",
        "0–12 goed",
        (0, 12),
        group="knowledge",
    ),
    # --- E1: turnout at the 2017 parliamentary election
    Item(
        "E1",
        "turnout_2017",
        "Op welke politieke partij heeft u bij de vorige Tweede Kamerverkiezingen van maart "
        "2017 gestemd?",
        "Which party did you vote for during the parliamentary elections of March 2017?",
        "1 = gestemd (partij 1–14), 0 = 'Ik heb niet gestemd' (998); 997 'weet ik niet meer' "
        "en 999 'ik mocht niet stemmen' = ontbrekend",
        (0, 1),
        missing=(997, 999),
        recode={**{p: 1 for p in range(1, 15)}, 998: 0},
        group="turnout",
    ),
    # --- I1: news channels (days per week)
    *(
        Item(f"I1_{i}", target, I1_STEM + nl, en, DAYS_SCALE, (0, 7), group="channels")
        for i, (target, nl, en) in enumerate(
            [
                ("news_tv", "Televisie", "Television"),
                (
                    "news_newspapers",
                    "Kranten of opiniebladen (op papier of online)",
                    "Newspapers or opinion magazines (paper or online)",
                ),
                (
                    "news_radio",
                    "Radio (inclusief podcast en online)",
                    "Radio (including podcast and online)",
                ),
                (
                    "news_online",
                    "Online nieuwssites (zoals nu.nl) of blogs",
                    "Online news sites (such as nu.nl) or blogs",
                ),
                (
                    "news_social",
                    "Social media (bijvoorbeeld Facebook, Twitter)",
                    "Social media (such as Facebook, Twitter)",
                ),
                (
                    "news_messaging",
                    "Messaging apps (bijvoorbeeld Whatsapp, messenger)",
                    "Messaging apps (such as Whatsapp, messenger)",
                ),
                (
                    "news_conversations",
                    "(Offline) gesprekken met mensen",
                    "(Offline) conversations with people",
                ),
                (
                    "news_apps",
                    "Nieuwsapps of pushberichten op uw telefoon",
                    "News apps or push messages on your phone",
                ),
                (
                    "news_search",
                    "Zoekmachines (zoals Google of Bing)",
                    "Search engines (such as Google or Bing)",
                ),
            ],
            start=1,
        )
    ),
)


def vu_path(data_dir: Path) -> Path:
    return Path(data_dir) / RELATIVE_PATH


def file_sha256(path: Path) -> str:
    """SHA-256 of the raw file: stored in the artifact to identify the training data."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_vu_panel(path: Path) -> pd.DataFrame:
    """Read wave0.csv and map it into the respondent frame (all respondents, all items).

    Respondents who broke off before the attitude blocks keep their demographics; which
    respondents enter the model is decided in :func:`analysis_sample`.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceError(
            f"Het enquêtebestand '{path}' bestaat niet.",
            hint=f"Verwacht in de datamap: {RELATIVE_PATH}.",
        )
    try:
        raw = pd.read_csv(path, dtype={"postal_code": "string"}, low_memory=False)
    except pd.errors.EmptyDataError:
        raise SourceError(f"Het enquêtebestand '{path}' is leeg.") from None
    except UnicodeDecodeError:
        raise SourceError(encoding_problem(path)) from None
    except pd.errors.ParserError as exc:
        raise SourceError(
            f"Het enquêtebestand '{path}' is geen leesbaar CSV-bestand: {exc}"
        ) from None
    if last_line_is_cut(path):
        raise SourceError(
            f"Het enquêtebestand '{path}' is afgebroken: de laatste regel is onvolledig "
            f"({len(raw)} respondenten gelezen).",
            hint="Zet het volledige bestand terug (zie survey/SOURCES.md).",
        )
    if "iisID" not in raw.columns:
        raise SourceError(f"Het enquêtebestand van {SURVEY} ({path}) mist kolom(men): iisID.")
    frame = apply_mapping(raw, VU_ITEMS, survey=SURVEY, path=path)
    frame.insert(0, "respondent_id", raw["iisID"].astype(str).to_numpy())
    frame.insert(1, "survey", "vu2021")
    frame["pc4"] = frame["pc4"].astype("Int64")
    return check_frame(frame, survey=SURVEY)


def analysis_sample(frame: pd.DataFrame) -> pd.DataFrame:
    """Respondents who answered at least one trust item (the F2 battery).

    About 245 of 2,171 panel members broke off before block F; they carry no information on
    trust or engagement and are left out (their demographics alone would only dilute the
    classes). Also drops the two respondents without an age band or sex (none in 2021).
    """
    keep = (
        frame[list(TRUST_ITEMS)].notna().any(axis=1) & frame["age"].notna() & frame["sex"].notna()
    )
    return frame.loc[keep].reset_index(drop=True)


def load_vu(data_dir: Path) -> tuple[pd.DataFrame, str]:
    """The analysis sample and the SHA-256 of the file it came from."""
    path = vu_path(data_dir)
    frame = read_vu_panel(path)
    return analysis_sample(frame), file_sha256(path)
