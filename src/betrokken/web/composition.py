"""A custom area ('eigen gebied'): a list of PC4 codes -> its profile composition.

The statistics live in ``betrokken.areas.compose.PostcodeComposer`` (adult-weighted
over the PC4 mixes, with intervals); this module only reads uploaded files (text
decoding and parsing in ``areas.postcodes``) and applies the publication rule to the
answer.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from fastapi import UploadFile
from fastapi.concurrency import run_in_threadpool

from betrokken import schema
from betrokken.areas.compose import PostcodeComposer
from betrokken.areas.postcodes import PostcodeListError, decode_postcode_file
from betrokken.errors import BetrokkenError
from betrokken.store.catalogue import Catalogue, int_or_none
from betrokken.web import limits


class UploadTooLarge(BetrokkenError):
    """An uploaded file above ``limits.MAX_UPLOAD_BYTES``."""

    status_code = 413


class NotAvailable(BetrokkenError):
    """A feature whose data or code is missing from this installation."""

    status_code = 503


async def read_upload(upload: UploadFile) -> str:
    """The text of an uploaded .txt/.csv (or the cells of an .xlsx), size-checked.

    Only the bounded read happens on the event loop; decoding and spreadsheet parsing run
    in a worker thread, so one slow file never holds up other requests.
    """
    data = await upload.read(limits.MAX_UPLOAD_BYTES + 1)
    return await run_in_threadpool(upload_text, data, upload.filename or "bestand")


def upload_text(data: bytes, name: str) -> str:
    """The postcode text in an uploaded file's bytes, within every upload limit."""
    if len(data) > limits.MAX_UPLOAD_BYTES:
        raise UploadTooLarge(
            f"Het bestand '{name}' is groter dan {limits.MAX_UPLOAD_BYTES // 1024} kB.",
            hint=f"Gebruik een lijst van hoogstens {limits.MAX_COMPOSE_POSTCODES} postcodes.",
        )
    if not data.strip():
        raise PostcodeListError(f"Het bestand '{name}' is leeg.")
    if name.lower().endswith(".xlsx"):
        return _xlsx_text(data, name)
    text = decode_postcode_file(data, name)
    if text.count("\n") >= limits.MAX_UPLOAD_ROWS:
        raise _too_many_rows(name)
    return text


def _too_many_rows(name: str) -> UploadTooLarge:
    return UploadTooLarge(
        f"Het bestand '{name}' heeft meer dan {limits.MAX_UPLOAD_ROWS:,} regels.".replace(",", "."),
        hint=f"Gebruik een lijst van hoogstens {limits.MAX_COMPOSE_POSTCODES} postcodes, "
        "zonder lege regels of andere gegevens.",
    )


def _xlsx_text(data: bytes, name: str) -> str:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise PostcodeListError(f"'{name}' is geen leesbaar Excel-bestand.") from exc
    if unpacked > limits.MAX_UPLOAD_UNPACKED_BYTES:
        raise UploadTooLarge(
            f"Het Excel-bestand '{name}' is uitgepakt groter dan "
            f"{limits.MAX_UPLOAD_UNPACKED_BYTES // (1024 * 1024)} MB.",
            hint="Zet alleen de postcodes in het eerste werkblad, of upload een .csv-bestand.",
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        lines = []
        for n_rows, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if n_rows > limits.MAX_UPLOAD_ROWS:
                raise _too_many_rows(name)
            cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
            if cells:
                lines.append(";".join(cells))
    except BetrokkenError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise PostcodeListError(f"'{name}' is geen leesbaar Excel-bestand.") from exc
    return "\n".join(lines)


def compose(composer: PostcodeComposer | None, cat: Catalogue, codes: list[str]) -> dict:
    """Composition of the area made of these PC4 codes (already syntax-checked).

    Unknown postcodes raise ``UnknownAreaError`` (404) naming them; suppressed postcodes
    are left out and listed. The answer has the shape of an area answer (``mix``,
    ``indices``) plus ``postcodes``, ``used`` and ``suppressed_postcodes``.
    """
    if composer is None or not cat.has_mix:
        raise NotAvailable("Deze database bevat nog geen profielmix; samenstellen kan niet.")
    raw: dict[str, Any] = composer.compose(codes)
    out: dict[str, Any] = {
        "postcodes": raw.get("postcodes", codes),
        "used": raw.get("used", []),
        "suppressed_postcodes": raw.get("suppressed", []),
        "population": int_or_none(raw.get("population")),
        "interval_level": schema.INTERVAL_LEVEL,
        "n_boot": raw.get("n_boot"),
    }
    if raw.get("suppressed_all") or not raw.get("mix"):
        out.update(
            suppressed=True,
            suppression_reason="Alle postcodes in de lijst zijn te klein voor een schatting "
            f"(minder dan {schema.MIN_RESIDENTS_PUBLISHED} inwoners of geheime CBS-cijfers).",
            mix=[],
            indices=None,
        )
        return out
    indices = {}
    for key in ("engagement_index", "low_trust_share", "political_engagement",
                "local_engagement"):
        block = raw.get(key) or {}
        indices[key] = block.get("value")
        indices[f"{key}_lo"] = block.get("lo")
        indices[f"{key}_hi"] = block.get("hi")
    out.update(suppressed=False, suppression_reason=None, mix=raw["mix"], indices=indices)
    return out
