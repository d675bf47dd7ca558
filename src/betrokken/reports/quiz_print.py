"""The Profielquiz on paper (PDF via Typst) and as a CSV template for an own survey.

Both list the same items, wording and option values as ``GET /api/quiz``, so answers
collected on paper or in a municipality's own survey or sign-up form can be read back by
``betrokken import`` and the Bereikcheck. The PDF is compiled like the area reports
(``reports/area_report.py``): the Typst template and a JSON of the questions in a
temporary folder, nothing about a person anywhere.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from importlib import resources
from pathlib import Path

from betrokken.errors import BetrokkenError
from betrokken.model.quiz import quiz_items

__all__ = ["quiz_pdf", "quiz_template_csv"]

TEMPLATE = "quiz_print.typ"


def quiz_pdf(model) -> bytes:
    """A4 PDF (PDF/UA) of the quiz: one question per block, a box per answer."""
    import typst

    data = {
        "title": "Profielquiz",
        "model_version": model.version,
        "intro": "Twaalf vragen uit de enquête waarop de betrokkenheidsprofielen zijn "
        "gebaseerd. Kruis per vraag één antwoord aan; een vraag overslaan mag. Het getal "
        "tussen haakjes is de waarde voor het invoerbestand (CSV-sjabloon).",
        "questions": quiz_items(model),
        "footer": "Uitslag: vul de antwoorden in op de quizpagina van betrokken, of lever ze "
        "als bestand aan bij de Bereikcheck of 'betrokken import'. Antwoorden worden "
        "nergens bewaard.",
    }
    template = resources.files("betrokken.reports").joinpath("templates", TEMPLATE).read_text()
    with tempfile.TemporaryDirectory(prefix="betrokken-quiz-") as tmp:
        work = Path(tmp)
        (work / "quiz.typ").write_text(template, encoding="utf-8")
        (work / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        try:
            return typst.compile(str(work / "quiz.typ"), root=str(work), pdf_standards=["ua-1"])
        except Exception as exc:  # typst raises its own error type with the source position
            raise BetrokkenError(f"De quiz kon niet worden opgemaakt: {exc}") from None


def quiz_template_csv(model) -> bytes:
    """CSV (UTF-8 with BOM, ';'): items with wording and option values, then the layout
    of an answer file (one row per respondent)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["item_id", "vraag", "waarde", "antwoord"])
    items = quiz_items(model)
    for item in items:
        for opt in item["options"]:
            writer.writerow([item["id"], item["text"], opt["value"], opt["label"]])
    writer.writerow([])
    writer.writerow(["# Antwoordbestand: één regel per respondent, kolommen:"])
    writer.writerow(["respondent", "leeftijd", "geslacht", "postcode", *[i["id"] for i in items]])
    return out.getvalue().encode("utf-8-sig")
