"""The Bereikcheck on a published database, and its result as a workbook.

The statistics are in ``areas/reach.py``; this runs them for a target area read from the
database (``store.target_areas``) with the committed profile model, for the page, the
API and ``betrokken bereikcheck`` alike.
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
from openpyxl import Workbook

from betrokken import schema
from betrokken.areas import reach
from betrokken.areas.postcodes import pc4_from_token
from betrokken.limits import LOCAL_FILE, MAX_PARTICIPANT_ROWS, WEB_UPLOAD
from betrokken.model.artifact import load_model
from betrokken.store.catalogue import load_catalogue
from betrokken.store.search import area_code_for
from betrokken.store.target_areas import TargetAreaReader
from betrokken.survey import own
from betrokken.uploads import read_rows


def read_participants(data: bytes, name: str, *, source: str, web: bool = True):
    """Participants from file bytes or pasted text: ``(frame, reached or None)``.

    Read by ``betrokken.uploads`` (budget ``WEB_UPLOAD``; ``web=False``, the CLI reading
    a local file: ``LOCAL_FILE``); the row limit ``MAX_PARTICIPANT_ROWS`` holds for both.
    A header naming quiz items makes it a quiz answer file (``survey.own``): the reached
    profile mix replaces the expected one.
    """
    if not data.strip():
        raise reach.ReachError(
            f"Het bestand '{name}' is leeg." if source.startswith("'")
            else f"Er staan geen deelnemers in {source}."
        )
    rows = read_rows(data, name, budget=WEB_UPLOAD if web else LOCAL_FILE,
                     max_rows=MAX_PARTICIPANT_ROWS + 1)
    if rows and own.has_quiz_columns(rows[0]):
        participants, pc4, probs = own.quiz_participants(rows, name, load_model())
        return participants, (pc4, probs)
    return (
        reach.participants_from_rows(rows, source=source, max_rows=MAX_PARTICIPANT_ROWS),
        None,
    )


_CODE_TOKEN = re.compile(rf"^(?:{schema.GEMEENTE_CODE}|{schema.WIJK_CODE})$")


def target_text(cur, area: str, cat=None) -> str:
    """The Bereikcheck's target as codes: codes and postcodes as given, a gemeente or
    wijk name ('Utrecht', 'overvecht') as its code; an ambiguous or unknown name raises
    a Dutch question or message (``store.search.area_code_for``). ``cat`` is the web
    app's catalogue; without it the catalogue is read only when a name must be looked up."""
    tokens = [t for t in re.split(r"[\s,;]+", (area or "").strip().upper()) if t]
    if not tokens or all(_CODE_TOKEN.match(t) or pc4_from_token(t) for t in tokens):
        return area
    return area_code_for(cat if cat is not None else load_catalogue(cur), area,
                         levels=("gemeente", "wijk"), option="het doelgebied")


def run_check(cur, area: str, participants, reached=None, cat=None) -> dict[str, Any]:
    """The check; ``reached`` is ``(pc4 codes, posteriors)`` of participants with quiz
    answers (only those living in the target area count), or a (1, 8) array of summed
    posteriors (the download, which carries only that aggregate). ``area`` may be a
    gemeente or wijk name (``target_text``)."""
    area = target_text(cur, area, cat)
    model = load_model()
    target = reach.load_target(TargetAreaReader(cur), area, model.profile_ids)
    profiles = None
    if isinstance(reached, tuple):
        pc4, probs = reached
        inside = np.isin(np.asarray(pc4, dtype=object), target.pc4_units["pc4"].to_numpy())
        if inside.any():
            profiles = probs[inside]
    elif reached is not None:
        profiles = np.asarray(reached, float).reshape(1, -1)
    return reach.bereikcheck(target, participants, model, reached_profiles=profiles)


def result_workbook(result: dict) -> bytes:
    """The check as an .xlsx: groups with verdicts, advice, reweighting table."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Groepen"
    ws.append(
        [
            "dimensie",
            "groep",
            "omschrijving",
            "deelnemers",
            "aandeel deelnemers",
            "aandeel volwassenen",
            "ondergrens",
            "bovengrens",
            "oordeel",
        ]
    )
    for g in result["groups"]:
        ws.append(
            [
                g["dimension"],
                g["group"],
                g["label"],
                g["participants"],
                g["participants_share"],
                g["population_share"],
                g["lo"],
                g["hi"],
                g["verdict"],
            ]
        )
    adv = wb.create_sheet("Advies")
    adv.append([f"Doelgebied: {result['area_name']} ({result['area']})"])
    adv.append([f"Intervallen: {result['interval_method']}, {result['level']:.0%}"])
    for line in result["advice"] or ["Geen groep duidelijk ondervertegenwoordigd."]:
        adv.append([line])
    rw = wb.create_sheet("Herweging")
    rw.append(
        ["gebied", "naam", "leeftijd", "geslacht", "aandeel volwassenen", "deelnemers", "gewicht"]
    )
    for r in result["reweighting"]:
        rw.append(
            [
                r["unit"],
                r["unit_name"],
                r["age_band"],
                r["sex"],
                r["population_share"],
                r["participants"],
                r["weight"],
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
