"""A custom area ('eigen gebied'): a list of PC4 codes -> its profile composition.

The statistics live in ``betrokken.areas.compose.PostcodeComposer`` (adult-weighted
over the PC4 mixes, with intervals); this module only reads uploaded files (through
``betrokken.uploads``; postcodes parsed by ``areas.postcodes``) and applies the
publication rule to the answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import UploadFile
from fastapi.concurrency import run_in_threadpool

from betrokken import schema
from betrokken.areas.compose import PostcodeComposer
from betrokken.errors import BetrokkenError
from betrokken.store.catalogue import Catalogue, int_or_none
from betrokken.uploads import UploadTooLarge, read_text
from betrokken.web import limits

__all__ = ["NotAvailable", "UploadTooLarge", "compose", "read_upload", "upload_text"]


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
    """The postcode text in an uploaded file's bytes, within every upload limit
    (``betrokken.uploads``, budget ``limits.WEB_UPLOAD``)."""
    return read_text(data, name)


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
