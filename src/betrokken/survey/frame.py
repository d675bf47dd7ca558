"""The harmonised respondent frame: one row per respondent, the same columns for every survey.

Demographics are coded exactly like ``schema.CELL_VARIABLES`` so that the membership model
and poststratification speak the same language as the CBS area tables. Attitude items keep
their original scale (documented per item in the survey's mapping table); columns a survey
does not have are simply absent or NaN.
"""

from __future__ import annotations

import pandas as pd

from betrokken import schema
from betrokken.errors import SourceError

REGIONS: tuple[str, ...] = ("grote_steden", "west", "noord", "oost", "zuid")
"""Nielsen regions as used by the VU panel (three big cities + suburbs, then the rest)."""

DEMOGRAPHIC_COLUMNS: tuple[str, ...] = ("age", "sex", "education", "migration", "region", "pc4")

TRUST_ITEMS: tuple[str, ...] = (
    "trust_justice",
    "trust_journalism",
    "trust_government",
    "trust_parliament",
    "trust_eu",
    "trust_parties",
    "trust_politicians",
    "trust_democracy",
    "trust_science",
    "trust_companies",
    "trust_banks",
)
CYNICISM_ITEMS: tuple[str, ...] = (
    "cyn_dont_care",
    "cyn_only_vote",
    "cyn_promise_more",
    "cyn_friends",
)
EFFICACY_ITEMS: tuple[str, ...] = ("conf_skilled", "conf_solve", "conf_represented")
POPULISM_ITEMS: tuple[str, ...] = ("pop_compromise", "pop_strong_leader", "pop_people_decide")
CHANNEL_ITEMS: tuple[str, ...] = (
    "news_tv",
    "news_newspapers",
    "news_radio",
    "news_online",
    "news_social",
    "news_messaging",
    "news_conversations",
    "news_apps",
    "news_search",
)
CHANNEL_LABELS_NL: dict[str, str] = {
    "news_tv": "televisie",
    "news_newspapers": "kranten en opiniebladen",
    "news_radio": "radio en podcasts",
    "news_online": "nieuwssites",
    "news_social": "sociale media",
    "news_messaging": "berichtenapps (WhatsApp)",
    "news_conversations": "gesprekken met mensen",
    "news_apps": "nieuwsapps en pushberichten",
    "news_search": "zoekmachines",
}


def check_frame(frame: pd.DataFrame, *, survey: str) -> pd.DataFrame:
    """Check the demographic codes against schema.CELL_VARIABLES (NaN allowed)."""
    for column, codes in schema.CELL_VARIABLES.items():
        if column not in frame:
            raise SourceError(f"De respondenten van {survey} missen de kolom '{column}'.")
        bad = frame[column].dropna()[~frame[column].dropna().isin(codes)]
        if len(bad):
            raise SourceError(
                f"Kolom '{column}' van {survey} heeft onbekende codes: "
                f"{', '.join(sorted(map(str, set(bad))))[:200]}.",
                hint=f"Toegestaan: {', '.join(codes)}.",
            )
    return frame
