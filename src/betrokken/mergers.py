"""Municipal mergers (herindelingen) since 2019: the one list every stage maps codes with.

Source: CBS "Gemeentelijke indelingen per jaar" (public reference data, not election data).
Used by the Gezondheidsmonitor mapping (2020 codes -> 2024 gemeenten) and by the validation
report (election results on older borders -> 2024 borders).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["MERGERS", "SPLITS", "Merger", "successor_map"]


@dataclass(frozen=True)
class Merger:
    effective: dt.date
    old: tuple[str, ...]
    new: str
    name: str


MERGERS: tuple[Merger, ...] = (
    Merger(dt.date(2021, 1, 1), ("GM0003", "GM0010", "GM0024"), "GM1979", "Eemsdelta"),
    Merger(dt.date(2022, 1, 1), ("GM0398", "GM0416"), "GM1980", "Dijk en Waard"),
    Merger(dt.date(2022, 1, 1), ("GM0370", "GM0439"), "GM0439", "Purmerend"),
    Merger(dt.date(2022, 1, 1), ("GM0756", "GM0786", "GM0815", "GM1684", "GM1702"), "GM1982",
           "Land van Cuijk"),
    Merger(dt.date(2022, 1, 1), ("GM0856", "GM1685"), "GM1991", "Maashorst"),
    # Weesp joined Amsterdam on 24 March 2022; the GR2022 election of 16 March was
    # already held for the merged gemeente, so for elections it counts from that day.
    Merger(dt.date(2022, 3, 16), ("GM0363", "GM0457"), "GM0363", "Amsterdam"),
    Merger(dt.date(2023, 1, 1), ("GM0501", "GM0530", "GM0614"), "GM1992", "Voorne aan Zee"),
)
"""Mergers between 2019 and the 2024 borders of the database."""

SPLITS: dict[str, str] = {
    "GM0788": "Haaren (split over Boxtel, Oisterwijk, Tilburg and Vught in 2021)",
}
"""Gemeenten divided over several others: no single successor."""


def successor_map(after: dt.date) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Old code -> 2024 code for every merger effective after ``after``, and new -> olds."""
    mapping: dict[str, str] = {}
    members: dict[str, set[str]] = {}
    for merger in MERGERS:
        if merger.effective > after:
            for old in merger.old:
                mapping[old] = merger.new
            members[merger.new] = set(merger.old)
    return mapping, members
