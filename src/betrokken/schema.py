"""The contracts between the stages: table names, column names and category codes.

Every stage (sources -> areas -> model -> mix -> store -> web) reads and writes the
names declared here, so a rename happens in one place. The database tables are
documented column by column in ``docs/data.md``; this module is the machine-readable
half of that document.
"""

from __future__ import annotations

LEVELS: tuple[str, ...] = ("gemeente", "wijk", "buurt", "pc4")
"""Area levels, coarse to fine (pc4 sits beside wijk/buurt, below gemeente)."""

LEVEL_LABELS_NL: dict[str, str] = {
    "gemeente": "Gemeente",
    "wijk": "Wijk",
    "buurt": "Buurt",
    "pc4": "Postcode (4 cijfers)",
}

MIN_RESIDENTS_PUBLISHED = 50
"""Areas with fewer residents get no published profile mix (privacy, issue #4)."""

# --- Demographic cells shared by the survey, the membership model and poststratification.
# Coded exactly as CBS publishes them per area (KWB age bands; adults only, so the
# 0-15 band is dropped and the 15-25 band stands for the survey's 18-24).
AGE_BANDS: tuple[str, ...] = ("15_24", "25_44", "45_64", "65plus")
SEXES: tuple[str, ...] = ("man", "vrouw")
EDUCATION_LEVELS: tuple[str, ...] = ("laag", "midden", "hoog")
MIGRATION_BACKGROUNDS: tuple[str, ...] = ("nl", "west", "nietwest")
URBANITY_CLASSES: tuple[int, ...] = (1, 2, 3, 4, 5)
"""CBS stedelijkheid: 1 = zeer sterk stedelijk ... 5 = niet stedelijk."""

ADULT_FRACTION_15_24 = 0.7
"""Share of CBS's 15-24 age band that is 18 or older: 7 of its 10 single years, assuming
residents are spread evenly over the band (the survey weights in ``survey/targets.py``
make the same assumption). Turns the CBS bands into the model's 18+ population."""

CELL_VARIABLES: dict[str, tuple[str, ...]] = {
    "age": AGE_BANDS,
    "sex": SEXES,
    "education": EDUCATION_LEVELS,
    "migration": MIGRATION_BACKGROUNDS,
}
CELL_VARIABLE_WORDS: dict[str, str] = {
    "age": "leeftijd", "sex": "geslacht", "education": "opleiding", "migration": "herkomst",
}
"""The cell variables in the Dutch of the build report."""

# --- Table `areas`: one row per area and year (harmonised marginals as shares).
AREA_ID_COLUMNS: tuple[str, ...] = (
    "year",
    "level",
    "area_code",
    "area_name",
    "gemeente_code",
    "wijk_code",
    "population",
)
AREA_SHARE_COLUMNS: tuple[str, ...] = (
    "share_age_0_14",
    "share_age_15_24",
    "share_age_25_44",
    "share_age_45_64",
    "share_age_65plus",
    "share_man",
    "share_vrouw",
    "share_hh_single",
    "share_hh_couple_no_children",
    "share_hh_with_children",
    "share_migration_nl",
    "share_migration_west",
    "share_migration_nietwest",
    "share_edu_laag",
    "share_edu_midden",
    "share_edu_hoog",
    "share_low_income_hh",
    "share_high_income_hh",
    "share_owner_occupied",
)
AREA_VALUE_COLUMNS: tuple[str, ...] = (
    "income_avg",  # average income per resident, x 1000 euro
    "woz_avg",  # average WOZ value, x 1000 euro
    "address_density",  # omgevingsadressendichtheid, addresses per km2
    "urbanity",  # stedelijkheid 1..5
)
AREA_FLAG_COLUMNS: tuple[str, ...] = (
    "derived_columns",  # comma-separated columns derived from the parent level
    "secret_columns",  # comma-separated columns that CBS kept secret (NULL here)
    "is_current",  # the row used for the profile mix of this level
    "figure_sources",  # where each not-own figure comes from: "column:origin,..." (below)
)
FIGURE_ORIGINS: dict[str, str] = {
    "gemeente": "the gemeente's figure, copied",
    "wijk": "the wijk's figure, copied",
    "wijken": "mean of the wijken the postcode's addresses lie in",
    "model": "estimated by the margin model (areas.margins), benchmarked to the gemeente",
    "2022": "the area's own figure of KWB 2022 (no 2024 figure)",
    "2019": "the same wijk's 2019 figure, benchmarked to the gemeente now",
    "adressen": "estimated from the area's addresses and land area (areas.urbanity)",
}
"""Origins used in ``figure_sources`` (a column not listed there is the area's own)."""
AREA_SE_COLUMNS: tuple[str, ...] = (
    "share_edu_laag_se",
    "share_edu_midden_se",
    "share_edu_hoog_se",
    "share_low_income_hh_se",
    "share_high_income_hh_se",
    "income_avg_se",
    "woz_avg_se",
)
"""Standard errors of the margin model's estimates (NULL where the figure is published)."""

# --- Table `area_geometries`: level, area_code, year, geom_rd (EPSG:28992),
#     geom_wgs84 and geom_display (simplified WGS84), all DuckDB GEOMETRY.

# --- Table `profile_mix` (long): year, level, area_code, profile_id,
#     share, share_lo, share_hi  (90 % interval), NULL when suppressed.
# --- Table `area_indices`: year, level, area_code, population, suppressed,
#     suppression_reason, engagement_index(_lo/_hi), low_trust_share(_lo/_hi),
#     political_engagement(_lo/_hi), local_engagement(_lo/_hi), estimate_method.
# --- Table `local_indicators`: Gezondheidsmonitor shares per area (+ _se), match method.
# --- Table `national_estimates`: measure, value, lo, hi (NL aggregate of the gemeenten).
# --- Table `area_contrasts`: year, level, area_code, reference (nederland|gemeente),
#     measure, diff, diff_lo, diff_hi, clear (90 % interval of the difference excludes 0).
# --- Table `profiles`: the eight profile cards (id, position, name, share, ... , card_json).
# --- Table `sources`: name, description, year, licence, origin, path_or_url.
# --- Table `build_info`: key, value (build time, code version, model version, data dir).

INTERVAL_LEVEL = 0.90
"""The level of every interval the product publishes (mix, indices, attitudes, the
Bereikcheck as a whole)."""
INTERVAL_TAILS: tuple[float, float] = (
    round((1 - INTERVAL_LEVEL) / 2, 10), round((1 + INTERVAL_LEVEL) / 2, 10))
"""The quantiles that bound a percentile interval at ``INTERVAL_LEVEL`` (0.05, 0.95)."""

GEMEENTE_CODE = r"GM\d{4}"
WIJK_CODE = r"WK\d{4}[0-9A-Z]{2}"
BUURT_CODE = r"BU\d{4}[0-9A-Z]{4}"
"""CBS area codes: GM + 4 digits; a wijk adds 2 and a buurt 4 characters that are digits
or, in Amsterdam, capital letters (WK0363AA, BU0363AA01)."""

LOW_TRUST_THRESHOLD = 0.5
"""Trust axis (0-1) below its midpoint = low trust (profile cards and the direct model)."""
HIGH_ENGAGEMENT_QUANTILE = 2 / 3
"""High political engagement = the national (weighted) top third of the engagement axis."""

INDEX_COLUMNS: tuple[str, ...] = (  # columns of `area_indices`, point and 90 % interval
    "engagement_index",
    "engagement_index_lo",
    "engagement_index_hi",
    "low_trust_share",
    "low_trust_share_lo",
    "low_trust_share_hi",
    "political_engagement",
    "political_engagement_lo",
    "political_engagement_hi",
    "local_engagement",
    "local_engagement_lo",
    "local_engagement_hi",
)
"""engagement_index = 0.5 x political_engagement + 0.5 x local_engagement (docs/method.md)."""

PC4_MIN, PC4_MAX = 1000, 9999
"""A Dutch PC4 is a number from 1000 to 9999 ('0123' is none): the one rule every reader of
postcodes follows (``areas.postcodes.pc4_from_token``, ``survey.vu``)."""
